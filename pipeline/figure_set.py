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
    worked_index = _worked_index(rng, x_test, y_test, probabilities, weights)  # drawn last: other picks unchanged
    worked = _forward_one(weights, x_test[worked_index])
    sizes, params = _layers(weights)
    calibration_rows = figures.calibration_table(probabilities, y_test)

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
             f"{figures.percent_floor(m['probability'])}" for m in mistakes]),
        "predictions": figures.prediction_bars(x_test[examples], probabilities[examples], y_test[examples], names),
        "neurones": figures.weight_images(weights["W1"]),
        "reseau": figures.network_diagram(sizes, params),
        "calibration": figures.calibration(probabilities, y_test),
        "exemple_calcul": figures.worked_example(x_test[worked_index], worked["hidden"], worked["logits"],
                                                 worked["probabilities"], int(y_test[worked_index]), names),
    }
    pngs = {name: figures.to_png(fig) for name, fig in drawings.items()}
    true = int(y_test[worked_index])
    facts = {
        "files": [f"{name}.png" for name in pngs],
        "grid_labels": [int(y) for y in y_train[grid]],
        "examples": [{"index": int(i), "true": int(y_test[i]), "predicted": int(probabilities[i].argmax()),
                      "probability": float(probabilities[i].max())} for i in examples],
        "neurons": int(weights["W1"].shape[1]),
        "worked": {
            "index": int(worked_index), "true": true, "predicted": int(worked["probabilities"].argmax()),
            "active_units": int((worked["hidden"] > 0).sum()), "hidden_units": int(worked["hidden"].size),
            "logits": [float(v) for v in worked["logits"]],
            "probabilities": [float(v) for v in worked["probabilities"]],
            "loss": float(-np.log(worked["probabilities"][true])),
            "top_logit_class": int(worked["logits"].argmax()),
            "sum_probabilities": float(worked["probabilities"].sum()),
        },
        "calibration": calibration_rows,
        "weight_colours": {side: word for side, (word, _) in figures.WEIGHT_COLOURS.items()},
    }
    return pngs, facts


def _layers(weights) -> tuple[list[int], list[int]]:
    """Layer widths [784, 128, 10] and parameters of each Dense layer (kernel + bias) from the weights."""
    sizes = [int(weights["W1"].shape[0]), int(weights["W1"].shape[1]), int(weights["W2"].shape[1])]
    params = [int(weights["W1"].size + weights["b1"].size), int(weights["W2"].size + weights["b2"].size)]
    return sizes, params


def _forward(weights, images) -> tuple[np.ndarray, np.ndarray]:
    """Hidden activations (ReLU) and logits in float64, x = pixels / 255 flattened."""
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1) / 255.0
    hidden = np.maximum(0.0, x @ weights["W1"].astype(np.float64) + weights["b1"].astype(np.float64))
    logits = hidden @ weights["W2"].astype(np.float64) + weights["b2"].astype(np.float64)
    return hidden, logits


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))  # shifted: no overflow, same result
    return exp / exp.sum(axis=-1, keepdims=True)


def _forward_one(weights, image) -> dict:
    hidden, logits = _forward(weights, image[None])
    return {"hidden": hidden[0], "logits": logits[0], "probabilities": _softmax(logits[0])}


def _worked_index(rng, images, labels, probabilities, weights) -> int:
    """A seeded test image that both the saved predictions and the NumPy forward pass classify right."""
    _, logits = _forward(weights, images)
    numpy_right = logits.argmax(axis=1) == labels
    saved_right = np.asarray(probabilities).argmax(axis=1) == labels
    for candidates in (np.flatnonzero(numpy_right & saved_right), np.flatnonzero(numpy_right),
                       np.arange(len(labels))):
        if len(candidates):
            return int(rng.choice(candidates))
    raise ValueError("aucune image de test pour l'exemple de calcul")


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
