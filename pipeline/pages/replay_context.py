"""The « Rejouer l'apprentissage » page's French values, from artifacts/rejouer.json (stage "rejouer")."""
from __future__ import annotations

from pipeline.common import fr


def build(facts: dict | None, batch_size: int, asset_bytes: int) -> dict | None:
    """Ready-to-print values; None when the run has no trajectory (the page is then not published)."""
    if not facts or facts.get("absent"):
        return None
    shipped_bytes = facts["data_bytes"] + facts["figure_bytes"] + asset_bytes
    return {
        "recorded": facts["recorded"], "shipped": facts["shipped"], "dropped": facts["dropped"],
        "all_shipped": facts["dropped"] == 0,
        "epochs": facts["epochs"], "kept_epoch": facts["kept_epoch"], "units": facts["units"],
        "units_shown": min(32, facts["units"]),
        "updates_per_epoch": fr.integer(facts["updates_per_epoch"]), "batch_size": batch_size,
        "first_updates": ", ".join(fr.integer(u) for u in facts["first_epoch_updates"][:-1])
                         + " et " + fr.integer(facts["first_epoch_updates"][-1]),
        "int16": 16 in facts["bits"], "int8": 8 in facts["bits"],
        "max_error": fr.scientific(facts["max_quantisation_error"]),
        "raw": fr.kilobytes(facts["raw_float32_bytes"]), "data": fr.kilobytes(facts["data_bytes"]),
        "shipped_total": fr.kilobytes(shipped_bytes), "budget": fr.kilobytes(facts["budget_bytes"]),
        "right_at_start": facts["right"]["0"],
        "figure_alt": facts["figure_alt"],
    }
