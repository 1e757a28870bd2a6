"""Backpropagation in NumPy: the loss of the trained network and its gradient for every weight, from its record.

What Keras does at each batch, written out so the figures can show it without TensorFlow: a forward
pass (architecture.forward), the mean softmax cross-entropy, then the chain rule layer after layer,
from the loss back to the first Dense layer. Any number of Dense layers; Dropout does nothing here,
as at inference. For softmax followed by cross-entropy the first step is the famous ∂ℓ/∂z = p − y.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.common.architecture import Architecture, forward, weight_names


@dataclass
class Gradient:
    """The mean loss over the images, its gradient for each weight array (named as in weights.npz), and
    ∂L/∂z of the output scores (p − y, divided by the number of images)."""
    loss: float
    grads: dict[str, np.ndarray]
    output_delta: np.ndarray


def mean_loss(arch: Architecture, weights: dict, images: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy −ln p_y over the images (pixels already in [0, 1])."""
    probabilities = forward(arch, weights, images).probabilities
    labels = np.asarray(labels).astype(int)
    return float(-np.log(np.maximum(probabilities[np.arange(len(labels)), labels], 1e-300)).mean())


def _activation_slope(z: np.ndarray, output: np.ndarray, activation: str) -> np.ndarray:
    """The derivative of a hidden layer's activation at its scores z (output = activation(z))."""
    if activation == "relu":
        return (z > 0).astype(np.float64)
    if activation == "sigmoid":
        return output * (1.0 - output)
    if activation == "tanh":
        return 1.0 - output ** 2
    if activation == "linear":
        return np.ones_like(z)
    raise ValueError(f"activation {activation!r} : pas de dérivée pour une couche cachée")


def backward(arch: Architecture, weights: dict, images: np.ndarray, labels: np.ndarray) -> Gradient:
    """The mean loss and ∂L/∂(every weight), by backpropagation (float64)."""
    labels = np.asarray(labels).astype(int)
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    run = forward(arch, weights, x)
    n = len(labels)
    p = run.probabilities
    loss = float(-np.log(np.maximum(p[np.arange(n), labels], 1e-300)).mean())
    one_hot = np.zeros_like(p)
    one_hot[np.arange(n), labels] = 1.0
    delta = (p - one_hot) / n  # ∂L/∂z of the output layer: softmax and cross-entropy together
    output_delta = delta
    grads: dict[str, np.ndarray] = {}
    dense = arch.dense
    for index in range(len(dense), 0, -1):
        kernel, bias = weight_names(index)
        inputs = run.outputs[index - 2] if index > 1 else x
        grads[kernel] = inputs.T @ delta
        grads[bias] = delta.sum(axis=0)
        if index > 1:  # back through this layer's weights, then the previous layer's activation
            previous = dense[index - 2]
            delta = (delta @ weights[kernel].astype(np.float64).T) * _activation_slope(
                run.scores[index - 2], run.outputs[index - 2], previous.activation)
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
