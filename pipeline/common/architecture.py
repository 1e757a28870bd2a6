"""The trained network's own description (its layer list), and its weights named for the NumPy core, for every reader.

Training writes `architecture.json` beside `weights.npz` (as a checkpoint carries its model's
arguments); the Démo's export, the worked example, the figures and the pages read it here, so none
of them assumes the seed's three layers. Weights are stored as W1, b1, W2, b2, … one pair per Dense
layer, in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.common import numeric
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, read_json

FILE = "architecture.json"
SUPPORTED = ("Flatten", "Dense", "Dropout")  # what the export, the Démo and the pages know how to compute
ACTIVATIONS = numeric.ACTIVATIONS  # the ones the NumPy core and docs/assets/reseau.js compute


@dataclass(frozen=True)
class Layer:
    """One layer as the pages need it: kind, Keras name, output size, activation, dropout rate, parameters."""
    kind: str
    name: str
    units: int  # size of the layer's output (Flatten: 784)
    activation: str | None = None  # Dense only
    rate: float | None = None  # Dropout only
    inputs: int = 0  # Dense only: size of its input
    params: int = 0

    @property
    def code(self) -> str:
        """The layer as a student writes it in Keras."""
        if self.kind == "Dense":
            return f"Dense({self.units}, activation='{self.activation}')"
        if self.kind == "Dropout":
            return f"Dropout({self.rate:g})"
        return "Flatten()"


@dataclass(frozen=True)
class Architecture:
    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]

    @property
    def dense(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == "Dense"]

    @property
    def hidden(self) -> list[Layer]:
        """Every Dense layer but the last (the output)."""
        return self.dense[:-1]

    @property
    def output(self) -> Layer:
        return self.dense[-1]

    @property
    def inputs(self) -> int:
        return int(np.prod(self.input_shape))

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def multiplications(self) -> int:
        """Multiplications of one prediction: one per weight of every Dense layer."""
        return sum(layer.inputs * layer.units for layer in self.dense)

    def to_dict(self) -> dict:
        return {"input_shape": list(self.input_shape),
                "layers": [{k: v for k, v in vars(layer).items() if v is not None} for layer in self.layers]}


def weight_names(index: int) -> tuple[str, str]:
    """Names of the kernel and bias of the `index`-th Dense layer (1-based) in weights.npz."""
    return f"W{index}", f"b{index}"


def check_layers(layers: list[dict], where: str) -> None:
    """Refuse, before any training, a layer or activation the pages cannot explain or compute."""
    for layer in layers:
        if layer["kind"] not in SUPPORTED:
            raise PipelineError(
                f"la couche « {layer['kind']} » ({layer['name']}) n'est pas prise en charge par le rapport.",
                where=where,
                fix="le réseau peut contenir des couches Flatten, Dense et Dropout ; retirez cette couche "
                    "ou remplacez-la, puis relancez « make report ».")
        if layer["kind"] == "Dense" and layer.get("activation") not in ACTIVATIONS:
            raise PipelineError(
                f"l'activation « {layer.get('activation')} » de la couche {layer['name']} n'est pas prise en charge.",
                where=where,
                fix="choisissez parmi " + ", ".join(ACTIVATIONS) + ", puis relancez « make report ».")
    dense = [layer for layer in layers if layer["kind"] == "Dense"]
    if not dense or dense[-1].get("activation") != "softmax":
        raise PipelineError(
            "la dernière couche Dense du réseau doit avoir l'activation softmax (une probabilité par classe).",
            where=where,
            fix="terminez le modèle par Dense(10, activation=\"softmax\"), puis relancez « make report ».")


def from_dict(raw: dict) -> Architecture:
    layers = tuple(Layer(**layer) for layer in raw["layers"])
    return Architecture(tuple(raw["input_shape"]), layers)


def write(folder: Path, architecture: Architecture) -> None:
    atomic_write_json(folder / FILE, architecture.to_dict())


def read(folder: Path) -> Architecture:
    """The record of a run folder, or a clear error when it is missing or malformed."""
    path = folder / FILE
    try:
        return from_dict(read_json(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PipelineError("la description du réseau entraîné est absente ou illisible.", where=str(path),
                            fix="supprimez ce dossier d'exécution et relancez « make report » (il sera réentraîné).",
                            detail=f"{type(exc).__name__}: {exc}") from None


def dense_layers(architecture: Architecture, weights: dict) -> list[tuple]:
    """Each Dense layer's (kernel, bias, activation), in order, from the arrays named as in weights.npz."""
    layers = []
    for index, layer in enumerate(architecture.dense, start=1):
        kernel, bias = weight_names(index)
        layers.append((weights[kernel], weights[bias], layer.activation))
    return layers


def forward(architecture: Architecture, weights: dict, images: np.ndarray) -> numeric.Pass:
    """The network's prediction in float64 (numeric.forward), as Keras computes it at inference."""
    return numeric.forward(dense_layers(architecture, weights), images)
