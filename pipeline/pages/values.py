"""French values several pages print: the run, the data, the training, the Démo, the downloads, the stages."""
from __future__ import annotations

import re

from pipeline.workflow.deps import closure
from pipeline.common import fr

BALANCE_TOLERANCE = 1.5  # max/min class count above which we call the training set unbalanced
OVERFIT_MIN_RISE = 0.01  # validation loss must rise this much above its minimum to call it overfitting

_DURATIONS = re.compile(r" - \d+s - \d+(?:\.\d+)?(?:s|ms|us)/step")


def without_durations(log: str) -> str:
    """Keras's log with each epoch's wall time and time per step replaced by « … »: they change from one
    run to the next, and a rebuild must give the same pages (the Reproductibilité page gives them)."""
    return _DURATIONS.sub(" - …", log)


def downloads(carnet: dict | None) -> dict | None:
    """The notebook and the script (link, file name, size « 16 ko »), and the Colab link or None."""
    if not carnet:
        return None
    files = {kind: {**f, "size": fr.kilobytes(f["bytes"])} for kind, f in carnet["files"].items()}
    return {**files, "colab": carnet.get("colab")}


def stage_row(stage, labels: dict[str, str]) -> dict:
    """One row of the maintainers' table: what a stage reads (params, stages, files, code) and writes."""
    reads = ["tous les paramètres"] if stage.params == ("*",) else [f"`{p}`" for p in stage.params]
    reads += [f"étape « {labels[name]} »" for name in stage.after] + [f"`{name}`" for name in stage.files]
    reads += [{"dataset": "les 4 fichiers vérifiés", "provenance": "l'état git et les versions"}[name]
              for name in stage.inputs]
    pages = [out for out in stage.outputs if out.startswith("docs/") and out.endswith(".md")]
    writes = ([f"{len(pages)} pages `docs/*.md`"] if pages else []) + [
        f"`{out}`" for out in stage.outputs if out not in pages]
    module, function = stage.run.split(":")
    return {"name": stage.name, "label": stage.label, "function": f"`{function}` (`pipeline/{module.replace('.', '/')}.py`)",
            "reads": ", ".join(reads) or "—", "writes": ", ".join(writes),
            "code": ", ".join(f"`{name}`" for name in closure(stage.module))}


def demo(raw: dict, asset_bytes: int) -> dict:
    """The Démo's export facts plus the same numbers written in French."""
    total = sum(raw["sizes"].values()) + asset_bytes
    return {**raw,
            "count_fr": fr.integer(raw["count"]), "params_fr": fr.integer(raw["params"]),
            "weights_kb": fr.kilobytes(raw["sizes"]["poids.js"]), "images_kb": fr.kilobytes(raw["sizes"]["images.js"]),
            "raw_weights_kb": fr.kilobytes(raw["raw_weights_bytes"]), "assets_kb": fr.kilobytes(asset_bytes),
            "total_bytes": total, "total_kb": fr.kilobytes(total),
            "multiplications": fr.integer(raw["multiplications"]),
            "heavy": total > raw["budget_bytes"], "budget_kb": fr.kilobytes(raw["budget_bytes"]),  # a wider network than the seed's: the page says what it costs
            "max_difference_fr": fr.scientific(raw["max_difference"]),
            "keras_correct_fr": fr.integer(raw["keras_correct"])}


def run(metrics: dict, run_info: dict) -> dict:
    """The run's key, seed and parameters, and the sizes of its data sets (every page's footer cites it)."""
    p = metrics["params"]
    return {
        "key": run_info["key"],
        "params": p,
        "seed": p["seed"],
        "validation_split": p["validation"] == "split",
        "validation_percent": fr.percent(p["validation_fraction"], 0),
        "sizes": {k: fr.integer(v) for k, v in metrics["sizes"].items()},
    }


