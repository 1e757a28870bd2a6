"""The « Rejouer l'apprentissage » page's French values, from artifacts/replay.json (stage "replay")."""
from __future__ import annotations

from pipeline.common import fr


def build(facts: dict | None, params: dict, asset_bytes: int) -> dict | None:
    """Ready-to-print values; None when the run has no trajectory (the page is then not published)."""
    if not facts or facts.get("absent"):
        return None
    shipped_bytes = facts["data_bytes"] + facts["figure_bytes"] + asset_bytes
    return {
        "recorded": facts["recorded"], "shipped": facts["shipped"], "dropped": facts["dropped"],
        "all_shipped": facts["dropped"] == 0,
        "epochs": facts["epochs"], "kept_epoch": facts["kept_epoch"], "units": facts["units"],
        "units_shown": min(32, facts["units"]),
        "updates_per_epoch": fr.integer(facts["updates_per_epoch"]), "batch_size": params["batch_size"],
        # EarlyStopping watched val_loss and restored its best weights: the kept epoch is the lowest loss seen.
        "restores_lowest_loss": (params["early_stopping"]["monitor"] == "val_loss"
                                 and params["early_stopping"]["restore_best_weights"]),
        "first_updates": ", ".join(fr.integer(u) for u in facts["first_epoch_updates"][:-1])
                         + " et " + fr.integer(facts["first_epoch_updates"][-1]),
        "bits_fr": " ou ".join(str(b) for b in facts["bits"]),  # « 8 ou 16 »
        "max_error": fr.scientific(facts["max_quantisation_error"]),
        "raw": fr.kilobytes(facts["raw_float32_bytes"]), "data": fr.kilobytes(facts["data_bytes"]),
        "shipped_total": fr.kilobytes(shipped_bytes), "budget": fr.kilobytes(facts["budget_bytes"]),
        "right_at_start": facts["right"]["0"],
        "figure_alt": facts["figure_alt"], "same_as_demo": facts["same_as_demo"],
        "half_right": facts["half_right"] and {"updates": fr.integer(facts["half_right"]["updates"]),
                                               "right": facts["half_right"]["right"],
                                               "first": facts["half_right"]["updates"] == facts["first_epoch_updates"][0]},
        "wrong_at_end": facts["wrong_at_end"], "right_at_kept": facts["right_at_kept"],
        "train_loss_falls": facts["train_loss_falls"], "wrong_at_end_once_right": facts["wrong_at_end_once_right"],
        "val_loss_kept": fr.decimal(facts["val_loss_kept"], 3), "val_loss_last": fr.decimal(facts["val_loss_last"], 3),
        "val_loss_rises": facts["val_loss_last"] > facts["val_loss_kept"],
        "kept_is_min": facts["val_loss_best_epoch"] == facts["kept_epoch"],
    }
