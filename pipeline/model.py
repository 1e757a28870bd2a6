"""Build and compile the seed's dense network: Flatten -> Dense(128, relu) -> Dense(10, softmax)."""
from __future__ import annotations

import warnings

from pipeline.config import Params


def build_model(params: Params):
    """The seed's three layers and its compile() call; speed options come from the parameters."""
    import tensorflow as tf  # only the training process pays for TensorFlow

    # Keras 3 prefers keras.Input, but the seed writes input_shape= in Flatten: keep the seed's
    # code and silence only that advice, which would puzzle a student reading the log.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*input_shape.*", category=UserWarning)
        # --8<-- [start:model]
        model = tf.keras.Sequential([
            tf.keras.layers.Flatten(input_shape=(28, 28)),
            tf.keras.layers.Dense(128, activation="relu"),
            tf.keras.layers.Dense(10, activation="softmax"),
        ])
        # --8<-- [end:model]

    # --8<-- [start:compile]
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        # Mêmes calculs, moins d'attente : plusieurs lots par appel, opérations fusionnées par XLA.
        steps_per_execution=params.steps_per_execution,
        jit_compile=params.jit_compile,
    )
    # --8<-- [end:compile]
    return model


def layer_summary(model) -> list[dict]:
    """Name, output shape and parameter count of each layer, read from the model itself."""
    rows = []
    for layer in model.layers:
        shape = tuple(layer.output.shape) if hasattr(layer, "output") else ()
        rows.append({
            "name": layer.name,
            "kind": type(layer).__name__,
            "output_shape": [d if d is not None else None for d in shape],
            "params": int(layer.count_params()),
            "units": int(getattr(layer, "units", 0) or 0),
        })
    return rows
