"""What `make site-complet` trains (counted from the plans) and what it cost when `bench.sweep --full` measured it."""
from __future__ import annotations

from pipeline.common import fr
from pipeline.common.config import params_from_dict
from pipeline.experiments.questions import plan
from pipeline.tuning.search import FRESH_SEEDS, ROUND_SIZE, ROUNDS


def build(params: dict, bench: dict | None) -> dict:
    """Run counts from the code's plans; durations only from a complete build measured by the benchmark."""
    base = params_from_dict(params, source="params.yaml")
    sweep_runs = len({run.params for run in plan(base)})
    return {"sweep_runs": sweep_runs, "trials": ROUNDS * ROUND_SIZE, "confirmations": 2 * FRESH_SEEDS,
            "fresh_seeds": FRESH_SEEDS, "measured": _measured(bench)}


def _measured(bench: dict | None) -> dict | None:
    """The new plan's row of bench/records/complete-build.json (python -m bench.sweep --full, committed), or None."""
    try:
        row = next(r for r in bench["rows"] if r.get("complete_build") and r.get("plan", "nouveau") == "nouveau")
        return {"total": fr.seconds(row["wall_seconds"]), "sweep": fr.seconds(row["sweep_seconds"]),
                "tuning": fr.seconds(row["tuning_seconds"]) if row.get("tuning_seconds") else None,
                "memory": f"{fr.decimal(row['peak_rss_gb'], 1)}{fr.NBSP}Go", "workers": row["workers"],
                "cores": bench["machine"].get("cpu_count", "?"), "date": fr.date_time(bench["machine"].get("date", "")),
                "commit": bench.get("commit")}
    except (KeyError, TypeError, StopIteration):
        return None
