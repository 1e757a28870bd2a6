"""Backpropagation in NumPy (pipeline.common.gradient): the gradient is the slope of the loss, for any network."""
import numpy as np
import pytest

from factories import make_architecture, make_weights
from pipeline.common import gradient


def _data(n=6, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28)), rng.integers(0, 10, n)


@pytest.mark.parametrize("hidden", [(128,), (16, 8), ()])
def test_backprop_matches_finite_differences_for_any_number_of_layers(hidden):
    arch = make_architecture(hidden)
    weights = {k: v.astype(np.float64) for k, v in make_weights(arch).items()}
    images, labels = _data()
    result = gradient.backward(arch, weights, images, labels)
    rng = np.random.default_rng(0)
    for name, value in weights.items():
        for _ in range(3):  # a few random entries of each array
            index = tuple(rng.integers(0, s) for s in value.shape)
            moved = {k: v.copy() for k, v in weights.items()}
            eps = 1e-6
            moved[name][index] += eps
            up = gradient.mean_loss(arch, moved, images, labels)
            moved[name][index] -= 2 * eps
            down = gradient.mean_loss(arch, moved, images, labels)
            assert result.grads[name][index] == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-9)
    assert result.loss == pytest.approx(gradient.mean_loss(arch, weights, images, labels))


def test_output_delta_is_p_minus_y_over_the_number_of_images():
    arch = make_architecture()
    weights = make_weights(arch)
    images, labels = _data(n=4)
    result = gradient.backward(arch, weights, images, labels)
    p = gradient.forward(arch, weights, images).probabilities
    y = np.eye(10)[labels]
    np.testing.assert_allclose(result.output_delta, (p - y) / 4)


def test_a_small_step_against_the_gradient_lowers_the_loss():
    arch = make_architecture((32,))
    weights = make_weights(arch)
    images, labels = _data(n=20)
    result = gradient.backward(arch, weights, images, labels)
    after = gradient.mean_loss(arch, gradient.step(weights, result.grads, 0.05), images, labels)
    assert after < result.loss
