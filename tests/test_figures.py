"""Figures: each function draws from plain numbers; PNG bytes are stable and carry no metadata."""
import matplotlib.figure
import numpy as np

from factories import BASE_HISTORY, make_metrics, make_probabilities
from pipeline import figure_set, figures
from pipeline.data import CLASS_NAMES


def test_learning_curves_have_the_seeds_two_subplots_with_best_and_stop_marked():
    fig = figures.learning_curves(BASE_HISTORY, best_epoch=5, stop_epoch=8, stopped_early=True)
    acc, loss = fig.axes
    assert "Précision" in acc.get_title() and "Perte" in loss.get_title()
    labels = [t.get_text() for t in loss.get_legend().get_texts()]
    assert labels == ["Entraînement", "Validation", "Meilleure époque (5)", "Arrêt (8)"]


def test_no_stop_line_when_training_ran_all_epochs():
    fig = figures.learning_curves(BASE_HISTORY, best_epoch=8, stop_epoch=8, stopped_early=False)
    assert not any("Arrêt" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_png_bytes_are_identical_across_draws_and_have_no_software_tag():
    first = figures.to_png(figures.class_distribution([6000] * 10, CLASS_NAMES))
    second = figures.to_png(figures.class_distribution([6000] * 10, CLASS_NAMES))
    assert first == second
    assert first.startswith(b"\x89PNG") and b"Matplotlib" not in first


def test_confusion_figure_names_classes_in_french_on_both_axes():
    fig = figures.confusion(np.eye(10, dtype=int) * 100, CLASS_NAMES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_NAMES)
    assert ax.get_ylabel() == "Classe réelle"


def test_draw_all_returns_every_figure_and_the_facts_pages_cite(tiny_images):
    images, labels = tiny_images
    probs, test_labels = make_probabilities(n=40)
    metrics = make_metrics(predictions=(probs, test_labels))
    weights = {"W1": np.random.default_rng(0).normal(size=(784, 16)).astype("float32")}
    pngs, facts = figure_set.draw_all(1, images, labels, images, test_labels, metrics, probs, weights)
    assert set(pngs) == {"exemples", "repartition", "pixels", "moyennes", "courbes", "confusion",
                         "erreurs", "predictions", "neurones"}
    assert facts["files"] == [f"{n}.png" for n in pngs]
    assert set(facts["grid_labels"]) == set(range(10))  # every class shown in the grid
    assert any(e["true"] != e["predicted"] for e in facts["examples"])  # at least one mistake shown
    assert facts["neurons"] == 16


def test_every_drawing_function_returns_a_matplotlib_figure(tiny_images):
    images, labels = tiny_images
    probs, _ = make_probabilities(n=40)
    assert isinstance(figures.sample_grid(images[:8], labels[:8], CLASS_NAMES), matplotlib.figure.Figure)
    assert isinstance(figures.prediction_bars(images[:2], probs[:2], labels[:2], CLASS_NAMES), matplotlib.figure.Figure)
    assert isinstance(figures.weight_images(np.ones((784, 4))), matplotlib.figure.Figure)
