"""Export the run's trajectory (quantised weights of every snapshot, scores, curves) for « Rejouer l'apprentissage » (NumPy only)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.common import architecture, fr
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json
from pipeline.data import dataset
from pipeline.publish import demo
from pipeline.training import trajectory

DATA_FILE, DATA_GLOBAL = "trajectoire.js", "REJOUER_TRAJECTOIRE"
DATA_FOLDER = Path("rejouer") / "data"  # inside docs/, published as site/rejouer/data/
PRINT_FIGURE = "rejouer-instantanes.png"  # three fixed frames, shown in print and in the PDF
SITE_BUDGET = 4_000_000  # the bound on what the page adds to the site as shipped
DATA_BUDGET = 3_700_000  # the data file's share: code, style and the print figure fit in the rest
TOLERANCE = 0.005  # largest |probability(quantised) − probability(float32)| accepted for int8 (test bound: 0,01)
PRINT_FRAMES = 3  # update 0, the end of the first epoch, the kept epoch


def quantise(array: np.ndarray, bits: int) -> dict:
    """Integers with one scale for the whole tensor: value ≈ integer × scale (int8 or int16, little-endian)."""
    top = 2 ** (bits - 1) - 1
    largest = float(np.abs(array).max())
    scale = largest / top if largest > 0 else 1.0
    integers = np.clip(np.rint(array / scale), -top, top)
    entry = demo.encode_array(integers, f"int{bits}")
    return {**entry, "scale": scale}


def dequantise(entry: dict) -> np.ndarray:
    """The float32 weights a page rebuilds from an entry written by quantise (or a plain float32 one)."""
    values = demo.decode_array(entry).astype(np.float32)
    return values * np.float32(entry["scale"]) if "scale" in entry else values


def encode_snapshot(arch: architecture.Architecture, weights: dict, bits: int) -> list[dict]:
    """Each Dense layer's kernel quantised with its own scale; biases (a few hundred numbers) kept in float32."""
    layers = []
    for index in range(1, len(arch.dense) + 1):
        kernel, bias = architecture.weight_names(index)
        layers.append({"W": quantise(weights[kernel], bits), "b": demo.encode_array(weights[bias], "float32")})
    return layers


def decode_snapshot(layers: list[dict]) -> dict:
    """The weights dictionary (W1, b1, …) the page computes with, read back from an encoded snapshot."""
    weights = {}
    for index, layer in enumerate(layers, start=1):
        kernel, bias = architecture.weight_names(index)
        weights[kernel], weights[bias] = dequantise(layer["W"]), dequantise(layer["b"])
    return weights


def encoded_bytes(layers: list[dict]) -> int:
    return sum(len(entry["base64"]) for layer in layers for entry in layer.values())


def choose_encoding(arch, weights: dict, pixels: np.ndarray) -> tuple[list[dict], dict]:
    """int8 when it keeps the 100 images' probabilities within TOLERANCE and their classes, else int16."""
    reference = architecture.forward(arch, weights, pixels).probabilities
    for bits in (8, 16):
        layers = encode_snapshot(arch, weights, bits)
        ours = architecture.forward(arch, decode_snapshot(layers), pixels).probabilities
        error = float(np.abs(ours - reference).max())
        same = int((ours.argmax(axis=1) == reference.argmax(axis=1)).sum())
        if error <= TOLERANCE and same == len(pixels):
            return layers, {"bits": bits, "max_error": error, "bytes": encoded_bytes(layers),
                            "classes": reference.argmax(axis=1)}
    raise PipelineError(f"les poids en int16 s'écartent encore de {error:.2g} des probabilités en float32.",
                        where=f"docs/{DATA_FOLDER}/", fix="signalez-le : le rejeu ne peut pas être publié exact.")


