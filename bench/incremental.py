"""Incremental-build benchmark: `make report` with nothing changed, after a template edit, after a parameter change.

Also the same site built by Zensical (`zensical build`, target 10 s: the successor of Material must
stay a fast rebuild; tests/test_zensical.py checks what it builds, this measures how fast).

Runs on a temporary copy of the project (never touching this checkout's artifacts or site), after
one cold build, and prints each scenario's wall time against the issue's targets; results also go
to bench/results/incremental.json. A measurement, not a test: exits 0 unless a build failed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import copy_project

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# Runs the build in-process, then reports whether TensorFlow was imported (stderr, last line).
PROBE = ("import sys; from pipeline.workflow.cli import main; code = main(['report', '--root', sys.argv[1]]); "
         "print('TF_IMPORTED=' + str('tensorflow' in sys.modules), file=sys.stderr); sys.exit(code)")
SCENARIOS = [  # (name, what changes, target in seconds or None, must retrain)
    ("rien de changé", None, 5.0, False),
    ("gabarit modifié", "template", 10.0, False),
    ("paramètre modifié (seed)", "params", None, True),
]


def timed_build(root: Path) -> dict:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PROBE, str(root)], cwd=root, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3"))
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"la construction a échoué :\n{result.stderr[-2000:]}")
    stages = [line for line in result.stdout.splitlines() if line.startswith("▸") and "…" not in line]
    return {"seconds": round(seconds, 2), "tensorflow_imported": "TF_IMPORTED=True" in result.stderr,
            "retrained": any("entraînement" in line and "refait" in line for line in stages),
            "stages": stages}


ZENSICAL_TARGET = 10.0  # seconds; about 0.4 s on an idle 2-core machine


def timed_zensical(root: Path) -> dict:
    """`zensical build` of the pages the last build rendered, into a folder of its own."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "zensical", "build", "--clean"], cwd=root,
                            capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 2)
    if result.returncode != 0:
        raise SystemExit(f"zensical build a échoué :\n{result.stdout[-1000:]}{result.stderr[-1000:]}")
    return {"scenario": "zensical build", "target": ZENSICAL_TARGET, "seconds": seconds,
            "verdict": "OK" if seconds <= ZENSICAL_TARGET else "NON ATTEINT",
            "tensorflow_imported": False, "retrained": False, "stages": []}


def apply_change(root: Path, change: str | None) -> None:
    if change == "template":
        page = root / "templates" / "modele.md.jinja"
        page.write_text(page.read_text(encoding="utf-8") + "\nUne phrase ajoutée par l'enseignant.\n",
                        encoding="utf-8")
    elif change == "params":
        params = root / "params.yaml"
        params.write_text(params.read_text(encoding="utf-8").replace("seed: 42", "seed: 43"), encoding="utf-8")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        root = Path(tmp)
        copy_project(root)
        print("Construction à froid (entraînement compris)…", flush=True)
        cold = timed_build(root)
        rows = [{"scenario": "à froid", "target": None, **cold}]
        for name, change, target, must_retrain in SCENARIOS:
            apply_change(root, change)
            measured = timed_build(root)
            ok = (target is None or measured["seconds"] <= target) and measured["retrained"] == must_retrain
            if change == "template":
                ok = ok and not measured["tensorflow_imported"]
            rows.append({"scenario": name, "target": target, "verdict": "OK" if ok else "NON ATTEINT", **measured})
        rows.append(timed_zensical(root))
    print(f"\n{'scénario':<28}{'durée':>9}  {'cible':>7}  réentraîné  TensorFlow  verdict")
    for row in rows:
        target = f"≤ {row['target']:.0f} s" if row["target"] else "—"
        print(f"{row['scenario']:<28}{row['seconds']:>7.1f} s  {target:>7}  {'oui' if row['retrained'] else 'non':<10}  "
              f"{'importé' if row['tensorflow_imported'] else 'non':<10}  {row.get('verdict', '')}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "incremental.json").write_text(json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                                          "rows": rows}, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    print(f"\nRésultats : {RESULTS / 'incremental.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
