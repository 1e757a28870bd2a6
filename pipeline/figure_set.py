"""Choose what each figure shows (seeded) and draw them all to PNG bytes, with the facts the pages cite."""
from __future__ import annotations

import numpy as np

from pipeline import figures
from pipeline.data import CLASS_NAMES

GRID_SIZE = 24  # articles in the data page's grid
PREDICTION_EXAMPLES = 6  # test images shown beside their probability bars


def draw_all(seed: int, x_train, y_train, x_test, y_test, metrics: dict, probabilities, weights) -> tuple[dict, dict]:
    """Return ({figure name: PNG bytes}, facts) for every figure of the site."""
    rng = np.random.default_rng(seed)
    names = CLASS_NAMES
    grid = _one_per_class_first(rng, y_train, GRID_SIZE)
    examples = _prediction_examples(rng, y_test, probabilities, PREDICTION_EXAMPLES)
    mistakes = metrics["evaluation"]["confident_mistakes"]
    history = metrics["history"]
    counts = np.bincount(y_train, minlength=len(names))
    means = np.stack([x_train[y_train == k].mean(axis=0) for k in range(len(names))])

    drawings = {
        "exemples": figures.sample_grid(x_train[grid], y_train[grid], names),
        "repartition": figures.class_distribution(counts, names),
        "pixels": figures.pixel_histogram(x_train[:2000]),
        "moyennes": figures.class_means(means, names),
        "courbes": figures.learning_curves(history, metrics["best_epoch"], metrics["epochs_run"],
                                           metrics["stopped_early"]),
        "confusion": figures.confusion(np.array(metrics["evaluation"]["confusion_matrix"]), names),
        "erreurs": figures.image_gallery(
            x_test[[m["index"] for m in mistakes]],
            [f"Réelle : {names[m['true']]}\nPrédite : {names[m['predicted']]}\n"
             f"{figures.integer(100 * m['probability'])}\u00a0%" for m in mistakes]),
        "predictions": figures.prediction_bars(x_test[examples], probabilities[examples], y_test[examples], names),
        "neurones": figures.weight_images(weights["W1"]),
    }
    pngs = {name: figures.to_png(fig) for name, fig in drawings.items()}
    facts = {
        "files": [f"{name}.png" for name in pngs],
        "grid_labels": [int(y) for y in y_train[grid]],
        "examples": [{"index": int(i), "true": int(y_test[i]), "predicted": int(probabilities[i].argmax()),
                      "probability": float(probabilities[i].max())} for i in examples],
        "neurons": int(weights["W1"].shape[1]),
    }
    return pngs, facts


def _one_per_class_first(rng, labels, size: int) -> np.ndarray:
    """Every class appears at least once, the rest drawn at random: the grid shows all ten."""
    first = [rng.choice(np.flatnonzero(labels == k)) for k in range(len(CLASS_NAMES))]
    rest = rng.choice(np.setdiff1d(np.arange(len(labels)), first), size - len(first), replace=False)
    return rng.permutation(np.concatenate([first, rest]))


def _prediction_examples(rng, labels, probabilities, count: int) -> np.ndarray:
    """Mostly right answers and at least one mistake, so the bars show both cases."""
    predicted = probabilities.argmax(axis=1)
    right = np.flatnonzero(predicted == labels)
    wrong = np.flatnonzero(predicted != labels)
    n_wrong = min(len(wrong), max(1, count // 3))
    n_right = min(len(right), count - n_wrong)
    chosen = np.concatenate([rng.choice(right, n_right, replace=False),
                             rng.choice(wrong, n_wrong, replace=False)])
    return np.sort(chosen)
