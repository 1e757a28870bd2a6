"""The seed's script as a student writes it, timed per epoch; its last stdout line is a JSON summary.

Runnable alone:  .venv/bin/python -m bench.seed_reference --epochs 5
Only the argument parsing, the timing callback and the JSON line are added to the student's code;
the data, the network, compile() and fit() are the énoncé's, untouched (float64 inputs, no
steps_per_execution, no XLA, default progress bar), so it is the baseline the project is compared to.
"""
from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # as the project does: silence TF's C++ banner


class EpochTimer:
    """Keras callback recording each epoch's wall time (training pass + validation pass)."""

    def __new__(cls):
        import tensorflow as tf

        starts: list[float] = []
        durations: list[float] = []
        callback = tf.keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()),
            on_epoch_end=lambda epoch, logs: durations.append(time.perf_counter() - starts[-1]),
        )
        callback.durations = durations
        return callback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The énoncé's Fashion-MNIST script, timed per epoch.")
    parser.add_argument("--epochs", type=int, default=20, help="époques (l'énoncé : 20)")
    parser.add_argument("--seed", type=int, default=None,
                        help="graine (the student sets none; --quality uses one per run to compare like with like)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    # ---- the student's script starts here ----
    import tensorflow as tf

    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)

    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    X_train = X_train / 255.0  # float64 arrays: what a student's division gives
    X_test = X_test / 255.0

    model = tf.keras.Sequential([
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(128, activation='relu'),
        tf.keras.layers.Dense(10, activation='softmax'),
    ])
    model.compile(optimizer='adam',
                  loss='sparse_categorical_crossentropy',
                  metrics=['accuracy'])

    timer = EpochTimer()
    # batch_size left at Keras's default, 32, exactly as the student does.
    history = model.fit(X_train, y_train, epochs=args.epochs,
                        validation_data=(X_test, y_test), callbacks=[timer])
    test_loss, test_acc = model.evaluate(X_test, y_test)
    print("Test accuracy:", test_acc)
    # ---- the student's script ends here ----

    summary = {
        "candidate": "seed",
        "epochs": args.epochs,
        "seed": args.seed,
        "batch_size": 32,
        "epoch_seconds": timer.durations,
        "train_samples": int(len(y_train)),
        "validation_samples": int(len(y_test)),
        "test_accuracy": float(test_acc),
        "test_loss": float(test_loss),
        "final_val_accuracy": float(history.history["val_accuracy"][-1]),
        "in_process_seconds": time.perf_counter() - started,
        "tensorflow": tf.__version__,
    }
    print(json.dumps(summary), flush=True)  # the driver reads this last line
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
