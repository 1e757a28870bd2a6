"""The one list of checks a set of parameters passes before it is trained: ranges from the data and the other keys.

params.yaml passes it at loading (common/config.py), and so does every run a later stage derives from it
(the Expériences variants, the settings search's trials: experiments/questions.py `with_changes`); the
command line also tries those derived runs before anything is trained (workflow/preflight.py), so that
a value is never accepted first and refused after a training.
"""
from __future__ import annotations

import math
from typing import Callable

from pipeline.data.idx import TRAIN_PER_CLASS

VALIDATION_MODES = ("split", "test")
MONITORS = ("val_loss", "val_accuracy")
MAX_EPOCHS = 1000
MAX_SEED = 2**32 - 1  # NumPy's default_rng and Keras's set_random_seed both take seeds up to 2³² − 1
MAX_LEARNING_RATE = 1.0  # beyond it Adam's steps jump over every minimum: the loss only grows
# The network learns on at least as many images as it is judged on (0.9999 would train on ten images).
MAX_VALIDATION_FRACTION = 0.5
MAX_HIDDEN_UNITS = 4096  # 3.2 million weights, which the Démo and the replay send to the browser
MAX_THREADS = 256  # TensorFlow starts that many threads: far more than any machine's cores


def validation_per_class(fraction: float) -> list[int]:
    """Validation images of each class, by the lesson's own rule (pipeline/lesson.py `split_validation`:
    round(class size × fraction), Python's rounding)."""
    return [round(count * fraction) for count in TRAIN_PER_CLASS]


def fit_size(params) -> int:
    """Images the network is fitted on: the training set less its validation share, or all of it (validation: test)."""
    if params.validation == "test":
        return sum(TRAIN_PER_CLASS)
    return sum(TRAIN_PER_CLASS) - sum(validation_per_class(params.validation_fraction))


def smallest_fraction() -> float:
    """The smallest validation_fraction, with one significant digit, that keeps one image of every class."""
    exact = 0.5 / min(TRAIN_PER_CLASS)  # round(x) ≥ 1 needs x > 0.5
    step = 10.0 ** math.floor(math.log10(exact))
    value = float(f"{math.ceil(exact / step) * step:.1g}")  # 9e-05 for 6 000 images per class
    while min(validation_per_class(value)) < 1:  # exactly 0.5: Python rounds it to 0
        value = float(f"{value + step:.1g}")
    return value


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")  # 54 000, as the site writes it (common/fr.py is kept out of training)


def _plain(x: float) -> str:
    """0.00009, not 9e-05: a decimal as a teacher writes it in params.yaml."""
    if x != x or x == 0 or not 1e-9 <= abs(x) < 1e6:  # NaN, 0, or too small or large to write out
        return f"{x:g}"
    return f"{x:.12f}".rstrip("0").rstrip(".")


def _epochs(p) -> str | None:
    if not 1 <= p.epochs <= MAX_EPOCHS:
        return f"doit être compris entre 1 et {MAX_EPOCHS}, pas {p.epochs}"


def _batch_size(p) -> str | None:
    if p.batch_size < 1:
        return f"doit être au moins 1, pas {p.batch_size}"
    if p.batch_size > fit_size(p):
        whole = _number(sum(TRAIN_PER_CLASS))
        where = ("tout le jeu d'entraînement, validation: test" if p.validation == "test" else
                 f"{whole} moins la validation, validation_fraction {_plain(p.validation_fraction)}")
        return (f"ne peut pas dépasser les {_number(fit_size(p))} images sur lesquelles le réseau apprend "
                f"({where}), pas {p.batch_size}")


def _hidden_units(p) -> str | None:
    if not 1 <= p.hidden_units <= MAX_HIDDEN_UNITS:
        return f"doit être compris entre 1 et {MAX_HIDDEN_UNITS} (l'énoncé : 128), pas {p.hidden_units}"


def _dropout(p) -> str | None:
    if not 0.0 <= p.dropout < 1.0:
        return f"doit être entre 0 (compris, pas de Dropout) et 1 (exclu), pas {_plain(p.dropout)}"


def _learning_rate(p) -> str | None:
    if not 0.0 < p.learning_rate <= MAX_LEARNING_RATE:
        return f"doit être strictement positif et au plus {MAX_LEARNING_RATE:g} (Adam : 0.001), pas {_plain(p.learning_rate)}"


def _validation(p) -> str | None:
    if p.validation not in VALIDATION_MODES:
        return f"doit valoir « split » ou « test », pas « {p.validation} »"


def _validation_fraction(p) -> str | None:
    # Checked in both modes: the Expériences page's « protocole » question also trains the split.
    f = p.validation_fraction
    if not 0.0 < f < 1.0:
        return f"doit être strictement entre 0 et 1 (par exemple 0.1), pas {_plain(f)}"
    if min(validation_per_class(f)) < 1:
        return (f"doit garder au moins une image de chaque classe pour la validation ({_number(min(TRAIN_PER_CLASS))} "
                f"images par classe) : au moins {_plain(smallest_fraction())}, pas {_plain(f)}")
    if f > MAX_VALIDATION_FRACTION:
        return (f"doit laisser au réseau au moins la moitié des images pour apprendre : au plus "
                f"{MAX_VALIDATION_FRACTION:g}, pas {_plain(f)}")


def _patience(p) -> str | None:
    if p.early_stopping.patience < 0:
        return f"doit être positive ou nulle, pas {p.early_stopping.patience}"


def _monitor(p) -> str | None:
    if p.early_stopping.monitor not in MONITORS:
        return f"doit valoir « val_loss » ou « val_accuracy », pas « {p.early_stopping.monitor} »"


def _steps_per_execution(p) -> str | None:
    if p.steps_per_execution < 1:
        return f"doit être au moins 1, pas {p.steps_per_execution}"


def _threads(p) -> str | None:
    if not 0 <= p.threads <= MAX_THREADS:
        return f"doit être compris entre 0 (TensorFlow choisit) et {MAX_THREADS}, pas {p.threads}"


def _seed(p) -> str | None:
    if not 0 <= p.seed <= MAX_SEED:
        return f"doit être comprise entre 0 et {MAX_SEED} (2³² − 1), pas {p.seed}"


# The one list: (dotted params.yaml key, check returning why the value is refused, or None). The order is
# the file's, except that validation comes before batch_size, whose limit it sets.
CHECKS: tuple[tuple[str, Callable], ...] = (
    ("seed", _seed), ("epochs", _epochs), ("validation", _validation),
    ("validation_fraction", _validation_fraction), ("batch_size", _batch_size), ("hidden_units", _hidden_units),
    ("learning_rate", _learning_rate), ("dropout", _dropout), ("early_stopping.monitor", _monitor),
    ("early_stopping.patience", _patience), ("steps_per_execution", _steps_per_execution), ("threads", _threads),
)

def first_problem(params) -> tuple[str, str] | None:
    """(key, why) of the first check `params` fails, or None when every check passes."""
    for key, check in CHECKS:
        why = check(params)
        if why:
            return key, why
    return None
