"""The run's whole trajectory: the same seed trained without stopping to `epochs`, its weights at log-spaced
updates of the first epoch and at the end of every epoch, scored on the validation set (and the test set).

EarlyStopping never changes training before it stops: with the same seed, the lesson's run is a prefix
of this one (tests/test_trajectory.py), so every EarlyStopping rule can be replayed on it, and the
replay page can show the network learning, update after update.
"""
from __future__ import annotations

import numpy as np

from pipeline.common import architecture, numeric
from pipeline.common.io import atomic_write_json

FILE_JSON, FILE_WEIGHTS = "trajectory.json", "trajectory.npz"
# −ln p on max(p, 1e-12), as every recorded trajectory was scored: a snapshot's loss stays comparable with
# earlier builds (the core's own floor only keeps −ln 0 finite; the two differ only for p < 1e-12).
LOSS_FLOOR = 1e-12


def first_epoch_updates(updates_per_epoch: int, steps_per_execution: int) -> list[int]:
    """Log-spaced updates of the first epoch where Keras calls batch callbacks: multiples of
    steps_per_execution, doubling (64, 128, 256… with 64), before the epoch's end."""
    updates, step = [], max(1, steps_per_execution)
    while step < updates_per_epoch:
        updates.append(step)
        step *= 2
    return updates


class Recorder:
    """Keras callback methods that copy the Dense layers' weights at the chosen moments."""

    def __init__(self, updates_per_epoch: int, steps_per_execution: int):
        self.wanted = set(first_epoch_updates(updates_per_epoch, steps_per_execution))
        self.updates_per_epoch = updates_per_epoch
        self.snapshots: list[dict] = []  # {"epoch": float, "updates": int}
        self.weights: list[list[np.ndarray]] = []
        self.model = None
        self.epoch = 0

    def callback(self):
        import tensorflow as tf

        recorder = self

        class Callback(tf.keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                recorder.model = self.model
                recorder.take(0)

            def on_epoch_begin(self, epoch, logs=None):
                recorder.epoch = epoch

            def on_train_batch_end(self, batch, logs=None):
                updates = batch + 1  # Keras passes the last step of the execution, 0-based
                if recorder.epoch == 0 and updates in recorder.wanted:
                    recorder.take(updates)

            def on_epoch_end(self, epoch, logs=None):
                recorder.take((epoch + 1) * recorder.updates_per_epoch)

        return Callback()

    def take(self, updates: int) -> None:
        dense = [layer for layer in self.model.layers if type(layer).__name__ == "Dense"]
        self.weights.append([w.astype("float32") for layer in dense for w in layer.get_weights()])
        self.snapshots.append({"updates": int(updates), "epoch": round(updates / self.updates_per_epoch, 4)})


def scores(arch: architecture.Architecture, weights: dict, images: np.ndarray, labels: np.ndarray) -> dict:
    """Loss (mean cross-entropy) and exactitude of one set of weights, in NumPy (float64)."""
    p = architecture.forward(arch, weights, images.reshape(len(images), -1)).probabilities
    # Rounded to 10 decimals: NumPy's threaded matrix products may differ in the last bit from one run to
    # the next, and a rebuild must write the same file (tests/test_reproducible.py).
    return {"loss": round(numeric.mean_cross_entropy(p, labels, floor=LOSS_FLOOR), 10),
            "accuracy": round(float((p.argmax(axis=1) == labels).mean()), 10)}


def save(out_dir, recorder: Recorder, history: dict, arch: architecture.Architecture, arrays, seconds: list) -> dict:
    """trajectory.npz (every snapshot's weights, stacked per tensor) and trajectory.json (moments, scores)."""
    names = [name for index in range(1, len(arch.dense) + 1) for name in architecture.weight_names(index)]
    stacked = {name: np.stack([w[i] for w in recorder.weights]) for i, name in enumerate(names)}
    np.savez_compressed(out_dir / FILE_WEIGHTS, **stacked)
    snapshots = []
    for k, moment in enumerate(recorder.snapshots):
        weights = {name: stacked[name][k] for name in names}
        entry = {**moment, **{f"val_{key}": value for key, value in
                              scores(arch, weights, arrays.X_val, arrays.y_val).items()}}
        if moment["updates"] and moment["updates"] % recorder.updates_per_epoch == 0:  # an epoch's end
            entry.update({f"test_{key}": value for key, value in
                          scores(arch, weights, arrays.X_test, arrays.y_test).items()})
        snapshots.append(entry)
    record = {"history": history, "snapshots": snapshots, "updates_per_epoch": recorder.updates_per_epoch,
              "epoch_seconds": seconds}
    atomic_write_json(out_dir / FILE_JSON, record)
    return record
