"""Turn raw runs into medians, spreads, ratios and target verdicts, and describe the machine that ran them."""
from __future__ import annotations

import os
import platform
import statistics
import time

# The targets (ratios measured in one invocation).
EPOCH_RATIO_MAX = 0.4  # project s/epoch ≤ 0.4 × seed s/epoch
REPORT_RATIO_MAX = 1.0  # cold make report wall ≤ 1.0 × seed script wall
REPORT_RSS_MAX_GB = 2.5  # decimal GB (10⁹ bytes), the stricter reading of "2.5 GB"
ACCURACY_GAP_MAX = 0.005  # 0.5 point of test accuracy


def spread(values: list[float]) -> dict:
    """Median, min and max of a few runs (too few for a standard deviation to mean much)."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def steady_epoch(epoch_seconds: list[float]) -> float:
    """Median epoch after the first: the first one also traces and (with XLA) compiles the step."""
    rest = epoch_seconds[1:] or epoch_seconds
    return statistics.median(rest)


def aggregate(runs: list[dict]) -> dict:
    """One candidate's runs reduced to the numbers the table prints."""
    return {
        "label": runs[0]["label"],
        "epoch_seconds_steady": spread([steady_epoch(r["epoch_seconds"]) for r in runs]),
        "epoch_seconds_all": spread([sum(r["epoch_seconds"]) / len(r["epoch_seconds"]) for r in runs]),
        "first_epoch_seconds": spread([r["epoch_seconds"][0] for r in runs]),
        "wall_seconds": spread([r["wall_seconds"] for r in runs]),
        "outside_epochs_seconds": spread([r["outside_epochs_seconds"] for r in runs]),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "cpu_seconds": spread([r["cpu_seconds"] for r in runs]),
        "test_accuracy": spread([r["test_accuracy"] for r in runs]),
        "settings": runs[0]["summary"].get("settings", {"code": "énoncé"}),
    }


def mib_to_gb(mib: float) -> float:
    """ru_maxrss-derived MiB to decimal GB."""
    return mib * 2**20 / 1e9


def verdict(value: float, limit: float) -> str:
    return "OK" if value <= limit else "NON ATTEINT"


def target(name: str, value: float, limit: float, unit: str = "") -> dict:
    return {"target": name, "value": value, "limit": limit, "unit": unit, "verdict": verdict(value, limit)}


def machine() -> dict:
    """What produced the figures: CPU, cores, versions, date and how busy the machine was."""
    model = platform.processor() or "?"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from pipeline.workflow.cache import package_versions  # knows the CPU build's package name

    versions = package_versions(("tensorflow", "keras", "numpy"))
    return {
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_start": list(os.getloadavg()),
    }


def fmt(s: dict, digits: int = 2) -> str:
    """'median [min–max]' of a spread."""
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}–{s['max']:.{digits}f}]"


def candidate_table(rows: list[dict]) -> str:
    """Fixed-width table, headers in French / English."""
    header = (f"{'candidat / candidate':<34} {'s/époque établie':>22} {'s/époque toutes':>22} "
              f"{'1re époque':>10} {'mur / wall s':>20} {'hors époques':>12} {'RSS max':>10} {'précision':>9}")
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['label']:<34} {fmt(row['epoch_seconds_steady'], 3):>22} {fmt(row['epoch_seconds_all'], 3):>22} "
            f"{row['first_epoch_seconds']['median']:>10.2f} {fmt(row['wall_seconds'], 1):>20} "
            f"{row['outside_epochs_seconds']['median']:>12.1f} {row['peak_rss_mb']:>6.0f} Mio "
            f"{row['test_accuracy']['median']:>9.4f}")
    return "\n".join(lines)


def target_lines(targets: list[dict]) -> str:
    lines = []
    for t in targets:
        lines.append(f"  {t['target']:<62} {t['value']:>8.3f}{t['unit']:<3} (cible / target ≤ "
                     f"{t['limit']:.3g}{t['unit']})  {t['verdict']}")
    return "\n".join(lines)
