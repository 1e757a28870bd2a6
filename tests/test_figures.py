"""Figures: each function draws from plain numbers; PNG bytes are stable and carry no metadata."""
import io
import json
import math
import re
from pathlib import Path

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.image import AxesImage
from matplotlib.text import Text

from factories import BASE_HISTORY, make_architecture, make_metrics, make_probabilities
from pipeline.figures import catalogue
from pipeline.figures import charts, style
from pipeline.figures import learning, network
from pipeline.common import fr
from pipeline.data.dataset import CLASS_NAMES

NBSP = "\u00a0"
# The history of a real run (10 epochs, early stop after the best epoch 5) and a longer one.
REAL_HISTORY = {
    "accuracy": [0.8239, 0.8638, 0.8774, 0.8852, 0.8932, 0.8982, 0.9034, 0.9071, 0.9122, 0.9149],
    "loss": [0.5031, 0.3791, 0.3383, 0.3129, 0.2932, 0.2773, 0.262, 0.2502, 0.2383, 0.2302],
    "val_accuracy": [0.8447, 0.861, 0.8712, 0.8778, 0.8803, 0.8812, 0.8765, 0.8805, 0.8743, 0.8777],
    "val_loss": [0.4344, 0.3812, 0.3562, 0.3398, 0.3252, 0.3323, 0.3471, 0.3392, 0.3487, 0.3541],
}
LONG_HISTORY = {
    "accuracy": list(np.linspace(0.78, 0.95, 20)),
    "loss": list(np.geomspace(0.62, 0.14, 20)),
    "val_accuracy": list(0.84 + 0.04 * (1 - np.exp(-np.arange(20) / 4))),
    "val_loss": list(0.31 + 0.12 * np.exp(-np.arange(20) / 3) + 0.004 * np.arange(20)),
}


