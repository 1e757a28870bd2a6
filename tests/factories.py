"""Hand-made artifacts (metrics, data description, figure facts) for fast tests without training."""
from __future__ import annotations

import copy

import numpy as np

from pipeline.common import architecture
from pipeline.common.config import EarlyStoppingParams, Params
from pipeline.training.evaluate import summarise
from pipeline.common.schema import Metrics, from_dict

BASE_HISTORY = {
    "loss": [0.50, 0.38, 0.34, 0.31, 0.29, 0.28, 0.26, 0.25],
    "val_loss": [0.43, 0.38, 0.36, 0.35, 0.34, 0.35, 0.36, 0.38],
    "accuracy": [0.82, 0.86, 0.88, 0.89, 0.89, 0.90, 0.90, 0.91],
    "val_accuracy": [0.85, 0.86, 0.87, 0.87, 0.88, 0.88, 0.87, 0.87],
}


def make_probabilities(n: int = 200, accuracy: float = 0.85, seed: int = 0):
    """Probabilities and labels where about `accuracy` of the argmaxes are right."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), n // 10)
    probs = rng.random((n, 10)).astype("float32") * 0.1
    wrong = rng.random(n) > accuracy
    guess = np.where(wrong, (labels + 1 + rng.integers(0, 8, n)) % 10, labels)
    probs[np.arange(n), guess] += 1.0
    return probs / probs.sum(axis=1, keepdims=True), labels


def make_metrics(history: dict | None = None, best_epoch: int = 5, stopped_early: bool = True,
                 accuracy: float = 0.8772, validation: str = "split", predictions=None,
                 early_stopping: dict | None = None, restored_best: bool = True, **param_overrides) -> dict:
    history = copy.deepcopy(history or BASE_HISTORY)
    probs, labels = predictions if predictions is not None else make_probabilities()
    # patience 3 makes BASE_HISTORY what Keras does: best val_loss at epoch 5, stop after epoch 8.
    es = {"patience": 3, "restore_best_weights": restored_best, **(early_stopping or {})}
    params = Params(validation=validation, early_stopping=EarlyStoppingParams(**es), **param_overrides).to_dict()
    return {
        "params": params,
        "sizes": {"fit": 54000, "validation": 6000, "test": 10000},
        "layers": [
            {"name": "flatten", "kind": "Flatten", "output_shape": [None, 784], "params": 0, "units": 0},
            {"name": "dense", "kind": "Dense", "output_shape": [None, 128], "params": 100480, "units": 128},
            {"name": "dense_1", "kind": "Dense", "output_shape": [None, 10], "params": 1290, "units": 10},
        ],
        "total_params": 101770,
        "learning_rate": 0.001,
        "history": history,
        "epochs_run": len(history["loss"]),
        "stopped_early": stopped_early,
        "best_epoch": best_epoch,
        "restored_best": es["restore_best_weights"],
        "test": {"loss": 0.3456, "accuracy": accuracy},
        "evaluation": summarise(probs, labels),
    }


def make_architecture(hidden: tuple[int, ...] = (128,), dropout: float | None = None) -> architecture.Architecture:
    """The record training writes: Flatten, Dense(h, relu) per hidden width (Dropout after the first), Dense(10)."""
    layers, previous = [architecture.Layer("Flatten", "flatten", 784)], 784
    for index, units in enumerate(hidden):
        layers.append(architecture.Layer("Dense", "dense" if index == 0 else f"dense_{index}", units, "relu",
                                         inputs=previous, params=previous * units + units))
        if index == 0 and dropout:
            layers.append(architecture.Layer("Dropout", "dropout", units, rate=dropout))
        previous = units
    layers.append(architecture.Layer("Dense", f"dense_{len(hidden)}", 10, "softmax", inputs=previous,
                                     params=previous * 10 + 10))
    return architecture.Architecture((28, 28), tuple(layers))


def make_weights(arch: architecture.Architecture, seed: int = 0) -> dict:
    """Small random weights shaped by the record, named as weights.npz names them (W1, b1, W2…)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for index, layer in enumerate(arch.dense, start=1):
        kernel, bias = architecture.weight_names(index)
        scale = 1.0 / np.sqrt(layer.inputs)
        weights[kernel] = (rng.normal(size=(layer.inputs, layer.units)) * scale).astype("float32")
        weights[bias] = (rng.normal(size=layer.units) * 0.1).astype("float32")
    return weights


def make_data_info(counts: list[int] | None = None) -> dict:
    counts = counts or [6000] * 10
    return {
        "key": "k", "checksums": {"train-images-idx3-ubyte": "abc"},
        "train_shape": [sum(counts), 28, 28], "train_labels_shape": [sum(counts)],
        "test_shape": [10000, 28, 28], "test_labels_shape": [10000],
        "dtype": "uint8", "pixel_min": 0, "pixel_max": 255, "pixel_mean": 72.94, "pixel_zero_share": 0.502,
        "class_counts": counts, "test_class_counts": [1000] * 10,
    }


