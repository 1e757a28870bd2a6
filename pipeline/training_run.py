"""The training process: load data, split, build, fit, evaluate, and save the run's artifacts to a folder."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pipeline import data, evaluate
from pipeline.config import Params
from pipeline.io import atomic_write_json

# Modules whose code changes a run's numbers: their sources are part of the training key.
TRAINING_MODULES = ("config", "data", "idx", "model", "train", "evaluate", "training_run")


def configure_threads(tf, threads: int) -> None:
    """Size TensorFlow's thread pools (only possible before its first op); 0 keeps TensorFlow's choice.

    Each step of this network is a few small matrix products: on two cores, splitting them across
    threads costs more in synchronisation than it saves (see `make bench`).
    """
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def run_training(params: Params, out_dir: Path) -> dict:
    """Train and evaluate once; write model, weights, predictions, metrics and timings into out_dir."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from pipeline.model import build_model, layer_summary
    from pipeline.train import train

    configure_threads(tf, params.threads)
    # One seed for Python, NumPy and TensorFlow; op determinism on request (slower).
    tf.keras.utils.set_random_seed(params.seed)
    if params.deterministic:
        tf.config.experimental.enable_op_determinism()

    (X_train, y_train), (X_test, y_test) = data.load_keras()
    X_train, X_test = data.normalise(X_train), data.normalise(X_test)  # float32, prepared once

    X_fit, y_fit, X_val, y_val = data.fit_and_validation(params.validation, params.validation_fraction,
                                                         params.seed, X_train, y_train, X_test, y_test)

    model = build_model(params)
    fit = train(model, X_fit, y_fit, X_val, y_val, params)
    test_loss, test_accuracy, probabilities = evaluate.evaluate_model(model, X_test, y_test)

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "model.keras")
    kernels = [w.astype("float32") for w in model.get_weights()]
    np.savez_compressed(out_dir / "weights.npz", W1=kernels[0], b1=kernels[1], W2=kernels[2], b2=kernels[3])
    np.savez_compressed(out_dir / "predictions.npz", probabilities=probabilities)
    metrics = {
        "params": params.to_dict(),
        "sizes": {"fit": int(len(y_fit)), "validation": int(len(y_val)), "test": int(len(y_test))},
        "layers": layer_summary(model),
        "total_params": int(model.count_params()),
        "learning_rate": float(tf.keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
        "history": fit["history"],
        "epochs_run": fit["epochs_run"],
        "stopped_early": fit["stopped_early"],
        "best_epoch": fit["best_epoch"],
        "restored_best": fit["restored_best"],
        "test": {"loss": test_loss, "accuracy": test_accuracy},
        "evaluation": evaluate.summarise(probabilities, y_test),
    }
    # Numbers that repeat run to run go to metrics.json; wall times, which never do, to timings.json.
    atomic_write_json(out_dir / "metrics.json", metrics)
    atomic_write_json(out_dir / "timings.json", {"epoch_seconds": fit["epoch_seconds"]})
    return metrics
