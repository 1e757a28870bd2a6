"""Sweep benchmark: experiments' throughput with 1 and with 2 workers, and the peak memory of a whole sweep.

Each measurement runs `run_sweep` (what `make experiences` runs) in a child process on a fresh copy
of the project (nothing cached, this checkout untouched). The child's process tree (the driver and
its loky workers) is sampled every 0.2 s: the peak of the sum of their resident memory is reported
(an upper bound: pages shared between processes count once per process). Results go to
bench/results/sweep.json. A measurement, not a test: exits 0 unless a sweep failed.

    python -m bench.sweep                       # reduced grid: "protocole" and "lot", 12 runs of 5 epochs (≈ 4 min)
    python -m bench.sweep --only patience lot --epochs 20
    python -m bench.sweep --full                # make site-complet from fresh copies, 2 workers, old and new plan (≈ 30 min)
    python -m bench.sweep --full --plans nouveau

--full measures the complete build twice, side by side in one run: the old plan (`trajectory: false`:
one run per EarlyStopping rule, 3 seeds each; without the settings search) and the new one (the rules
replayed on the trajectories of the 5 Variabilité seeds, then the settings search), each from its own
fresh copy. Targets: the new sweep ≤ 0,6 × the old one (issue 21); the search ≤ 8 min (issue 24).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import copy_project
from bench.summary import machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# The complete build's measurement that the README quotes: committed (bench/results/ is not), so that a fresh
# clone's `make report` writes the README git already holds. `--full` rewrites it; commit it with its commit.
COMPLETE_BUILD_RECORD = ROOT / "bench" / "records" / "complete-build.json"
SPEEDUP_MIN = 1.6  # 2 workers against 1, on a 2-core machine (issue 13)
MEMORY_MAX_GB = 6.0  # peak resident memory of a whole sweep
PLAN_RATIO_MAX = 0.6  # the new complete build's time over the old plan's (issue 21)
TUNING_MINUTES_MAX = 8.0  # the settings search's share of the complete build (issue 24)
PLANS = {"ancien": False, "nouveau": True}  # plan -> params.yaml's `trajectory`
# The child: a sweep in its copy, then one JSON line (trained runs, sweep seconds, failures).
CHILD = """
import json, sys
from pathlib import Path
from pipeline.data import dataset
from pipeline.common.config import load_params
from pipeline.workflow.runner import Runner
from pipeline.workflow.stages import table
from pipeline.experiments.sweep import run_sweep
root, workers, only = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:] or None
stages = {s.name: s for s in table(root)}
params = load_params(root / "params.yaml")
runner = Runner(root, {"dataset": dataset.ensure_dataset()})
runner.run(stages["data"], params)
result = run_sweep(runner, stages["train"], params, only, workers)
print(json.dumps({"trained": result["trained"], "seconds": result["seconds"], "failed": result["failed"]}))
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            pass
    return total


def complete_build(root: Path, workers: int, tuning: bool) -> list[str]:
    """What `make site-complet` runs: the whole sweep, the settings search (unless left out), then the report."""
    return [sys.executable, "-m", "pipeline", "experiments", "--root", str(root), "--workers", str(workers),
            *([] if tuning else ["--sans-reglage"])]


def _duration(text: str) -> float:
    """Seconds from the French duration that ends a log line (« 7 min 12 s », « 45,3 s »)."""
    import re

    return sum(float(x.replace(",", ".")) * (60 if unit == "min" else 1)
               for x, unit in re.findall(r"(\d+(?:,\d+)?)\u00a0(min|s)", text.rsplit(", ", 1)[-1]))


def parse_build(lines: list[str]) -> dict:
    """The sweep's numbers from the complete build's log (« … N entraînements faits, K échecs, … »)."""
    import re

    last = next(line for line in reversed(lines) if line.startswith("▸ expériences") and "mesurée" in line)
    trained = int(re.search(r"(\d+) entraînements? faits?", last).group(1))
    tuning = next((line for line in reversed(lines) if line.startswith("▸ réglage") and "essais notés" in line), None)
    return {"trained": trained, "seconds": _duration(last), "failed": [l for l in lines if "✗ échec" in l],
            "tuning_seconds": _duration(tuning) if tuning else None,
            "tuning_trained": int(re.search(r"(\d+) entraînements? faits?", tuning).group(1)) if tuning else None}


