"""French values for the Reproductibilité page: provenance, timings, the last benchmark.

(The Variabilité page's spread across seeds comes from the experiments: pipeline/experiments/experiments_page.py.)
"""
from __future__ import annotations

import statistics

from pipeline.common import fr


def repro(timings: dict, provenance: dict, params: dict, run_info: dict, checksums: dict) -> dict:
    """What made this run and when: the provenance computed before the build, plus the run's own record."""
    m = {**provenance, "params": params, "trained": run_info.get("finished", ""),
         "training_seconds": run_info.get("seconds", 0.0), "dataset_sha256": checksums}
    per_epoch = timings.get("epoch_seconds") or [0.0]
    return {
        "trained": fr.date_time(m["trained"]) or "inconnue",
        "commit": m["git"]["commit"][:12], "dirty": m["git"]["dirty"],
        "versions": m["versions"], "machine": m["machine"],
        "cores": m["machine"]["cores"],
        "dataset": m["dataset_sha256"],
        "params": m["params"],
        "epoch_seconds": fr.seconds(statistics.median(per_epoch)),
        "epoch_seconds_first": fr.seconds(per_epoch[0]),
        "training_seconds": fr.seconds(m["training_seconds"] or sum(per_epoch)),
    }


def bench(b: dict | None) -> dict | None:
    """The last `make bench` (bench/results/latest.json); an unreadable file is ignored, not fatal."""
    if not isinstance(b, dict):
        return None
    try:
        machine = b["machine"]
        candidates = [{"label": c["label"],
                       "epoch": fr.seconds(c["epoch_seconds_steady"]["median"]),
                       "spread": f"{fr.decimal(c['epoch_seconds_steady']['min'], 2)}–"
                                 f"{fr.decimal(c['epoch_seconds_steady']['max'], 2)}",
                       "wall": fr.seconds(c["wall_seconds"]["median"]),
                       "memory": fr.integer(c["peak_rss_mb"]) + "\u00a0Mo",
                       "ratio": fr.decimal(c.get("ratio_to_seed_steady", 1.0), 2)} for c in b["candidates"]]
        targets = [{"name": t["target"], "value": fr.decimal(t["value"], 2) + t["unit"].replace(" ", "\u00a0"),
                    "limit": fr.decimal(t["limit"], 1) + t["unit"].replace(" ", "\u00a0"),
                    "met": t["verdict"] == "OK"} for t in b["targets"]]
        return {"date": fr.date_time(machine.get("date", "")), "cpu": machine.get("cpu_model", "?"),
                "cores": machine.get("cpu_count", "?"), "runs": b["settings"]["runs"],
                "epochs": b["settings"]["epochs"], "candidates": candidates, "targets": targets}
    except (KeyError, TypeError, ValueError):
        return None
