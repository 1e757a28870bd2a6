"""Describe where a build comes from: git state, package versions and machine."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

from pipeline.workflow.cache import package_versions


def git_state(root: Path) -> dict:
    """Commit and dirtiness of the project's working tree ('inconnu' outside a git checkout)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        # README.md is the build's own output: rewriting it must not flag the next build as dirty.
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)README.md"))
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


def describe(root: Path) -> dict:
    """Where this build runs: git state, package versions, machine (no date: pages stay byte-stable)."""
    return {
        "git": git_state(root),
        "versions": {"python": sys.version.split()[0], **package_versions(("tensorflow", "keras", "numpy",
                                                                           "matplotlib", "mkdocs", "jinja2"))},
        "machine": machine(),
    }