def set_params(path: Path, epochs: int, trajectory: bool) -> None:
    """The copy's params.yaml with these epochs and this plan (the lines must exist: the plan is never guessed)."""
    text = path.read_text(encoding="utf-8")
    for old, new in (("epochs: 20", f"epochs: {epochs}"), ("trajectory: true", f"trajectory: {str(trajectory).lower()}")):
        if old not in text:
            raise SystemExit(f"{path} : ligne « {old} » introuvable, le banc ne peut pas fixer le plan mesuré.")
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def measure(workers: int, epochs: int, only: list[str], keep: Path | None = None, complete: bool = False,
            plan: str = "nouveau") -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        root = copy_project(keep or Path(tmp))
        set_params(root / "params.yaml", epochs, PLANS[plan])
        env = dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3")
        start, peak = time.perf_counter(), 0
        with tempfile.TemporaryFile() as out:
            command = (complete_build(root, workers, tuning=plan == "nouveau") if complete else
                       [sys.executable, "-c", CHILD, str(root), str(workers), *only])
            child = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
            while True:
                pid, status, usage = os.wait4(child.pid, os.WNOHANG)
                if pid:  # reaped here: its rusage includes the workers it waited for
                    child.returncode = os.waitstatus_to_exitcode(status)
                    break
                peak = max(peak, tree_rss(child.pid))
                time.sleep(0.2)
            wall = time.perf_counter() - start
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
    lines = text.strip().splitlines()
    if child.returncode != 0 or not lines or not (complete or lines[-1].startswith("{")):
        raise SystemExit(f"le balayage a échoué (code {child.returncode}) :\n" + "\n".join(lines[-20:]))
    result = parse_build(lines) if complete else json.loads(lines[-1])
    progress = [line for line in lines if line.startswith(("▸", "  [", "Site prêt"))]
    return {"plan": plan, "workers": workers, "epochs": epochs, "only": only or "tout", "complete_build": complete,
            "trained": result["trained"],
            "failed": result["failed"], "sweep_seconds": round(result["seconds"], 1), "wall_seconds": round(wall, 1),
            "runs_per_minute": round(60 * result["trained"] / result["seconds"], 2),
            "tuning_seconds": result.get("tuning_seconds"), "tuning_trained": result.get("tuning_trained"),
            "peak_rss_gb": round(peak / 1e9, 2),
            # loky's « A worker stopped while some jobs were given to the executor »: a worker restarted (issue 21)
            "worker_restarts": text.count("A worker stopped"),
            # CPU seconds of the driver and its workers over wall seconds: how many cores were busy.
            "cores_busy": round((usage.ru_utime + usage.ru_stime) / wall, 2),
            "load_average": list(os.getloadavg()), "progress": progress}


