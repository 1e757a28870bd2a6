"""Run one benchmark candidate as a child process and return its wall time, peak memory and JSON summary."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Fallback when git is unavailable: what tests/conftest.py copies for a build.
PROJECT_FILES = ["pipeline", "templates", "docs/assets", "mkdocs.yml", "params.yaml"]  # outside git


class CandidateFailed(RuntimeError):
    """A child process crashed or printed no summary: the benchmark cannot go on honestly."""


def child_env(root: Path = ROOT) -> dict:
    """The project's environment for children: quiet TensorFlow, sources importable, no .pyc churn."""
    # OPENBLAS_* are inherited untouched on purpose: the machine's setting is part of what is measured.
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
                PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")


def run_child(command: list[str], cwd: Path = ROOT, env: dict | None = None) -> dict:
    """Run `command`, wait for it with wait4 (its own rusage), return wall s, peak RSS MB and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env or child_env(), stdout=out, stderr=err)
        # wait4 gives this child's own resource usage (including its reaped children, e.g. mkdocs),
        # unlike RUSAGE_CHILDREN which keeps the maximum over every child the driver ever had.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it has been reaped
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return {"command": command, "returncode": proc.returncode, "wall_seconds": wall,
            "peak_rss_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
            "user_seconds": usage.ru_utime, "system_seconds": usage.ru_stime,
            "stdout": stdout, "stderr": stderr}


def _fail(what: str, result: dict) -> CandidateFailed:
    tail = "\n".join((result["stderr"] or result["stdout"]).strip().splitlines()[-15:])
    return CandidateFailed(f"{what} a échoué / failed (code {result['returncode']}):\n{tail}")


def run_script(label: str, module: str, args: list[str]) -> dict:
    """One training candidate (python -m module args); its last stdout line must be its JSON summary."""
    result = run_child([sys.executable, "-m", module, *args])
    if result["returncode"] != 0:
        raise _fail(label, result)
    try:
        summary = json.loads(result["stdout"].strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise _fail(f"{label} (no JSON summary)", result) from None
    epochs = summary["epoch_seconds"]
    return {"label": label, "wall_seconds": result["wall_seconds"], "peak_rss_mb": result["peak_rss_mb"],
            "cpu_seconds": result["user_seconds"] + result["system_seconds"],
            "epoch_seconds": epochs,
            # Everything that is not an epoch: interpreter, TensorFlow import, data loading, evaluation.
            "outside_epochs_seconds": result["wall_seconds"] - sum(epochs),
            "test_accuracy": summary["test_accuracy"], "summary": summary}


def source_files() -> list[str]:
    """The working tree as a fresh clone would have it: tracked and new files, nothing gitignored.

    Asking git (rather than keeping a list) follows the project as others add sources, and
    leaves out every generated output (artifacts/, site/, docs/*.md, docs/figures/).
    """
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        return PROJECT_FILES
    return [name for name in listed.split("\0") if name and not name.startswith("bench/")]


def copy_project(dest: Path) -> Path:
    """A fresh copy of the sources in `dest`, without any generated output (no artifacts/, no site/)."""
    for name in source_files():
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "data"))
        elif src.is_file():  # a tracked file deleted in the working tree is skipped
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def run_cold_report() -> dict:
    """`python -m pipeline report` (what `make report` runs) on a fresh copy: empty artifacts, no site.

    The environment and the data are present, as the issue specifies; the real project's
    artifacts/ and site/ are never touched.
    """
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = copy_project(Path(tmp))
        command = [sys.executable, "-m", "pipeline", "report", "--root", str(root)]
        result = run_child(command, cwd=root, env=child_env(root))
        if result["returncode"] != 0:
            raise _fail("make report (à froid / cold)", result)
        manifest = json.loads((root / "artifacts" / "manifest.json").read_text(encoding="utf-8"))
        run_dir = root / "artifacts" / "runs" / manifest["run"]
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        timings = json.loads((run_dir / "timings.json").read_text(encoding="utf-8"))
    stages = {name: record["seconds"] for name, record in manifest["stages"].items()}
    return {"label": "make report", "wall_seconds": result["wall_seconds"],
            "peak_rss_mb": result["peak_rss_mb"],
            "cpu_seconds": result["user_seconds"] + result["system_seconds"],
            "stages": stages,
            # Interpreter start and imports before the first stage, plus the final printing.
            "outside_stages_seconds": result["wall_seconds"] - sum(stages.values()),
            "epochs_run": metrics["epochs_run"], "epoch_seconds": timings["epoch_seconds"],
            "test_accuracy": metrics["test"]["accuracy"]}