def _images(per_class: int = 4):
    """Small uint8 images, one bright horizontal band per class (same recipe as the tiny_images fixture)."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
    images = rng.integers(0, 40, size=(len(labels), 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, label * 2: label * 2 + 6, :] = 200
    return images, labels


def _weights(hidden: int = 16):
    """A 784 -> hidden -> 10 network that recognises the bands of _images(): units 0-9 are band templates."""
    rng = np.random.default_rng(1)
    W1 = rng.normal(scale=0.002, size=(784, hidden))
    for k in range(10):
        band = np.zeros((28, 28))
        band[k * 2: k * 2 + 6, :] = 1.0
        W1[:, k] += band.ravel() * 0.05
    W2 = rng.normal(scale=0.01, size=(hidden, 10))
    W2[np.arange(10), np.arange(10)] += 1.0
    return {"W1": W1.astype("float32"), "b1": np.full(hidden, -0.5, "float32"),
            "W2": W2.astype("float32"), "b2": np.zeros(10, "float32")}


def _forward(weights, image):
    """The network by hand, independently of figure_set: hidden, logits, softmax."""
    x = image.reshape(-1).astype(np.float64) / 255.0
    hidden = np.maximum(0.0, x @ weights["W1"].astype(np.float64) + weights["b1"])
    logits = hidden @ weights["W2"].astype(np.float64) + weights["b2"]
    exp = np.exp(logits - logits.max())
    return hidden, logits, exp / exp.sum()


@pytest.fixture(scope="module")
def every_figure():
    """One of each figure, drawn from small generated data."""
    images, labels = _images()
    probs, prob_labels = make_probabilities(n=40)
    weights = _weights()
    hidden, logits, softmax = _forward(weights, images[5])
    means = np.stack([images[labels == k].mean(axis=0) for k in range(10)])
    drawn = {
        "sample_grid": charts.sample_grid(images[:16], labels[:16], CLASS_NAMES),
        "class_distribution": charts.class_distribution([6000, 5800, 6100, 6000, 6000, 6000, 6000, 6000, 6000,
                                                          6000], CLASS_NAMES),
        "pixel_histogram": charts.pixel_histogram(images),
        "class_means": charts.class_means(means, CLASS_NAMES),
        "learning_curves": charts.learning_curves(REAL_HISTORY, 5, 10, True),
        "confusion": charts.confusion(np.eye(10, dtype=int) * 100 + 3, CLASS_NAMES),
        "image_gallery": charts.image_gallery(images[:6], [f"Titre\n{style.percent_floor(0.9)}"] * 6),
        "prediction_bars": charts.prediction_bars(images[:2], probs[:2], prob_labels[:2], CLASS_NAMES),
        "weight_images": network.weight_images(weights["W1"]),
        "network_diagram": network.network_diagram([784, 128, 10], [100480, 1290], ["relu", "softmax"]),
        "calibration": network.calibration(probs, prob_labels),
        "worked_example": network.worked_example(images[5], [hidden], logits, softmax, int(labels[5]), CLASS_NAMES, ["relu"]),
    }
    for fig in drawn.values():
        fig.canvas.draw()  # tick labels and legend positions exist only once drawn
    yield drawn
    for fig in drawn.values():
        plt.close(fig)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def _tick_labels(ax) -> list[str]:
    labels = ax.get_xticklabels(which="both") + ax.get_yticklabels(which="both")
    return [t.get_text() for t in labels] + [ax.xaxis.get_offset_text().get_text(),
                                             ax.yaxis.get_offset_text().get_text()]


# --- the seed's learning curves -------------------------------------------------------------------

def test_learning_curves_have_the_seeds_two_subplots_with_best_stop_and_random_marked():
    fig = charts.learning_curves(BASE_HISTORY, best_epoch=5, stop_epoch=8, stopped_early=True)
    acc, loss = fig.axes
    assert acc.get_title() == "Exactitude : entraînement et validation"
    assert "Perte" in loss.get_title()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Entraînement", "Validation", "Meilleure époque (5)", "Arrêt (8)",
                      "Hasard : ln 10 ≈ 2,30"]
    plt.close(fig)


def test_no_stop_line_when_training_ran_all_epochs():
    fig = charts.learning_curves(BASE_HISTORY, best_epoch=8, stop_epoch=8, stopped_early=False)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert not any("Arrêt" in label for label in labels) and "Meilleure époque (8)" in labels
    plt.close(fig)


def test_accuracy_axes_say_exactitude_in_percent(every_figure):
    acc = every_figure["learning_curves"].axes[0]
    assert acc.get_ylabel() == "Exactitude"
    ticks = [t.get_text() for t in acc.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith(NBSP + "%") for t in ticks)
    calibration = every_figure["calibration"].axes[0]
    assert calibration.get_ylabel() == "Exactitude réelle"
    assert all("%" in t.get_text() for t in calibration.get_yticklabels() + calibration.get_xticklabels())


def test_percent_ticks_keep_a_decimal_only_when_needed():
    history = {"accuracy": [0.870, 0.872, 0.874, 0.876], "val_accuracy": [0.871, 0.873, 0.875, 0.877],
               "loss": [0.4, 0.35, 0.33, 0.32], "val_loss": [0.41, 0.39, 0.38, 0.38]}
    fig = charts.learning_curves(history, 4, 4, False)
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks), ticks  # e.g. « 87,2 % » when the ticks are 0,2 point apart
    plt.close(fig)


def test_loss_is_on_a_log_axis_with_the_random_network_line(every_figure):
    loss = every_figure["learning_curves"].axes[1]
    assert loss.get_yscale() == "log" and "échelle logarithmique" in loss.get_ylabel()
    random_lines = [line for line in loss.get_lines() if line.get_label().startswith("Hasard")]
    assert len(random_lines) == 1
    assert np.allclose(random_lines[0].get_ydata(), math.log(10))
    low, high = loss.get_ylim()
    assert low < min(REAL_HISTORY["loss"]) and high > math.log(10)
    ticks = [t.get_text() for t in loss.get_yticklabels() if t.get_text()]
    assert "1" in ticks and "2" in ticks and any(t.startswith("0,") for t in ticks), ticks


def _line_points(line, per_segment: int = 40) -> np.ndarray:
    """Display coordinates of a line's vertices and of points along its drawn segments."""
    xy = line.get_transform().transform(line.get_xydata())
    if line.get_linestyle() in ("None", "", " ") or len(xy) < 2:
        return xy
    t = np.linspace(0, 1, per_segment)[:, None]
    return np.vstack([a + t * (b - a) for a, b in zip(xy[:-1], xy[1:])])


