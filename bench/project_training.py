"""Run the project's own training path once (the lesson via pipeline.training.train, no early stop) and print a JSON summary.

    .venv/bin/python -m bench.project_training --epochs 5 [--seed 42] [--steps-per-execution 1] [--no-jit]

The defaults are params.yaml's speed options; every flag overrides one of them, so the driver can
measure each option separately. Validation defaults to the seed's protocol (validation_data =
the 10 000 test images, training on all 60 000) so that both scripts do exactly the same work per
epoch; --validation split measures the report's own protocol (54 000 + 6 000).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as the project does: silence TF's C++ banner

ROOT = Path(__file__).resolve().parents[1]
NEVER = 10**9  # EarlyStopping patience that can never run out: a fixed number of epochs


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description="The project's training path, timed per epoch.")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"), help="fichier de paramètres de base")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None, help="graine (défaut : celle de params.yaml)")
    parser.add_argument("--validation", choices=["test", "split"], default="test",
                        help="test : même travail que l'énoncé (défaut) ; split : protocole du rapport")
    parser.add_argument("--steps-per-execution", type=int, default=None)
    parser.add_argument("--jit", dest="jit", action="store_true", default=None, help="forcer XLA")
    parser.add_argument("--no-jit", dest="jit", action="store_false", help="désactiver XLA")
    parser.add_argument("--inputs", choices=["float32", "float64"], default="float32",
                        help="float64 : diviser par 255.0 comme l'énoncé, conversion à chaque lot")
    parser.add_argument("--intra-threads", type=int, default=None,
                        help="0 : choix de TensorFlow (défaut : threads de params.yaml)")
    parser.add_argument("--inter-threads", type=int, default=None,
                        help="0 : choix de TensorFlow (défaut : threads de params.yaml)")
    parser.add_argument("--label", default="project", help="nom du candidat dans le résumé")
    return parser.parse_args(argv)


def bench_params(args):
    """params.yaml with the flags applied and early stopping neutralised (same math as the seed's fit)."""
    from pipeline.common.config import load_params

    params = load_params(args.params)
    changes = {"epochs": args.epochs, "validation": args.validation,
               # No restore either: the seed keeps its last weights, so must we.
               "early_stopping": dataclasses.replace(params.early_stopping, patience=NEVER,
                                                     restore_best_weights=False)}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.steps_per_execution is not None:
        changes["steps_per_execution"] = args.steps_per_execution
    if args.jit is not None:
        changes["jit_compile"] = args.jit
    return dataclasses.replace(params, **changes)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    params = bench_params(args)
    import tensorflow as tf

    # Thread pools can only be sized before TensorFlow runs its first op.
    intra = params.threads if args.intra_threads is None else args.intra_threads
    inter = params.threads if args.inter_threads is None else args.inter_threads
    if intra:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
    if inter:
        tf.config.threading.set_inter_op_parallelism_threads(inter)

    import pipeline.lesson as lesson
    from pipeline.training import train

    # The training stage's own path (pipeline/training/train.py): the lesson's code with the speed options.
    tf.keras.utils.set_random_seed(params.seed)
    if params.deterministic:
        tf.config.experimental.enable_op_determinism()
    arrays = train.load_and_split(params, lesson)
    if args.inputs == "float64":  # the seed's float64 arrays, converted at every batch
        arrays.X_fit, arrays.X_val = arrays.X_fit.astype("float64"), arrays.X_val.astype("float64")
        arrays.X_test = arrays.X_test.astype("float64")
    fit = train.fit_lesson(params, arrays, lesson, verbose=2)
    test_loss, test_accuracy = fit.model.evaluate(arrays.X_test, arrays.y_test, verbose=0)
    history = fit.curves()

    summary = {
        "candidate": args.label,
        "epochs": params.epochs,
        "seed": params.seed,
        "batch_size": params.batch_size,
        "epoch_seconds": fit.epoch_seconds,
        "train_samples": int(len(arrays.y_fit)),
        "validation_samples": int(len(arrays.y_val)),
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "final_val_accuracy": history["val_accuracy"][-1],
        "in_process_seconds": time.perf_counter() - started,
        "tensorflow": tf.__version__,
        "settings": {"steps_per_execution": params.steps_per_execution, "jit_compile": params.jit_compile,
                     "inputs": args.inputs, "validation": params.validation,
                     "intra_threads": intra, "inter_threads": inter},
    }
    print(json.dumps(summary), flush=True)  # the driver reads this last line
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
