"""The exercises' answers as the step pages print them: each probe's code and what it gave in this run.

The values come from the run's exercises.json, written by the training stage, which ran each probe of
pipeline/common/exercise_code.py after its lesson section (no number is worked out here). No TensorFlow.
"""
from __future__ import annotations

import numpy as np

from pipeline.common import fr


def _counts(values: list[int], names) -> dict:
    """np.bincount's answer: as the notebook shows it, and in French (one number when every class has it)."""
    same = len(set(values)) == 1
    return {"shown": repr(np.array(values)), "same": same, "each": fr.integer(values[0]) if same else None,
            "classes": [{"name": n, "count": fr.integer(c)} for n, c in zip(names, values)],
            "total": fr.integer(sum(values))}


def build(recorded: dict, names) -> dict:
    """{probe id: {code, after, value, …}} with the French forms the templates print."""
    out = {key: {"code": r["code"], "after": r["after"], "value": r["value"]} for key, r in recorded.items()}
    for key in ("first_label_loaded", "first_label"):
        out[key]["name"] = names[recorded[key]["value"]]
    out["mean_loaded"]["fr"] = fr.decimal(recorded["mean_loaded"]["value"], 1)
    out["mean_normalised"]["fr"] = fr.decimal(recorded["mean_normalised"]["value"], 3)
    for key in ("counts_loaded", "counts", "counts_validation"):
        out[key].update(_counts(recorded[key]["value"], names))
    for key in ("params", "params_narrow", "fit_images"):
        out[key]["fr"] = fr.integer(recorded[key]["value"])
    out["params_narrow"]["parameters"] = ", ".join(f"`{name} = {value!r}`"
                                                   for name, value in recorded["params_narrow"]["parameters"].items())
    out["layer_params"]["fr"] = [fr.integer(v) for v in recorded["layer_params"]["value"]]
    out["layer_params"]["shown"] = repr(recorded["layer_params"]["value"])
    return out
