/* The dense network in plain JavaScript, the one copy every page uses (Démo, « Rejouer l'apprentissage »,
   « Entraîner dans le navigateur »): decoding the exported arrays (base64, little-endian), the forward
   pass, softmax, the chance-level loss and French numbers. Its NumPy twin: pipeline/common/numeric.py. */
(function () {
  "use strict";

  const NBSP = "\u00a0";

  // An array written by pipeline/publish/demo.py (encode_array) or replay.py (quantise: × scale).
  function decode(entry) {
    const binary = atob(entry.base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    if (entry.dtype === "uint8") return bytes;
    let values;
    if (entry.dtype === "int8") values = new Int8Array(bytes.buffer);
    else {
      const view = new DataView(bytes.buffer);
      const size = entry.dtype === "int16" ? 2 : 4;
      values = new Float32Array(bytes.length / size);
      for (let i = 0; i < values.length; i++) {
        values[i] = size === 2 ? view.getInt16(2 * i, true) : view.getFloat32(4 * i, true);
      }
    }
    if (entry.scale === undefined) return values;
    return Float32Array.from(values, (v) => v * entry.scale);  // integer × the tensor's scale
  }

  // Every Dense layer in order: {W, b} arrays plus the activation and sizes of each.
  function loadNetwork(raw, shapes) {
    const layers = raw.layers.map((layer, k) => ({
      W: decode(layer.W), b: decode(layer.b),
      activation: layer.activation || shapes[k].activation,
      nIn: layer.W.shape[0], nOut: layer.W.shape[1],
    }));
    return { layers, nIn: layers[0].nIn, nOut: layers[layers.length - 1].nOut };
  }

  // ---- The forward pass, shown on the Démo page --------------------------------------------------

  // # --8<-- [start:forward]
  // Couche dense : sortie[j] = biais[j] + somme des entrée[i] × W[i][j].
  // W est rangé ligne par ligne : W[i][j] est à l'indice i × nOut + j.
  function dense(input, W, b, nIn, nOut) {
    const out = Float64Array.from(b);
    for (let i = 0; i < nIn; i++) {
      if (input[i] === 0) continue;  // pixel noir, neurone éteint : rien
      for (let j = 0; j < nOut; j++) out[j] += input[i] * W[i * nOut + j];
    }
    return out;
  }

  // Softmax : des scores aux probabilités, positives et de somme 1.
  function softmax(z) {
    const top = Math.max(...z);            // décalés : mêmes probabilités, sans débordement
    const exps = z.map((v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  }

  // Fonction d'activation, appliquée à la sortie de chaque couche dense.
  function activate(z, activation) {
    if (activation === "relu") return z.map((v) => Math.max(0, v));
    if (activation === "sigmoid") return z.map((v) => 1 / (1 + Math.exp(-v)));
    if (activation === "tanh") return z.map((v) => Math.tanh(v));
    if (activation === "softmax") return softmax(z);
    return z;                              // linéaire
  }

  // pixels : les 784 valeurs de l'image (0 à 1), ligne après ligne :
  // c'est déjà le travail de Flatten. Puis chaque couche dense, dans l'ordre
  // (Dropout ne fait rien au moment de prédire).
  function forward(net, pixels) {
    let x = pixels;
    const outputs = [];
    let scores = null;
    for (const layer of net.layers) {
      scores = dense(x, layer.W, layer.b, layer.nIn, layer.nOut);
      x = activate(scores, layer.activation);
      outputs.push(x);
    }
    return { outputs, scores, probabilities: x };
  }
  // # --8<-- [end:forward]

  // The loss of a network that gives 1/classes to every class: −ln(1/classes) = ln(classes).
  function chanceLoss(classes) {
    return Math.log(classes);
  }

  function argmax(values) {
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    return best;
  }

  function decimal(x, digits) {
    return x.toFixed(digits).replace("-", "\u2212").replace(".", ",");
  }
  function percent(p, digits) {
    return decimal(100 * p, digits === undefined ? 1 : digits) + NBSP + "%";
  }
  function integer(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  }

  // One row of the 100-image gallery (one per class), its class name first; both pages fill it.
  function galleryRow(gallery, className) {
    const row = document.createElement("div");
    row.className = "demo-rangee";
    const name = document.createElement("span");
    name.className = "demo-rangee-nom";
    name.textContent = className;
    row.appendChild(name);
    gallery.appendChild(row);
    return row;
  }

  window.Reseau = { NBSP, decode, loadNetwork, dense, softmax, activate, forward, chanceLoss, argmax, decimal, percent,
                    integer, galleryRow };
})();
