"""French values and facts of the learning loop seen on this network (the slice, the one step), for step 3."""
from __future__ import annotations

from pipeline.common import fr
from pipeline.figures.learning import eta_text
from pipeline.figures.style import percent_floor


def _position(move: dict, dense_count: int, names) -> dict:
    """Where a weight sits (W2[58, 7]: from hidden neuron 58 to the output Baskets), as facts; the words
    are templates/entrainement.md.jinja's (macro poids). Neurons, pixels, rows and columns are numbered
    from 0, as Python indexes them (`X_train[i]`, `W1[:, j]`), the same convention as the images'."""
    layer = int(move["name"][1:])
    i, j = move["index"] if len(move["index"]) == 2 else (None, move["index"][0])
    pixel = i if layer == 1 and i is not None else None
    return {"bias": move["name"].startswith("b"), "layer": layer, "deep": dense_count > 2,
            "output": names[j] if layer == dense_count else None, "to_neuron": j,
            "from_neuron": i,
            "pixel": pixel, "row": None if pixel is None else pixel // 28,
            "column": None if pixel is None else pixel % 28}


def build(figures: dict, names, dense_count: int, history: dict) -> dict:
    """What the training page says about the slice (« descente ») and the step (« pas »), and what the
    performance page says about the curves' zoom on the validation loss."""
    d, s = figures["descent"], figures["step"]
    rates = [{"eta": eta_text(r["eta"]), "word": r["word"], "last_loss": fr.decimal(r["loss"][-1], 3),
              "steps": len(r["t"]) - 1, "climbed": r["climbed"], "descended": r["descended"],
              "crossed": r["crossed"], "first_t": fr.decimal(r["t"][1], 3)} for r in d["rates"]]
    label = s["label"]
    predicted = max(range(len(s["before"])), key=lambda k: s["before"][k])
    rival = max((k for k in range(len(s["delta"])) if k != label), key=lambda k: s["delta"][k])
    val = history["val_loss"]
    low = min(range(len(val)), key=val.__getitem__)
    peak = max(range(low, len(val)), key=val.__getitem__)
    return {
        "zoom": {"peak": fr.decimal(val[peak], 3), "peak_epoch": peak + 1, "peak_is_last": peak == len(val) - 1,
                 "rise": fr.decimal(val[peak] - val[low], 3)},
        "descent": {"images": fr.integer(d["images"]), "loss": fr.decimal(d["loss"], 3),
                    "min_loss": fr.decimal(d["min_loss"], 3), "gradient_norm": fr.decimal(d["gradient_norm"], 3),
                    "rates": rates, "small": rates[0], "good": rates[1], "large": rates[-1],
                    # the small and the medium rates end within half a hundredth: a few steps do not tell them apart
                    "small_good_close": abs(d["rates"][0]["loss"][-1] - d["rates"][1]["loss"][-1]) < 0.005},
        "step": {
            "index": s["index"], "true": names[label], "predicted": names[predicted], "right": predicted == label,
            "eta": fr.decimal(s["learning_rate"], 3).rstrip("0").rstrip(","),
            "p_true": percent_floor(s["before"][label]), "p_true_after": percent_floor(s["after"][label]),
            "p_true_decimal": fr.decimal(s["before"][label], 3),
            "delta_true": fr.decimal(s["delta"][label], 3), "rival": names[rival],
            "delta_rival": fr.decimal(s["delta"][rival], 3), "p_rival_after": percent_floor(s["after"][rival]),
            "p_rival": percent_floor(s["before"][rival]),
            "loss_before": fr.decimal(s["loss_before"], 3), "loss_after": fr.decimal(s["loss_after"], 3),
            "loss_fell": s["loss_after"] < s["loss_before"],
            "neuron": s["neuron"], "lit_pixels": fr.integer(s["lit_pixels"]),
            "dark_pixels": fr.integer(784 - s["lit_pixels"]), "moved_only_lit": s["moved_only_lit"],
            "top": [{"where": _position(m, dense_count, names), "before": fr.decimal(m["before"], 4),
                     "after": fr.decimal(m["after"], 4), "gradient": fr.decimal(m["gradient"], 3)}
                    for m in s["top"]],
        },
    }
