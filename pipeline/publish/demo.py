"""Export the trained network and a few test images as JavaScript files for the in-browser Démo (NumPy only)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from pipeline.common import architecture, fr, numeric
from pipeline.data import dataset
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json

PER_CLASS = 10  # 10 images per class: 100 thumbnails, every class equally represented
# .js files that set a global rather than .bin/.json read with fetch(): browsers refuse fetch()
# under file://, but load <script src> fine, so the page also works when opened from the disk.
WEIGHTS_FILE, IMAGES_FILE = "poids.js", "images.js"
WEIGHTS_GLOBAL, IMAGES_GLOBAL = "DEMO_POIDS", "DEMO_IMAGES"
DATA_FOLDER = Path("demo") / "data"  # inside docs/, published as site/demo/data/
TOLERANCE = 1e-4  # the bound between our forward pass and Keras's probabilities
MAX_TOTAL_BYTES = 1_000_000  # the seed's network fits in this; a wider one is shipped whole, and the page says so


def select_images(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of `per_class` images of each class, drawn with `seed`, grouped by class."""
    rng = np.random.default_rng(seed)
    chosen = [np.sort(rng.choice(np.flatnonzero(labels == k), per_class, replace=False))
              for k in range(len(dataset.CLASS_NAMES))]
    return np.concatenate(chosen)


def encode_array(array: np.ndarray, dtype: str) -> dict:
    """Shape, dtype and little-endian bytes in base64: what the page's JavaScript decodes."""
    raw = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    return {"dtype": dtype, "shape": list(array.shape), "base64": base64.b64encode(raw).decode("ascii")}


def decode_array(entry: dict) -> np.ndarray:
    dtype = np.dtype(entry["dtype"]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(entry["base64"]), dtype=dtype).reshape(entry["shape"])


def data_script(global_name: str, comment: str, payload: dict) -> bytes:
    """`window.NAME = {json};` after one comment line; the JSON is ASCII (class names escaped)."""
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f"// {comment}\nwindow.{global_name} = {body};\n".encode("utf-8")


def read_data_script(content: bytes | str | Path) -> dict:
    """The payload of a file written by data_script (for tests and checks)."""
    text = Path(content).read_text(encoding="utf-8") if isinstance(content, Path) else (
        content.decode("utf-8") if isinstance(content, bytes) else content)
    body = text.split("\n", 1)[1]
    return json.loads(body[body.index("=") + 1:].strip().rstrip(";"))


def network_payload(arch: architecture.Architecture, weights: dict) -> dict:
    """Every Dense layer in order, its activation, kernel and bias: what demo.js loops over."""
    layers = []
    for index, layer in enumerate(arch.dense, start=1):
        kernel, bias = architecture.weight_names(index)
        layers.append({"name": layer.name, "activation": layer.activation,
                       "W": encode_array(weights[kernel], "float32"), "b": encode_array(weights[bias], "float32")})
    return {"layers": layers}


def network_from_payload(payload: dict) -> tuple[architecture.Architecture, dict]:
    """The architecture and weights a page would read back from poids.js (for the check below and tests)."""
    weights, layers = {}, []
    for index, entry in enumerate(payload["layers"], start=1):
        kernel, bias = architecture.weight_names(index)
        weights[kernel], weights[bias] = decode_array(entry["W"]), decode_array(entry["b"])
        n_in, n_out = weights[kernel].shape
        layers.append(architecture.Layer("Dense", entry["name"], n_out, entry["activation"], inputs=n_in,
                                         params=n_in * n_out + n_out))
    return architecture.Architecture((layers[0].inputs,), tuple(layers)), weights


def forward(arch: architecture.Architecture, weights: dict, images: np.ndarray) -> numeric.Pass:
    """The shared NumPy forward pass on uint8 images (pixels / 255, as the lesson normalises them)."""
    return architecture.forward(arch, weights, images.reshape(len(images), -1) / 255.0)


def build_files(arch: architecture.Architecture, weights: dict, images: np.ndarray, labels: np.ndarray,
                probabilities: np.ndarray, seed: int, per_class: int = PER_CLASS) -> tuple[dict[str, bytes], dict]:
    """The two data files' bytes and the facts the page prints; checks them against Keras first."""
    indices = select_images(labels, per_class, seed)
    net = network_payload(arch, weights)
    sample = {"classes": list(dataset.CLASS_NAMES), "indices": [int(i) for i in indices],
              "labels": [int(k) for k in labels[indices]],
              "images": encode_array(images[indices], "uint8"),
              "keras": encode_array(probabilities[indices], "float32")}
    files = {
        WEIGHTS_FILE: data_script(WEIGHTS_GLOBAL, "Poids du réseau entraîné (float32 petit-boutiste, base64), "
                                  "écrits par « make report » : ne pas modifier.", net),
        IMAGES_FILE: data_script(IMAGES_GLOBAL, "Images de test, vraies classes et probabilités de Keras, "
                                 "écrites par « make report » : ne pas modifier.", sample),
    }
    return files, _facts(files, arch, indices, labels, per_class)


def _facts(files: dict[str, bytes], arch: architecture.Architecture, indices: np.ndarray, labels: np.ndarray,
           per_class: int) -> dict:
    """Re-read what will be published and compare its forward pass with Keras before publishing."""
    exported, net = network_from_payload(read_data_script(files[WEIGHTS_FILE]))
    sample = read_data_script(files[IMAGES_FILE])
    ours = forward(exported, net, decode_array(sample["images"])).probabilities
    keras = decode_array(sample["keras"])
    difference = float(np.abs(ours - keras).max())
    if difference > TOLERANCE:
        raise PipelineError(
            f"les poids exportés pour la démo ne redonnent pas les probabilités de Keras (écart {difference:.2g}).",
            where=f"docs/{DATA_FOLDER}/", fix="supprimez artifacts/runs/ pour réentraîner, puis relancez « make report ».")
    n_params = sum(int(array.size) for array in net.values())
    sizes = {name: len(content) for name, content in files.items()}
    return {
        "count": len(indices), "per_class": per_class, "params": n_params,
        # Each Dense layer as the page describes it: its input and output sizes, its activation.
        "layers": [{"inputs": layer.inputs, "units": layer.units, "activation": layer.activation}
                   for layer in exported.dense],
        "multiplications": exported.multiplications,
        "sizes": sizes, "raw_weights_bytes": n_params * 4, "budget_bytes": MAX_TOTAL_BYTES,
        "max_difference": difference,
        "same_class": int((ours.argmax(axis=1) == keras.argmax(axis=1)).sum()),
        "keras_correct": int((keras.argmax(axis=1) == labels[indices]).sum()),
    }


def demo_stage(job) -> None:
    """Stage "demo": weights and sampled test images into docs/demo/data/, checked against Keras first."""
    run_dir = job.input("train", "artifacts/runs/{key}/")
    images, labels = dataset.load_test_set()
    weights = dict(np.load(run_dir / "weights.npz"))
    probabilities = np.load(run_dir / "predictions.npz")["probabilities"]
    files, facts = build_files(architecture.read(run_dir), weights, images, labels, probabilities, job.params.seed)
    for name, content in files.items():
        atomic_write_bytes(job.out("docs/demo/data/") / name, content)
    atomic_write_json(job.out("artifacts/demo.json"), facts)


def summary(job) -> str:
    facts = read_json(job.final("artifacts/demo.json"))
    return f"{fr.integer(facts['count'])} images et {fr.integer(facts['params'])} poids dans docs/{DATA_FOLDER}/"