def curve_colour_words() -> dict:
    """What figure_set writes: the words of pipeline.figures.style.CURVE_COLOURS, the constant the figure uses."""
    from pipeline.figures.style import CURVE_COLOURS

    return {line: word for line, (word, _) in CURVE_COLOURS.items()}


def make_figure_facts(arch: architecture.Architecture | None = None) -> dict:
    """What the figures stage writes; the network's facts (layers, worked example) follow `arch`."""
    arch = arch or make_architecture()
    facts = _seed_figure_facts()
    facts["layers"] = {"sizes": [arch.inputs] + [layer.units for layer in arch.dense],
                       "params": [layer.params for layer in arch.dense],
                       "activations": [layer.activation for layer in arch.dense]}
    facts["worked"]["hidden_layers"] = [{"units": layer.units, "active": min(41, layer.units)} for layer in arch.hidden]
    facts["neurons"] = arch.dense[0].units
    facts["descent"], facts["step"] = (copy.deepcopy(f) for f in _learning_facts(arch))
    return facts


_LEARNING: dict = {}


def _learning_facts(arch: architecture.Architecture) -> tuple[dict, dict]:
    """The loss slice and the one-step example, computed by the figures' own functions on twenty
    random images with make_weights (cached per network shape: fast tests call this often)."""
    from pipeline.figures import learning

    shape = tuple(layer.units for layer in arch.dense)
    if shape not in _LEARNING:
        rng = np.random.default_rng(3)
        images, labels = rng.integers(0, 256, (20, 28, 28)).astype(np.uint8), np.arange(20) % 10
        weights = make_weights(arch)
        descent = learning.descent_facts(arch, weights, images / 255.0, labels)
        step = {"index": 4, **learning.step_facts(arch, weights, images[4], int(labels[4]), 0.001)}
        _LEARNING[shape] = (descent, step)
    return _LEARNING[shape]


def _seed_figure_facts() -> dict:
    return {
        "key": "f", "files": ["exemples.png"], "grid_labels": list(range(10)) * 2,
        "examples": [{"index": 3, "true": 1, "predicted": 1, "probability": 0.99},
                     {"index": 7, "true": 6, "predicted": 0, "probability": 0.71}],
        "neurons": 128,
        # figures_network.calibration_table's rows: [low, high), images, mean confidence, real exactitude.
        "calibration": [{"low": low / 10, "high": (low + 1) / 10, "count": n, "confidence": c, "accuracy": a}
                        for low, n, c, a in [(3, 150, 0.36, 0.40), (4, 350, 0.46, 0.48), (5, 600, 0.55, 0.55),
                                             (6, 700, 0.65, 0.60), (7, 800, 0.75, 0.68), (8, 1000, 0.85, 0.78),
                                             (9, 6400, 0.985, 0.97)]],
        "layers": {"sizes": [784, 128, 10], "params": [100480, 1290], "activations": ["relu", "softmax"]},
        # One test image through the network (catalogue.draw_all): a Sandale, 41 of 128 units active.
        "worked": {"index": 2240, "true": 5, "predicted": 5, "hidden_layers": [{"units": 128, "active": 41}],
                   "logits": [-6.3, -13.4, -8.5, -10.9, -10.4, 12.6, -10.6, -0.4, -6.4, 2.2],
                   "probabilities": [6.1e-09, 5.4e-12, 7.2e-10, 6.6e-11, 1.0e-10, 0.99996, 8.8e-11, 2.4e-06,
                                     5.5e-09, 3.1e-05],
                   "loss": 3.3e-05, "top_logit_class": 5, "sum_probabilities": 1.0},
        "weight_colours": {"positive": "bleu", "negative": "orange"},
        "curve_colours": curve_colour_words(),
        "weight_limit": 0.21, "weight_quantile": 0.99, "weight_max": 0.62, "weights_beyond": 0.01,
        "activity": {"images": 10000, "units": 128, "dead": 3, "rare": 7, "always": 2, "rare_share": 0.01,
                     "mean_active": 45.2, "min_active": 12, "max_active": 88},
        "confident_errors": {"errors": 1228, "above_90": 410, "above_99": 96},
        "readme_folder": "rapport/", "readme_figures": ["exemples", "repartition", "courbes", "confusion"],
    }


def with_alt_texts(facts: dict, metrics: dict, data_info: dict) -> dict:
    """The figure facts plus their alt texts, written by the same function as the figures stage's."""
    from pipeline.data.dataset import CLASS_NAMES
    from pipeline.figures.catalogue import alt_texts

    pixels = (data_info["pixel_min"], data_info["pixel_max"])
    return {**facts, "alt": alt_texts(facts, metrics, data_info["class_counts"], pixels, CLASS_NAMES)}


