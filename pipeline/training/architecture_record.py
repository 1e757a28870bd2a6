"""The lesson's network, refused when the pages could not explain it, and described for them."""
from __future__ import annotations

import numpy as np

from pipeline.common import architecture


def describe_model(model) -> architecture.Architecture:
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
    return architecture.Architecture(tuple(int(d) for d in model.input_shape[1:]), tuple(layers))


def check_supported(model, lesson_name: str) -> None:
    """Refuse a network the pages cannot explain, before any training (pipeline/common/architecture.py)."""
    architecture.check_layers([{"kind": type(layer).__name__, "name": layer.name,
                                "activation": layer.get_config().get("activation")} for layer in model.layers],
                              where=f"pipeline/{lesson_name}, section « model »")
