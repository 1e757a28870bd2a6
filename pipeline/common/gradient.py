"""Gradient descent on the run's own weights: its loss, its gradient for every weight array (by name), a step, a line.

What Keras does at each batch, for the figures to show it without TensorFlow. The arithmetic (forward
pass, mean softmax cross-entropy, backpropagation, ∂ℓ/∂z = p − y) is pipeline/common/numeric.py's;
here the arrays are named as in weights.npz (W1, b1, W2, b2, …). Any number of Dense layers; Dropout
does nothing here, as at inference.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.common import numeric
from pipeline.common.architecture import Architecture, dense_layers, forward, weight_names


@dataclass
class Gradient:
    """The mean loss over the images, its gradient for each weight array (named as in weights.npz), and
    ∂L/∂z of the output scores (p − y, divided by the number of images)."""
    loss: float
    grads: dict[str, np.ndarray]
    output_delta: np.ndarray


def mean_loss(arch: Architecture, weights: dict, images: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy −ln p_y over the images (pixels already in [0, 1])."""
    return numeric.mean_cross_entropy(forward(arch, weights, images).probabilities, labels)


def backward(arch: Architecture, weights: dict, images: np.ndarray, labels: np.ndarray) -> Gradient:
    """The mean loss and ∂L/∂(every weight), by backpropagation (float64)."""
    loss, layer_grads, output_delta = numeric.backward(dense_layers(arch, weights), images, labels)
    grads: dict[str, np.ndarray] = {}
    for index in range(len(layer_grads), 0, -1):  # output layer first: step_facts ranks equal gradients in this order
        kernel, bias = weight_names(index)
        grads[kernel], grads[bias] = layer_grads[index - 1]
    return Gradient(loss, grads, output_delta)


def step(weights: dict, grads: dict, learning_rate: float) -> dict:
    """One step of plain gradient descent: θ ← θ − η ∂L/∂θ for every weight array."""
    return {name: np.asarray(value, dtype=np.float64) - learning_rate * grads[name] if name in grads
            else value for name, value in weights.items()}


def along(weights: dict, direction: dict, t: float) -> dict:
    """The weights moved by t along a direction (a dict of arrays of the same shapes)."""
    return {name: np.asarray(value, dtype=np.float64) + t * direction[name] for name, value in weights.items()}


def norm(arrays: dict) -> float:
    return float(np.sqrt(sum(float((np.asarray(a, dtype=np.float64) ** 2).sum()) for a in arrays.values())))
