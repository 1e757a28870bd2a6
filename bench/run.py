"""Benchmark driver: time the seed's script and the project's training side by side and check the issue's targets.

Each candidate runs in its own process, alternating (seed, project, … then reversed) so that a
busy machine slows both alike. Results go to the terminal and to bench/results/latest.json
(quality mode: bench/results/quality.json). Exits 0 whether targets are met or not — this is a
measurement, not a test — and 1 only if a candidate crashed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench.measure import CandidateFailed, run_cold_report, run_script
from bench.quality import quality_table, run_quality
from bench.summary import (EPOCH_RATIO_MAX, REPORT_RATIO_MAX, REPORT_RSS_MAX_GB, aggregate, candidate_table,
                           machine, mib_to_gb, spread, target, target_lines)

RESULTS = Path(__file__).resolve().parent / "results"
SEED = ("seed (énoncé)", "bench.seed_reference", [])
PROJECT = ("projet (params.yaml)", "bench.project_training", [])
# The cost of the XLA decision (issue 20), measured every time beside the project as built: params.yaml
# turns XLA off so that the downloaded script gives the site's numbers; this is what that costs.
PROJECT_XLA = ("projet + XLA (jit_compile: true)", "bench.project_training", ["--jit"])
# One speed option at a time (--options): float32 prepared once, steps_per_execution, XLA, threads.
TF_THREADS = ["--intra-threads", "0", "--inter-threads", "0"]  # TensorFlow's own thread pools
OPTIONS = [
    ("projet sans options (float64,1,-)", "bench.project_training",
     ["--inputs", "float64", "--steps-per-execution", "1", "--no-jit", *TF_THREADS]),
    ("float32 seul (spe=1, sans XLA)", "bench.project_training",
     ["--steps-per-execution", "1", "--no-jit", *TF_THREADS]),
    ("float32 + spe=64 (sans XLA)", "bench.project_training", ["--no-jit", *TF_THREADS]),
    ("float32 + XLA (spe=1)", "bench.project_training", ["--steps-per-execution", "1", *TF_THREADS]),
    ("float32 + spe=64 + XLA, threads TF", "bench.project_training", TF_THREADS),
    ("projet, spe=1875 (1 appel/époque)", "bench.project_training", ["--steps-per-execution", "1875"]),
    ("projet, threads intra=1 inter=1", "bench.project_training", ["--intra-threads", "1", "--inter-threads", "1"]),
    ("projet, threads intra=2 inter=1", "bench.project_training", ["--intra-threads", "2", "--inter-threads", "1"]),
    ("projet, validation split (rapport)", "bench.project_training", ["--validation", "split"]),
]
HELP_EPILOG = """\
modes:
  make bench                          timing: seed vs project, --runs × --epochs, plus one cold report
  python -m bench.run --options       also each speed option alone (≈ 8 more candidates)
  python -m bench.run --quality       3-seed test-accuracy comparison, 10 epochs each (≈ 3 min)
