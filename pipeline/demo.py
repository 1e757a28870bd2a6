"""Export the trained network and a few test images as JavaScript data files for the site's in-browser demo (NumPy only)."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import numpy as np

from pipeline import cache, data, fr, idx
from pipeline.config import Params
from pipeline.errors import PipelineError
from pipeline.io import atomic_write_json, read_json
from pipeline.stages import Paths, StageLog, write_if_changed

PER_CLASS = 10  # 10 images per class: 100 thumbnails, every class equally represented
WEIGHT_NAMES = ("W1", "b1", "W2", "b2")
# .js files that set a global rather than .bin/.json read with fetch(): browsers refuse fetch()
# under file://, but load <script src> fine, so the page also works when opened from the disk.
WEIGHTS_FILE, IMAGES_FILE = "poids.js", "images.js"
WEIGHTS_GLOBAL, IMAGES_GLOBAL = "DEMO_POIDS", "DEMO_IMAGES"
DATA_FOLDER = Path("demo") / "data"  # inside docs/, published as site/demo/data/
ASSETS = ("assets/demo.js", "assets/demo.css")  # inside docs/, counted in the page's weight
TOLERANCE = 1e-4  # the issue's bound between our forward pass and Keras's probabilities
MAX_TOTAL_BYTES = 1_000_000  # the issue's budget for everything the demo page downloads


def select_images(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of `per_class` images of each class, drawn with `seed`, grouped by class."""
    rng = np.random.default_rng(seed)
    chosen = [np.sort(rng.choice(np.flatnonzero(labels == k), per_class, replace=False))
              for k in range(len(data.CLASS_NAMES))]
    return np.concatenate(chosen)


