"""Load and validate the experiment's parameters from one YAML file into a frozen dataclass."""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.common.checks import first_problem
from pipeline.common.errors import PipelineError

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # 1e-3, 1.0e-3, .5: YAML 1.1 reads "1e-3" as text


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader (nothing in the file is executed), refusing a key written twice in one mapping:
    PyYAML would silently keep the last value."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise PipelineError(
                    f"la clé « {key} » est écrite deux fois dans le fichier de paramètres.",
                    where=f"lignes {seen[key] + 1} et {key_node.start_mark.line + 1}",
                    fix="gardez une seule de ces deux lignes (YAML ne garderait que la dernière, sans rien dire).")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class EarlyStoppingParams:
    monitor: str = "val_loss"  # the seed's default quantity; val_accuracy is the alternative
    patience: int = 3  # chosen on the validation set by the Expériences page's question "patience"
    restore_best_weights: bool = True  # evaluate the best epoch, not the last one


@dataclass(frozen=True)
class Params:
    seed: int = 42  # one seed for weights, validation split and sampled images
    epochs: int = 20  # the seed's epochs=20, an upper bound under EarlyStopping
    batch_size: int = 32  # Keras's default, as the seed uses it
    hidden_units: int = 128  # neurons of the hidden Dense layer: the seed's Dense(128) (lesson.build_model)
    dropout: float = 0.0  # beyond the seed: a Dropout layer of this rate after the hidden layer (0 = none)
    learning_rate: float = 0.001  # Adam's default, as the seed's optimizer="adam" uses it
    validation: str = "split"  # "split": honest protocol; "test": the seed's validation_data
    validation_fraction: float = 0.1  # share of the training set held out when validation="split"
    early_stopping: EarlyStoppingParams = field(default_factory=EarlyStoppingParams)
    steps_per_execution: int = 64  # fewer Python round-trips per epoch, same arithmetic
    jit_compile: bool = False  # XLA changes float rounding: the downloads would not give the site's numbers
    threads: int = 1  # TensorFlow thread pools; one is fastest for this tiny net on 2 cores, 0 = TF decides
    deterministic: bool = False  # TensorFlow op determinism: slower, bit-identical reruns
    trajectory: bool = True  # also train the same seed to `epochs` without stopping, weights recorded

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_params(path: Path | str) -> Params:
    """Read `path` (YAML) into Params, or raise PipelineError naming the key and the fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(
            "le fichier de paramètres est introuvable.",
            where=str(path),
            fix="créez-le (voir params.yaml dans le dépôt) ou passez --params CHEMIN.",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(
            "le fichier de paramètres est illisible.",
            where=str(path),
            fix="vérifiez ses droits de lecture et qu'il est encodé en UTF-8.",
            detail=str(exc),
        ) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # a safe loader: nothing in the file is ever executed
    except PipelineError as exc:
        raise PipelineError(exc.what, where=f"{path}, {exc.where}", fix=exc.fix) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", ligne {mark.line + 1}" if mark is not None else ""
        raise PipelineError(
            "le fichier de paramètres n'est pas du YAML valide.",
            where=f"{path}{line}",
            fix="corrigez la syntaxe (indentation, deux-points après chaque clé).",
            detail=str(exc).splitlines()[0],
        ) from None
    if raw is None:
        raise PipelineError(
            "le fichier de paramètres est vide (ou ne contient que des commentaires).",
            where=str(path),
            fix="remettez-y les clés de l'expérience, par exemple avec « git checkout params.yaml » ; pour les "
                "valeurs par défaut, écrivez au moins une clé, comme « epochs: 20 ».")
    if not isinstance(raw, dict):
        raise PipelineError(
            "le fichier de paramètres doit contenir des paires « clé: valeur ».",
            where=str(path),
            fix="écrivez par exemple « epochs: 20 » sur une ligne.",
        )
    return params_from_dict(raw, source=str(path))


def params_from_dict(raw: dict[str, Any], source: str = "paramètres") -> Params:
    """Build Params from a plain mapping, checking every key, type and range."""
    es_raw = raw.get("early_stopping", {})
    if es_raw is None:
        es_raw = {}
    if not isinstance(es_raw, dict):
        _fail(source, "early_stopping", "doit être une section de clés (monitor, patience, ...)")
    top = {k: v for k, v in raw.items() if k != "early_stopping"}
    early = EarlyStoppingParams(**_typed_fields(EarlyStoppingParams, es_raw, source, "early_stopping."))
    params = Params(early_stopping=early, **_typed_fields(Params, top, source, ""))
    check_ranges(params, source)
    return params


def _typed_fields(cls: type, raw: dict[str, Any], source: str, prefix: str) -> dict[str, Any]:
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "early_stopping"}
    known = list(fields) + (["early_stopping"] if cls is Params else [])
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            guess = difflib.get_close_matches(str(key), known, n=1)
            hint = f"vouliez-vous dire « {prefix}{guess[0]} » ?" if guess else (
                "clés possibles : " + ", ".join(prefix + k for k in known))
            raise PipelineError(
                f"clé inconnue « {prefix}{key} » dans les paramètres.",
                where=source,
                fix=hint,
            )
        expected = _expected_type(cls, key)
        values[key] = _coerce(value, expected, source, prefix + key)
    return values


def _expected_type(cls: type, name: str) -> type:
    default = next(f for f in dataclasses.fields(cls) if f.name == name).default
    return type(default)


def _coerce(value: Any, expected: type, source: str, key: str) -> Any:
    # bool is a subclass of int: reject `epochs: true` and `jit_compile: 1` explicitly.
    if expected is bool:
        if isinstance(value, bool):
            return value
        _fail(source, key, f"doit valoir true ou false, pas « {value} »")
    number = _number(value)
    if expected is int:
        if isinstance(number, int) or (number is not None and math.isfinite(number) and number.is_integer()):
            # 128, 1e3, 128.0: every usual way to write a whole number
            return int(number)
        _fail(source, key, f"doit être un nombre entier, pas « {value} »")
    if expected is float:
        if number is not None:
            return float(number)
        _fail(source, key, f"doit être un nombre décimal (par exemple 0.1), pas « {value} »" + _comma_hint(value))
    if isinstance(value, str):
        return value
    _fail(source, key, f"doit être un texte, pas « {value} »")
    raise AssertionError("unreachable")


def _number(value: Any) -> int | float | None:
    """A number as YAML gives it (int, float) or as text YAML 1.1 does not read ("1e-3"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value  # .nan and .inf too: the range checks refuse them
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return float(value)
    return None


def _comma_hint(value: Any) -> str:
    """« 0,001 »: French writing, which YAML reads as text."""
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+,\d+", value.strip()):
        return f" (en YAML, le séparateur décimal est le point : écrivez {value.strip().replace(',', '.')})"
    return ""


def check_ranges(params: Params, source: str) -> None:
    """The one list of checks (common/checks.py): the first value refused raises its French message."""
    problem = first_problem(params)
    if problem:
        _fail(source, *problem)


def params_key(name: str, values: dict[str, Any]) -> str | None:
    """Where `values` (Params.to_dict()) holds the parameter `name`: a top-level key, a section's
    (patience -> early_stopping.patience), or None. The one rule by which a lesson function's parameter
    finds its value, for the training (training/train.py) and for the notebook (publish/lesson_source.py)."""
    if name in values:
        return name
    for section, inner in values.items():
        if isinstance(inner, dict) and name in inner:
            return f"{section}.{name}"
    return None


def lesson_parameter_key(name: str, values: dict[str, Any], function: str) -> str:
    """params_key for a parameter of the lesson's `function`, or the French error saying how to declare it."""
    key = params_key(name, values)
    if key is None:
        raise PipelineError(f"le paramètre « {name} » de la fonction {function} de la leçon n'existe pas dans "
                            "params.yaml.", where=f"pipeline/lesson.py, fonction {function}",
                            fix=f"ajoutez « {name} » à params.yaml et à pipeline/common/config.py, ou donnez-lui "
                                "un autre nom qui y figure.")
    return key


def value_at(values: dict[str, Any], key: str) -> Any:
    """The value of a dotted key (early_stopping.patience) in Params.to_dict()."""
    for part in key.split("."):
        values = values[part]
    return values


class ParameterError(PipelineError):
    """A refused value, with its dotted key and the reason, for whoever checks a derived run (workflow/preflight.py)."""

    def __init__(self, source: str, key: str, why: str) -> None:
        self.key, self.why = key, why
        super().__init__(f"paramètre « {key} » invalide : il {why}.", where=f"{source}, clé « {key} »",
                         fix=f"corrigez la valeur de « {key} » dans {source}.")


def _fail(source: str, key: str, why: str) -> None:
    raise ParameterError(source, key, why)
