"""Plain numbers from test predictions: confusion matrix, per-class scores, confused pairs, mistakes (NumPy only)."""
from __future__ import annotations

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts: row = true class, column = predicted class."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true.astype(int), y_pred.astype(int)), 1)
    return matrix


def per_class_scores(matrix: np.ndarray) -> list[dict]:
    """Precision, recall, F1 and support of each class from a confusion matrix."""
    rows = []
    for k in range(matrix.shape[0]):
        true_pos = matrix[k, k]
        predicted = matrix[:, k].sum()
        support = matrix[k, :].sum()
        precision = true_pos / predicted if predicted else 0.0
        recall = true_pos / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"precision": float(precision), "recall": float(recall),
                     "f1": float(f1), "support": int(support)})
    return rows


def confused_pairs(matrix: np.ndarray, top: int = 3) -> list[dict]:
    """The unordered class pairs that swap the most images, with the count each way."""
    pairs = []
    n = matrix.shape[0]
    for a in range(n):
        for b in range(a + 1, n):
            total = int(matrix[a, b] + matrix[b, a])
            if total:
                pairs.append({"a": a, "b": b, "a_as_b": int(matrix[a, b]),
                              "b_as_a": int(matrix[b, a]), "total": total})
    pairs.sort(key=lambda p: (-p["total"], p["a"], p["b"]))
    return pairs[:top]


def confident_mistakes(probabilities: np.ndarray, y_true: np.ndarray, top: int = 12) -> list[dict]:
    """Wrong predictions the model was surest about: index, true, predicted, probability."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:top]
    return [{"index": int(i), "true": int(y_true[i]), "predicted": int(predicted[i]),
             "probability": float(probabilities[i, predicted[i]])} for i in order]


def summarise(probabilities: np.ndarray, y_true: np.ndarray) -> dict:
    """Every number the results pages need, from the test probabilities and labels."""
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(y_true, predicted, probabilities.shape[1])
    return {
        "confusion_matrix": matrix.tolist(),
        "per_class": per_class_scores(matrix),
        "confused_pairs": confused_pairs(matrix),
        "confident_mistakes": confident_mistakes(probabilities, y_true),
        "errors": int((predicted != y_true).sum()),
    }
