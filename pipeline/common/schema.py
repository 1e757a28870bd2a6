"""The typed schema of metrics.json: written once by the training stage, read by every later stage."""
from __future__ import annotations

import dataclasses
import json
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json


@dataclass(frozen=True)
class Sizes:
    fit: int  # images the weights are fitted on
    validation: int  # images that measure val_loss after each epoch
    test: int  # images used once, at the end


@dataclass(frozen=True)
class Layer:
    name: str
    kind: str  # Keras class name: Flatten, Dense
    output_shape: list  # e.g. [None, 128]
    params: int
    units: int  # 0 for layers without neurons (Flatten)


@dataclass(frozen=True)
class TestScores:
    loss: float
    accuracy: float


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class ConfusedPair:
    a: int
    b: int
    a_as_b: int  # images of class a predicted as b
    b_as_a: int
    total: int


@dataclass(frozen=True)
class Mistake:
    index: int  # position in the test set
    true: int
    predicted: int
    probability: float  # the probability given to the (wrong) predicted class


@dataclass(frozen=True)
class Evaluation:
    confusion_matrix: list  # rows: true class, columns: predicted class
    per_class: list[ClassScores]
    confused_pairs: list[ConfusedPair]
    confident_mistakes: list[Mistake]
    errors: int


@dataclass(frozen=True)
class Metrics:
    """Everything a run measured that repeats run to run (wall times live in timings.json)."""
    params: dict
    sizes: Sizes
    layers: list[Layer]
    total_params: int
    learning_rate: float
    history: dict  # loss, val_loss, accuracy, val_accuracy: one value per epoch
    epochs_run: int
    stopped_early: bool
    best_epoch: int  # 1-based, as Keras prints epochs
    restored_best: bool
    test: TestScores
    evaluation: Evaluation

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def write_metrics(path: Path, metrics: Metrics) -> None:
    atomic_write_json(path, metrics.to_dict())


def read_metrics(path: Path) -> Metrics:
    """metrics.json as a Metrics, or a PipelineError saying which field is missing or wrong."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        return from_dict(Metrics, raw)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise PipelineError("résultats d'entraînement illisibles ou incomplets.", where=str(path),
                            fix="supprimez ce dossier d'exécution pour réentraîner, puis relancez « make report ».",
                            detail=f"{type(exc).__name__}: {exc}") from None


def from_dict(cls: type, raw: Any) -> Any:
    """Build dataclass `cls` from plain JSON, recursively, checking that every field is present."""
    if not isinstance(raw, dict):
        raise TypeError(f"{cls.__name__}: expected an object, got {type(raw).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.name not in raw:
            raise KeyError(f"{cls.__name__}.{field.name}")
        values[field.name] = _convert(hints[field.name], raw[field.name])
    return cls(**values)


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value)
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return [_convert(item, v) for v in value]
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint in (int, bool, str, dict) and not isinstance(value, hint):
        raise TypeError(f"expected {hint.__name__}, got {type(value).__name__}")
    return value