def keep_within_budget(snapshots: list[dict], sizes: list[int], protected: set[int], per_epoch: int,
                       budget: int) -> list[int]:
    """Indices of the snapshots to ship: the first epoch's (where the network changes most) and the
    protected ones always; the other epoch ends all when they fit, else every 2nd, 3rd… epoch; as a last
    resort the protected ones alone (update 0, the first and the kept epoch, the last)."""
    for stride in range(1, len(snapshots) + 1):
        kept = [k for k, s in enumerate(snapshots)
                if k in protected or s["updates"] < per_epoch or (s["updates"] // per_epoch) % stride == 0]
        if sum(sizes[k] for k in kept) <= budget:
            return kept
    kept = sorted(protected)
    if sum(sizes[k] for k in kept) > budget:
        raise PipelineError("même réduit à quelques instantanés, le rejeu dépasse son budget de taille.",
                            where=f"docs/{DATA_FOLDER}/", fix="réduisez la taille du réseau dans params.yaml.")
    return kept


def build_payload(arch, stacked: dict, record: dict, best_epoch: int, images: np.ndarray, labels: np.ndarray,
                  budget: int = DATA_BUDGET) -> tuple[dict, dict]:
    """The page's data (snapshots within the budget) and the facts the template and the tests read."""
    pixels = images.reshape(len(images), -1) / 255.0
    names = list(stacked)
    snapshots = record["snapshots"]
    per_epoch = record["updates_per_epoch"]
    kept_update = best_epoch * per_epoch
    encoded = []
    for k, moment in enumerate(snapshots):
        weights = {name: stacked[name][k] for name in names}
        layers, info = choose_encoding(arch, weights, pixels)
        info["correct"] = info.pop("classes") == labels
        info["right"] = int(info["correct"].sum())
        encoded.append((moment, layers, info))
    protected = {0, len(snapshots) - 1} | {k for k, s in enumerate(snapshots) if s["updates"] in (per_epoch, kept_update)}
    if not any(s["updates"] == kept_update for s in snapshots):
        raise PipelineError(f"la trajectoire n'a pas d'instantané à l'époque gardée ({best_epoch}).",
                            where="trajectory.json", fix="supprimez artifacts/runs/ puis relancez « make report ».")
    kept = keep_within_budget(snapshots, [info["bytes"] for _, _, info in encoded], protected, per_epoch, budget)
    shipped = []
    for k in kept:
        moment, layers, info = encoded[k]
        entry = {"updates": moment["updates"], "epoch": moment["epoch"], "val_loss": moment["val_loss"],
                 "val_accuracy": moment["val_accuracy"], "right": info["right"], "bits": info["bits"], "layers": layers}
        if moment["updates"] == kept_update:  # the test score only where the pages report it: the kept epoch
            entry.update(test_loss=moment["test_loss"], test_accuracy=moment["test_accuracy"])
        shipped.append(entry)
    history = {key: record["history"][key] for key in ("loss", "val_loss", "accuracy", "val_accuracy")}
    payload = {"layers": [{"name": layer.name, "activation": layer.activation, "nIn": layer.inputs,
                           "nOut": layer.units} for layer in arch.dense],
               "updates_per_epoch": per_epoch, "kept_epoch": best_epoch, "history": history,
               "recorded": len(snapshots), "snapshots": shipped}
    facts = {"recorded": len(snapshots), "shipped": len(shipped), "dropped": len(snapshots) - len(shipped),
             "kept_epoch": best_epoch, "epochs": len(history["loss"]), "updates_per_epoch": per_epoch,
             "first_epoch_updates": [s["updates"] for s in snapshots if 0 < s["updates"] < per_epoch],
             "bits": sorted({encoded[k][2]["bits"] for k in kept}),
             "max_quantisation_error": max(encoded[k][2]["max_error"] for k in kept),
             "right": {str(encoded[k][0]["updates"]): encoded[k][2]["right"] for k in kept},
             "raw_float32_bytes": int(sum(stacked[name][0].size for name in names) * 4 * len(snapshots)),
             "units": arch.dense[0].units, "budget_bytes": SITE_BUDGET,
             **_answers(encoded, kept, history, best_epoch)}
    return payload, facts


def _answers(encoded: list, kept: list[int], history: dict, best_epoch: int) -> dict:
    """The measured facts behind the page's exercises, on the shipped snapshots."""
    half = next(((encoded[k][0]["updates"], encoded[k][2]["right"]) for k in kept
                 if encoded[k][0]["updates"] > 0 and 2 * encoded[k][2]["right"] >= len(encoded[k][2]["correct"])), None)
    last = encoded[kept[-1]][2]["correct"]
    ever = np.any([encoded[k][2]["correct"] for k in kept if encoded[k][0]["updates"] > 0], axis=0)
    return {"half_right": half and {"updates": half[0], "right": half[1]},
            "wrong_at_end": int((~last).sum()), "right_at_kept": next(
                encoded[k][2]["right"] for k in kept if encoded[k][0]["epoch"] == best_epoch),
            "train_loss_falls": history["loss"][-1] < history["loss"][best_epoch - 1], "wrong_at_end_once_right": int((~last & ever).sum()),
            "val_loss_kept": history["val_loss"][best_epoch - 1], "val_loss_last": history["val_loss"][-1],
            "val_loss_best_epoch": int(np.argmin(history["val_loss"])) + 1}


def same_as_demo(arch, payload: dict, images: np.ndarray, keras: np.ndarray) -> int:
    """How many of the 100 images the shipped kept-epoch snapshot classes as Keras did for the Démo."""
    kept = payload["kept_epoch"] * payload["updates_per_epoch"]
    snapshot = next(s for s in payload["snapshots"] if s["updates"] == kept)
    ours = architecture.forward(arch, decode_snapshot(snapshot["layers"]), images.reshape(len(images), -1) / 255.0)
    return int((ours.probabilities.argmax(axis=1) == keras.argmax(axis=1)).sum())


def print_frames(snapshots: list[dict], best_epoch: int, per_epoch: int) -> list[int]:
    """The fixed frames of the printed page: update 0, the end of the first epoch, the kept epoch."""
    wanted = [0, per_epoch, best_epoch * per_epoch]
    chosen = []
    for updates in wanted:
        k = next((i for i, s in enumerate(snapshots) if s["updates"] == updates), None)
        if k is not None and k not in chosen:
            chosen.append(k)
    return chosen


def replay_stage(job) -> None:
    """Stage "replay": the trajectory within the size budget into docs/rejouer/data/, and three printed frames."""
    from pipeline.publish import replay_figure  # matplotlib, only where the figure is drawn

    run_dir = job.input("train", "artifacts/runs/{key}/")
    out = job.out("docs/rejouer/")
    out.mkdir(parents=True, exist_ok=True)
    if not (run_dir / trajectory.FILE_WEIGHTS).exists():  # a run without its trajectory: no page to publish
        atomic_write_json(job.out("artifacts/replay.json"), {"absent": True})
        return
    record = read_json(run_dir / trajectory.FILE_JSON)
    stacked = dict(np.load(run_dir / trajectory.FILE_WEIGHTS))
    arch = architecture.read(run_dir)
    metrics = read_json(run_dir / "metrics.json")
    # The kept epoch: the one whose weights the report and the Démo use (the best when EarlyStopping restores it).
    best_epoch = metrics["best_epoch"] if metrics["restored_best"] else metrics["epochs_run"]
    images, labels = dataset.load_test_set()
    indices = demo.select_images(labels, demo.PER_CLASS, job.params.seed)  # the Démo's 100 images, same order
    payload, facts = build_payload(arch, stacked, record, best_epoch, images[indices], labels[indices])
    facts["same_as_demo"] = same_as_demo(arch, payload, images[indices],
                                         np.load(run_dir / "predictions.npz")["probabilities"][indices])
    content = demo.data_script(DATA_GLOBAL, "Trajectoire de l'entraînement (poids quantifiés, scores de validation), "
                               "écrite par « make report » : ne pas modifier.", payload)
    atomic_write_bytes(out / "data" / DATA_FILE, content)
    frames = print_frames(record["snapshots"], best_epoch, record["updates_per_epoch"])
    png, alt = replay_figure.frames_figure(record, stacked, frames, best_epoch, facts["right"], facts["units"])
    atomic_write_bytes(out / PRINT_FIGURE, png)
    facts.update(data_bytes=len(content), figure_bytes=len(png), figure_alt=alt)
    atomic_write_json(job.out("artifacts/replay.json"), facts)


def summary(job) -> str:
    facts = read_json(job.final("artifacts/replay.json"))
    if facts.get("absent"):
        return "pas de trajectoire enregistrée : page non publiée"
    return (f"{facts['shipped']} instantanés sur {facts['recorded']}, "
            f"{fr.decimal(facts['data_bytes'] / 1e6, 1)} Mo dans docs/{DATA_FOLDER}/")


def decode_payload(content: bytes | str | Path) -> dict:
    """The data file read back (for tests and checks): every snapshot's float32 weights under "weights"."""
    payload = demo.read_data_script(content)
    for snapshot in payload["snapshots"]:
        snapshot["weights"] = decode_snapshot(snapshot["layers"])
    return payload