targets: project/seed s/epoch ≤ 0.4 ; cold report wall ≤ 1.0 × seed script wall (the énoncé's
20 epochs) ; report peak RSS ≤ 2.5 GB ; |mean accuracy gap| ≤ 0.5 point (--quality).
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", epilog=HELP_EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     description="Vitesse du projet face au script de l'énoncé / "
                                                 "speed of the project against the seed's script.")
    parser.add_argument("--runs", type=int, default=3, help="runs per candidate, alternated (default 3)")
    parser.add_argument("--epochs", type=int, default=10, help="fixed epochs per run, no early stop (default 10: the first epoch's XLA compilation is amortised as in a real run)")
    parser.add_argument("--options", action="store_true", help="also time each speed option separately")
    parser.add_argument("--no-report", action="store_true", help="skip the cold `make report` timing")
    parser.add_argument("--report-runs", type=int, default=1, help="cold report runs (default 1)")
    parser.add_argument("--seed-epochs", type=int, default=20,
                        help="epochs of the seed script the cold report is compared with (the énoncé's 20)")
    parser.add_argument("--quality", action="store_true", help="run the 3-seed quality comparison instead")
    parser.add_argument("--quality-epochs", type=int, default=10, help="epochs per quality run (default 10)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="quality seeds (default 1 2 3)")
    parser.add_argument("--output", type=Path, default=None, help="JSON file (default bench/results/latest.json)")
    return parser.parse_args(argv)


def log(*parts, **kwargs):
    print(*parts, **kwargs, flush=True)


def timed(label: str, module: str, extra: list[str], epochs: int, tag: str) -> dict:
    run = run_script(label, module, [*extra, "--epochs", str(epochs)])
    steady = run["epoch_seconds"][1:] or run["epoch_seconds"]
    log(f"  {tag} {label:<36} {sorted(steady)[len(steady) // 2]:.3f} s/époque, mur {run['wall_seconds']:.1f} s, "
        f"RSS {run['peak_rss_mb']:.0f} Mio")
    return run


def timing(args) -> dict:
    """Alternate every candidate `runs` times, then the seed's full script and the cold report."""
    plan = [SEED, PROJECT, PROJECT_XLA] + (OPTIONS if args.options else [])
    raw: dict[str, list[dict]] = {label: [] for label, _, _ in plan}
    log(f"Mesure : {len(plan)} candidats × {args.runs} runs × {args.epochs} époques (alternés)")
    for i in range(args.runs):
        for label, module, extra in (plan if i % 2 == 0 else plan[::-1]):
            raw[label].append(timed(label, module, extra, args.epochs, f"[{i + 1}/{args.runs}]"))
    rows = [aggregate(raw[label]) for label, _, _ in plan]
    seed, project = rows[0], rows[1]
    for row in rows:
        row["ratio_to_seed_steady"] = row["epoch_seconds_steady"]["median"] / seed["epoch_seconds_steady"]["median"]
        row["ratio_to_seed_all"] = row["epoch_seconds_all"]["median"] / seed["epoch_seconds_all"]["median"]
    targets = [
        target("s/époque projet ÷ seed, régime établi / steady state", project["ratio_to_seed_steady"],
               EPOCH_RATIO_MAX, "×"),
        target("s/époque projet ÷ seed, toutes époques (compilation incluse)", project["ratio_to_seed_all"],
               EPOCH_RATIO_MAX, "×"),
    ]
    result = {"settings": {"runs": args.runs, "epochs": args.epochs, "batch_size": 32, "options": args.options},
              "candidates": rows, "runs": {k: [_slim(r) for r in v] for k, v in raw.items()}, "targets": targets}
    if not args.no_report:
        try:
            result.update(report_timing(args, raw[SEED[0]]))
            result["targets"] += result.pop("report_targets")
        except CandidateFailed as exc:  # keep the training figures already measured
            result["errors"] = [str(exc)]
    return result


def report_timing(args, seed_runs: list[dict]) -> dict:
    """Cold `make report` against the seed script run as the énoncé writes it (--seed-epochs epochs)."""
    label = f"seed (énoncé, {args.seed_epochs} époques)"
    full, reports = [], []
    log(f"Rapport à froid / cold report × {args.report_runs}, face au script de l'énoncé à {args.seed_epochs} époques")
    for i in range(args.report_runs):
        tag = f"[{i + 1}/{args.report_runs}]"
        steps = ["seed", "report"] if i % 2 == 0 else ["report", "seed"]
        for step in steps:
            if step == "seed" and args.seed_epochs == args.epochs:
                full.append(seed_runs[i % len(seed_runs)])  # already measured at this length
            elif step == "seed":
                full.append(timed(label, SEED[1], [], args.seed_epochs, tag))
            else:
                reports.append(run_cold_report())
                r = reports[-1]
                log(f"  {tag} {'make report (à froid / cold)':<36} mur {r['wall_seconds']:.1f} s, "
                    f"RSS {r['peak_rss_mb']:.0f} Mio, {r['epochs_run']} époques")
    seed_wall = spread([r["wall_seconds"] for r in full])
    report_wall = spread([r["wall_seconds"] for r in reports])
    same_epochs_wall = spread([r["wall_seconds"] for r in seed_runs])
    rss = max(r["peak_rss_mb"] for r in reports)
    stages = {name: spread([r["stages"][name] for r in reports]) for name in reports[0]["stages"]}
    return {
        "report": {"wall_seconds": report_wall, "peak_rss_mb": rss, "stages": stages,
                   "outside_stages_seconds": spread([r["outside_stages_seconds"] for r in reports]),
                   "epochs_run": [r["epochs_run"] for r in reports],
                   "epoch_seconds": [r["epoch_seconds"] for r in reports],
                   "test_accuracy": [r["test_accuracy"] for r in reports]},
        "seed_full": {"epochs": args.seed_epochs, "wall_seconds": seed_wall,
                      "peak_rss_mb": max(r["peak_rss_mb"] for r in full)},
        "report_ratio_to_seed_same_epochs": report_wall["median"] / same_epochs_wall["median"],
        "report_targets": [
            target(f"make report à froid ÷ script de l'énoncé ({args.seed_epochs} époques), mur",
                   report_wall["median"] / seed_wall["median"], REPORT_RATIO_MAX, "×"),
            target("RSS max de make report / peak RSS (Go)", mib_to_gb(rss), REPORT_RSS_MAX_GB, " Go"),
        ],
    }


def _slim(run: dict) -> dict:
    """A raw run without the child's full summary (kept: epochs, wall, memory, accuracy)."""
    return {k: v for k, v in run.items() if k != "summary"}


def print_timing(result: dict) -> None:
    log("\n" + candidate_table(result["candidates"]))
    log("  (médiane [min–max] sur les runs ; « établie » = médiane des époques après la première ; "
        "RSS max en Mio)")
    if len(result["candidates"]) > 2:
        log("\nRapport au seed / ratio to seed (s/époque établie) :")
        for row in result["candidates"]:
            log(f"  {row['label']:<36} {row['ratio_to_seed_steady']:.3f}×")
    if "report" in result:
        rep = result["report"]
        stages = ", ".join(f"{k} {v['median']:.1f} s" for k, v in rep["stages"].items())
        log(f"\nmake report à froid / cold : {rep['wall_seconds']['median']:.1f} s "
            f"(seed {result['seed_full']['epochs']} époques : {result['seed_full']['wall_seconds']['median']:.1f} s ; "
            f"ratio au seed à {result['settings']['epochs']} époques : {result['report_ratio_to_seed_same_epochs']:.2f}×)")
        log(f"  étapes / stages : {stages} ; hors étapes (démarrage, imports) "
            f"{rep['outside_stages_seconds']['median']:.1f} s ; époques {rep['epochs_run']}")
    log("\nCibles / targets :\n" + target_lines(result["targets"]))


def write(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    log(f"\nRésultats écrits / results written: {path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    log(f"Machine : {info['cpu_model']}, {info['cpus_usable']} cœurs, Python {info['python']}, "
        f"TensorFlow {info['tensorflow']}, charge {info['load_average_start'][0]:.2f}")
    try:
        if args.quality:
            result = run_quality(args.quality_epochs, args.seeds, log=log)
            log("\n" + quality_table(result))
            default = RESULTS / "quality.json"
        else:
            result = timing(args)
            print_timing(result)
            default = RESULTS / "latest.json"
    except CandidateFailed as exc:
        log(f"\nÉCHEC / FAILURE : {exc}", file=sys.stderr)
        return 1
    info["load_average_end"] = list(os.getloadavg())
    write(args.output or default, {"machine": info, **result})
    for error in result.get("errors", []):
        log(f"\nÉCHEC / FAILURE : {error}", file=sys.stderr)
    return 1 if result.get("errors") else 0


if __name__ == "__main__":
    raise SystemExit(main())
