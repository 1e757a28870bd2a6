"""French values for the « Entraîner dans le navigateur » page: the exported subset, TensorFlow.js, the Keras run, Expériences.

Reads what the stages "browser_training" (artifacts/browser_training.json) and "tfjs" (artifacts/tfjs.json)
wrote, the run's metrics, and artifacts/experiments.json when `make experiences` measured it.
"""
from __future__ import annotations

import math

from pipeline.common import fr
from pipeline.experiments.questions import is_current

# The page's three experiments and the Expériences variant that measured the same change with Keras.
# 16 hidden units was not measured there: the nearest variant (32) is quoted, and said to be nearer.
EXPERIMENTS = (
    {"id": "taux", "variant": "x10", "title": "Taux d'apprentissage × 10", "change": {"learningRate": 10}},
    {"id": "lot", "variant": "b512", "title": "Lots de 512 images", "change": {"batchSize": 512}},
    {"id": "largeur", "variant": "n32", "title": "16 neurones cachés", "change": {"hiddenUnits": 16},
     "measured_units": 32},
)


def build(live: dict | None, tfjs: dict | None, metrics: dict, experiments: dict | None,
          run_key: str) -> dict | None:
    """The page's `live` value, or None when the build exported no data for it (the page is not published)."""
    if not live or not tfjs:
        return None
    d = live["defaults"]
    fraction = live["validation_fraction"]
    val = _validation_count(d["train_images"], fraction)
    params = metrics["params"]
    return {
        "train_count": fr.integer(live["train_count"]), "test_count": fr.integer(live["test_count"]),
        "train_per_class": fr.integer(live["train_per_class"]), "test_per_class": fr.integer(live["test_per_class"]),
        "default_train": fr.integer(d["train_images"] - val), "default_val": fr.integer(val),
        "validation_percent": fr.percent(fraction, 0),
        "data_mb": _megabytes(live["sizes"]["donnees.js"]),
        "raw_mb": _megabytes(live["raw_image_bytes"]),
        "layers": [_layer(layer) for layer in live["architecture"]["layers"]],
        "hidden_layers": sum(1 for layer in live["architecture"]["layers"] if layer["kind"] == "Dense") - 1,
        "architecture_record": live.get("architecture_record", False),
        "defaults": d, "learning_rate_fr": _plain(d["learning_rate"]),
        "monitor_is_loss": d["monitor"] == "val_loss",
        "updates_32": fr.integer(math.ceil((d["train_images"] - val) / 32)),
        "updates_512": fr.integer(math.ceil((d["train_images"] - val) / 512)),
        "tfjs": {"version": tfjs["version"], "packages": tfjs["packages"],
                 "library_mb": _megabytes(sum(size for name, size in tfjs["sizes"].items() if name.endswith(".js")))},
        "keras": _keras(metrics),
        "experiments": [_experiment(e, experiments, params, run_key, metrics) for e in EXPERIMENTS],
        "measured": is_current(experiments, params, run_key),
    }


def _validation_count(images: int, fraction: float) -> int:
    """Images kept for validation among the first `images` (whole blocks of 10, as the page splits them)."""
    blocks = images // 10
    return 10 * sum(1 for k in range(blocks) if math.floor((k + 1) * fraction + 1e-9) > math.floor(k * fraction + 1e-9))


def _megabytes(size: int) -> str:
    return f"{fr.decimal(size / 1e6, 1)}\u00a0Mo"


def _plain(value: float) -> str:
    """0.001 -> '0,001' (a learning rate as typed in the page's field)."""
    return f"{value:.6g}".replace(".", ",") if "e" not in f"{value:.6g}" else f"{value:.8f}".rstrip("0").replace(".", ",")


def _layer(layer: dict) -> str:
    if layer["kind"] == "Flatten":
        return f"`Flatten` ({fr.integer(layer['units'])} valeurs)"
    if layer["kind"] == "Dense":
        return f"`Dense({layer['units']}, activation='{layer['activation']}')`"
    if layer["kind"] == "Dropout":
        return f"`Dropout({layer['rate']})`"
    return f"`{layer['kind']}`"


def _keras(metrics: dict) -> dict:
    """The Keras run's row (its duration varies between builds: the page reads it from entrainer/data/duree.js)."""
    p = metrics["params"]
    es = p["early_stopping"]
    return {
        "settings": (f"{p['epochs']} époque{'s' if p['epochs'] > 1 else ''} au plus, lots de {p['batch_size']}, taux {_plain(p['learning_rate'])}, "
                     f"{p['hidden_units']} neurones, patience {es['patience']}, "
                     f"{'meilleurs poids' if es['restore_best_weights'] else 'derniers poids'}, "
                     f"{fr.integer(metrics['sizes']['fit'])} images"),
        "epochs": metrics["epochs_run"], "best_epoch": metrics["best_epoch"],
        "test_accuracy": fr.percent(metrics["test"]["accuracy"]),
        "fit_count": fr.integer(metrics["sizes"]["fit"]),
        "updates": fr.integer(math.ceil(metrics["sizes"]["fit"] / p["batch_size"])),
    }


def _experiment(spec: dict, raw: dict | None, params: dict, run_key: str, metrics: dict) -> dict:
    """One experiment to try, and what the Expériences page measured for the same change (or None)."""
    out = {"id": spec["id"], "title": spec["title"], "measured": None,
           "nearest_units": spec.get("measured_units")}
    if not is_current(raw, params, run_key):
        return out
    question = next((q for q in raw["questions"] if q["id"] == spec["id"]), None)
    if question is None:
        return out
    variants = {v["id"]: v for v in question["variants"]}
    variant = variants.get(spec["variant"])
    reference = next((v for v in question["variants"] if v["reference"]), None)
    if variant is None or reference is None:
        return out
    out["measured"] = {
        "label": variant["label"], "seeds": len(question["seeds"]),
        "test_accuracy": fr.percent(variant["test_accuracy"]["mean"]),
        "reference_test_accuracy": fr.percent(reference["test_accuracy"]["mean"]),
        "val_accuracy": fr.percent(variant["val_accuracy"]["mean"]),
        "epochs": fr.decimal(variant["epochs_run"]["mean"], 1),
        "seconds": fr.seconds(variant["seconds"]["mean"]),
        "better": variant["val_accuracy"]["mean"] > reference["val_accuracy"]["mean"],
    }
    return out