def _legend_overlaps(fig) -> list[str]:
    """Lines with at least one drawn point inside a legend's box."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert legends, "no legend to check"
    hits = []
    for legend in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            for line in ax.get_lines():
                points = _line_points(line)
                inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                          & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
                if inside.any():
                    hits.append(line.get_label())
    return hits


def test_the_overlap_check_sees_a_legend_drawn_on_the_lines():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="diagonale")
    ax.plot([0, 1], [1, 0], label="autre")
    ax.legend(loc="center")
    assert _legend_overlaps(fig)  # the check itself works
    plt.close(fig)


@pytest.mark.parametrize("history, best, stop, early", [(REAL_HISTORY, 5, 10, True), (LONG_HISTORY, 12, 20, False),
                                                        (BASE_HISTORY, 5, 8, True)])
def test_learning_curve_legends_cover_no_line(history, best, stop, early):
    fig = charts.learning_curves(history, best, stop, early)
    assert _legend_overlaps(fig) == []
    plt.close(fig)


def test_calibration_legend_covers_no_line(every_figure):
    assert _legend_overlaps(every_figure["calibration"]) == []


# --- French text and numbers everywhere -----------------------------------------------------------

def test_no_tick_label_on_any_axis_of_any_figure_has_a_decimal_point(every_figure):
    for name, fig in every_figure.items():
        for ax in fig.axes:
            bad = [t for t in _tick_labels(ax) if "." in t]
            assert not bad, (name, bad)


def test_decimal_axes_really_have_decimal_comma_labels(every_figure):
    after = every_figure["pixel_histogram"].axes[1]
    assert any("," in t.get_text() for t in after.get_xticklabels())  # 0..1 after normalisation
    weights = every_figure["weight_images"]
    colorbar_ax = [image.colorbar.ax for image in weights.findobj(AxesImage) if image.colorbar is not None][0]
    assert any("," in t.get_text() for t in colorbar_ax.get_yticklabels())


def test_no_figure_says_precision_for_accuracy(every_figure):
    for name, fig in every_figure.items():
        assert not any("précision" in text.lower() for text in _texts(fig)), name


def test_images_are_light_on_black_like_the_raw_data(every_figure):
    for name in ("sample_grid", "class_means", "image_gallery", "prediction_bars", "worked_example"):
        images = every_figure[name].findobj(AxesImage)
        assert images, name
        for image in images:
            assert image.get_cmap().name == "gray", name
            assert image.get_clim() == (0, 255), name


def test_weights_use_blue_for_positive_orange_for_negative_with_a_french_colour_bar(every_figure):
    fig = every_figure["weight_images"]
    with_bar = [image for image in fig.findobj(AxesImage) if image.colorbar is not None]
    assert len(with_bar) == 1 and with_bar[0].colorbar.ax.get_ylabel() == "Poids"
    image = with_bar[0]
    low, high = image.get_clim()
    assert low == -high > -np.inf and high > 0
    cmap = image.get_cmap()
    assert np.allclose(cmap(image.norm(high)), to_rgba(style.BLUE))
    assert np.allclose(cmap(image.norm(low)), to_rgba(style.ORANGE))
    assert np.allclose(cmap(image.norm(0.0))[:3], 1.0, atol=0.02)  # zero: white
    assert style.WEIGHT_COLOURS == {"positive": ("bleu", style.BLUE), "negative": ("orange", style.ORANGE)}


def test_percent_floor_never_rounds_up_to_100():
    assert style.percent_floor(0.99996) == "99,9\u00a0%"
    assert style.percent_floor(0.999999) == "99,9\u00a0%"
    assert style.percent_floor(0.29) == "29,0\u00a0%"  # 0.29 * 100 = 28.999999999999996 in binary
    assert style.percent_floor(0.12345, digits=2) == "12,34\u00a0%"
    assert style.percent_floor(np.float32(0.5)) == "50,0\u00a0%"
    assert style.percent_floor(1.0) == "100,0\u00a0%"


def test_prediction_bar_titles_truncate_the_probability():
    probs = np.full((1, 10), 0.00004 / 9)
    probs[0, 3] = 0.99996
    fig = charts.prediction_bars(np.zeros((1, 28, 28), np.uint8), probs, [3], CLASS_NAMES)
    title = fig.axes[1].get_title()
    assert "99,9\u00a0%" in title and "100" not in title
    plt.close(fig)


# --- the new figures ----------------------------------------------------------------------------------

def test_network_diagram_writes_the_parameters_of_each_layer_in_french(every_figure):
    texts = _texts(every_figure["network_diagram"])
    assert any("100\u00a0480 paramètres" in t for t in texts)
    assert any("1\u00a0290 paramètres" in t for t in texts)
    for caption in ("784 valeurs d'entrée\n(les pixels, déroulés)", "128 neurones ReLU", "10 sorties softmax"):
        assert caption in texts
    assert "…" in texts


@pytest.mark.parametrize("hidden", [32, 512])
def test_network_diagram_works_for_other_widths(hidden):
    params = [784 * hidden + hidden, hidden * 10 + 10]
    fig = network.network_diagram([784, hidden, 10], params, ["relu", "softmax"])
    texts = _texts(fig)
    assert f"{hidden} neurones ReLU" in texts
    assert any(t.startswith(charts.integer(params[0]) + " paramètres") for t in texts)
    nodes = [c.get_offsets().shape[0] for c in fig.axes[0].collections]
    assert max(nodes) <= 10  # a sample of the nodes, never all 784 or 512
    plt.close(fig)


def test_calibration_table_on_a_hand_made_case():
    probabilities = np.array([[0.95, 0.03, 0.02],   # right, bin 0.9
                              [0.92, 0.05, 0.03],   # wrong (label 1), bin 0.9
                              [1.00, 0.00, 0.00],   # right, confidence 1 goes to the last bin
                              [0.60, 0.30, 0.10],   # right, bin 0.6
                              [0.30, 0.65, 0.05]])  # wrong (label 0), bin 0.6
    labels = np.array([0, 1, 0, 0, 0])
    rows = network.calibration_table(probabilities, labels)
    assert [(r["low"], r["high"], r["count"]) for r in rows] == [(0.6, 0.7, 2), (0.9, 1.0, 3)]
    assert rows[0]["accuracy"] == pytest.approx(0.5) and rows[0]["confidence"] == pytest.approx(0.625)
    assert rows[1]["accuracy"] == pytest.approx(2 / 3)
    assert rows[1]["confidence"] == pytest.approx((0.95 + 0.92 + 1.0) / 3)
    json.dumps(rows)  # plain Python types


def test_calibration_counts_sum_to_the_images_and_are_written_on_the_figure(every_figure):
    probs, labels = make_probabilities(n=40)
    rows = network.calibration_table(probs, labels)
    assert sum(r["count"] for r in rows) == 40
    texts = _texts(every_figure["calibration"])
    assert all(charts.integer(r["count"]) in texts for r in rows)
    assert "calibration parfaite" in texts


def test_worked_example_panels_say_what_they_show(every_figure):
    images, labels = _images()
    hidden, _, _ = _forward(_weights(), images[5])
    fig = every_figure["worked_example"]
    titles = [ax.get_title() for ax in fig.axes]
    assert f"{int((hidden > 0).sum())} neurones actifs (> 0) sur {len(hidden)}" in titles[1]
    assert [t.get_text() for t in fig.axes[2].get_yticklabels()] == list(CLASS_NAMES)
    true_bar = fig.axes[3].patches[int(labels[5])]
    assert true_bar.get_hatch() == "///"


# --- draw_all ---------------------------------------------------------------------------------------------

def _draw_all_inputs():
    images, labels = _images()
    probs, test_labels = make_probabilities(n=40)  # same labels as _images(): four per class, in order
    metrics = make_metrics(predictions=(probs, test_labels))
    metrics["evaluation"]["confident_mistakes"][0]["probability"] = 0.99996
    return images, labels, probs, metrics


@pytest.fixture(scope="module")
def drawn_all():
    """One real draw_all on small data, with the titles given to the mistakes gallery recorded."""
    images, labels, probs, metrics = _draw_all_inputs()
    gallery_titles = []
    real_gallery = charts.image_gallery
    with pytest.MonkeyPatch.context() as mp, plt.rc_context({"figure.max_open_warning": 0}):
        mp.setattr(charts, "image_gallery",
                   lambda imgs, titles, **kw: gallery_titles.extend(titles) or real_gallery(imgs, titles, **kw))
        pngs, facts = catalogue.draw_all(1, images, labels, images, labels, metrics, probs, _weights(), make_architecture((16,)))
    return pngs, facts, gallery_titles


def test_draw_all_returns_every_figure_and_the_facts_pages_cite(drawn_all):
    pngs, facts, _ = drawn_all
    shown = figures_the_templates_show()
    assert set(pngs) <= shown  # none drawn for nothing
    # none shown undrawn, but for those whose data this call lacks (« regles »: no no-stop trajectory given)
    assert all(name in facts and not facts[name] for name in shown - set(pngs)), shown - set(pngs)
    assert all(png.startswith(b"\x89PNG") for png in pngs.values())
    assert facts["files"] == [f"{n}.png" for n in pngs]
    assert set(facts["grid_labels"]) == set(range(10))  # every class shown in the grid
    assert any(e["true"] != e["predicted"] for e in facts["examples"])  # at least one mistake shown
    assert facts["neurons"] == 16
    assert facts["weight_colours"] == {"positive": "bleu", "negative": "orange"}
    assert sum(r["count"] for r in facts["calibration"]) == 40
    json.dumps(facts)  # plain Python types only


def test_draw_all_mistake_titles_truncate_the_probability(drawn_all):
    titles = drawn_all[2]
    assert titles[0].endswith("99,9\u00a0%")  # 0.99996: truncated, not « 100 % »
    assert not any("100" in t for t in titles)


def test_worked_example_facts_match_an_independent_forward_pass(drawn_all):
    worked = drawn_all[1]["worked"]
    images, labels = _images()
    hidden, logits, softmax = _forward(_weights(), images[worked["index"]])
    assert worked["true"] == int(labels[worked["index"]]) == worked["predicted"]  # correctly classified
    assert worked["logits"] == pytest.approx(list(logits))
    assert worked["probabilities"] == pytest.approx(list(softmax))
    assert sum(worked["probabilities"]) == pytest.approx(1.0) and worked["sum_probabilities"] == pytest.approx(1.0)
    exp = np.exp(np.array(worked["logits"]) - max(worked["logits"]))
    assert worked["probabilities"] == pytest.approx(list(exp / exp.sum()))
    assert worked["loss"] == pytest.approx(-math.log(worked["probabilities"][worked["true"]]))
    assert worked["hidden_layers"] == [{"units": 16, "active": int((hidden > 0).sum())}]
    assert worked["top_logit_class"] == int(np.argmax(worked["logits"])) == worked["predicted"]


def _facts_only(seed, monkeypatch):
    """draw_all's facts without drawing: every figure function replaced by a stub."""
    for name in ("sample_grid", "class_distribution", "pixel_histogram", "class_means", "learning_curves",
                 "confusion", "image_gallery", "prediction_bars"):
        monkeypatch.setattr(charts, name, lambda *a, **k: None)
    for name in ("weight_images", "network_diagram", "calibration", "worked_example"):
        monkeypatch.setattr(network, name, lambda *a, **k: None)
    for name in ("descent", "gradient_step"):
        monkeypatch.setattr(learning, name, lambda *a, **k: None)
    monkeypatch.setattr(style, "to_png", lambda fig: b"")
    images, labels, probs, metrics = _draw_all_inputs()
    return catalogue.draw_all(seed, images, labels, images, labels, metrics, probs, _weights(), make_architecture((16,)))[1]