def forward(weights: dict, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flatten → Dense+ReLU → Dense+softmax in float64: (hidden activations, probabilities)."""
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    hidden = np.maximum(0.0, x @ weights["W1"].astype(np.float64) + weights["b1"])
    logits = hidden @ weights["W2"].astype(np.float64) + weights["b2"]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))  # shifted: no overflow, same result
    return hidden, exp / exp.sum(axis=1, keepdims=True)


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


def build_files(weights: dict, images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
                seed: int, per_class: int = PER_CLASS) -> tuple[dict[str, bytes], dict]:
    """The two data files' bytes and the facts the page prints; checks them against Keras first."""
    indices = select_images(labels, per_class, seed)
    net = {"W1": encode_array(weights["W1"], "float32"), "b1": encode_array(weights["b1"], "float32"),
           "W2": encode_array(weights["W2"], "float32"), "b2": encode_array(weights["b2"], "float32")}
    sample = {"classes": list(data.CLASS_NAMES), "indices": [int(i) for i in indices],
              "labels": [int(k) for k in labels[indices]],
              "images": encode_array(images[indices], "uint8"),
              "keras": encode_array(probabilities[indices], "float32")}
    files = {
        WEIGHTS_FILE: data_script(WEIGHTS_GLOBAL, "Poids du réseau entraîné (float32 petit-boutiste, base64), "
                                  "écrits par « make report » : ne pas modifier.", net),
        IMAGES_FILE: data_script(IMAGES_GLOBAL, "Images de test, vraies classes et probabilités de Keras, "
                                 "écrites par « make report » : ne pas modifier.", sample),
    }
    return files, _facts(files, weights, indices, labels, probabilities, per_class)


def _facts(files: dict[str, bytes], weights: dict, indices: np.ndarray, labels: np.ndarray,
           probabilities: np.ndarray, per_class: int) -> dict:
    """Re-read what will be published and compare its forward pass with Keras before publishing."""
    net = {name: decode_array(read_data_script(files[WEIGHTS_FILE])[name]) for name in WEIGHT_NAMES}
    sample = read_data_script(files[IMAGES_FILE])
    _, ours = forward(net, decode_array(sample["images"]))
    keras = decode_array(sample["keras"])
    difference = float(np.abs(ours - keras).max())
    if difference > TOLERANCE:
        raise PipelineError(
            f"les poids exportés pour la démo ne redonnent pas les probabilités de Keras (écart {difference:.2g}).",
            where=f"docs/{DATA_FOLDER}/", fix="supprimez artifacts/runs/ pour réentraîner, puis relancez « make report ».")
    n_params = sum(int(np.asarray(weights[name]).size) for name in WEIGHT_NAMES)
    sizes = {name: len(content) for name, content in files.items()}
    return {
        "count": len(indices), "per_class": per_class, "params": n_params,
        "inputs": int(weights["W1"].shape[0]), "hidden": int(weights["W1"].shape[1]),
        "outputs": int(weights["W2"].shape[1]),
        "sizes": sizes, "raw_weights_bytes": n_params * 4,
        "max_difference": difference,
        "same_class": int((ours.argmax(axis=1) == keras.argmax(axis=1)).sum()),
        "keras_correct": int((keras.argmax(axis=1) == labels[indices]).sum()),
    }


def export(folder: Path, weights: dict, images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray,
           seed: int, per_class: int = PER_CLASS) -> dict:
    """Write the data files into `folder`, leaving byte-identical files alone; return the raw facts."""
    files, facts = build_files(weights, images, labels, probabilities, seed, per_class)
    facts["changed"] = sum(write_if_changed(folder / name, content) for name, content in files.items())
    return facts


def page_facts(raw: dict, asset_bytes: int) -> dict:
    """The raw facts plus the same numbers written in French for the template."""
    total = sum(raw["sizes"].values()) + asset_bytes
    return {**raw,
            "count_fr": fr.integer(raw["count"]), "params_fr": fr.integer(raw["params"]),
            "weights_kb": kilobytes(raw["sizes"][WEIGHTS_FILE]), "images_kb": kilobytes(raw["sizes"][IMAGES_FILE]),
            "raw_weights_kb": kilobytes(raw["raw_weights_bytes"]), "assets_kb": kilobytes(asset_bytes),
            "total_bytes": total, "total_kb": kilobytes(total),
            "multiplications": fr.integer(raw["inputs"] * raw["hidden"] + raw["hidden"] * raw["outputs"]),
            "max_difference_fr": scientific(raw["max_difference"]),
            "keras_correct_fr": fr.integer(raw["keras_correct"])}


def kilobytes(n_bytes: int) -> str:
    return f"{fr.integer(n_bytes / 1000)}{fr.NBSP}ko"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float) -> str:
    """2.1e-07 -> '2,1 × 10⁻⁷' (0 stays '0'): tiny differences readable by students."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.replace('.', ',')}{fr.NBSP}×{fr.NBSP}10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def demo_stage(params: Params, paths: Paths, run_dir: Path, log: StageLog) -> dict:
    """Export weights and sampled test images into docs/demo/data/; reused while the run is unchanged."""
    start = time.perf_counter()
    folder = paths.docs / DATA_FOLDER
    key = cache.key_of({"run": run_dir.name, "seed": params.seed, "per_class": PER_CLASS,
                        "code": cache.sources_digest(["demo", "data"])})
    facts_path = paths.artifacts / "demo.json"
    recomputed = not _fresh(facts_path, key, folder)
    if recomputed:
        images, labels = load_test_set()
        weights = dict(np.load(run_dir / "weights.npz"))
        probabilities = np.load(run_dir / "predictions.npz")["probabilities"]
        atomic_write_json(facts_path, {"key": key, **export(folder, weights, images, labels, probabilities,
                                                            params.seed)})
    raw = read_json(facts_path)
    asset_bytes = sum((paths.docs / name).stat().st_size for name in ASSETS if (paths.docs / name).exists())
    facts = page_facts(raw, asset_bytes)
    log.add("démo", recomputed, time.perf_counter() - start,
            f"{raw['count']} images et {facts['params_fr']} poids dans docs/{DATA_FOLDER}/ ({facts['total_kb']})")
    return facts


def load_test_set() -> tuple[np.ndarray, np.ndarray]:
    """Test images (uint8) and labels from the verified Keras cache, without the training set."""
    cache_dir = data.keras_cache_dir()
    return tuple(idx.read_verified(cache_dir / f"{idx.FILES[name].name}.gz", name, data.FIX_DATA)
                 for name in ("test_images", "test_labels"))


def _fresh(facts_path: Path, key: str, folder: Path) -> bool:
    """Same key, and every file still there with the size it was written with."""
    try:
        facts = read_json(facts_path)
    except (OSError, ValueError):
        return False
    return facts.get("key") == key and all(
        (folder / name).exists() and (folder / name).stat().st_size == size
        for name, size in facts.get("sizes", {}).items())
