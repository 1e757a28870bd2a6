"""French values for the Reproductibilité and Variabilité pages: provenance, timings, spread across seeds."""
from __future__ import annotations

import statistics

from pipeline import fr

def build_run_context(timings: dict, manifest: dict, variability: dict | None, bench: dict | None) -> dict:
    per_epoch = timings.get("epoch_seconds") or [0.0]
    current = {k: v for k, v in manifest["params"].items() if k != "seed"}
    measured = bool(variability and variability.get("runs"))
    # Runs trained with other parameters say nothing about this configuration: show them as stale.
    fresh = measured and variability.get("params") == current
    return {
        "repro": _provenance(manifest, per_epoch),
        "variability": _variability(variability) if fresh else None,
        "variability_stale": measured and not fresh,
        "bench": _bench(bench) if isinstance(bench, dict) else None,
    }


def _provenance(m: dict, per_epoch: list[float]) -> dict:
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


def _variability(v: dict) -> dict:
    runs = v["runs"]
    accuracies = [r["accuracy"] for r in runs]
    stops = [r["epochs_run"] for r in runs]
    spread = max(accuracies) - min(accuracies)
    return {
        "count": len(runs),
        "rows": [{"seed": r["seed"], "accuracy": fr.percent(r["accuracy"], 2), "epochs_run": r["epochs_run"],
                  "best_epoch": r["best_epoch"], "seconds": fr.seconds(r["training_seconds"])} for r in runs],
        "mean": fr.percent(statistics.mean(accuracies), 2),
        "std": fr.points(100 * statistics.stdev(accuracies)) if len(runs) > 1 else "n/d",
        "min": fr.percent(min(accuracies), 2), "max": fr.percent(max(accuracies), 2),
        "spread_points": fr.points(100 * spread),
        "stop_mean": fr.decimal(statistics.mean(stops), 1),
        "stop_std": fr.decimal(statistics.stdev(stops), 1) if len(runs) > 1 else "n/d",
        "stop_min": min(stops), "stop_max": max(stops),
        "training_seconds": fr.seconds(sum(r["training_seconds"] for r in runs)),
        "per_run_seconds": fr.seconds(statistics.mean(r["training_seconds"] for r in runs)),
        "wide": spread > 0.01,
    }


def _bench(b: dict) -> dict | None:
    """The last `make bench` (bench/results/latest.json); an unreadable file is ignored, not fatal."""
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