def test_worked_example_is_fixed_by_the_seed_and_leaves_the_other_picks_alone(drawn_all, monkeypatch):
    again = _facts_only(1, monkeypatch)
    assert again["worked"] == drawn_all[1]["worked"]
    others = [_facts_only(seed, monkeypatch)["worked"]["index"] for seed in range(2, 8)]
    assert len(set(others)) > 1  # drawn with the seed, not always the first right answer
    assert again["grid_labels"] == drawn_all[1]["grid_labels"] and again["examples"] == drawn_all[1]["examples"]


# --- plumbing ---------------------------------------------------------------------------------------------

def test_png_bytes_are_identical_across_draws_and_have_no_software_tag():
    first = style.to_png(charts.class_distribution([6000] * 10, CLASS_NAMES))
    second = style.to_png(charts.class_distribution([6000] * 10, CLASS_NAMES))
    assert first == second
    assert first.startswith(b"\x89PNG") and b"Matplotlib" not in first


def test_confusion_figure_names_classes_in_french_on_both_axes():
    fig = charts.confusion(np.eye(10, dtype=int) * 100, CLASS_NAMES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_NAMES)
    assert ax.get_ylabel() == "Classe réelle"
    plt.close(fig)


def figures_the_templates_show() -> set[str]:
    """Names given to the `figure` macro in the page templates (what the site shows)."""
    root = Path(__file__).resolve().parents[1] / "templates"
    return {name for path in root.glob("*.jinja")
            for name in re.findall(r'figure\(\s*"([\w-]+)"', path.read_text(encoding="utf-8"))}


