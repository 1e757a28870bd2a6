"""A stand-in for the training stage (no TensorFlow): writes a run folder shaped like the real one.

Importable by worker processes (loky, Dask) because pytest puts tests/ on sys.path, which child
processes inherit. Its numbers depend on the parameters, so summaries and conclusions can be checked:
validation exactitude = 0.85 + 0.01 × (batch_size == 128) + 0.001 × (seed − 42); patience 1 fails
(below seed 1000).
The settings search (tests/test_tuning.py) also finds a learning rate of 0.003 and 256 neurons better,
and its confirmation seeds (1000 and up) lower by 0.002 than the trials' seed: a winner's curse to show.
"""
from __future__ import annotations

import dataclasses
import os
import time

from factories import make_architecture, make_metrics
from pipeline.common import architecture
from pipeline.common.io import atomic_write_json

FAIL_PATIENCE = 1  # a run with this patience raises: the sweep must report it and go on


def data_stage(job) -> None:
    atomic_write_json(job.out("artifacts/data.json"), {"fake": True})


def data_summary(job) -> str:
    return "données factices"


def accuracy_of(params) -> float:
    if params.seed >= 1000:  # fresh seeds: what the trials' seed 42 promised, less 0.002 (and 0.001 per seed)
        return accuracy_of(dataclasses.replace(params, seed=42)) - 0.002 + 0.0005 * (params.seed - 1000)
    return (0.85 + 0.01 * (params.batch_size == 128) + 0.001 * (params.seed - 42)
            + 0.004 * (params.learning_rate == 0.003) + 0.002 * (params.hidden_units == 256))


def train_stage(job) -> None:
    p = job.params
    if p.early_stopping.patience == FAIL_PATIENCE and p.seed < 1000:  # the sweep's seeds, not the search's
        raise RuntimeError("échec voulu par le test")
    time.sleep(0.05)  # long enough for runs to be in flight when a test interrupts the sweep
    top = accuracy_of(p)
    history = {"loss": [0.6, 0.4, 0.3], "val_loss": [0.5, 0.4, 0.45],
               "accuracy": [0.8, 0.85, 0.9], "val_accuracy": [top - 0.02, top, top - 0.01]}
    metrics = make_metrics(history=history, best_epoch=2, accuracy=top - 0.005)
    metrics["params"] = p.to_dict()
    metrics["restored_best"] = p.early_stopping.restore_best_weights
    out = job.out("artifacts/runs/{key}/")
    if p.trajectory:  # the same seed to p.epochs without stopping: the ES history, then a rising val_loss
        atomic_write_json(out / "trajectory.json", trajectory_of(history, p.epochs, top))
    atomic_write_json(out / "metrics.json", metrics)
    atomic_write_json(out / "timings.json", {"epoch_seconds": [0.5] * len(history["loss"])})
    architecture.write(out, make_architecture((p.hidden_units,), dropout=p.dropout or None))
    atomic_write_json(out / "run.json", {"key": job.key, "seconds": 1.5, "pid": os.getpid()})


def trajectory_of(history: dict, epochs: int, top: float) -> dict:
    """trajectory.json shaped like the real one: `epochs` epochs whose first ones are `history`."""
    n = len(history["loss"])
    full = {k: list(v) + [v[-1]] * (epochs - n) for k, v in history.items()}
    full["val_loss"] = history["val_loss"] + [history["val_loss"][-1] + 0.01 * i for i in range(1, epochs - n + 1)]
    updates = 1688
    snapshots = [{"epoch": 0.0, "updates": 0, "val_loss": 2.3, "val_accuracy": 0.1}] + [
        {"epoch": float(e), "updates": e * updates, "val_loss": full["val_loss"][e - 1],
         "val_accuracy": full["val_accuracy"][e - 1], "test_accuracy": top - 0.005} for e in range(1, epochs + 1)]
    return {"history": full, "snapshots": snapshots, "updates_per_epoch": updates, "epoch_seconds": [0.5] * epochs}


def summary(job) -> str:
    return f"exécution factice {job.key}"