def write_record(about: dict, row: dict) -> None:
    """The README's figures of the complete build, with the commit and the machine that measured them."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    record = {"commit": commit.stdout.strip() or None, "machine": about, "rows": [row]}
    COMPLETE_BUILD_RECORD.parent.mkdir(parents=True, exist_ok=True)
    COMPLETE_BUILD_RECORD.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Mesure citée par le README : {COMPLETE_BUILD_RECORD.relative_to(ROOT)} (à valider avec git commit)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs of every run (default 5; params.yaml: 20)")
    parser.add_argument("--only", nargs="+", default=["protocole", "lot"],
                        help="questions of the grid (default: protocole lot, 12 runs: an even count for 2 workers)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default 1 2)")
    parser.add_argument("--full", action="store_true",
                        help="the complete build from a fresh copy (make site-complet: every question, "
                             "params.yaml's epochs, 2 workers, then the site)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="copy the project into this new folder and keep it (its site: python -m pipeline "
                             "report --root KEEP; with two plans, KEEP/ancien and KEEP/nouveau); one worker count only")
    parser.add_argument("--plans", nargs="+", choices=list(PLANS), default=list(PLANS),
                        help="--full : les plans mesurés (défaut : ancien puis nouveau, dans la même exécution)")
    parser.add_argument("--output", type=Path, default=RESULTS / "sweep.json")
    args = parser.parse_args(argv)
    if args.full:
        args.epochs, args.only, args.workers = 20, [], args.workers[-1:]
    plans = args.plans if args.full else ["nouveau"]
    if args.keep and (len(args.workers) != 1 or args.keep.exists()):
        parser.error("--keep: a new folder, and one worker count")
    about = machine()
    rows = []
    for plan, workers in ((plan, workers) for plan in plans for workers in args.workers):
        print(f"Balayage {' '.join(args.only) or 'complet'}, {args.epochs} époques, {workers} processus"
              + (f", plan {plan}" if args.full else "") + "…", flush=True)
        keep = args.keep / plan if args.keep and len(plans) > 1 else args.keep  # one kept copy per plan
        row = measure(workers, args.epochs, args.only, keep, complete=args.full, plan=plan)
        rows.append(row)
        print(f"  {row['trained']} entraînements en {row['sweep_seconds']} s : {row['runs_per_minute']} par minute, "
              f"mémoire max {row['peak_rss_gb']} Go, {row['cores_busy']} cœurs occupés en moyenne "
              f"(mur {row['wall_seconds']} s ; charge de la machine {row['load_average'][0]:.1f}) ; "
              f"processus relancés par loky : {row['worker_restarts']}", flush=True)
    for row in rows:  # throughput per busy core: flat when the sweep scales and only the machine is shared
        row["runs_per_core_minute"] = round(row["runs_per_minute"] / max(row["cores_busy"], 1e-9), 2)
    targets = []
    by_workers = {row["workers"]: row for row in rows}
    if 1 in by_workers and 2 in by_workers:
        speedup = by_workers[2]["runs_per_minute"] / by_workers[1]["runs_per_minute"]
        targets.append({"target": "débit 2 processus / 1 processus", "value": round(speedup, 2),
                        "limit": SPEEDUP_MIN, "unit": "×", "verdict": "OK" if speedup >= SPEEDUP_MIN else "NON ATTEINT"})
        print(f"  débit par cœur occupé : {by_workers[1]['runs_per_core_minute']} (1 processus) et "
              f"{by_workers[2]['runs_per_core_minute']} (2 processus) entraînements par minute ; "
              f"cœurs obtenus : {by_workers[1]['cores_busy']} et {by_workers[2]['cores_busy']}")
    by_plan = {row["plan"]: row for row in rows}
    if len(by_plan) == 2:
        # The plans differ by their sweep only; the new build adds the settings search (issue 24), measured apart.
        ratio = by_plan["nouveau"]["sweep_seconds"] / by_plan["ancien"]["sweep_seconds"]
        targets.append({"target": "expériences : nouveau plan / ancien plan", "value": round(ratio, 2),
                        "limit": PLAN_RATIO_MAX, "unit": "×",
                        "verdict": "OK" if ratio <= PLAN_RATIO_MAX else "NON ATTEINT"})
    tuning = next((row["tuning_seconds"] for row in rows if row.get("tuning_seconds")), None)
    if tuning:
        targets.append({"target": "réglage ajouté à la construction complète", "value": round(tuning / 60, 1),
                        "limit": TUNING_MINUTES_MAX, "unit": " min",
                        "verdict": "OK" if tuning / 60 <= TUNING_MINUTES_MAX else "NON ATTEINT"})
    peak = max(row["peak_rss_gb"] for row in rows)
    targets.append({"target": "mémoire max d'un balayage", "value": peak, "limit": MEMORY_MAX_GB, "unit": " Go",
                    "verdict": "OK" if peak <= MEMORY_MAX_GB else "NON ATTEINT"})
    for t in targets:
        at_least = t["target"].startswith("débit")
        print(f"  {t['target']} : {t['value']}{t['unit']} (cible {'≥' if at_least else '≤'} "
              f"{t['limit']}{t['unit']}) → {t['verdict']}")
    about["load_average_end"] = list(os.getloadavg())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"machine": about, "rows": rows, "targets": targets}, indent=2,
                                      ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Résultats : {args.output}")
    if args.full and "nouveau" in plans and not any(row["failed"] for row in rows):
        write_record(about, [row for row in rows if row["plan"] == "nouveau"][0])
    return 1 if any(row["failed"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
