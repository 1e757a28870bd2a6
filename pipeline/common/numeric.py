"""The network's arithmetic in NumPy, written once: activations, softmax, the dense forward pass, the softmax cross-entropy and its gradients.

Every Python module that needs a prediction, a loss or a gradient calls this one: `architecture.forward`
and `gradient.backward` only fetch the arrays by their names in weights.npz. A network is given here as
its Dense layers in order, each a (kernel, bias, activation) triple; everything is computed in float64.
tests/test_numeric_core.py fails if another module writes its own copy. The browser's twin is
docs/assets/reseau.js.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "softmax", "linear", "sigmoid", "tanh")
# −ln p is computed on max(p, LOG_FLOOR): this only keeps −ln 0 finite (690.8 instead of infinity),
# far below any probability a float32 network gives, so it changes no real loss.
LOG_FLOOR = 1e-300


def softmax(scores: np.ndarray) -> np.ndarray:
    """Probabilities from scores, along the last axis: e^z / Σ e^z (each row sums to 1)."""
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))  # shifted: same probabilities, no overflow
    return e / e.sum(axis=-1, keepdims=True)


def exponentials(scores) -> np.ndarray:
    """e^z of each score, unshifted: the numerators of softmax as the pages show them for small scores."""
    return np.exp(np.asarray(scores, dtype=np.float64))


def probability_ratio(score: float, other: float) -> float:
    """How many times likelier softmax makes a class than another: e^(z − z′), whatever the other scores."""
    return float(np.exp(score - other))


def activate(z: np.ndarray, activation: str) -> np.ndarray:
    """A Dense layer's output from its scores z."""
    if activation == "relu":
        return np.maximum(0.0, z)
    if activation == "softmax":
        return softmax(z)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    return z  # linear


def activation_slope(z: np.ndarray, output: np.ndarray, activation: str) -> np.ndarray:
    """The derivative of a hidden layer's activation at its scores z (output = activate(z))."""
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "sigmoid":
        return output * (1.0 - output)
    if activation == "tanh":
        return 1.0 - output ** 2
    if activation == "linear":
        return np.ones_like(z)
    raise ValueError(f"activation {activation!r} : pas de dérivée pour une couche cachée")


@dataclass
class Pass:
    """One forward pass: each Dense layer's scores (before activation) and outputs (after)."""
    scores: list[np.ndarray]
    outputs: list[np.ndarray]

    @property
    def probabilities(self) -> np.ndarray:
        return self.outputs[-1]

    @property
    def logits(self) -> np.ndarray:
        return self.scores[-1]


def flat(images: np.ndarray) -> np.ndarray:
    """The images as rows of float64 values (what Flatten does)."""
    return np.asarray(images, dtype=np.float64).reshape(len(images), -1)


def forward(layers: list[tuple], images: np.ndarray) -> Pass:
    """The prediction of Dense layers (kernel, bias, activation) in float64, as Keras computes it at
    inference (Dropout does nothing then)."""
    x = flat(images)
    scores, outputs = [], []
    for kernel, bias, activation in layers:
        z = x @ np.asarray(kernel).astype(np.float64) + np.asarray(bias).astype(np.float64)
        x = activate(z, activation)
        scores.append(z)
        outputs.append(x)
    return Pass(scores, outputs)


def cross_entropy(probabilities: np.ndarray, labels, floor: float = LOG_FLOOR) -> np.ndarray:
    """Each image's loss −ln p_y: minus the log of the probability given to its true class."""
    labels = np.asarray(labels).astype(int)
    right = np.asarray(probabilities)[np.arange(len(labels)), labels]
    return -np.log(np.maximum(right, floor))


def mean_cross_entropy(probabilities: np.ndarray, labels, floor: float = LOG_FLOOR) -> float:
    """The mean loss over the images, as Keras's sparse categorical cross-entropy reports it."""
    return float(cross_entropy(probabilities, labels, floor).mean())


def chance_loss(classes: int) -> float:
    """The loss of a network that gives 1/classes to every class: −ln(1/classes) = ln classes."""
    return float(np.log(classes))


def backward(layers: list[tuple], images: np.ndarray, labels) -> tuple[float, list[tuple], np.ndarray]:
    """The mean loss, (∂L/∂kernel, ∂L/∂bias) of every layer in order, and ∂L/∂z of the output scores,
    by backpropagation: for softmax followed by cross-entropy, ∂L/∂z = (p − y) / images."""
    labels = np.asarray(labels).astype(int)
    x = flat(images)
    run = forward(layers, x)
    n = len(labels)
    p = run.probabilities
    loss = mean_cross_entropy(p, labels)
    one_hot = np.zeros_like(p)
    one_hot[np.arange(n), labels] = 1.0
    delta = output_delta = (p - one_hot) / n
    grads: list[tuple] = [()] * len(layers)
    for index in range(len(layers) - 1, -1, -1):
        inputs = run.outputs[index - 1] if index > 0 else x
        grads[index] = (inputs.T @ delta, delta.sum(axis=0))
        if index > 0:  # back through this layer's weights, then the previous layer's activation
            kernel, activation = np.asarray(layers[index][0]).astype(np.float64), layers[index - 1][2]
            delta = (delta @ kernel.T) * activation_slope(run.scores[index - 1], run.outputs[index - 1], activation)
    return loss, grads, output_delta
