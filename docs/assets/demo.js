/* Demo page: the network trained by `make report`, computed in the browser without any library.
   Data come from demo/data/poids.js and demo/data/images.js (globals, so file:// works too). */
(function () {
  "use strict";

  const SIDE = 28;
  const PIXELS = SIDE * SIDE;
  const NBSP = "\u00a0";
  const BRUSHES = { fin: 1.0, moyen: 1.6, epais: 2.3, gomme: 2.0 };

  // Decoding, the forward pass and French numbers: assets/reseau.js, shared with « Rejouer l'apprentissage ».
  const { decode, loadNetwork, forward, argmax, decimal, percent, integer, galleryRow } = window.Reseau;

  // ---- French number formatting -----------------------------------------------------------------

  function scientific(x) {
    if (x === 0) return "0";
    const [mantissa, exponent] = x.toExponential(1).split("e");
    const sup = { "-": "\u207b", 0: "\u2070", 1: "\u00b9", 2: "\u00b2", 3: "\u00b3", 4: "\u2074",
                  5: "\u2075", 6: "\u2076", 7: "\u2077", 8: "\u2078", 9: "\u2079" };
    const power = String(Number(exponent)).split("").map((c) => sup[c]).join("");
    return mantissa.replace(".", ",") + NBSP + "\u00d7" + NBSP + "10" + power;
  }
  function plural(n, word) {
    return integer(n) + NBSP + word + (n >= 2 ? "s" : "");
  }

  // ---- State -----------------------------------------------------------------------------------

  const el = (id) => document.getElementById(id);
  const state = {
    pixels: new Float32Array(PIXELS),  // what the network sees, 0 = black, 1 = white
    source: null,                      // {kind: "test"|"dessin"|"vide"|"fichier", index, label, text}
    result: null,
    brush: BRUSHES.moyen,
    erase: false,
    cursor: { x: SIDE / 2, y: SIDE / 2 },  // the keyboard's brush position, in grid cells
  };
  let net = null;
  let sample = null;

  function testPixels(k) {
    const values = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) values[i] = sample.images[k * PIXELS + i] / 255;
    return values;
  }

  function kerasRow(k) {
    return Array.from(sample.keras.subarray(k * net.nOut, (k + 1) * net.nOut));
  }

  // ---- Drawing the input grid -----------------------------------------------------------------

  function paintGrayscale(canvas, values, width, height) {
    const context = canvas.getContext("2d");
    const image = context.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = Math.round(255 * Math.min(1, Math.max(0, values[i])));
      image.data.set([v, v, v, 255], 4 * i);
    }
    if (canvas.width === width && canvas.height === height) {
      context.putImageData(image, 0, 0);
      return;
    }
    const small = document.createElement("canvas");
    small.width = width;
    small.height = height;
    small.getContext("2d").putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(small, 0, 0, canvas.width, canvas.height);
  }

  function drawGrid() {
    const canvas = el("demo-grille");
    paintGrayscale(canvas, state.pixels, SIDE, SIDE);
    const context = canvas.getContext("2d");
    const cell = canvas.width / SIDE;
    context.strokeStyle = "rgba(128, 128, 128, 0.25)";
    context.lineWidth = 1;
    context.beginPath();
    for (let i = 1; i < SIDE; i++) {
      context.moveTo(i * cell + 0.5, 0);
      context.lineTo(i * cell + 0.5, canvas.height);
      context.moveTo(0, i * cell + 0.5);
      context.lineTo(canvas.width, i * cell + 0.5);
    }
    context.stroke();
    if (document.activeElement === canvas) {  // keyboard cursor: a square that shows on black and white
      const { x, y } = state.cursor;
      context.lineWidth = 2;
      context.strokeStyle = "#ff9800";
      context.strokeRect(x * cell + 1, y * cell + 1, cell - 2, cell - 2);
      context.strokeStyle = "#2196f3";
      context.strokeRect(x * cell - 1, y * cell - 1, cell + 2, cell + 2);
    }
  }

  // A round brush with a soft edge: strokes look like the smooth Fashion-MNIST images.
  function stamp(gx, gy) {
    const r = state.brush;
    for (let y = Math.floor(gy - r - 1); y <= Math.ceil(gy + r + 1); y++) {
      for (let x = Math.floor(gx - r - 1); x <= Math.ceil(gx + r + 1); x++) {
        if (x < 0 || y < 0 || x >= SIDE || y >= SIDE) continue;
        const d = Math.hypot(x + 0.5 - gx, y + 0.5 - gy);
        const ink = Math.min(1, Math.max(0, r + 0.5 - d));
        const i = y * SIDE + x;
        state.pixels[i] = state.erase ? Math.min(state.pixels[i], 1 - ink) : Math.max(state.pixels[i], ink);
      }
    }
  }

  function strokeTo(from, to) {
    const steps = Math.max(1, Math.ceil(Math.hypot(to.x - from.x, to.y - from.y) / 0.25));
    for (let s = 1; s <= steps; s++) {
      stamp(from.x + ((to.x - from.x) * s) / steps, from.y + ((to.y - from.y) * s) / steps);
    }
  }

  function setupDrawing() {
    const canvas = el("demo-grille");
    let last = null;
    const toGrid = (event) => {
      const box = canvas.getBoundingClientRect();
      return { x: ((event.clientX - box.left) / box.width) * SIDE, y: ((event.clientY - box.top) / box.height) * SIDE };
    };
    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = toGrid(event);
      markDrawn();
      stamp(last.x, last.y);
      schedule();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (last === null) return;
      const point = toGrid(event);
      strokeTo(last, point);
      last = point;
      schedule();
    });
    const stop = () => { last = null; };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    setupKeyboard(canvas);
  }

  // Keyboard drawing: arrows move a cursor, Space or Enter paints under it, Shift + arrows draw a
  // stroke, Delete clears. The cursor's position is announced (aria-live) in #demo-curseur.
  const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  function showCursor() {
    const { x, y } = state.cursor;
    el("demo-curseur").textContent = "Curseur" + NBSP + ": ligne " + (y + 1) + ", colonne " + (x + 1) +
      " sur " + SIDE + (state.erase ? " (gomme)" : "");
  }

  function paintAtCursor() {
    markDrawn();
    stamp(state.cursor.x + 0.5, state.cursor.y + 0.5);
    schedule();
  }

  function setupKeyboard(canvas) {
    state.cursor = { x: Math.floor(SIDE / 2), y: Math.floor(SIDE / 2) };
    canvas.addEventListener("focus", () => { showCursor(); drawGrid(); });
    canvas.addEventListener("blur", () => { el("demo-curseur").textContent = ""; drawGrid(); });
    canvas.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const move = MOVES[event.key];
      if (move) {
        event.preventDefault();  // the page does not scroll while the cursor moves
        const from = { x: state.cursor.x + 0.5, y: state.cursor.y + 0.5 };
        state.cursor.x = Math.min(SIDE - 1, Math.max(0, state.cursor.x + move[0]));
        state.cursor.y = Math.min(SIDE - 1, Math.max(0, state.cursor.y + move[1]));
        if (event.shiftKey) {
          markDrawn();
          strokeTo(from, { x: state.cursor.x + 0.5, y: state.cursor.y + 0.5 });
          schedule();
        } else {
          drawGrid();
        }
        showCursor();
      } else if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        paintAtCursor();
      } else if (event.key === "Delete" || event.key === "Backspace") {
        event.preventDefault();
        clearGrid();
      }
    });
  }

  function clearGrid() {
    state.pixels = new Float32Array(PIXELS);
    state.source = { kind: "vide", text: "Grille vide\u00a0: dessinez un vêtement (clair sur fond noir)." };
    schedule();
  }

  function markDrawn() {
    const src = state.source;
    if (src && src.kind === "test") {
      state.source = { kind: "dessin", text: "Image de test n°" + NBSP + String(src.index) + " retouchée à la main" };
    } else if (!src || src.kind !== "dessin") {
      state.source = { kind: "dessin", text: "Votre dessin" };
    }
  }

  let pending = false;
  function schedule() {
    drawGrid();
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; predict(); });
  }

  // ---- Loading an image from the disk ---------------------------------------------------------

  function luminance(data, i) {
    return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  }

  // Average gray of the border: decides the background color and whether to invert.
  function borderGray(image) {
    const probe = document.createElement("canvas");
    const scale = Math.min(1, 256 / Math.max(image.width, image.height));
    probe.width = Math.max(1, Math.round(image.width * scale));
    probe.height = Math.max(1, Math.round(image.height * scale));
    const context = probe.getContext("2d");
    context.fillStyle = "#fff";  // transparent pixels count as a white background
    context.fillRect(0, 0, probe.width, probe.height);
    context.drawImage(image, 0, 0, probe.width, probe.height);
    const data = context.getImageData(0, 0, probe.width, probe.height).data;
    let sum = 0;
    let count = 0;
    for (let y = 0; y < probe.height; y++) {
      for (let x = 0; x < probe.width; x++) {
        if (x > 0 && y > 0 && x < probe.width - 1 && y < probe.height - 1) continue;
        sum += luminance(data, 4 * (y * probe.width + x));
        count++;
      }
    }
    return sum / count;
  }

  // Fashion-MNIST's recipe: longest side brought to 28 pixels, centered, gray levels,
  // light object on a black background.
  function toNetworkInput(image) {
    const background = borderGray(image);
    const canvas = document.createElement("canvas");
    canvas.width = SIDE;
    canvas.height = SIDE;
    const context = canvas.getContext("2d");
    const gray = Math.round(background);
    context.fillStyle = "rgb(" + gray + "," + gray + "," + gray + ")";
    context.fillRect(0, 0, SIDE, SIDE);
    const scale = SIDE / Math.max(image.width, image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    context.imageSmoothingQuality = "high";
    context.drawImage(image, (SIDE - w) / 2, (SIDE - h) / 2, w, h);
    const data = context.getImageData(0, 0, SIDE, SIDE).data;
    const invert = background > 127;
    const pixels = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const v = luminance(data, 4 * i) / 255;
      pixels[i] = invert ? 1 - v : v;
    }
    return { pixels, invert };
  }

  function setupFile() {
    const input = el("demo-fichier");
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file) return;
      const url = URL.createObjectURL(file);
      const image = new Image();
      image.onload = () => {
        const { pixels, invert } = toNetworkInput(image);
        URL.revokeObjectURL(url);
        state.pixels = pixels;
        state.source = {
          kind: "fichier", invert,
          text: "Image chargée («" + NBSP + file.name + NBSP + "», " + integer(image.width) + NBSP + "×" + NBSP +
            integer(image.height) + NBSP + "px) ramenée à 28" + NBSP + "×" + NBSP + "28 niveaux de gris" +
            (invert ? "\u00a0; fond clair, couleurs inversées (Fashion-MNIST\u00a0: objet clair sur fond noir)"
                    : "\u00a0; fond déjà sombre, couleurs gardées"),
        };
        input.value = "";
        schedule();
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        el("demo-source").textContent = "Ce fichier n'est pas une image lisible par le navigateur.";
      };
      image.src = url;
    });
  }

  // ---- The gallery of test images -------------------------------------------------------------

  function pickTest(k) {
    state.pixels = testPixels(k);
    state.source = {
      kind: "test", sampleIndex: k, index: sample.indices[k], label: sample.labels[k],
      text: "Image de test n°" + NBSP + String(sample.indices[k]) + " (vraie classe" + NBSP + ": " +
        sample.classes[sample.labels[k]] + ")",
    };
    document.querySelectorAll(".demo-vignette").forEach((b) => {
      const chosen = Number(b.dataset.k) === k;
      b.setAttribute("aria-pressed", String(chosen));
      b.tabIndex = chosen ? 0 : -1;  // one Tab stop for the gallery; arrows move inside it
    });
    schedule();
  }

  function buildGallery() {
    const gallery = el("demo-galerie");
    const rows = {};
    sample.labels.forEach((label, k) => {
      if (!rows[label]) rows[label] = galleryRow(gallery, sample.classes[label]);
      const keras = argmax(kerasRow(k));
      const button = document.createElement("button");
      button.type = "button";
      button.className = "demo-vignette" + (keras === label ? "" : " demo-erreur");
      button.dataset.k = String(k);
      button.setAttribute("aria-pressed", "false");
      button.title = "Image de test n°" + NBSP + String(sample.indices[k]) + NBSP + ": " + sample.classes[label] +
        (keras === label ? "" : " (le réseau répond " + sample.classes[keras] + ")");
      button.setAttribute("aria-label", button.title);
      const canvas = document.createElement("canvas");
      canvas.width = SIDE;
      canvas.height = SIDE;
      paintGrayscale(canvas, testPixels(k), SIDE, SIDE);
      button.appendChild(canvas);
      button.addEventListener("click", () => pickTest(k));
      button.addEventListener("keydown", (event) => moveInGallery(event, button));
      rows[label].appendChild(button);
    });
  }

  // Inside the gallery: left and right go to the previous or next image, up and down to the same
  // place in the row above or below, Home and End to the first or last image; Enter or Space chooses.
  function moveInGallery(event, button) {
    const row = button.parentElement;
    const inRow = Array.from(row.querySelectorAll(".demo-vignette"));
    const all = Array.from(document.querySelectorAll(".demo-vignette"));
    const rowsList = Array.from(document.querySelectorAll(".demo-rangee"));
    let target = null;
    if (event.key === "ArrowRight") target = all[all.indexOf(button) + 1];
    else if (event.key === "ArrowLeft") target = all[all.indexOf(button) - 1];
    else if (event.key === "Home") target = all[0];
    else if (event.key === "End") target = all[all.length - 1];
    else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const other = rowsList[rowsList.indexOf(row) + (event.key === "ArrowDown" ? 1 : -1)];
      if (other) {
        const buttons = other.querySelectorAll(".demo-vignette");
        target = buttons[Math.min(inRow.indexOf(button), buttons.length - 1)];
      }
    } else return;
    event.preventDefault();
    if (!target) return;
    all.forEach((b) => { b.tabIndex = b === target ? 0 : -1; });
    target.focus();
  }

  // ---- Showing one prediction, layer by layer ---------------------------------------------------

  function buildBars() {
    const list = el("demo-barres");
    sample.classes.forEach((name, c) => {
      const item = document.createElement("li");
      item.dataset.classe = String(c);
      item.innerHTML = '<span class="demo-nom"></span><span class="demo-piste"><span class="demo-barre"></span></span>' +
        '<span class="demo-valeur"></span>';
      item.querySelector(".demo-nom").textContent = name;
      list.appendChild(item);
    });
  }

  function predict() {
    const started = performance.now();
    const result = forward(net, state.pixels);
    result.milliseconds = performance.now() - started;
    result.predicted = argmax(result.probabilities);
    state.result = result;
    showSource();
    showBars(result);
    showLayers(result);
  }

  function showSource() {
    const text = state.source ? state.source.text : "";
    if (el("demo-source").textContent !== text) el("demo-source").textContent = text;  // announced once
  }

  function showBars(result) {
    const label = state.source && state.source.kind === "test" ? state.source.label : null;
    document.querySelectorAll("#demo-barres li").forEach((item, c) => {
      const p = result.probabilities[c];
      item.querySelector(".demo-barre").style.width = (100 * p).toFixed(2) + "%";
      item.querySelector(".demo-valeur").textContent = percent(p);
      item.classList.toggle("demo-predite", c === result.predicted);
      item.classList.toggle("demo-vraie", c === label);
    });
    const name = sample.classes[result.predicted];
    let verdict = "";
    if (label !== null) {
      verdict = label === result.predicted ? " — bonne réponse" : " — erreur, c'est en réalité\u00a0: " + sample.classes[label];
    }
    // Rewritten only when its text changes: screen readers announce it (aria-live="polite").
    const text = "Le réseau répond\u00a0: " + name + " (" + percent(result.probabilities[result.predicted]) + ")" + verdict;
    const output = el("demo-prediction");
    if (output.textContent === text) return;
    output.innerHTML = "";
    const strong = document.createElement("strong");
    strong.textContent = name;
    output.append("Le réseau répond\u00a0: ", strong,
      " (" + percent(result.probabilities[result.predicted]) + ")" + verdict);
  }

  function showLayers(result) {
    const lit = state.pixels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    const mean = state.pixels.reduce((a, b) => a + b, 0) / PIXELS;
    el("demo-couche-1").textContent = integer(net.nIn) + " valeurs entre 0 et 1, dont " + plural(lit, "pixel") +
      " non noir" + (lit >= 2 ? "s" : "") + "\u00a0; moyenne " + decimal(mean, 3) + ".";
    paintGrayscale(el("demo-ruban"), state.pixels, PIXELS, 1);

    // Every hidden layer: how many of its neurons are active (demo-dense-1, demo-dense-2…).
    const hidden = net.layers.slice(0, -1);
    hidden.forEach((layer, k) => {
      const values = result.outputs[k];
      const active = values.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
      const strongest = Math.max(...values);
      const line = el("demo-dense-" + (k + 1));
      if (!line) return;
      line.textContent = integer(active) + " neurone" + (active >= 2 ? "s" : "") + " sur " +
        integer(layer.nOut) + " " + (active >= 2 ? "sont actifs" : "est actif") + " (sortie\u00a0>\u00a00)\u00a0; les " +
        integer(layer.nOut - active) + " autres valent 0 et ne transmettent rien. Le plus fort vaut " +
        decimal(strongest, 2) + ".";
      line.dataset.actifs = String(active);
      if (k === 0) drawHidden(values, strongest);
    });

    const low = Math.min(...result.scores);
    const high = Math.max(...result.scores);
    const multiplications = net.layers.reduce((n, layer) => n + layer.nIn * layer.nOut, 0);
    el("demo-dense-" + net.layers.length).textContent = integer(net.nOut) + " scores, de " + decimal(low, 2) + " à " +
      decimal(high, 2) + "\u00a0; softmax les change en probabilités positives de somme 1, et " +
      sample.classes[result.predicted] + " l'emporte avec " + percent(result.probabilities[result.predicted]) + ".";
    el("demo-duree").textContent = "Calcul complet\u00a0: " + decimal(result.milliseconds, 1) + NBSP + "ms pour " +
      integer(multiplications) + " multiplications.";
  }

  // The first hidden layer as a mosaic of 16 columns: grey = switched off, brighter = stronger.
  function drawHidden(hidden, strongest) {
    const canvas = el("demo-cachee");
    if (!canvas) return;
    const context = canvas.getContext("2d");
    const columns = 16;
    const cell = canvas.width / columns;
    context.clearRect(0, 0, canvas.width, canvas.height);
    hidden.forEach((v, j) => {
      const x = (j % columns) * cell;
      const y = Math.floor(j / columns) * cell;
      if (v > 0) {
        const t = strongest > 0 ? v / strongest : 0;
        context.fillStyle = "rgba(255, 160, 0, " + (0.25 + 0.75 * t).toFixed(3) + ")";
      } else {
        context.fillStyle = "rgba(120, 120, 120, 0.25)";
      }
      context.fillRect(x + 1, y + 1, cell - 2, cell - 2);
    });
  }

  // ---- Checking every exported image against Keras ----------------------------------------------

  function predictAll() {
    const all = [];
    for (let k = 0; k < sample.labels.length; k++) all.push(forward(net, testPixels(k)).probabilities);
    return all;
  }

  function verify() {
    const all = predictAll();
    let same = 0;
    let worst = 0;
    all.forEach((probabilities, k) => {
      const keras = kerasRow(k);
      if (argmax(probabilities) === argmax(keras)) same++;
      probabilities.forEach((p, c) => { worst = Math.max(worst, Math.abs(p - keras[c])); });
    });
    const n = sample.labels.length;
    el("demo-verification").textContent = "Sur les " + integer(n) + " images de test, votre navigateur trouve " +
      "la même classe que Keras pour " + integer(same) + " sur " + integer(n) + "\u00a0; plus grand écart entre " +
      "les probabilités\u00a0: " + scientific(worst) + ".";
    return { same, worst };
  }

  // ---- Start -------------------------------------------------------------------------------------

  function start() {
    if (!window.DEMO_POIDS || !window.DEMO_IMAGES) {
      el("demo-source").textContent = "Données de la démo absentes (demo/data/poids.js, demo/data/images.js)\u00a0: " +
        "lancez «\u00a0make report\u00a0» pour les créer.";
      return;
    }
    net = loadNetwork(window.DEMO_POIDS);
    const raw = window.DEMO_IMAGES;
    sample = { classes: raw.classes, indices: raw.indices, labels: raw.labels,
               images: decode(raw.images), keras: decode(raw.keras) };
    buildBars();
    buildGallery();
    setupDrawing();
    setupFile();
    el("demo-effacer").addEventListener("click", clearGrid);
    el("demo-outil").addEventListener("change", (event) => {
      state.erase = event.target.value === "gomme";
      state.brush = BRUSHES[event.target.value];
    });
    const check = verify();
    pickTest(0);
    predict();
    window.demo = { ready: true, forward: (pixels) => forward(net, pixels), predictAll, check, state };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
