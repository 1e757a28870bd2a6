"""Plain numbers from predictions: test loss and accuracy, confusion matrix, per-class scores, mistakes."""
from __future__ import annotations

import numpy as np


def evaluate_model(model, X_test, y_test) -> tuple[float, float, np.ndarray]:
    """Test loss and accuracy from Keras, computed once at the end, plus the predicted probabilities."""
    # --8<-- [start:evaluate]
    test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
    probabilities = model.predict(X_test, verbose=0)
    # --8<-- [end:evaluate]
    return float(test_loss), float(test_accuracy), probabilities.astype("float32")


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


def mean_cross_entropy(probabilities: np.ndarray, y_true: np.ndarray) -> float:
    """The sparse categorical cross-entropy averaged over images, as Keras computes it."""
    eps = 1e-7  # Keras clips probabilities to [eps, 1 - eps] before the log
    picked = np.clip(probabilities[np.arange(len(y_true)), y_true.astype(int)], eps, 1 - eps)
    return float(-np.log(picked).mean())


def summarise(probabilities: np.ndarray, y_true: np.ndarray) -> dict:
    """Every number the results pages need, from the test probabilities and labels."""
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(y_true, predicted, probabilities.shape[1])
    return {
        "accuracy_from_predictions": float((predicted == y_true).mean()),
        "confusion_matrix": matrix.tolist(),
        "per_class": per_class_scores(matrix),
        "confused_pairs": confused_pairs(matrix),
        "confident_mistakes": confident_mistakes(probabilities, y_true),
        "errors": int((predicted != y_true).sum()),
    }
