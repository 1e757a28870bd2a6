"""Export a stratified Fashion-MNIST subset and the run's architecture as JavaScript files for the « Entraîner » page.

NumPy only. Like the Démo's data, the files set a global (window.ENTRAINER_DONNEES,
window.ENTRAINER_RESEAU) so that the page also works when opened from the disk. The images are
gzip-compressed then base64-encoded (the browser inflates them with DecompressionStream).
"""
from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import numpy as np

from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json
from pipeline.common import architecture as architecture_record, fr
from pipeline.data import dataset

TRAIN_PER_CLASS = 500  # 5 000 training images: one epoch takes about a second with WebAssembly
TEST_PER_CLASS = 100  # 1 000 held-out test images, from the official test set (never trained on)
MAX_DATA_BYTES = 6_000_000  # the budget for the page's data as shipped
DATA_FILE, NETWORK_FILE = "donnees.js", "reseau.js"
# The Keras run's duration, alone in its own file: it differs from one cold build to the next, the
# rest of the page does not (tests/test_reproducible.py lists it among the time-dependent files).
DURATION_FILE, DURATION_GLOBAL = "duree.js", "ENTRAINER_DUREE_KERAS"
DATA_GLOBAL, NETWORK_GLOBAL = "ENTRAINER_DONNEES", "ENTRAINER_RESEAU"
DATA_FOLDER = Path("entrainer") / "data"  # inside docs/, published as site/entrainer/data/


# ---- The architecture record ---------------------------------------------------------------------

def read_architecture(run_dir: Path) -> dict:
    """The run's layer list, as training recorded it (pipeline/common/architecture.py)."""
    return architecture_record.read(run_dir).to_dict()


def dense_layers(architecture: dict) -> list[dict]:
    return [layer for layer in architecture["layers"] if layer["kind"] == "Dense"]


# ---- The subset ----------------------------------------------------------------------------------

