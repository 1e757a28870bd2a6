"""Answers to the « À vous de jouer » questions, computed from this run's own history (no TensorFlow).

EarlyStopping changes nothing in the arithmetic of training: only when it stops and which weights
are kept at the end. So for another `patience`, `monitor` or `restore_best_weights`, its rule can be
replayed on the recorded history, as long as the replay never needs an epoch that was not trained.
When it does, the answer is "unknown": the pages then quote a measured run, never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.common import fr
from pipeline.common.early_stopping import direction, replay_run
from pipeline.common.numeric import chance_loss
from pipeline.data.dataset import CLASS_NAMES

RANDOM_LOSS = chance_loss(len(CLASS_NAMES))  # ln 10: the loss of a network that gives 1/10 to each class
LOSS_RISE = 0.01  # validation loss must rise this much above its minimum to call it a rise (as values.py)
BATCH_VARIANT = 128  # the batch-size exercise
PATIENCE_VARIANT = 1  # the patience exercise (5 if the run already uses 1)
LONG_RUN = 40  # the "no early stop" exercise: epochs: 40 and patience: 40
MONITOR_FR = {"val_loss": "la perte de validation", "val_accuracy": "l'exactitude de validation"}
BEST_FR = {"min": "la plus basse", "max": "la plus haute"}


def updates_per_epoch(images: int, batch_size: int) -> int:
    """Weight updates in one epoch: one per lot, the last lot possibly smaller (ceil)."""
    if batch_size <= 0:
        raise ValueError("la taille de lot doit être positive")
    return -(-images // batch_size)


def first_best(values, mode: str) -> int:
    """1-based epoch of the best value; on a tie the first one, as EarlyStopping keeps it."""
    pick = min if mode == "min" else max
    target = pick(values)
    return list(values).index(target) + 1


def most_populated(rows: list[dict]) -> dict:
    """The calibration slice holding the most images (the first one on a tie)."""
    if not rows:
        raise ValueError("aucune tranche de calibration")
    return max(rows, key=lambda row: row["count"])  # max keeps the first of equal counts


# ---------------------------------------------------------------------------------------------
# French, ready-to-print answers for the templates.

def build_answers(metrics: dict, facts: dict, trajectory: dict | None = None) -> dict:
    """Everything the training and curves pages' answers print, computed from metrics.json and figures.json.

    With the run's trajectory (the same seed trained to `epochs` without stopping; the lesson's run is
    its prefix), every EarlyStopping rule is replayed on all the epochs: no answer needs another run.
    """
    params = metrics["params"]
    run_history = metrics["history"]  # the lesson's run: the table of epochs the pages show
    history = trajectory["history"] if trajectory else run_history  # what the EarlyStopping rules replay on
    es = params["early_stopping"]
    now = Evaluated(history, metrics["best_epoch"] if metrics["restored_best"] else metrics["epochs_run"])
    # The replay of this very run must give back what Keras did; if not, no replayed answer is given.
    itself = replay_run(history, params)
    faithful = (itself.known and itself.epochs_run == metrics["epochs_run"]
                and itself.best_epoch == metrics["best_epoch"]
                and itself.stopped_early == metrics["stopped_early"])

    def variant(**changes) -> dict:
        replay = replay_run(history, params, **changes)
        known = faithful and replay.known
        monitor = changes.get("monitor", es["monitor"])
        out = {"known": known, "needs": replay.needs, "recorded": len(history["loss"]),
               "monitor_fr": MONITOR_FR[monitor], "best_fr": BEST_FR[direction(monitor)]}
        # How far an unknown replay got: best epoch so far and epochs waited since (None otherwise).
        out.update(best_so_far=replay.best_epoch if faithful and not replay.known else None,
                   wait=replay.wait if faithful and not replay.known else None)
        if known:
            out.update(epochs_run=replay.epochs_run, stopped_early=replay.stopped_early,
                       best_epoch=replay.best_epoch, evaluated_epoch=replay.evaluated_epoch,
                       compare=compare(now, Evaluated(history, replay.evaluated_epoch)))
        return out

    patience = PATIENCE_VARIANT if es["patience"] != PATIENCE_VARIANT else 5
    long_run = params["epochs"] if trajectory else LONG_RUN  # the trajectory holds every epoch up to the limit
    other_monitor = "val_accuracy" if es["monitor"] == "val_loss" else "val_loss"
    fit, batch = metrics["sizes"]["fit"], params["batch_size"]
    batch_variant = BATCH_VARIANT if batch != BATCH_VARIANT else 32
    updates, updates_variant = updates_per_epoch(fit, batch), updates_per_epoch(fit, batch_variant)
    return {
        "faithful": faithful,
        "patience": {"value": patience, **variant(patience=patience)},
        # EarlyStopping() with Keras's defaults (the seed gives no parameter): val_loss, patience 0, last weights kept.
        "defaut": {**variant(monitor="val_loss", patience=0, restore_best_weights=False),
                   **_validation_at(history, replay_run(history, params, monitor="val_loss", patience=0,
                                                        restore_best_weights=False).evaluated_epoch)},
        "surveillance": {"value": other_monitor, **variant(monitor=other_monitor)},
        "restauration": {"value": not es["restore_best_weights"],
                         **variant(restore_best_weights=not es["restore_best_weights"])},
        "sans_arret": {"epochs": long_run, "patience": long_run, "restore": es["restore_best_weights"],
                       "trajectory": bool(trajectory), **variant(epochs=long_run, patience=long_run)},
        "meilleures": best_epochs(run_history),
        "lot": {"value": batch_variant, "images": fr.integer(fit), "batch": batch,
                "updates": fr.integer(updates), "updates_variant": fr.integer(updates_variant),
                "ratio": fr.decimal(updates / updates_variant, 1), "fewer": updates_variant < updates,
                "last_batch": fr.integer(fit - (updates - 1) * batch),
                "total_updates": fr.integer(updates * metrics["epochs_run"])},
        "random_loss": fr.decimal(RANDOM_LOSS, 2),
        "random_ratio": fr.decimal(RANDOM_LOSS / min(run_history["val_loss"]), 1),  # ln 10 / lowest validation loss
        "train_loss_every_epoch": all(b < a for a, b in zip(run_history["loss"], run_history["loss"][1:])),
        "first_epoch": first_epoch(run_history, updates),
        "rise": loss_rise(run_history),
        "calibration": calibration(facts["calibration"], facts.get("calibration_set", "test")),
    }


def _validation_at(history: dict, epoch: int | None) -> dict:
    """Validation scores of a 1-based epoch, in French (empty when the epoch is unknown)."""
    if not epoch or epoch > len(history["val_loss"]):
        return {}
    return {"val_loss": fr.decimal(history["val_loss"][epoch - 1], 4),
            "val_accuracy": fr.percent(history["val_accuracy"][epoch - 1], 2)}


@dataclass(frozen=True)
class Evaluated:
    history: dict
    epoch: int  # 1-based

    @property
    def val_loss(self) -> float:
        return self.history["val_loss"][self.epoch - 1]

    @property
    def val_accuracy(self) -> float:
        return self.history["val_accuracy"][self.epoch - 1]


def compare(now: Evaluated, other: Evaluated) -> dict:
    """Validation scores of the model evaluated now against the one the variant would evaluate."""
    loss_change = other.val_loss / now.val_loss - 1
    points = _points_between(now.val_accuracy, other.val_accuracy)
    accuracy_change = other.val_accuracy / now.val_accuracy - 1
    return {"same": now.epoch == other.epoch, "now_epoch": now.epoch, "epoch": other.epoch,
            "now_val_loss": fr.decimal(now.val_loss, 3), "val_loss": fr.decimal(other.val_loss, 3),
            "now_val_accuracy": fr.percent(now.val_accuracy, 2), "val_accuracy": fr.percent(other.val_accuracy, 2),
            "loss_change": _signed_percent(loss_change), "loss_worse": other.val_loss > now.val_loss,
            "loss_moves_more": abs(loss_change) > abs(accuracy_change),  # in proportion
            "accuracy_points": _signed(fr.points(abs(points), 2), points),
            "accuracy_better": other.val_accuracy > now.val_accuracy}


def best_epochs(history: dict) -> dict:
    """Epoch of the lowest validation loss and of the highest validation exactitude."""
    loss_epoch = first_best(history["val_loss"], "min")
    accuracy_epoch = first_best(history["val_accuracy"], "max")
    return {"loss_epoch": loss_epoch, "accuracy_epoch": accuracy_epoch, "same": loss_epoch == accuracy_epoch,
            "loss": fr.decimal(history["val_loss"][loss_epoch - 1], 3),
            "accuracy": fr.percent(history["val_accuracy"][accuracy_epoch - 1], 2),
            "accuracy_at_loss_epoch": fr.percent(history["val_accuracy"][loss_epoch - 1], 2),
            "loss_at_accuracy_epoch": fr.decimal(history["val_loss"][accuracy_epoch - 1], 3)}


def first_epoch(history: dict, updates: int) -> dict:
    """Is the validation loss below the training loss at epoch 1? (the training loss is an average
    over the epoch's `updates` lots, most computed with weights worse than the final ones)."""
    loss, val_loss = history["loss"][0], history["val_loss"][0]
    return {"val_below": val_loss < loss, "loss": fr.decimal(loss, 3), "val_loss": fr.decimal(val_loss, 3),
            "updates": fr.integer(updates)}


def loss_rise(history: dict) -> dict:
    """From the epoch of the lowest validation loss to the last: how loss and exactitude moved."""
    epoch = first_best(history["val_loss"], "min")
    last = len(history["val_loss"])
    low, end = history["val_loss"][epoch - 1], history["val_loss"][-1]
    acc_low, acc_end = history["val_accuracy"][epoch - 1], history["val_accuracy"][-1]
    points = _points_between(acc_low, acc_end)
    return {"rose": last > epoch and end > low + LOSS_RISE, "from_epoch": epoch, "to_epoch": last,
            "loss_from": fr.decimal(low, 3), "loss_to": fr.decimal(end, 3),
            "loss_change": _signed_percent(end / low - 1),
            "accuracy_from": fr.percent(acc_low, 2), "accuracy_to": fr.percent(acc_end, 2),
            "accuracy_points": _signed(fr.points(abs(points), 2), points),
            "accuracy_within_one_point": abs(points) < 1.0}


# Words for the expected calibration error (ECE, mean |confidence − exactitude| weighted by slice size):
# below 2 points the diagonal is followed closely, from 5 points the gap is plain on the figure.
CLOSE_ECE, FAR_ECE = 0.02, 0.05


def calibration(rows: list[dict], images: str = "validation") -> dict:
    """The most populated confidence slice, the overall mean confidence against real exactitude, and the
    ECE with the words that match it."""
    top = most_populated(rows)
    total = sum(row["count"] for row in rows)
    ece = sum(row["count"] * abs(row["confidence"] - row["accuracy"]) for row in rows) / total
    confidence = sum(row["count"] * row["confidence"] for row in rows) / total
    accuracy = sum(row["count"] * row["accuracy"] for row in rows) / total
    # The gap between the two printed (rounded) percentages, so the page's numbers add up.
    gap = round(top["confidence"] * 100, 1) - round(top["accuracy"] * 100, 1)
    mean_gap = round(confidence * 100, 1) - round(accuracy * 100, 1)
    return {"low": fr.percent(top["low"], 0), "high": fr.percent(top["high"], 0),
            "count": fr.integer(top["count"]), "share": fr.percent(top["count"] / total, 0),
            "total": fr.integer(total),
            "confidence": fr.percent(top["confidence"], 1), "accuracy": fr.percent(top["accuracy"], 1),
            "gap": fr.points(abs(gap), 1), "overconfident": gap > 0,
            "mean_confidence": fr.percent(confidence, 1), "mean_accuracy": fr.percent(accuracy, 1),
            "mean_gap": fr.points(abs(mean_gap), 1), "mean_overconfident": mean_gap > 0,
            "ece": fr.points(100 * ece, 1),
            "verdict": "close" if ece < CLOSE_ECE else "far" if ece >= FAR_ECE else "middle",
            "images": images, "images_fr": "de validation" if images == "validation" else "de test"}


def _points_between(before: float, after: float) -> float:
    """Percentage points between two exactitudes as printed (2 decimals), so the page's numbers add up."""
    return round(after * 100, 2) - round(before * 100, 2)


def _signed(text: str, value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _signed_percent(ratio: float) -> str:
    return _signed(fr.percent(abs(ratio), 1), ratio)
