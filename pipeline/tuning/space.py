"""What the settings search may change, and how one proposal becomes a training run and a replayed rule.

No TensorFlow and no Optuna here: the search (`tuning/search.py`) asks Optuna for values of these
dimensions; the pages (`tuning/tuning_page.py`) print them. A trial trains the lesson's network once to
`epochs` without stopping (the trajectory issue's trick): patience and monitor are then replayed on its
validation history, so the EarlyStopping settings cost no training of their own.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.common.config import Params, value_at
from pipeline.experiments.questions import with_changes


@dataclass(frozen=True)
class Dimension:
    name: str  # the dotted params.yaml key
    label: str  # French, as the page prints it
    short: str  # French, a table's column title
    values: tuple  # the choices, in increasing order (Optuna's categorical distribution)
    replayed: bool = False  # an EarlyStopping setting: read from the history, no training of its own
    beyond_seed: bool = False  # not in the seed's network: the page says so


ES = "early_stopping."
SPACE = (
    Dimension("batch_size", "taille de lot", "Lot", (32, 64, 128, 256, 512)),
    Dimension("learning_rate", "taux d'apprentissage d'Adam", "Taux", (0.0003, 0.001, 0.003)),
    Dimension("hidden_units", "neurones de la première couche cachée", "Neurones", (64, 128, 256, 512)),
    Dimension("dropout", "Dropout après la première couche cachée", "Dropout", (0.0, 0.2, 0.4), beyond_seed=True),
    Dimension(ES + "patience", "patience d'EarlyStopping", "Patience", (1, 2, 3, 5, 8), replayed=True),
    Dimension(ES + "monitor", "quantité surveillée par EarlyStopping", "Surveillée", ("val_loss", "val_accuracy"),
              replayed=True),
)
OBJECTIVE = "val_accuracy"  # maximised: the validation exactitude of the epoch the replayed rule keeps


def seed_settings(base: Params) -> dict:
    """params.yaml's value of every dimension."""
    values = base.to_dict()
    return {dim.name: value_at(values, dim.name) for dim in SPACE}


def training_params(base: Params, settings: dict, seed: int | None = None) -> Params:
    """The run a trial trains: its trained settings, `epochs` epochs without stopping, no trajectory.

    The EarlyStopping settings stay params.yaml's (a patience that never runs out, no restoring), so
    that trials differing only by patience or monitor share one training (same key, same cache).
    """
    changes = {name: value for name, value in settings.items() if not _replayed(name)}
    changes.update({ES + "patience": base.epochs, ES + "restore_best_weights": False, "trajectory": False})
    return with_changes(base, changes, seed)


def confirmation_params(base: Params, settings: dict, seed: int) -> Params:
    """The chosen settings as a student would train them: the real EarlyStopping (chosen patience and
    monitor, params.yaml's restoring), one fit that stops, no trajectory."""
    return with_changes(base, {**settings, "trajectory": False}, seed)


def rule(base: Params, settings: dict) -> dict:
    """The params dict `early_stopping.replay_run` replays for this trial (its patience and monitor)."""
    values = base.to_dict()
    values["early_stopping"] = {**values["early_stopping"],
                                **{name.removeprefix(ES): value for name, value in settings.items() if _replayed(name)}}
    return values


def _replayed(name: str) -> bool:
    return next(dim for dim in SPACE if dim.name == name).replayed