def test_every_figure_draws_visible_marks_and_says_what_it_shows(every_figure):
    """Not just a Figure object: ink on the canvas, and words (a title, an axis label or a legend)."""
    for name, fig in every_figure.items():
        pixels = matplotlib.image.imread(io.BytesIO(style.to_png(fig)))[..., :3]
        background = pixels[0, 0]
        drawn = np.abs(pixels - background).max(axis=2) > 0.1
        assert drawn.mean() > 0.01, f"{name} : figure presque vide ({100 * drawn.mean():.2f} % de pixels)"
        assert any(t.get_text().strip() and t.get_visible() for t in fig.findobj(Text)), f"{name} : aucun texte"


def test_new_figures_give_identical_png_bytes_on_every_draw():
    images, labels = _images()
    probs, prob_labels = make_probabilities(n=40)
    hidden, logits, softmax = _forward(_weights(), images[5])
    draws = [
        lambda: network.network_diagram([784, 128, 10], [100480, 1290], ["relu", "softmax"]),
        lambda: network.calibration(probs, prob_labels),
        lambda: network.worked_example(images[5], [hidden], logits, softmax, int(labels[5]), CLASS_NAMES, ["relu"]),
        lambda: charts.learning_curves(REAL_HISTORY, 5, 10, True),
    ]
    for draw in draws:
        assert style.to_png(draw()) == style.to_png(draw())


