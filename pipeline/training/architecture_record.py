"""The lesson's network, refused when the pages could not explain it, and described for them."""
from __future__ import annotations

import inspect

import numpy as np

from pipeline.common import architecture
from pipeline.common.errors import PipelineError
from pipeline.data.idx import NUM_CLASSES

SHOWN = "pipeline/lesson.py"
IMAGE_SHAPE = (28, 28)  # Fashion-MNIST's images, as load_data gives them


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


def check_supported(model, build_model) -> None:
    """Refuse, before any training, a network the run and the pages cannot use (pipeline/common/architecture.py);
    `build_model` is the lesson's function that built it, whose line the message gives."""
    where = f"{SHOWN}, ligne {inspect.getsourcelines(build_model)[1]} (fonction {build_model.__name__})"
    if not getattr(model, "built", False) or not model.layers:
        raise PipelineError("le réseau de la leçon ne dit pas la forme de ses entrées.", where=where,
                            fix="commencez le modèle par tf.keras.layers.Flatten(input_shape=(28, 28)), comme "
                                "l'énoncé, puis relancez « make report ».")
    first = type(model.layers[0]).__name__
    if first != "Flatten":
        raise PipelineError(
            "le réseau de la leçon doit commencer par une couche Flatten, qui met chaque image 28 × 28 à plat "
            f"(784 nombres) ; sa première couche est « {first} ».", where=where,
            fix="remettez tf.keras.layers.Flatten(input_shape=(28, 28)) en première couche, puis relancez "
                "« make report ».")
    architecture.check_layers([{"kind": type(layer).__name__, "name": layer.name,
                                "activation": layer.get_config().get("activation")} for layer in model.layers],
                              where=where)
    inputs, outputs = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    if inputs != IMAGE_SHAPE:
        raise PipelineError(f"le réseau de la leçon attend des entrées de forme {inputs}, pas des images 28 × 28.",
                            where=where, fix="écrivez Flatten(input_shape=(28, 28)), puis relancez « make report ».")
    if outputs != (NUM_CLASSES,):
        raise PipelineError(
            f"le réseau de la leçon donne des sorties de forme {outputs} au lieu de {NUM_CLASSES} probabilités, "
            "une par classe.", where=where,
            fix=f"terminez le modèle par Dense({NUM_CLASSES}, activation=\"softmax\"), puis relancez « make report ».")
