"""French values and facts about the trained network, read from its architecture record (no TensorFlow)."""
from __future__ import annotations

from pipeline.common import fr
from pipeline.common.architecture import Architecture, Layer

NUMBER_WORDS = ("zéro", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix")
ORDINALS = ("première", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième")
ACTIVATION_FR = {"relu": "ReLU", "softmax": "softmax", "sigmoid": "sigmoïde", "tanh": "tanh", "linear": "linéaire"}
EXERCISE_WIDTH = 64  # the model page's exercise: the first hidden layer with 64 neurons
# The seed's own network: Flatten, Dense(128, relu), Dense(10, softmax).
SEED_NETWORK = (("Flatten", None, 784), ("Dense", "relu", 128), ("Dense", "softmax", 10))


def number_word(n: int) -> str:
    """3 -> 'trois' (feminine, as in « trois couches »); beyond ten, the digits."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else fr.integer(n)


def ordinal(index: int) -> str:
    """1 -> 'première' (of a « couche »)."""
    return ORDINALS[index - 1] if 1 <= index <= len(ORDINALS) else f"{index}ᵉ"


def build(arch: Architecture) -> dict:
    """Everything the pages say about the network: layer table, counts and words."""
    dense, hidden = arch.dense, arch.hidden
    rows, dense_index = [], 0
    for layer in arch.layers:
        dense_index += layer.kind == "Dense"
        rows.append(_row(layer, dense_index if layer.kind == "Dense" else None, layer is arch.output))
    first = hidden[0] if hidden else None
    hidden_params = sum(layer.params for layer in hidden)
    return {
        "layers": rows,
        "count": len(arch.layers), "count_word": number_word(len(arch.layers)),
        "hidden": [_row(layer, i, False) for i, layer in enumerate(hidden, start=1)],
        "hidden_count": len(hidden), "hidden_count_word": number_word(len(hidden)),
        "dense_count_word": number_word(len(dense)),
        "hidden_units": first.units if first else None,
        "output_units": arch.output.units,
        "inputs": arch.inputs, "inputs_fr": fr.integer(arch.inputs),
        "total_params": fr.integer(arch.total_params),
        "hidden_params": fr.integer(hidden_params),
        "hidden_share": fr.percent(hidden_params / arch.total_params) if arch.total_params else "0 %",
        "output_params": fr.integer(arch.output.params),
        "weights_kb": fr.integer(arch.total_params * 4 / 1000),
        "weights_keras": f"{arch.total_params * 4 / 1024:.2f} KB",  # as model.summary() prints it
        "multiplications": fr.integer(arch.multiplications),
        "multiplications_detail": ", ".join(
            f"{fr.integer(layer.inputs)} × {fr.integer(layer.units)}" for layer in dense),
        "keras_lines": ", ".join(f"`{layer.code}`" for layer in arch.layers),
        "is_seed_network": is_seed_network(arch),
        "params_64": fr.integer(params_with_first_width(arch, EXERCISE_WIDTH)) if first else None,
        "exercise_width": EXERCISE_WIDTH,
    }


def is_seed_network(arch: Architecture) -> bool:
    """The seed's three layers exactly (the texts that quote the seed then say so)."""
    return tuple((layer.kind, layer.activation, layer.units) for layer in arch.layers) == SEED_NETWORK


def params_with_first_width(arch: Architecture, width: int) -> int:
    """Parameters of the same network with `width` neurons in its first hidden layer."""
    total, previous = 0, arch.inputs
    for index, layer in enumerate(arch.dense):
        units = width if index == 0 else layer.units
        total += previous * units + units
        previous = units
    return total


def _row(layer: Layer, dense_index: int | None, is_output: bool) -> dict:
    formula = (f"{fr.integer(layer.inputs)} × {fr.integer(layer.units)} + {fr.integer(layer.units)}"
               if layer.kind == "Dense" else "aucun poids")
    return {"kind": layer.kind, "name": layer.name, "code": layer.code, "units": layer.units,
            "units_fr": fr.integer(layer.units), "inputs_fr": fr.integer(layer.inputs),
            "activation": layer.activation, "activation_fr": ACTIVATION_FR.get(layer.activation or "", layer.activation),
            "rate": layer.rate, "rate_percent": fr.percent(layer.rate, 0) if layer.rate is not None else None,
            "shape": f"(None, {layer.units})", "params": fr.integer(layer.params), "formula": formula,
            "dense_index": dense_index, "is_output": is_output,
            "ordinal": ordinal(dense_index) if dense_index else None}
