/* « Entraîner dans le navigateur » page: trains the run's network with TensorFlow.js (layers API) on the
   Fashion-MNIST subset exported by `make report`, with live curves, an epoch table and every attempt kept.
   Data: entrainer/data/*.js and demo/data/*.js set globals (so file:// works); library: vendor/tfjs/;
   the chance-level loss and argmax: assets/reseau.js, shared by every page. */
(function () {
  "use strict";

  const NBSP = "\u00a0";
  const R = window.Reseau;
  const REDRAW_MS = 100;  // live curves and progress bar: at most ten redraws a second
  const $ = (id) => document.getElementById(id);

  // ---- French number formatting ----------------------------------------------------------------

  function decimal(x, digits) {
    if (!Number.isFinite(x)) return "n/d";  // a diverged loss (NaN, infinity), as Python's fr.decimal says it
    return x.toFixed(digits).replace("-", "\u2212").replace(".", ",");
  }
  function percent(p, digits = 1) {
    return decimal(100 * p, digits) + NBSP + "%";
  }
  function integer(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  }
  function secondsText(s) {
    return decimal(s, s < 10 ? 1 : 0) + NBSP + "s";
  }
  function rate(x) {  // a learning rate in French: 0,001 ; 1e-5 → 0,000 01 (decimals grouped by three)
    const text = x < 1e-6 ? x.toExponential(2) : x.toFixed(10).replace(/0+$/, "").replace(/\.$/, "");
    const [whole, decimals] = text.split(".");
    return decimals === undefined ? whole : whole + "," + decimals.replace(/(\d{3})(?=\d)/g, "$1" + NBSP);
  }

  // ---- Data: uint8 images, gzip then base64 ---------------------------------------------------------

  function base64Bytes(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function unpack(entry) {
    const packed = base64Bytes(entry.base64);
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async function loadData(raw) {
    const [train, test] = await Promise.all([unpack(raw.train.images), unpack(raw.test.images)]);
    return {
      classes: raw.classes,
      // Images come in blocks of one per class (pipeline/publish/browser_training.py).
      train: { images: train, labels: Int32Array.from(raw.train.labels), count: raw.train.labels.length,
               block: raw.classes.length },
      test: { images: test, labels: Int32Array.from(raw.test.labels), count: raw.test.labels.length },
    };
  }

  // Same rule as validation_blocks() in pipeline/publish/browser_training.py: floor(blocks × fraction)
  // blocks (one image per class), evenly spread, go to validation; every class stays equally represented.
  function isValidationBlock(k, fraction) {
    return Math.floor((k + 1) * fraction + 1e-9) > Math.floor(k * fraction + 1e-9);
  }

  function split(train, count, fraction) {
    const pixels = train.images.length / train.count;
    const parts = { train: [], val: [] };
    const block = train.block;
    for (let k = 0; k < count / block; k++) {
      const part = isValidationBlock(k, fraction) ? parts.val : parts.train;
      for (let i = k * block; i < (k + 1) * block; i++) part.push(i);
    }
    const pick = (indices) => {
      const images = new Uint8Array(indices.length * pixels);
      indices.forEach((i, n) => images.set(train.images.subarray(i * pixels, (i + 1) * pixels), n * pixels));
      return { images, labels: Int32Array.from(indices, (i) => train.labels[i]), count: indices.length };
    };
    return { train: pick(parts.train), val: pick(parts.val) };
  }

  // Pixels divided by 255, as in the lesson; labels as a column of class numbers (sparse labels).
  function tensors(set, shape) {
    return tf.tidy(() => {
      const x = tf.tensor(new Float32Array(set.images), [set.count, ...shape]).div(255);
      const y = tf.tensor2d(Float32Array.from(set.labels), [set.count, 1]);
      return [x, y];
    });
  }

  // ---- The network, the compilation, EarlyStopping and fit (shown on the page) ---------------------

  // --8<-- [start:model]
  // Le réseau de l'exécution, couche après couche, d'après son architecture
  // (entrainer/data/reseau.js) ; « hiddenUnits » remplace la taille de la
  // première couche cachée.
  function buildModel(architecture, hiddenUnits) {
    const dense = architecture.layers.filter((layer) => layer.kind === "Dense");
    const model = tf.sequential();
    model.add(tf.layers.flatten({ inputShape: architecture.input_shape }));
    for (const layer of architecture.layers) {
      if (layer.kind === "Dense") {
        const hidden = layer === dense[0] && dense.length > 1;
        model.add(tf.layers.dense({
          units: hidden ? hiddenUnits : layer.units,
          activation: layer.activation,
        }));
      } else if (layer.kind === "Dropout") {
        model.add(tf.layers.dropout({ rate: layer.rate }));
      }
    }
    return model;
  }
  // --8<-- [end:model]

  function compile(model, learningRate) {
    // --8<-- [start:compile]
    model.compile({
      optimizer: tf.train.adam(learningRate),
      loss: "sparseCategoricalCrossentropy",
      metrics: ["accuracy"],
    });
    // --8<-- [end:compile]
  }

  // --8<-- [start:early_stopping]
  // EarlyStopping écrit à la main : celui de TensorFlow.js refuse
  // restoreBestWeights. Après chaque époque, on compare la perte de
  // validation à la meilleure vue jusque-là.
  function earlyStopping(model, { patience, restoreBestWeights }) {
    let best = Infinity;
    let wait = 0;
    let bestWeights = null;
    return {
      bestEpoch: 0,
      stoppedEarly: false,
      onEpochEnd(epoch, logs) {
        if (logs.val_loss === undefined) return;  // époque interrompue
        if (logs.val_loss < best) {           // amélioration
          best = logs.val_loss;
          wait = 0;
          this.bestEpoch = epoch + 1;
          if (restoreBestWeights) {           // copie des poids de cette époque
            tf.dispose(bestWeights);
            bestWeights = model.getWeights().map((w) => w.clone());
          }
        } else if (++wait >= patience) {      // « patience » époques sans mieux
          this.stoppedEarly = true;
          model.stopTraining = true;
        }
      },
      onTrainEnd() {
        if (restoreBestWeights && bestWeights) {
          model.setWeights(bestWeights);      // retour à la meilleure époque
        }
        tf.dispose(bestWeights);
      },
    };
  }
  // --8<-- [end:early_stopping]

  async function fit(model, data, settings, callbacks) {
    const [xTrain, yTrain] = data.train;
    const [xVal, yVal] = data.val;
    const { epochs, batchSize } = settings;
    // --8<-- [start:fit]
    const history = await model.fit(xTrain, yTrain, {
      epochs,
      batchSize,
      validationData: [xVal, yVal],
      shuffle: true,
      callbacks,            // EarlyStopping ci-dessus, courbes et bouton Arrêter
      yieldEvery: "never",  // la page rend la main elle-même après chaque lot
    });
    // --8<-- [end:fit]
    return history;
  }

  // The browser gets the hand back after each batch (a click on Arrêter is handled at once).
  // MessageChannel, not setTimeout: no 4 ms clamp, and it keeps running in a background tab.
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  function yieldToBrowser() {
    return new Promise((resolve) => { waiting.push(resolve); channel.port2.postMessage(null); });
  }

  // ---- Backend: WebAssembly (base64 binary, so file:// works), else plain JavaScript --------------------

  async function chooseBackend() {
    const reasons = [];
    if (!tf.wasm || !window.TFJS_WASM_SIMD) {
      reasons.push("le moteur WebAssembly n'a pas été chargé");
    } else {
      try {
        const url = URL.createObjectURL(new Blob([base64Bytes(window.TFJS_WASM_SIMD)], { type: "application/wasm" }));
        tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);  // threads need cross-origin isolation
        tf.wasm.setWasmPaths({
          "tfjs-backend-wasm.wasm": url, "tfjs-backend-wasm-simd.wasm": url,
          "tfjs-backend-wasm-threaded-simd.wasm": url,
        });
        if (await tf.setBackend("wasm")) {
          await tf.ready();
          return { name: "wasm", label: "WebAssembly (SIMD)", fast: true };
        }
        reasons.push("ce navigateur refuse le module WebAssembly SIMD");
      } catch (error) {
        reasons.push("le module WebAssembly n'a pas démarré (" + error.message + ")");
      }
    }
    await tf.setBackend("cpu");
    await tf.ready();
    return { name: "cpu", label: "JavaScript pur (CPU)", fast: false, reason: reasons.join(" ; ") };
  }

  // ---- Settings: read, check, explain ---------------------------------------------------------------

  const FIELDS = {
    epochs: { id: "entrainer-epoques-max", min: 1, max: 100, integer: true, label: "Le nombre d'époques" },
    batchSize: { id: "entrainer-lot", min: 1, max: 1024, integer: true, label: "La taille de lot" },
    learningRate: { id: "entrainer-taux", min: 0.00001, max: 1, integer: false, label: "Le taux d'apprentissage" },
    hiddenUnits: { id: "entrainer-neurones", min: 1, max: 1024, integer: true, label: "Le nombre de neurones cachés" },
    patience: { id: "entrainer-patience", min: 1, max: 50, integer: true, label: "La patience" },
    trainImages: { id: "entrainer-images", min: 1000, max: 5000, step: 100, integer: true,
                   label: "Le nombre d'images" },
  };

  function numberText(x, field) {
    return field.integer ? integer(x) : rate(x);
  }

  function readSettings() {
    const settings = { restoreBestWeights: $("entrainer-restaurer").checked };
    const errors = [];
    for (const [key, field] of Object.entries(FIELDS)) {
      const input = $(field.id);
      const text = input.value.trim().replace(/\s/g, "").replace(",", ".");
      const value = Number(text);
      let problem = "";
      if (text === "" || !Number.isFinite(value)) problem = "n'est pas un nombre";
      else if (field.integer && !Number.isInteger(value)) problem = "doit être un nombre entier";
      else if (value < field.min || value > field.max) {
        problem = "doit être compris entre " + numberText(field.min, field) + " et " + numberText(field.max, field);
      } else if (field.step && value % field.step !== 0) {
        problem = "doit être un multiple de " + integer(field.step);
      }
      const message = $(field.id + "-erreur");
      if (problem) {
        errors.push(field.label + " " + problem + NBSP + ":" + " « " + input.value + " ».");
        message.textContent = field.label + " " + problem + ".";
        input.setAttribute("aria-invalid", "true");
      } else {
        message.textContent = "";
        input.removeAttribute("aria-invalid");
        settings[key] = value;
      }
    }
    return { settings, errors };
  }

  // ---- Live curves (canvas) ------------------------------------------------------------------------

  const COLOURS = { train: "#1f77b4", val: "#e8710a", reference: "#7f7f7f" };

  function drawChart(canvas, series, opts) {
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    const left = 46, right = 10, top = 10, bottom = 28;
    const dark = document.body.getAttribute("data-md-color-scheme") === "slate";
    const ink = dark ? "#e6e6e6" : "#222";
    ctx.clearRect(0, 0, w, h);
    ctx.font = "12px sans-serif";
    const xMax = Math.max(1, opts.xMax);
    const X = (x) => left + (w - left - right) * (x / xMax);
    const Y = (y) => top + (h - top - bottom) * (1 - (y - opts.yMin) / (opts.yMax - opts.yMin));
    ctx.strokeStyle = dark ? "#555" : "#ccc";
    ctx.fillStyle = ink;
    ctx.lineWidth = 1;
    for (const tick of opts.yTicks) {
      ctx.beginPath(); ctx.moveTo(left, Y(tick)); ctx.lineTo(w - right, Y(tick)); ctx.stroke();
      ctx.textAlign = "right"; ctx.fillText(opts.yFormat(tick), left - 4, Y(tick) + 4);
    }
    const step = Math.max(1, Math.ceil(xMax / 10));
    ctx.textAlign = "center";
    for (let e = 0; e <= xMax; e += step) ctx.fillText(String(e), X(e), h - bottom + 14);
    ctx.fillText("époque", (left + w - right) / 2, h - 2);
    if (opts.reference !== undefined) {
      ctx.strokeStyle = COLOURS.reference; ctx.setLineDash([5, 4]);
      ctx.beginPath(); ctx.moveTo(left, Y(opts.reference)); ctx.lineTo(w - right, Y(opts.reference)); ctx.stroke();
      ctx.setLineDash([]); ctx.textAlign = "right"; ctx.fillStyle = ink;
      ctx.fillText(opts.referenceLabel, w - right - 2, Y(opts.reference) - 4);
    }
    for (const s of series) {
      if (!s.points.length) continue;
      ctx.strokeStyle = COLOURS[s.colour]; ctx.fillStyle = COLOURS[s.colour]; ctx.lineWidth = 2;
      ctx.beginPath();
      // A new epoch starts a new segment: the training mean restarts with it, as in Keras's progress bar.
      s.points.forEach(([x, y, segment], i) => {
        const py = Y(Math.min(opts.yMax, Math.max(opts.yMin, y)));
        if (i === 0 || segment !== s.points[i - 1][2]) ctx.moveTo(X(x), py); else ctx.lineTo(X(x), py);
      });
      ctx.stroke();
      if (s.dots) for (const [x, y] of s.points) { ctx.beginPath(); ctx.arc(X(x), Y(y), 3, 0, 2 * Math.PI); ctx.fill(); }
    }
  }

  // The loss of a network that answers at random, ln(classes), for the classes of the page's data.
  function chance() {
    const raw = window.ENTRAINER_DONNEES;
    if (!raw || !raw.classes) return null;
    const loss = R.chanceLoss(raw.classes.length);
    return { loss, text: "ln " + raw.classes.length + " ≈ " + decimal(loss, 2) };
  }

  function drawCurves() {
    const run = state.run;
    const random = chance();
    const xMax = run ? run.settings.epochs : 1;
    const train = run ? run.trainPoints : [];
    const val = run ? run.epochs.map((e) => [e.epoch, e]) : [];
    const losses = [...train.map((p) => p[2]), ...val.map(([, e]) => e.val_loss), ...(random ? [random.loss] : [])];
    drawChart($("entrainer-courbe-exactitude"), [
      { colour: "train", points: train.map(([x, acc, , epoch]) => [x, acc, epoch]) },
      { colour: "val", points: val.map(([x, e]) => [x, e.val_acc, 0]), dots: true },
    ], { xMax, yMin: 0, yMax: 1, yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], yFormat: (v) => percent(v, 0) });
    const lossMax = Math.min(4, Math.max(2.5, ...losses) * 1.05);
    drawChart($("entrainer-courbe-perte"), [
      { colour: "train", points: train.map(([x, , loss, epoch]) => [x, loss, epoch]) },
      { colour: "val", points: val.map(([x, e]) => [x, e.val_loss, 0]), dots: true },
    ], { xMax, yMin: 0, yMax: lossMax, yTicks: [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5].filter((t) => t <= lossMax),
         yFormat: (v) => decimal(v, 1), reference: random ? random.loss : undefined,
         referenceLabel: random ? "hasard : " + random.text : "" });
    const last = run && run.epochs[run.epochs.length - 1];
    const partial = train[train.length - 1];
    $("entrainer-courbe-exactitude").setAttribute("aria-label", last
      ? "Exactitude après " + last.epoch + " époque" + (last.epoch > 1 ? "s" : "") + NBSP + ": entraînement "
        + percent(last.acc) + ", validation " + percent(last.val_acc) + "."
      : partial ? "Exactitude d'entraînement en cours de première époque" + NBSP + ": " + percent(partial[1]) + "."
        : "Exactitude d'entraînement et de validation, vide avant le premier entraînement.");
    $("entrainer-courbe-perte").setAttribute("aria-label", last
      ? "Perte après " + last.epoch + " époque" + (last.epoch > 1 ? "s" : "") + NBSP + ": entraînement "
        + decimal(last.loss, 3) + ", validation " + decimal(last.val_loss, 3)
        + (random ? " (hasard" + NBSP + ": " + random.text + ")." : ".")
      : "Perte d'entraînement et de validation" + (random ? ", avec la ligne du hasard " + random.text : "") + ".");
  }

  // ---- Tables --------------------------------------------------------------------------------------

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function addEpochRow(e) {
    const row = document.createElement("tr");
    row.dataset.epoque = e.epoch;
    [String(e.epoch), percent(e.acc), percent(e.val_acc), decimal(e.loss, 3), decimal(e.val_loss, 3),
     integer(e.updates), secondsText(e.seconds)].forEach((t) => cell(row, t));
    $("entrainer-epoques").querySelector("tbody").appendChild(row);
  }

  function settingsText(s) {
    return s.epochs + (s.epochs > 1 ? " époques" : " époque") + " au plus, lots de " + s.batchSize + ", taux " + rate(s.learningRate) + ", "
      + s.hiddenUnits + " neurones, patience " + s.patience + (s.restoreBestWeights ? ", meilleurs poids" : ", derniers poids")
      + ", " + integer(s.trainImages) + " images";
  }

  function addAttemptRow(a) {
    const row = document.createElement("tr");
    row.className = "entrainer-essai";
    cell(row, "Essai " + a.number + (a.diverged ? " (divergé)" : a.stopped ? " (arrêté)" : ""));
    cell(row, "TensorFlow.js, " + a.backend);
    cell(row, settingsText(a.settings));
    cell(row, a.epochs.length + (a.bestEpoch ? " (meilleure" + NBSP + ": " + a.bestEpoch + ")" : ""));
    cell(row, a.test === null ? "—" : percent(a.test.accuracy));
    cell(row, secondsText(a.seconds) + " (" + secondsText(a.secondsPerEpoch) + " par époque)");
    $("entrainer-essais").querySelector("tbody").appendChild(row);
  }

  // ---- One attempt -------------------------------------------------------------------------------------

  const state = { ready: false, running: false, stopRequested: false, run: null, attempts: [], backend: null,
                  data: null, network: window.ENTRAINER_RESEAU || null };

  function say(text) {
    $("entrainer-etat").textContent = text;
  }

  function progressCallback(run, model, batchesPerEpoch) {
    let last = 0, sumLoss = 0, sumAcc = 0, seen = 0, epochStart = 0;
    return {
      onEpochBegin() {
        run.updates = 0; sumLoss = 0; sumAcc = 0; seen = 0; epochStart = performance.now();
      },
      async onBatchEnd(batch, logs) {
        run.updates += 1;
        run.totalUpdates += 1;
        sumLoss += logs.loss; sumAcc += (logs.acc ?? logs.accuracy); seen += 1;
        if (!Number.isFinite(logs.loss)) {
          run.diverged = true;        // NaN or infinity: the weights are lost, more epochs cannot help
          model.stopTraining = true;
        }
        if (state.stopRequested) {
          model.stopTraining = true;  // fit() leaves its loop right after this batch
          run.stopped = true;
        }
        const now = performance.now();
        if (now - last > REDRAW_MS || batch === 0 || batch + 1 === batchesPerEpoch) {
          last = now;
          run.trainPoints.push([run.epochs.length + (batch + 1) / batchesPerEpoch, sumAcc / seen, sumLoss / seen,
                                run.epochs.length]);
          $("entrainer-progression").value = run.epochs.length + (batch + 1) / batchesPerEpoch;
          $("entrainer-lot-en-cours").textContent = "Époque " + (run.epochs.length + 1) + " sur " + run.settings.epochs
            + ", lot " + integer(batch + 1) + " sur " + integer(batchesPerEpoch) + ".";
          drawCurves();
        }
        await yieldToBrowser();
      },
      onEpochEnd(epoch, logs) {
        if (logs.val_loss === undefined) return;  // an epoch cut short by Arrêter: no validation, no row
        const e = { epoch: epoch + 1, loss: logs.loss, acc: logs.acc ?? logs.accuracy, val_loss: logs.val_loss,
                    val_acc: logs.val_acc ?? logs.val_accuracy, updates: run.updates,
                    seconds: (performance.now() - epochStart) / 1000 };
        run.epochs.push(e);
        addEpochRow(e);
        drawCurves();
        say("Époque " + e.epoch + " terminée" + NBSP + ": exactitude de validation " + percent(e.val_acc)
            + ", perte de validation " + decimal(e.val_loss, 3) + " (" + secondsText(e.seconds) + ").");
      },
    };
  }

  async function train(settings) {
    const net = state.network;
    const shape = net.architecture.input_shape;
    const parts = split(state.data.train, settings.trainImages, net.validation_fraction);
    const run = { number: state.attempts.length + 1, settings, epochs: [], trainPoints: [], updates: 0,
                  totalUpdates: 0, stopped: false, backend: state.backend.label, trainCount: parts.train.count,
                  valCount: parts.val.count, batchesPerEpoch: Math.ceil(parts.train.count / settings.batchSize),
                  test: null };
    state.run = run;
    $("entrainer-epoques").querySelector("tbody").replaceChildren();
    $("entrainer-progression").max = settings.epochs;
    $("entrainer-progression").value = 0;
    drawCurves();
    const data = { train: tensors(parts.train, shape), val: tensors(parts.val, shape) };
    const model = buildModel(net.architecture, settings.hiddenUnits);
    compile(model, settings.learningRate);
    const stopper = earlyStopping(model, settings);
    const start = performance.now();
    try {
      await fit(model, data, settings, [progressCallback(run, model, run.batchesPerEpoch), stopper]);
      run.seconds = (performance.now() - start) / 1000;
      run.secondsPerEpoch = run.epochs.length ? run.epochs.reduce((t, e) => t + e.seconds, 0) / run.epochs.length : 0;
      run.bestEpoch = stopper.bestEpoch;
      run.stoppedEarly = stopper.stoppedEarly;
      run.test = evaluate(model, state.data.test, shape);
    } finally {
      tf.dispose([...data.train, ...data.val]);
      state.model && state.model.dispose();
      state.model = model;
    }
    return run;
  }

  // Exactitude and loss on the held-out test images (never seen in training or validation).
  function evaluate(model, set, shape) {
    return tf.tidy(() => {
      const [x, y] = tensors(set, shape);
      const [loss, accuracy] = model.evaluate(x, y, { batchSize: 500 });
      return { loss: loss.dataSync()[0], accuracy: accuracy.dataSync()[0] };
    });
  }

  async function start(overrides) {
    if (state.running || !state.ready) return null;
    const { settings, errors } = readSettings();
    const summary = $("entrainer-erreurs");
    if (errors.length) {
      summary.textContent = "Réglage hors des limites" + NBSP + ": " + errors.join(" ");
      summary.hidden = false;
      return null;
    }
    summary.hidden = true;
    summary.textContent = "";
    Object.assign(settings, overrides || {});
    state.running = true;
    state.stopRequested = false;
    $("entrainer-demarrer").disabled = true;
    $("entrainer-arreter").disabled = false;
    $("entrainer-arreter").focus();
    say("Entraînement en cours" + NBSP + ": " + settingsText(settings) + ".");
    let run = null;
    try {
      run = await train(settings);
      state.attempts.push(run);
      addAttemptRow(run);
      run.demo = tryOnDemoImages(state.model, run);
      if (run.diverged) {
        say("Entraînement arrêté" + NBSP + ": la perte n'est plus un nombre (NaN), les poids ont divergé. "
            + "Le taux d'apprentissage est sans doute trop grand" + NBSP + ": essayez une valeur plus petite.");
      } else {
        const how = run.stopped ? "arrêté à votre demande après " : run.stoppedEarly
          ? "arrêté par EarlyStopping après " : "terminé après ";
        say("Entraînement " + how + run.epochs.length + " époque" + (run.epochs.length > 1 ? "s" : "")
            + (run.test ? NBSP + ": exactitude sur les " + integer(state.data.test.count) + " images de test "
              + percent(run.test.accuracy) : "") + " (" + secondsText(run.seconds) + ", "
            + secondsText(run.secondsPerEpoch) + " par époque).");
      }
      $("entrainer-lot-en-cours").textContent = "";
    } catch (error) {
      say("L'entraînement a échoué" + NBSP + ": " + error.message + ". Rechargez la page pour recommencer.");
    } finally {
      state.running = false;
      $("entrainer-demarrer").disabled = false;
      $("entrainer-arreter").disabled = true;
      $("entrainer-demarrer").focus();
    }
    return run;
  }

  function stop() {
    if (!state.running) return;
    state.stopRequested = true;
    state.stopRequestedAt = state.run ? state.run.totalUpdates : 0;
    say("Arrêt demandé" + NBSP + ": l'entraînement s'arrête à la fin du lot en cours.");
  }

  // ---- The Keras run's own weights in this TensorFlow.js model ----------------------------------------

  function kerasModel() {
    const net = state.network;
    const raw = window.DEMO_POIDS;
    const dense = net.architecture.layers.filter((layer) => layer.kind === "Dense");
    const model = buildModel(net.architecture, dense[0].units);
    const decode = (entry) => {
      const bytes = base64Bytes(entry.base64);
      return tf.tensor(new Float32Array(bytes.buffer), entry.shape, "float32");
    };
    // The Démo's export: one {W, b} entry per Dense layer, in order (pipeline/publish/demo.py).
    model.layers.filter((layer) => layer.getClassName() === "Dense").forEach((layer, i) => {
      layer.setWeights([decode(raw.layers[i].W), decode(raw.layers[i].b)]);
    });
    return model;
  }

  function kerasProbabilities() {
    const images = base64Bytes(window.DEMO_IMAGES.images.base64);
    const shape = window.DEMO_IMAGES.images.shape;
    const model = kerasModel();
    const probabilities = tf.tidy(() => model.predict(tf.tensor(new Float32Array(images), shape).div(255)).arraySync());
    model.dispose();
    return probabilities;
  }

  function checkKeras() {
    const probabilities = kerasProbabilities();
    const keras = window.DEMO_IMAGES.keras;
    const expected = new Float32Array(base64Bytes(keras.base64).buffer);
    let worst = 0;
    probabilities.forEach((row, i) => row.forEach((p, j) => {
      worst = Math.max(worst, Math.abs(p - expected[i * row.length + j]));
    }));
    const model = kerasModel();
    compile(model, state.network.defaults.learning_rate);  // evaluate() needs the loss and the metric
    const test = evaluate(model, state.data.test, state.network.architecture.input_shape);
    model.dispose();
    const [mantissa, exponent] = worst.toExponential(1).split("e");
    $("entrainer-keras-resultat").textContent = "Sur les " + probabilities.length + " images de la Démo, "
      + "les probabilités de ce modèle TensorFlow.js s'écartent de celles de Keras d'au plus "
      + mantissa.replace(".", ",") + NBSP + "×" + NBSP + "10" + exponent.replace("-", "\u2212")
      + "." + " Sur les " + integer(state.data.test.count) + " images de test de cette page, il obtient une exactitude de "
      + percent(test.accuracy) + ".";
    return { worst, test };
  }

  // ---- The network just trained, on the Démo's 100 test images ------------------------------------------

  function argmaxRows(values, classes) {
    const out = [];
    for (let i = 0; i < values.length / classes; i++) out.push(R.argmax(values.subarray(i * classes, (i + 1) * classes)));
    return out;
  }

  function tryOnDemoImages(model, run) {
    const sample = window.DEMO_IMAGES;
    if (!sample) return null;
    const classes = sample.classes.length;
    const ours = argmaxRows(tf.tidy(() => model.predict(
      tf.tensor(new Float32Array(base64Bytes(sample.images.base64)), sample.images.shape).div(255)).dataSync()), classes);
    const keras = argmaxRows(new Float32Array(base64Bytes(sample.keras.base64).buffer), classes);
    const rows = sample.classes.map((name) => ({ name, total: 0, ours: 0, keras: 0 }));
    sample.labels.forEach((label, i) => {
      rows[label].total += 1;
      rows[label].ours += ours[i] === label ? 1 : 0;
      rows[label].keras += keras[i] === label ? 1 : 0;
    });
    const body = $("entrainer-demo-classes").querySelector("tbody");
    body.replaceChildren();
    for (const r of rows) {
      const row = document.createElement("tr");
      [r.name, r.ours + " sur " + r.total, r.keras + " sur " + r.total].forEach((t) => cell(row, t));
      body.appendChild(row);
    }
    const total = (key) => rows.reduce((n, r) => n + r[key], 0);
    $("entrainer-demo-classes").hidden = false;
    $("entrainer-demo-resultat").textContent = "Le réseau de l'essai " + run.number + " classe correctement "
      + total("ours") + " des " + sample.labels.length + " images de la Démo" + NBSP + "; celui de Keras, "
      + total("keras") + ".";
    return { ours: total("ours"), keras: total("keras") };
  }

  // ---- Start-up ----------------------------------------------------------------------------------------

  function fail(text) {
    $("entrainer-moteur").textContent = text;
    $("entrainer-moteur").classList.add("entrainer-probleme");
    $("entrainer-demarrer").disabled = true;
  }

  async function init() {
    $("entrainer-reglages").addEventListener("submit", (event) => { event.preventDefault(); start(); });
    $("entrainer-arreter").addEventListener("click", stop);
    drawCurves();
    // Material's light/dark toggle changes this attribute: redraw the axes in the new ink.
    new MutationObserver(drawCurves).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    if (typeof window.tf === "undefined" || !tf.sequential) {
      fail("La bibliothèque TensorFlow.js n'a pas pu être chargée (fichier vendor/tfjs/tf.es2017.min.js). "
           + "Relancez « make report », qui la télécharge et la vérifie.");
      return;
    }
    if (!window.ENTRAINER_DONNEES || !state.network || typeof DecompressionStream === "undefined") {
      fail("Les données d'entraînement n'ont pas pu être chargées ("
           + (typeof DecompressionStream === "undefined" ? "ce navigateur ne sait pas les décompresser" :
              "fichiers entrainer/data/donnees.js et reseau.js") + "). Relancez « make report », ou ouvrez la page dans un navigateur récent.");
      return;
    }
    try {
      state.data = await loadData(window.ENTRAINER_DONNEES);
    } catch (error) {
      fail("Les données d'entraînement n'ont pas pu être décompressées" + NBSP + ": " + error.message + ".");
      return;
    }
    const duration = window.ENTRAINER_DUREE_KERAS;
    if (duration && duration.seconds > 0) {
      $("entrainer-keras-duree").textContent = secondsText(duration.seconds) + " ("
        + secondsText(duration.seconds / duration.epochs) + " par époque)";
    }
    state.backend = await chooseBackend();
    $("entrainer-moteur").textContent = state.backend.fast
      ? "Moteur de calcul" + NBSP + ": " + state.backend.label + ", le plus rapide disponible dans ce navigateur."
      : "Moteur de calcul" + NBSP + ": " + state.backend.label + ". Le moteur rapide n'a pas pu se charger ("
        + state.backend.reason + ")" + NBSP + ": l'entraînement marche, mais environ sept fois plus lentement.";
    if (!state.backend.fast) $("entrainer-moteur").classList.add("entrainer-probleme");
    $("entrainer-moteur").dataset.moteur = state.backend.name;
    if (window.DEMO_POIDS && window.DEMO_IMAGES) {
      $("entrainer-keras").disabled = false;
      $("entrainer-keras").addEventListener("click", checkKeras);
    }
    state.ready = true;
    $("entrainer-demarrer").disabled = false;
    say("Prêt" + NBSP + ": " + integer(state.data.train.count) + " images d'entraînement et "
        + integer(state.data.test.count) + " images de test chargées.");
  }

  window.entrainer = { state, start, stop, buildModel, kerasProbabilities, checkKeras, split, isValidationBlock };
  init();
})();
