"""The figures of issue 22 show what they claim: the loss slice and its steps, one real gradient step, the
network drawing with Flatten and class names, dead neurons marked, the validation loss's rise visible."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text

from factories import make_architecture
from pipeline.common import gradient
from pipeline.common.architecture import forward
from pipeline.data.dataset import CLASS_NAMES
from pipeline.figures import charts, learning, network
from test_figures import REAL_HISTORY, _images, _weights

ARCH = make_architecture((16,))


@pytest.fixture(scope="module")
def descent():
    images, labels = _images()
    facts = learning.descent_facts(ARCH, _weights(), images / 255.0, labels)
    fig = learning.descent(facts)
    yield facts, fig, images / 255.0, labels
    plt.close(fig)


def test_the_slice_is_the_real_loss_along_minus_the_gradient_through_the_trained_weights(descent):
    facts, _, x, y = descent
    weights = {k: v.astype(np.float64) for k, v in _weights().items()}
    start = gradient.backward(ARCH, weights, x, y)
    assert facts["loss"] == pytest.approx(start.loss)
    direction = {k: -g / gradient.norm(start.grads) for k, g in start.grads.items()}
    for t, loss in list(zip(facts["grid"], facts["curve"]))[::20]:
        assert loss == pytest.approx(gradient.mean_loss(ARCH, gradient.along(weights, direction, t), x, y))
    # Along −g the loss first goes down: the slope at t = 0 is −|g|.
    assert facts["curve"][int(np.searchsorted(facts["grid"], 0.0))] <= facts["loss"] + 1e-12


def test_three_learning_rates_too_small_well_chosen_too_large_behave_as_named(descent):
    facts = descent[0]
    small, good, large = facts["rates"]
    assert small["eta"] < good["eta"] < large["eta"]
    assert good["loss"][-1] < small["loss"][-1] < facts["loss"]  # both descend, the good one further
    assert good["loss"][-1] == pytest.approx(facts["min_loss"], abs=0.02 * facts["loss"])
    assert small["descended"] and not small["crossed"] and not small["climbed"]
    for rate in facts["rates"]:  # the behaviour the page tells is the path's own
        assert rate["climbed"] == (rate["loss"][-1] > facts["loss"])
        assert rate["descended"] == all(b < a for a, b in zip(rate["loss"], rate["loss"][1:]))
        slopes = np.asarray(rate["slope"])
        assert rate["crossed"] == bool(np.any(slopes[1:] * slopes[:-1] < 0))
        assert all(b == pytest.approx(a - rate["eta"] * g) for a, b, g in zip(rate["t"], rate["t"][1:], slopes))
    assert large["t"][1] > good["t"][1] > small["t"][1] > 0  # same slope at t = 0, longer steps
    assert facts["calm"] == [r["word"] for r in facts["rates"] if max(r["loss"]) <= facts["loss"] * 1.001]


def test_the_descent_figure_draws_the_facts_steps_and_the_rates_in_its_legend(descent):
    facts, fig, _, _ = descent
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    for rate in facts["rates"]:
        drawn = [line for line in lines if list(line.get_xdata()) == rate["t"]]
        assert len(drawn) == 2 and list(drawn[0].get_ydata()) == rate["loss"]  # both panels
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert [f"η = {learning.eta_text(r['eta'])} : {r['word']}" for r in facts["rates"]] == legend[1:4]
    zoom = fig.axes[1]
    assert zoom.get_xlim() == (facts["zoom_grid"][0], facts["zoom_grid"][-1])


@pytest.fixture(scope="module")
def step():
    images, labels = _images()
    index = 7
    facts = learning.step_facts(ARCH, _weights(), images[index], int(labels[index]), 0.5)
    fig = learning.gradient_step(images[index], facts, CLASS_NAMES)
    yield facts, fig, images[index], int(labels[index])
    plt.close(fig)


def test_one_step_output_delta_is_p_minus_y_and_the_loss_drops(step):
    facts, _, image, label = step
    p = forward(ARCH, _weights(), image[None] / 255.0).probabilities[0]
    assert facts["delta"] == pytest.approx(list(p - np.eye(10)[label]))
    assert facts["before"] == pytest.approx(list(p))
    assert facts["loss_before"] == pytest.approx(-np.log(p[label]))
    assert facts["loss_after"] < facts["loss_before"]
    assert facts["after"][label] > facts["before"][label]


def test_the_weights_that_move_most_are_sorted_and_moved_by_eta_times_the_gradient(step):
    facts = step[0]
    sizes = [abs(w["gradient"]) for w in facts["top"]]
    assert sizes == sorted(sizes, reverse=True)
    for w in facts["top"]:
        assert w["after"] == pytest.approx(w["before"] - facts["learning_rate"] * w["gradient"])


def test_first_layer_weights_move_only_where_the_pixel_is_lit(step):
    facts, fig, image, _ = step
    change = np.asarray(facts["neuron_change"])
    assert np.all(change[image.ravel() == 0] == 0)
    assert facts["moved_only_lit"] and facts["moved_pixel_rows"] <= facts["lit_pixels"]
    bars = [p.get_width() for p in fig.axes[1].patches]
    assert bars == pytest.approx(facts["delta"])  # panel 2 draws p − y
    assert any(f"{facts['loss_before']:.3f}".replace(".", ",") in t.get_text() for t in fig.findobj(Text))


def test_network_drawing_has_flatten_the_class_names_and_squares_for_pixels():
    images, _ = _images()
    fig = network.network_diagram([784, 16, 10], [784 * 16 + 16, 170], ["relu", "softmax"],
                                  output_names=CLASS_NAMES, image=images[3])
    ax = fig.axes[0]
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "Flatten" in texts and all(name in texts for name in CLASS_NAMES)
    assert not any("784" in t and "neurone" in t for t in texts)  # pixels are not neurons
    inputs, outputs = ax.collections[0], ax.collections[-1]
    assert inputs.get_paths()[0] != outputs.get_paths()[0]  # squares for pixel values, circles for neurons
    name_y = {t.get_text(): t.get_position()[1] for t in fig.findobj(Text) if t.get_text() in CLASS_NAMES}
    assert [name_y[n] for n in CLASS_NAMES] == pytest.approx(list(outputs.get_offsets()[:, 1]))
    assert len(ax.get_images()) == 1
    plt.close(fig)


def test_dead_neurons_are_crossed_out_in_the_weights_figure():
    kernel = _weights()["W1"]
    dead = [k in (2, 5, 11) for k in range(kernel.shape[1])]
    fig = network.weight_images(kernel, dead=dead)
    crossed = [i for i, ax in enumerate(fig.axes) if any(line.get_gid() == "dead" for line in ax.get_lines())]
    assert crossed == [2, 5, 11]
    assert any("3 neurones morts" in t.get_text() for t in fig.findobj(Text))
    plt.close(fig)
    clean = network.weight_images(kernel)
    assert not [line for ax in clean.axes for line in ax.get_lines() if line.get_gid() == "dead"]
    plt.close(clean)


def test_the_curves_zoom_shows_the_rise_of_the_validation_loss_on_a_linear_axis():
    fig = charts.learning_curves(REAL_HISTORY, 5, 10, True)
    loss_axes = fig.axes[1]
    assert loss_axes.get_yscale() == "log"
    assert any(line.get_ydata()[0] == pytest.approx(charts.RANDOM_LOSS) for line in loss_axes.get_lines())
    inset = loss_axes.child_axes[0]
    assert inset.get_yscale() == "linear"
    zoom = next(line for line in inset.get_lines() if line.get_gid() == "validation-zoom")
    val = REAL_HISTORY["val_loss"]
    best = int(np.argmin(val))
    assert list(zoom.get_ydata()) == val[best - 2:]
    low, high = inset.get_ylim()
    rise = max(val[best:]) - val[best]
    assert rise / (high - low) > 0.5  # the rise after the minimum fills most of the zoom's height
    plt.close(fig)


def test_draw_all_marks_exactly_the_units_it_counts_as_dead(monkeypatch):
    from test_figures import _draw_all_inputs
    from pipeline.figures import catalogue

    seen = {}
    real = network.weight_images
    monkeypatch.setattr(network, "weight_images", lambda kernel, **kw: seen.update(kw) or real(kernel, **kw))
    images, labels, probs, metrics = _draw_all_inputs()
    _, facts = catalogue.draw_all(1, images, labels, images, labels, metrics, probs, _weights(), ARCH)
    assert sum(seen["dead"]) == facts["activity"]["dead"]
    hidden = forward(ARCH, _weights(), images / 255.0).outputs[0]
    assert list(seen["dead"]) == list((hidden > 0).sum(axis=0) == 0)
    assert facts["step"]["index"] in range(min(len(labels), 10_000)) and facts["descent"]["images"] == len(labels)