def make_demo_facts() -> dict:
    """What the demo stage writes for a real run (sizes in bytes)."""
    return {"count": 100, "per_class": 10, "params": 101770, "multiplications": 101632,
            "layers": [{"inputs": 784, "units": 128, "activation": "relu"},
                       {"inputs": 128, "units": 10, "activation": "softmax"}],
            "sizes": {"poids.js": 543127, "images.js": 110950}, "raw_weights_bytes": 407080, "budget_bytes": 1_000_000,
            "max_difference": 4.6e-07, "same_class": 100, "keras_correct": 91}


def make_provenance() -> dict:
    return {"git": {"commit": "0123456789abcdef", "dirty": True},
            "versions": {"python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6"},
            "machine": {"cpu": "Test CPU", "cores": 2, "system": "Linux", "python": "3.11.7"}}


def make_quiz(metrics: dict, data_info: dict, arch: architecture.Architecture, figures: dict,
              probabilities=None, root=None) -> dict:
    """What the quiz stage writes (artifacts/quiz.json) for these hand-made artifacts: quiz/*.yaml computed on them,
    with make_weights for the weights and `probabilities` (make_probabilities by default) for the predictions."""
    from pathlib import Path

    from pipeline.quiz import run_values, stage

    root = root or Path(__file__).resolve().parents[1]
    probabilities = make_probabilities()[0] if probabilities is None else probabilities
    names = run_values.names(metrics, data_info, arch.to_dict(), make_weights(arch), {"probabilities": probabilities},
                             figures)
    quiz = stage.build(root, names, run_values.functions(), "abc123", metrics["params"]["seed"])
    texts = stage.exports(quiz)
    return {**quiz, "files": {kind: {"name": name, "href": "questionnaires/" + name,
                                     "bytes": len(texts[name].encode("utf-8"))} for kind, name in stage.EXPORTS.items()}}


def make_exercises(metrics: dict, arch: architecture.Architecture) -> dict:
    """exercises.json as the training stage writes it: each probe's code and a value this hand-made run would give."""
    from pipeline.common import exercise_code
    from pipeline.pages.network_context import params_with_first_width

    h, fit = metrics["history"], metrics["sizes"]["fit"]
    values = {"first_label_loaded": 9, "first_label": 6, "mean_loaded": 72.94035223214286,
              "mean_normalised": 0.2860405969887955, "counts_loaded": [6000] * 10, "counts": [fit // 10] * 10,
              "counts_validation": [metrics["sizes"]["validation"] // 10] * 10,
              "params": arch.total_params, "layer_params": [layer.params for layer in arch.layers],
              "params_narrow": params_with_first_width(arch, exercise_code.NARROW_WIDTH), "fit_images": fit,
              "best_loss_epoch": h["val_loss"].index(min(h["val_loss"])) + 1,
              "best_accuracy_epoch": h["val_accuracy"].index(max(h["val_accuracy"])) + 1}
    return {probe.id: {"code": probe.code, "after": probe.after, "parameters": dict(probe.parameters),
                       "value": values[probe.id]} for probe in exercise_code.PROBES}


def make_artifacts(counts=None, bench=None, arch: architecture.Architecture | None = None, **metric_overrides):
    """Hand-made versions of every file the pages read, as the pages stage would load them."""
    from pipeline.pages.artifacts import Artifacts

    metrics, data_info = make_metrics(**metric_overrides), make_data_info(counts)
    arch = arch or make_architecture()
    figures = with_alt_texts(make_figure_facts(arch), metrics, data_info)
    predictions = metric_overrides.get("predictions")
    quiz = make_quiz(metrics, data_info, arch, figures, predictions[0] if predictions is not None else None)
    return Artifacts(
        data_info=data_info, metrics=from_dict(Metrics, metrics), architecture=arch,
        figures=figures, demo=make_demo_facts(), quiz=quiz,
        run={"key": "abc123", "finished": "2026-11-26T05:59:00+0000", "seconds": 12.5},
        timings={"epoch_seconds": [0.5, 0.6, 0.4]},
        outputs={"shapes": "Images d'entraînement : (60000, 28, 28)\n", "evaluate": "Exactitude : 0.8772\n",
                 "fit_log": "".join(f"Epoch {e + 1}/20\n1688/1688 - 1s - 700us/step - accuracy: {a:.4f} - loss: {l:.4f}"
                                    f" - val_accuracy: {va:.4f} - val_loss: {vl:.4f}\n"
                                    for e, (a, l, va, vl) in enumerate(zip(*(metrics["history"][k] for k in (
                                        "accuracy", "loss", "val_accuracy", "val_loss"))))),
                 "predict": "Probabilités : (10000, 10)\n"},
        provenance=make_provenance(), bench=bench, demo_asset_bytes=23000, exercises=make_exercises(metrics, arch))


def make_context(**overrides) -> dict:
    """The context the templates receive, from the same builder the build uses."""
    from pipeline.pages.context import build_context

    return build_context(make_artifacts(**overrides))
