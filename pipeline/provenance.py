"""Describe where a build came from: git state, versions, machine, date, and what each stage did."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from pipeline.cache import package_versions


def git_state(root: Path) -> dict:
    """Commit and dirtiness of the project's working tree ('inconnu' outside a git checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", False
    return {"commit": commit or "inconnu", "dirty": dirty}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    return {"cpu": cpu_model(), "cores": os.cpu_count() or 0, "system": platform.platform(),
            "python": sys.version.split()[0]}


def build_manifest(root: Path, params: dict, run_key: str, run_info: dict, checksums: dict,
                   stages: list[dict], started: float) -> dict:
    """The machine-readable record of one build (artifacts/manifest.json)."""
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "run": run_key,
        "trained": run_info.get("finished", ""),
        "training_seconds": run_info.get("seconds", 0.0),
        "git": git_state(root),
        "params": params,
        "seed": params["seed"],
        "versions": {"python": sys.version.split()[0], **package_versions(("tensorflow", "keras", "numpy",
                                                                           "matplotlib", "mkdocs", "jinja2"))},
        "machine": machine(),
        "dataset_sha256": checksums,
        "stages": stages,
        "seconds": round(time.perf_counter() - started, 2),
    }