def data(info: dict, names) -> dict:
    """The data set's shapes, pixels and class counts, and whether the classes are balanced."""
    counts = info["class_counts"]
    ratio = max(counts) / max(min(counts), 1)
    return {
        "train_shape": " × ".join(fr.integer(d) for d in info["train_shape"]),
        "test_shape": " × ".join(fr.integer(d) for d in info["test_shape"]),
        "train_count": fr.integer(info["train_shape"][0]),
        "test_count": fr.integer(info["test_shape"][0]),
        # as Python prints them (identifiers of code, no thousands space): (60000, 28, 28)
        "shapes_py": {name: "(" + ", ".join(str(d) for d in info[f"{name}_shape"]) + ("," if len(
            info[f"{name}_shape"]) == 1 else "") + ")" for name in ("train", "test", "train_labels", "test_labels")},
        "height": info["train_shape"][1], "width": info["train_shape"][2],
        "pixels": fr.integer(info["train_shape"][1] * info["train_shape"][2]),
        "dtype": info["dtype"],
        "pixel_min": info["pixel_min"], "pixel_max": info["pixel_max"],
        "pixel_mean": fr.decimal(info["pixel_mean"], 1),
        "pixel_zero_share": fr.percent(info["pixel_zero_share"], 1),
        "pixel_mean_normalised": fr.decimal(info["pixel_mean"] / 255, 3),
        "counts": [{"name": n, "count": fr.integer(c), "share": fr.percent(c / sum(counts))}
                   for n, c in zip(names, counts)],
        "balanced": ratio <= BALANCE_TOLERANCE,
        "all_equal": len(set(counts)) == 1,
        "count_min": fr.integer(min(counts)), "count_max": fr.integer(max(counts)),
        "class_min": names[counts.index(min(counts))], "class_max": names[counts.index(max(counts))],
        "ratio": fr.decimal(ratio, 1),
        "checksums": info["checksums"],
    }


def training(metrics: dict) -> dict:
    """The training's epochs, scores and stop, and the facts that say whether it overfitted."""
    h = metrics["history"]
    p = metrics["params"]["early_stopping"]
    best = metrics["best_epoch"]
    run = metrics["epochs_run"]
    val_loss = h["val_loss"]
    best_val_loss_epoch = val_loss.index(min(val_loss)) + 1
    gap_first = val_loss[0] - h["loss"][0]
    gap_last = val_loss[-1] - h["loss"][-1]
    overfitting = run > best_val_loss_epoch and val_loss[-1] > min(val_loss) + OVERFIT_MIN_RISE
    b = best - 1
    return {
        "epochs_max": metrics["params"]["epochs"],
        "learning_rate": fr.decimal(metrics["learning_rate"], 3),
        "epochs_run": run,
        "best_epoch": best,
        "stopped_early": metrics["stopped_early"],
        "restored": metrics["restored_best"],
        "monitor": p["monitor"], "patience": p["patience"],
        "monitor_fr": "la perte de validation" if p["monitor"] == "val_loss" else "l'exactitude de validation",
        "epochs_after_best": run - best,
        "first": {"loss": fr.decimal(h["loss"][0], 3), "val_loss": fr.decimal(val_loss[0], 3),
                  "accuracy": fr.percent(h["accuracy"][0]), "val_accuracy": fr.percent(h["val_accuracy"][0])},
        "best": {"loss": fr.decimal(h["loss"][b], 3), "val_loss": fr.decimal(val_loss[b], 3),
                 "accuracy": fr.percent(h["accuracy"][b]), "val_accuracy": fr.percent(h["val_accuracy"][b])},
        "last": {"loss": fr.decimal(h["loss"][-1], 3), "val_loss": fr.decimal(val_loss[-1], 3),
                 "accuracy": fr.percent(h["accuracy"][-1]), "val_accuracy": fr.percent(h["val_accuracy"][-1])},
        "min_val_loss": fr.decimal(min(val_loss), 3),
        "min_val_loss_epoch": best_val_loss_epoch,
        "gap_first": fr.decimal(gap_first, 3), "gap_last": fr.decimal(gap_last, 3),
        "gap_first_abs": fr.decimal(abs(gap_first), 3), "gap_last_abs": fr.decimal(abs(gap_last), 3),
        "gap_first_negative": gap_first < 0, "gap_last_negative": gap_last < 0,
        "gap_grew": gap_last > gap_first + OVERFIT_MIN_RISE,
        "overfitting": overfitting,
        "train_loss_fell": h["loss"][-1] < h["loss"][0],
        "rows": [{"epoch": i + 1, "loss": fr.decimal(h["loss"][i], 4), "val_loss": fr.decimal(val_loss[i], 4),
                  "accuracy": fr.percent(h["accuracy"][i], 2), "val_accuracy": fr.percent(h["val_accuracy"][i], 2)}
                 for i in range(run)],
        "batches_per_epoch": fr.integer(-(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"])),
        "batches_raw": -(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"]),  # as Keras prints it
        "batches_128": fr.integer(-(-metrics["sizes"]["fit"] // 128)),  # for the batch-size exercise
    }