def interleaved(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` indices of each class, ordered in blocks of one image per class (shuffled inside
    each block): any prefix of 10 × m images is exactly stratified, so the page's subset-size control
    and its validation blocks keep every class equally represented."""
    n_classes = len(dataset.CLASS_NAMES)
    chosen = [rng.choice(np.flatnonzero(labels == k), per_class, replace=False) for k in range(n_classes)]
    blocks = np.stack(chosen, axis=1)  # (per_class, n_classes): block b holds one image of each class
    for block in blocks:
        rng.shuffle(block)
    return blocks.reshape(-1)


def validation_blocks(n_blocks: int, fraction: float) -> np.ndarray:
    """Which blocks of 10 images are kept for validation: floor(n × fraction) of them, evenly spread
    (block k when floor((k + 1) × fraction) > floor(k × fraction)); docs/assets/entrainer.js does the same."""
    k = np.arange(n_blocks)
    return np.floor((k + 1) * fraction + 1e-9) > np.floor(k * fraction + 1e-9)


def pack_images(images: np.ndarray) -> dict:
    """uint8 images, gzip-compressed then base64: shape, encoding and text for the page."""
    raw = np.ascontiguousarray(images, dtype=np.uint8).tobytes()
    packed = gzip.compress(raw, compresslevel=9, mtime=0)  # mtime=0: same images, same bytes
    return {"shape": list(images.shape), "encoding": "gzip+base64", "base64": base64.b64encode(packed).decode("ascii")}


def unpack_images(entry: dict) -> np.ndarray:
    raw = gzip.decompress(base64.b64decode(entry["base64"]))
    return np.frombuffer(raw, dtype=np.uint8).reshape(entry["shape"])


def script(global_name: str, comment: str, payload: dict) -> bytes:
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return f"// {comment}\nwindow.{global_name} = {body};\n".encode("utf-8")


def read_script(path: Path) -> dict:
    """The payload of a file written by `script` (for tests and checks)."""
    body = path.read_text(encoding="utf-8").split("\n", 1)[1]
    return json.loads(body[body.index("=") + 1:].strip().rstrip(";"))


def build_files(train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray], architecture: dict,
                params: dict, seed: int) -> tuple[dict[str, bytes], dict]:
    """The two data files' bytes and the facts the page prints."""
    rng = np.random.default_rng(seed)
    train_idx = interleaved(train[1], TRAIN_PER_CLASS, rng)
    test_idx = interleaved(test[1], TEST_PER_CLASS, rng)
    data = {
        "classes": list(dataset.CLASS_NAMES),
        "train": {"images": pack_images(train[0][train_idx]), "labels": [int(v) for v in train[1][train_idx]],
                  "source_indices": [int(i) for i in train_idx]},
        "test": {"images": pack_images(test[0][test_idx]), "labels": [int(v) for v in test[1][test_idx]],
                 "source_indices": [int(i) for i in test_idx]},
    }
    es = params["early_stopping"]
    network = {
        "architecture": architecture,
        "defaults": {"epochs": params["epochs"], "batch_size": params["batch_size"],
                     "learning_rate": params["learning_rate"], "hidden_units": dense_layers(architecture)[0]["units"],
                     "patience": es["patience"], "restore_best_weights": es["restore_best_weights"],
                     "monitor": es["monitor"], "train_images": len(train_idx)},
        "validation_fraction": params["validation_fraction"],
    }
    files = {
        DATA_FILE: script(DATA_GLOBAL, "Sous-ensemble stratifié de Fashion-MNIST (uint8, gzip puis base64), "
                          "écrit par « make report » : ne pas modifier.", data),
        NETWORK_FILE: script(NETWORK_GLOBAL, "Architecture de l'exécution et réglages par défaut, "
                             "écrits par « make report » : ne pas modifier.", network),
    }
    sizes = {name: len(content) for name, content in files.items()}
    if sizes[DATA_FILE] > MAX_DATA_BYTES:
        raise PipelineError(f"les données de la page pèsent {sizes[DATA_FILE]} octets, plus que {MAX_DATA_BYTES}.",
                            where=f"docs/{DATA_FOLDER}/{DATA_FILE}",
                            fix="réduisez TRAIN_PER_CLASS dans pipeline/publish/browser_training.py.")
    facts = {"train_count": len(train_idx), "test_count": len(test_idx), "train_per_class": TRAIN_PER_CLASS,
             "test_per_class": TEST_PER_CLASS, "sizes": sizes, "raw_image_bytes": int((len(train_idx) + len(test_idx))
                                                                                      * train[0][0].size),
             "architecture": architecture, "defaults": network["defaults"],
             "validation_fraction": params["validation_fraction"]}
    return files, facts


def browser_training_stage(job) -> None:
    """Stage "browser_training": the subset and the architecture into docs/entrainer/data/, facts into artifacts/."""
    run_dir = job.input("train", "artifacts/runs/{key}/")
    train, test = dataset.load_numpy()
    architecture = read_architecture(run_dir)
    files, facts = build_files(train, test, architecture, job.params.to_dict(), job.params.seed)
    facts["architecture_record"] = (run_dir / "architecture.json").exists()  # else derived from weights.npz
    run = read_json(run_dir / "run.json")
    metrics = read_json(run_dir / "metrics.json")
    files[DURATION_FILE] = script(DURATION_GLOBAL, "Durée de l'entraînement Keras de ce rapport, écrite par "
                                  "« make report » : ne pas modifier.",
                                  {"seconds": run.get("seconds", 0.0), "epochs": metrics["epochs_run"]})
    for name, content in files.items():
        atomic_write_bytes(job.out("docs/entrainer/data/") / name, content)
    atomic_write_json(job.out("artifacts/browser_training.json"), facts)


def summary(job) -> str:
    facts = read_json(job.final("artifacts/browser_training.json"))
    return (f"{fr.integer(facts['train_count'])} images d'entraînement et {fr.integer(facts['test_count'])} de test "
            f"({str(round(sum(facts['sizes'].values()) / 1e6, 1)).replace('.', ',')}\u00a0Mo) dans docs/{DATA_FOLDER}/")
