"""Evaluation numbers from predictions: confusion matrix, per-class scores, confused pairs, mistakes."""
import numpy as np
import pytest

from pipeline.training import evaluate


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    m = evaluate.confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_per_class_precision_recall_f1_support():
    m = np.array([[8, 2], [4, 6]])
    rows = evaluate.per_class_scores(m)
    assert rows[0]["precision"] == pytest.approx(8 / 12)
    assert rows[0]["recall"] == pytest.approx(8 / 10)
    assert rows[0]["f1"] == pytest.approx(2 * (8 / 12) * 0.8 / (8 / 12 + 0.8))
    assert rows[1]["support"] == 10


def test_a_never_predicted_class_has_zero_precision_not_an_error():
    rows = evaluate.per_class_scores(np.array([[5, 0], [3, 0]]))
    assert rows[1]["precision"] == 0.0 and rows[1]["f1"] == 0.0


def test_confused_pairs_add_both_directions_and_sort():
    m = np.zeros((4, 4), dtype=int)
    m[0, 3], m[3, 0] = 5, 7  # 12 swaps
    m[1, 2] = 9
    pairs = evaluate.confused_pairs(m, top=2)
    assert [(p["a"], p["b"], p["total"]) for p in pairs] == [(0, 3, 12), (1, 2, 9)]
    assert pairs[0]["a_as_b"] == 5 and pairs[0]["b_as_a"] == 7


def test_confident_mistakes_are_wrong_and_sorted_by_confidence():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]], dtype="float32")
    labels = np.array([0, 0, 0, 1])
    mistakes = evaluate.confident_mistakes(probs, labels, top=5)
    assert [m["index"] for m in mistakes] == [1, 2]
    assert mistakes[0]["probability"] == pytest.approx(0.8)


def test_summarise_agrees_with_argmax_accuracy():
    from factories import make_probabilities

    probs, labels = make_probabilities(accuracy=0.8)
    summary = evaluate.summarise(probs, labels)
    assert summary["errors"] == int((probs.argmax(1) != labels).sum()) > 0
    assert np.trace(np.array(summary["confusion_matrix"])) == len(labels) - summary["errors"]
