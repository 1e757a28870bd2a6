"""Fit the model with EarlyStopping and return its history; no plotting, no pages."""
from __future__ import annotations

import sys
import time

from pipeline.config import Params


def train(model, X_train, y_train, X_val, y_val, params: Params) -> dict:
    """Fit as the seed does and return per-epoch metrics, epoch durations and where it stopped."""
    import tensorflow as tf

    starts: list[float] = []
    durations: list[float] = []
    # Wall time of each epoch (training + validation pass), for the speed figures.
    timer = tf.keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: durations.append(time.perf_counter() - starts[-1]),
    )
    # --8<-- [start:early_stopping]
    early_stop = tf.keras.callbacks.EarlyStopping(
        monitor=params.early_stopping.monitor,
        patience=params.early_stopping.patience,
        restore_best_weights=params.early_stopping.restore_best_weights,
    )
    # --8<-- [end:early_stopping]
    progress = 1 if sys.stdout.isatty() else 2  # a bar in a terminal, one line per epoch in logs
    # --8<-- [start:fit]
    history = model.fit(
        X_train, y_train,
        epochs=params.epochs,
        batch_size=params.batch_size,
        validation_data=(X_val, y_val),
        callbacks=[early_stop, timer],
        verbose=progress,
    )
    # --8<-- [end:fit]
    epochs_run = len(history.history["loss"])
    return {
        "history": {k: [float(v) for v in values] for k, values in history.history.items()},
        "epochs_run": epochs_run,
        "stopped_early": early_stop.stopped_epoch > 0,
        "best_epoch": int(early_stop.best_epoch) + 1,  # 1-based, as Keras prints epochs
        "restored_best": bool(params.early_stopping.restore_best_weights),
        "epoch_seconds": durations,
    }