# --- facts for the pages: alt texts, hidden units, sure mistakes (issue 12) --------------------------------

def test_every_figure_has_an_alt_text_written_from_its_numbers(drawn_all):
    pngs, facts, _ = drawn_all
    assert set(pngs) <= set(facts["alt"])  # and the lesson's own figures (lecon/…)
    assert all(text.endswith(".") and "précision" not in text for text in facts["alt"].values())
    limit = facts["weight_limit"]
    assert f"± {fr.decimal(limit, 2)}" in facts["alt"]["neurones"]
    for word, _ in style.WEIGHT_COLOURS.values():
        assert word in facts["alt"]["neurones"]
    assert f"{facts['worked']['hidden_layers'][0]['active']} neurones actifs sur 16" in facts["alt"]["exemple_calcul"]


def test_hidden_unit_activity_and_sure_mistakes_match_an_independent_count(drawn_all):
    facts = drawn_all[1]
    images, labels = _images()
    active = np.array([_forward(_weights(), image)[0] > 0 for image in images])  # images x units
    share = active.mean(axis=0)
    activity = facts["activity"]
    assert activity["dead"] == int((share == 0).sum()) and activity["always"] == int((share == 1).sum())
    assert activity["mean_active"] == pytest.approx(active.sum(axis=1).mean())
    assert activity["units"] == 16 and activity["images"] == len(images)
    probs = _draw_all_inputs()[2]
    wrong = probs.argmax(axis=1) != labels
    assert facts["confident_errors"] == {"errors": int(wrong.sum()),
                                         "above_90": int((wrong & (probs.max(axis=1) >= 0.9)).sum()),
                                         "above_99": int((wrong & (probs.max(axis=1) >= 0.99)).sum())}
    assert facts["weights_beyond"] == pytest.approx((np.abs(_weights()["W1"]) > facts["weight_limit"]).mean())


def test_the_readme_figures_are_drawn_figures_and_include_the_curves_and_the_confusion_matrix(drawn_all):
    pngs, facts, _ = drawn_all
    assert set(catalogue.README_FIGURES) <= set(pngs)
    assert {"courbes", "confusion"} <= set(facts["readme_figures"])


def test_the_participle_agrees_with_the_class_name():
    assert [catalogue.taken_for(name, n) for name, n in
            [("T-shirt/haut", 68), ("Pantalon", 1), ("Chemise", 1), ("Chemise", 12), ("Baskets", 3)]] == \
        ["pris", "pris", "prise", "prises", "prises"]
