"""A stand-in for the training stage (no TensorFlow): writes a run folder shaped like the real one.

Importable by worker processes (loky, Dask) because pytest puts tests/ on sys.path, which child
processes inherit. Its numbers depend on the parameters, so summaries and conclusions can be checked:
validation exactitude = 0.85 + 0.01 × (batch_size == 128) + 0.001 × (seed − 42); patience 1 fails.
"""
from __future__ import annotations

import os
import time

from factories import make_metrics
from pipeline.common.io import atomic_write_json

FAIL_PATIENCE = 1  # a run with this patience raises: the sweep must report it and go on


def data_stage(job) -> None:
    atomic_write_json(job.out("artifacts/data.json"), {"fake": True})


def data_summary(job) -> str:
    return "données factices"


def accuracy_of(params) -> float:
    return 0.85 + 0.01 * (params.batch_size == 128) + 0.001 * (params.seed - 42)


def train_stage(job) -> None:
    p = job.params
    if p.early_stopping.patience == FAIL_PATIENCE:
        raise RuntimeError("échec voulu par le test")
    time.sleep(0.05)  # long enough for runs to be in flight when a test interrupts the sweep
    top = accuracy_of(p)
    history = {"loss": [0.6, 0.4, 0.3], "val_loss": [0.5, 0.4, 0.45],
               "accuracy": [0.8, 0.85, 0.9], "val_accuracy": [top - 0.02, top, top - 0.01]}
    metrics = make_metrics(history=history, best_epoch=2, accuracy=top - 0.005)
    metrics["params"] = p.to_dict()
    metrics["restored_best"] = p.early_stopping.restore_best_weights
    out = job.out("artifacts/runs/{key}/")
    atomic_write_json(out / "metrics.json", metrics)
    atomic_write_json(out / "run.json", {"key": job.key, "seconds": 1.5, "pid": os.getpid()})


def summary(job) -> str:
    return f"exécution factice {job.key}"
