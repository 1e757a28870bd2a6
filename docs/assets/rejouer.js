/* « Rejouer l'apprentissage »: the run's snapshots, one after the other, recomputed in the browser.
   Data: rejouer/data/trajectoire.js (quantised weights, scores) and demo/data/images.js (the Démo's
   100 test images with Keras's probabilities); both are globals, so the page works from file:// too. */
(function () {
  "use strict";

  const R = window.Reseau;
  const galleryRow = R.galleryRow;
  const NBSP = R.NBSP;
  const SIDE = 28;
  const PIXELS = SIDE * SIDE;
  const UNITS_SHOWN = 32;  // the first layer's first 32 neurons as 28 × 28 weight images
  const STEP_MS = 900;     // playing: one snapshot every 0.9 s, 2.5 s when the reader asks for less motion
  const STEP_MS_CALM = 2500;
  const COLOURS = { train: "#0072B2", validation: "#E69F00", kept: "#009E73" };  // Okabe-Ito, as the figures
  const el = (id) => document.getElementById(id);

  let data = null;
  let sample = null;
  const nets = [];         // decoded snapshots, on demand
  const results = [];      // per snapshot: the 100 images' probabilities
  const state = { k: 0, image: 0, timer: null };
  const calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function pixelsOf(i) {
    const values = new Float32Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) values[p] = sample.images[i * PIXELS + p] / 255;
    return values;
  }

  function network(k) {
    if (!nets[k]) nets[k] = R.loadNetwork(data.snapshots[k], data.layers);
    return nets[k];
  }

  function predictAll(k) {
    if (!results[k]) {
      const net = network(k);
      results[k] = sample.labels.map((_, i) => R.forward(net, sample.pixels[i]).probabilities);
    }
    return results[k];
  }

  function rightCount(k) {
    return predictAll(k).reduce((n, p, i) => n + (R.argmax(p) === sample.labels[i] ? 1 : 0), 0);
  }

  // ---- Words for a snapshot -------------------------------------------------------------------------

  function plural(n, word) {
    return R.integer(n) + NBSP + word + (n >= 2 ? "s" : "");
  }

  function moment(s) {
    if (s.updates === 0) return "Avant la première mise à jour des poids";
    if (s.updates % data.updates_per_epoch) return "Après " + plural(s.updates, "mise") + " à jour des poids";
    const epoch = s.updates / data.updates_per_epoch;
    return "Fin de l'époque " + epoch + " (" + R.integer(s.updates) + NBSP + "mises à jour des poids)";
  }

  function sentence(k) {
    const s = data.snapshots[k];
    const right = rightCount(k);
    const n = sample.labels.length;
    let text = moment(s) + NBSP + ": " + R.integer(right) + " des " + R.integer(n) + " images " +
      (right >= 2 ? "sont " : "est ") + (s.updates > 0 && right >= n / 2 ? "déjà " : "") +
      "bien classée" + (right >= 2 ? "s" : "");
    if (s.updates === 0) text += " (le hasard en classerait environ 1 sur 10)";
    text += "\u00a0; perte de validation " + R.decimal(s.val_loss, 3) + ", exactitude de validation " +
      R.percent(s.val_accuracy) + ".";
    if (s.test_accuracy !== undefined) {
      text += " C'est l'époque dont le rapport et la Démo utilisent les poids\u00a0: exactitude sur le jeu de test " +
        R.percent(s.test_accuracy) + ", perte " + R.decimal(s.test_loss, 3) + ".";
    }
    return text;
  }

  // ---- The gallery and the bars (the Démo's style) -------------------------------------------------

  function paint(canvas, values) {
    const context = canvas.getContext("2d");
    const image = context.createImageData(SIDE, SIDE);
    for (let p = 0; p < PIXELS; p++) {
      const v = Math.round(255 * values[p]);
      image.data.set([v, v, v, 255], 4 * p);
    }
    context.putImageData(image, 0, 0);
  }

  function buildGallery() {
    const gallery = el("rejouer-galerie");
    const rows = {};
    sample.labels.forEach((label, i) => {
      if (!rows[label]) rows[label] = galleryRow(gallery, sample.classes[label]);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "demo-vignette";
      button.dataset.i = String(i);
      button.setAttribute("aria-pressed", String(i === state.image));
      button.tabIndex = i === state.image ? 0 : -1;
      const canvas = document.createElement("canvas");
      canvas.width = SIDE;
      canvas.height = SIDE;
      paint(canvas, sample.pixels[i]);
      button.appendChild(canvas);
      button.addEventListener("click", () => chooseImage(i));
      button.addEventListener("keydown", (event) => moveInGallery(event, i));
      rows[label].appendChild(button);
    });
  }

  function moveInGallery(event, i) {
    const steps = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 10, ArrowUp: -10 };
    if (!(event.key in steps)) return;
    event.preventDefault();
    const target = Math.min(sample.labels.length - 1, Math.max(0, i + steps[event.key]));
    document.querySelectorAll("#rejouer-galerie .demo-vignette").forEach((b) => {
      b.tabIndex = Number(b.dataset.i) === target ? 0 : -1;
    });
    document.querySelector('#rejouer-galerie .demo-vignette[data-i="' + target + '"]').focus();
  }

  function chooseImage(i) {
    state.image = i;
    document.querySelectorAll("#rejouer-galerie .demo-vignette").forEach((b) => {
      const chosen = Number(b.dataset.i) === i;
      b.setAttribute("aria-pressed", String(chosen));
      b.tabIndex = chosen ? 0 : -1;
    });
    showBars();
  }

  function showFrames() {
    const all = predictAll(state.k);
    document.querySelectorAll("#rejouer-galerie .demo-vignette").forEach((b) => {
      const i = Number(b.dataset.i);
      const answer = R.argmax(all[i]);
      const right = answer === sample.labels[i];
      b.classList.toggle("rejouer-juste", right);
      b.classList.toggle("demo-erreur", !right);
      b.dataset.reponse = String(answer);
      b.setAttribute("aria-label", "Image de test n°" + NBSP + sample.indices[i] + NBSP + ": " +
        sample.classes[sample.labels[i]] + (right ? ", bien classée" : ", le réseau répond " + sample.classes[answer]));
    });
  }

  function buildBars() {
    const list = el("rejouer-barres");
    sample.classes.forEach((name, c) => {
      const item = document.createElement("li");
      item.dataset.classe = String(c);
      item.innerHTML = '<span class="demo-nom"></span><span class="demo-piste"><span class="demo-barre"></span></span>' +
        '<span class="demo-valeur"></span>';
      item.querySelector(".demo-nom").textContent = name;
      list.appendChild(item);
    });
  }

  function showBars() {
    const p = predictAll(state.k)[state.image];
    const answer = R.argmax(p);
    const label = sample.labels[state.image];
    document.querySelectorAll("#rejouer-barres li").forEach((item, c) => {
      item.querySelector(".demo-barre").style.width = (100 * p[c]).toFixed(2) + "%";
      item.querySelector(".demo-valeur").textContent = R.percent(p[c]);
      item.classList.toggle("demo-predite", c === answer);
      item.classList.toggle("demo-vraie", c === label);
    });
    el("rejouer-image").textContent = "Image de test n°" + NBSP + sample.indices[state.image] + " (" +
      sample.classes[label] + ")" + NBSP + ": le réseau répond " + sample.classes[answer] + " (" +
      R.percent(p[answer]) + ")" + (answer === label ? ", bonne réponse." : ", erreur.");
  }

  // ---- The first layer's weights: one 28 × 28 image per neuron, orange < 0 < blue ---------------------

  function showWeights() {
    const layer = network(state.k).layers[0];
    const shown = Math.min(UNITS_SHOWN, layer.nOut);
    const magnitudes = [];
    for (let p = 0; p < layer.nIn; p++) {
      for (let j = 0; j < shown; j++) magnitudes.push(Math.abs(layer.W[p * layer.nOut + j]));
    }
    magnitudes.sort((a, b) => a - b);
    const limit = magnitudes[Math.floor(0.99 * (magnitudes.length - 1))] || 1;  // as the site's weight figure
    const canvas = el("rejouer-poids");
    const columns = 8;
    const gap = 2;
    const context = canvas.getContext("2d");
    const image = context.createImageData(canvas.width, canvas.height);
    const white = [255, 255, 255];
    const blue = [0, 114, 178];
    const orange = [230, 159, 0];
    for (let j = 0; j < shown; j++) {
      const x0 = (j % columns) * (SIDE + gap);
      const y0 = Math.floor(j / columns) * (SIDE + gap);
      for (let p = 0; p < PIXELS; p++) {
        const t = Math.max(-1, Math.min(1, layer.W[p * layer.nOut + j] / limit));
        const end = t >= 0 ? blue : orange;
        const a = Math.abs(t);
        const offset = 4 * ((y0 + Math.floor(p / SIDE)) * canvas.width + x0 + (p % SIDE));
        for (let c = 0; c < 3; c++) image.data[offset + c] = Math.round(white[c] + a * (end[c] - white[c]));
        image.data[offset + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
    el("rejouer-poids-echelle").textContent = "Échelle de cette image" + NBSP + ": bleu franc à +" +
      R.decimal(limit, 3) + ", orange franc à " + R.decimal(-limit, 3) + " (99" + NBSP + "% des poids montrés sont plus petits).";
  }

  // ---- The curves (SVG): 20 epochs, the snapshots' validation scores, a cursor ----------------------

  const SVG = "http://www.w3.org/2000/svg";
  function svgNode(name, attributes) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
    return node;
  }

  function drawCurve(id, trainKey, valKey, percentScale) {
    const svg = el(id);
    const width = 320, height = 190, left = 44, right = 10, top = 10, bottom = 30;
    const epochs = data.history[trainKey].length;
    const points = data.snapshots.map((s) => [s.epoch, s[valKey]]);
    const train = data.history[trainKey].map((v, e) => [e + 1, v]);
    const values = points.map((p) => p[1]).concat(train.map((p) => p[1]));
    let low = Math.min(...values), high = Math.max(...values);
    if (percentScale) { low = Math.floor(low * 10) / 10; high = 1; } else { low = 0; high = Math.ceil(high * 2) / 2; }
    const x = (e) => left + (e / epochs) * (width - left - right);
    const y = (v) => top + (1 - (v - low) / (high - low)) * (height - top - bottom);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    const axis = svgNode("g", { class: "rejouer-axe" });
    axis.appendChild(svgNode("line", { x1: left, y1: y(low), x2: width - right, y2: y(low) }));
    axis.appendChild(svgNode("line", { x1: left, y1: top, x2: left, y2: y(low) }));
    [low, (low + high) / 2, high].forEach((v) => {
      const label = svgNode("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end" });
      label.textContent = percentScale ? R.percent(v, 0) : R.decimal(v, 1);
      axis.appendChild(label);
    });
    [0, Math.round(epochs / 2), epochs].forEach((e) => {
      const label = svgNode("text", { x: x(e), y: height - 14, "text-anchor": "middle" });
      label.textContent = String(e);
      axis.appendChild(label);
    });
    const caption = svgNode("text", { x: (left + width) / 2, y: height - 2, "text-anchor": "middle" });
    caption.textContent = "époque";
    axis.appendChild(caption);
    svg.appendChild(axis);
    const kept = x(data.kept_epoch);
    svg.appendChild(svgNode("line", { x1: kept, y1: top, x2: kept, y2: y(low), stroke: COLOURS.kept,
                                      "stroke-dasharray": "4 3", "stroke-width": 1.5 }));
    const path = (list) => list.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
    svg.appendChild(svgNode("path", { d: path(train), fill: "none", stroke: COLOURS.train, "stroke-width": 2 }));
    svg.appendChild(svgNode("path", { d: path(points), fill: "none", stroke: COLOURS.validation, "stroke-width": 2 }));
    const cursor = svgNode("line", { class: "rejouer-curseur", y1: top, y2: y(low) });
    const dot = svgNode("circle", { r: 5, fill: COLOURS.validation, stroke: "currentColor", "stroke-width": 1.5 });
    svg.appendChild(cursor);
    svg.appendChild(dot);
    return (s) => {
      cursor.setAttribute("x1", x(s.epoch));
      cursor.setAttribute("x2", x(s.epoch));
      dot.setAttribute("cx", x(s.epoch));
      dot.setAttribute("cy", y(s[valKey]));
    };
  }

  // ---- Showing one snapshot, playing -------------------------------------------------------------

  let moveCursors = [];

  function show(k) {
    state.k = k;
    const s = data.snapshots[k];
    const slider = el("rejouer-curseur");
    slider.value = String(k);
    slider.setAttribute("aria-valuetext", moment(s));
    el("rejouer-moment").textContent = moment(s);
    el("rejouer-phrase").textContent = sentence(k);
    el("rejouer-phrase").dataset.justes = String(rightCount(k));
    el("rejouer-scores").textContent = "Validation" + NBSP + ": perte " + R.decimal(s.val_loss, 3) +
      ", exactitude " + R.percent(s.val_accuracy);
    showFrames();
    showBars();
    showWeights();
    moveCursors.forEach((move) => move(s));
  }

  function play() {
    const button = el("rejouer-lecture");
    if (state.timer !== null) {  // pause
      clearInterval(state.timer);
      state.timer = null;
      button.textContent = "Lecture";
      button.setAttribute("aria-pressed", "false");
      el("rejouer-phrase").setAttribute("aria-live", "polite");
      return;
    }
    if (state.k === data.snapshots.length - 1) show(0);
    button.textContent = "Pause";
    button.setAttribute("aria-pressed", "true");
    el("rejouer-phrase").setAttribute("aria-live", "off");  // no announcement every second while playing
    state.timer = setInterval(() => {
      if (state.k >= data.snapshots.length - 1) { play(); return; }
      show(state.k + 1);
    }, calm ? STEP_MS_CALM : STEP_MS);
  }

  function start() {
    if (!window.REJOUER_TRAJECTOIRE || !window.DEMO_IMAGES) {
      el("rejouer-phrase").textContent = "Données absentes (rejouer/data/trajectoire.js, demo/data/images.js)" + NBSP +
        ": lancez «" + NBSP + "make report" + NBSP + "» pour les créer.";
      return;
    }
    data = window.REJOUER_TRAJECTOIRE;
    document.documentElement.classList.add("rejouer-actif");  // the player replaces the fixed frames
    const raw = window.DEMO_IMAGES;
    sample = { classes: raw.classes, indices: raw.indices, labels: raw.labels, images: R.decode(raw.images),
               keras: R.decode(raw.keras) };
    sample.pixels = sample.labels.map((_, i) => pixelsOf(i));
    const slider = el("rejouer-curseur");
    slider.max = String(data.snapshots.length - 1);
    slider.addEventListener("input", () => show(Number(slider.value)));
    el("rejouer-lecture").addEventListener("click", play);
    el("rejouer-lecture").disabled = false;
    buildGallery();
    buildBars();
    moveCursors = [drawCurve("rejouer-perte", "loss", "val_loss", false),
                   drawCurve("rejouer-exactitude", "accuracy", "val_accuracy", true)];
    show(0);
    window.rejouer = {
      ready: true, count: data.snapshots.length, show, state,
      snapshot: (k) => ({ updates: data.snapshots[k].updates, epoch: data.snapshots[k].epoch }),
      probabilities: (k) => predictAll(k).map((p) => Array.from(p)),
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
