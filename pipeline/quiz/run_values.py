"""The names a quiz expression can read: one run's artifacts as plain values, and the quiz's own functions.

- metrics: runs/<key>/metrics.json (params, sizes, history, best_epoch, test, evaluation…);
- data: artifacts/data.json (shapes, pixel statistics, class counts);
- architecture: runs/<key>/architecture.json (input_shape, layers with units, inputs, params);
- weights: runs/<key>/weights.npz (W1, b1, W2, b2…: NumPy arrays, one pair per Dense layer);
- predictions: runs/<key>/predictions.npz (probabilities: the test images' softmax outputs; validation
  and validation_labels);
- figures: artifacts/figures.json (the facts the figures show: the worked image, confident errors…);
- classes: the ten French class names, in label order; words: the French words of code values
  (words.val_loss is « la perte de validation »).
Functions beyond the language's own: pair(p), a confused pair of metrics.evaluation.confused_pairs
named as the evaluation page names it (« Chemise et T-shirt/haut », the larger direction first), and
chance_loss(n), the loss of a network that gives 1/n to each of n classes (ln n, from the numeric core).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.common.errors import PipelineError
from pipeline.common.numeric import chance_loss
from pipeline.common.io import read_json
from pipeline.data.dataset import CLASS_NAMES

WORDS = {"val_loss": "la perte de validation", "val_accuracy": "l'exactitude de validation",
         "loss": "la perte d'entraînement", "accuracy": "l'exactitude d'entraînement"}


def names(metrics: dict, data: dict, architecture: dict, weights: dict, predictions: dict, figures: dict) -> dict:
    """Every name an expression may use, from already-read artifacts."""
    return {"metrics": metrics, "data": data, "architecture": architecture, "weights": weights,
            "predictions": predictions, "figures": figures, "classes": list(CLASS_NAMES), "words": WORDS}


def functions(classes=CLASS_NAMES) -> dict:
    """The quiz's own functions, added to the expression language's."""
    return {"pair": lambda p: pair_name(p, classes), "chance_loss": chance_loss}


def pair_name(pair: dict, classes=CLASS_NAMES) -> str:
    """« Chemise et T-shirt/haut »: the class confused more often with the other one first."""
    first, second = (pair["a"], pair["b"]) if pair["a_as_b"] >= pair["b_as_a"] else (pair["b"], pair["a"])
    return f"{classes[first]} et {classes[second]}"


def from_files(run_dir: Path, data_json: Path, figures_json: Path) -> dict:
    """The names, read from one build's files (the quiz stage's inputs)."""
    return names(read_json(run_dir / "metrics.json"), read_json(data_json), read_json(run_dir / "architecture.json"),
                 _arrays(run_dir / "weights.npz"), _arrays(run_dir / "predictions.npz"), read_json(figures_json))


def _arrays(path: Path) -> dict:
    try:
        with np.load(path) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError) as exc:
        raise PipelineError("fichier de résultats de l'entraînement illisible.", where=str(path),
                            fix="supprimez ce dossier d'exécution pour réentraîner, puis relancez « make report ».",
                            detail=f"{type(exc).__name__}: {exc}") from None
