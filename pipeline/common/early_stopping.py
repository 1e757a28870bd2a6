"""EarlyStopping replayed on a recorded history (Keras 3's exact rule), and every rule a student asks about
replayed on the run's whole trajectory: where it stops, which epoch it keeps, that epoch's scores. No TensorFlow."""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.common import fr


def direction(monitor: str) -> str:
    """'min' for a loss, 'max' for an accuracy: what Keras's mode="auto" infers from the name."""
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    if name == "accuracy":
        return "max"
    raise ValueError(f"quantité surveillée inconnue : {monitor!r} (val_loss ou val_accuracy)")


@dataclass(frozen=True)
class Replay:
    """What EarlyStopping would have done on a recorded history. Epochs are 1-based, as Keras prints them.

    When `known` is False the replay ran out of recorded epochs: `needs` is the first epoch it would
    have needed, `best_epoch` and `wait` the state it had reached; the other fields are None.
    """
    known: bool
    epochs_run: int | None = None  # epochs trained before training ended
    stopped_early: bool | None = None  # ended by EarlyStopping, before `epochs`
    best_epoch: int | None = None  # the epoch with the best monitored value (Keras's best_epoch + 1)
    evaluated_epoch: int | None = None  # whose weights the model holds at the end
    needs: int | None = None
    wait: int | None = None  # epochs without improvement at the end of the record (unknown replays)


def replay_early_stopping(values, patience: int, restore_best_weights: bool, epochs: int,
                          mode: str = "min", min_delta: float = 0.0, baseline: float | None = None,
                          start_from_epoch: int = 0, verbose: int = 0) -> Replay:
    """Keras 3's EarlyStopping.on_epoch_end / on_train_end, replayed on `values` (one per epoch).

    Keras 3.15 (keras/src/callbacks/early_stopping.py): epochs before `start_from_epoch` are ignored;
    at each later epoch's end `wait += 1`; a value better than the best so far by more than
    `min_delta` becomes the best, and resets `wait` to 0 only if it also beats `baseline`; otherwise,
    once `wait >= patience` (and past the first epoch), training stops. At the end of training,
    stopped early or not, restore_best_weights=True puts back the best epoch's weights (if any epoch
    was watched); with False the model keeps the last epoch's. `verbose` changes nothing but the log.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode inconnu : {mode!r} (min ou max)")
    values = list(values)
    delta = abs(min_delta)

    def better(current, reference):
        return reference is None or (current + delta < reference if mode == "min" else current - delta > reference)

    best, best_index, wait = None, None, 0
    for index in range(min(epochs, len(values))):
        if index < start_from_epoch:
            continue
        current = values[index]
        if best_index is None:
            best_index = index  # Keras keeps these weights even before any improvement
        wait += 1
        if better(current, best):
            best, best_index = current, index
            if baseline is None or better(current, baseline):
                wait = 0
            continue
        if wait >= patience and index > 0:
            return _ended(index + 1, True, best_index, restore_best_weights)
    if epochs > len(values):
        return Replay(known=False, needs=len(values) + 1,
                      best_epoch=None if best_index is None else best_index + 1, wait=wait)
    return _ended(epochs, False, best_index, restore_best_weights)


def _ended(epochs_run: int, stopped_early: bool, best_index: int | None, restore: bool) -> Replay:
    """The final state; `best_index` is 0-based, None when no epoch was watched (start_from_epoch)."""
    best_epoch = None if best_index is None else best_index + 1
    return Replay(known=True, epochs_run=epochs_run, stopped_early=stopped_early, best_epoch=best_epoch,
                  evaluated_epoch=best_epoch if restore and best_epoch else epochs_run)


def replay_run(history: dict, params: dict, **changes) -> Replay:
    """The replay for this run's parameters with `changes` (any EarlyStopping field, or `epochs`).

    Every field of params.yaml's `early_stopping` section is passed on by name, so a field added there
    (and to the lesson's make_early_stopping) reaches the replay with no edit here; a field the replay
    does not know fails loudly instead of being ignored.
    """
    es = {**params["early_stopping"], **{k: v for k, v in changes.items() if k != "epochs"}}
    monitor = es.pop("monitor")
    mode = es.pop("mode", "auto")
    return replay_early_stopping(history[monitor], epochs=changes.get("epochs", params["epochs"]),
                                 mode=direction(monitor) if mode == "auto" else mode, **es)


def rules(params: dict) -> list[dict]:
    """The rules a student asks about: Keras's defaults (the seed names EarlyStopping but gives none of its
    parameters), the patiences, the other monitor, the other restore choice, and no stop at all (a patience
    as long as the training)."""
    es, epochs = params["early_stopping"], params["epochs"]
    other = "val_accuracy" if es["monitor"] == "val_loss" else "val_loss"
    listed = [
        ("defaut", "`EarlyStopping()`, réglages par défaut de Keras (patience 0, sans retour)",
         {"monitor": "val_loss", "patience": 0, "restore_best_weights": False}),
        *[(f"p{p}", f"patience {p}", {"patience": p}) for p in (1, 3, 5, 10)],
        ("surveillance", f"surveiller `{other}`", {"monitor": other}),
        ("retour", f"`restore_best_weights={not es['restore_best_weights']}`",
         {"restore_best_weights": not es["restore_best_weights"]}),
        ("sans_arret", f"sans arrêt ({epochs} époques)", {"patience": epochs, "restore_best_weights": False}),
    ]
    return [{"id": rid, "label": label, "changes": changes} for rid, label, changes in listed]


def replay_all(trajectory: dict, params: dict, current: dict) -> dict | None:
    """Each rule's stop and kept epoch on the trajectory, with the scores of the kept epoch.

    `current`: the run's own ES (epochs_run, best_epoch, stopped_early); the trajectory must replay it
    exactly (the lesson's run is its prefix), or no rule is answered from it.
    """
    history = trajectory["history"]
    itself = replay_run(history, params)
    if not (itself.known and (itself.epochs_run, itself.best_epoch, itself.stopped_early)
            == (current["epochs_run"], current["best_epoch"], current["stopped_early"])):
        return None
    ends = {round(s["epoch"]): s for s in trajectory["snapshots"] if s["epoch"] == round(s["epoch"]) and s["epoch"]}
    rows = []
    for rule in rules(params):
        replay = replay_run(history, params, **rule["changes"])
        kept = ends.get(replay.evaluated_epoch, {})
        is_current = all(params["early_stopping"].get(k) == v for k, v in rule["changes"].items())
        rows.append({**rule, "plain_label": rule["label"].replace("`", ""), "epochs_run": replay.epochs_run, "stopped_early": replay.stopped_early,
                     "best_epoch": replay.best_epoch, "kept_epoch": replay.evaluated_epoch, "current": is_current,
                     "val_loss": fr.decimal(history["val_loss"][replay.evaluated_epoch - 1], 4),
                     "val_accuracy": fr.percent(history["val_accuracy"][replay.evaluated_epoch - 1], 2),
                     "test_accuracy": fr.percent(kept["test_accuracy"], 2) if "test_accuracy" in kept else "—",
                     "raw": {"stop": replay.epochs_run, "kept": replay.evaluated_epoch,
                             "test_accuracy": kept.get("test_accuracy")}})
    return {"rows": rows, "epochs": len(history["val_loss"]),
            "stops": sorted({r["epochs_run"] for r in rows}), "kept": sorted({r["kept_epoch"] for r in rows})}
