"""The lesson's network as params.yaml adapts it, refused when the pages could not explain it, and described."""
from __future__ import annotations

import numpy as np

from pipeline.common import architecture
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError


def adapt_model(model, params: Params) -> tuple[object, list[dict]]:
    """The lesson's network, or a copy where params.yaml sets the first hidden layer's width and/or adds
    a Dropout layer after it; with what was changed, for the pages to say (never silently).

    `hidden_units: 0` (the default) keeps the width the lesson writes; the experiments' variants set it.
    The lesson's other layers are rebuilt from their own configuration, so a lesson with two hidden
    layers keeps both.
    """
    import tensorflow as tf

    dense = [layer for layer in model.layers if isinstance(layer, tf.keras.layers.Dense)]
    if len(dense) < 2 and (params.hidden_units or params.dropout):
        raise PipelineError("hidden_units et dropout agissent sur la première couche cachée, et le réseau "
                            "de la leçon n'en a pas.", where="params.yaml",
                            fix="remettez hidden_units: 0 et dropout: 0.0, ou ajoutez une couche Dense cachée "
                                "dans pipeline/lesson.py.")
    first = dense[0]
    adapted = []
    if params.hidden_units and params.hidden_units != first.units:
        adapted.append({"parameter": "hidden_units", "layer": first.name, "lesson": int(first.units),
                        "trained": params.hidden_units})
    if params.dropout:
        adapted.append({"parameter": "dropout", "layer": first.name, "trained": params.dropout})
    if not adapted:
        return model, adapted
    layers = [tf.keras.Input(shape=model.input_shape[1:])]
    for layer in model.layers:
        config = layer.get_config()
        if layer is first and params.hidden_units:
            config["units"] = params.hidden_units
        layers.append(type(layer).from_config(config))
        if layer is first and params.dropout:
            layers.append(tf.keras.layers.Dropout(params.dropout))  # active in fit() only
    return tf.keras.Sequential(layers, name=model.name), adapted


def describe_model(model, adapted: list[dict]) -> architecture.Architecture:
    """The architecture record, read from the built model's own layers and configurations."""
    layers, previous = [], int(np.prod(model.input_shape[1:]))
    for layer in model.layers:
        config, kind = layer.get_config(), type(layer).__name__
        units = int(layer.output.shape[-1])
        layers.append(architecture.Layer(
            kind=kind, name=layer.name, units=units,
            activation=config.get("activation") if kind == "Dense" else None,
            rate=float(config["rate"]) if kind == "Dropout" else None,
            inputs=previous if kind == "Dense" else 0, params=int(layer.count_params())))
        previous = units
    return architecture.Architecture(tuple(int(d) for d in model.input_shape[1:]), tuple(layers), tuple(adapted))


def check_supported(model, lesson_name: str) -> None:
    """Refuse a network the pages cannot explain, before any training (pipeline/common/architecture.py)."""
    architecture.check_layers([{"kind": type(layer).__name__, "name": layer.name,
                                "activation": layer.get_config().get("activation")} for layer in model.layers],
                              where=f"pipeline/{lesson_name}, section « model »")
