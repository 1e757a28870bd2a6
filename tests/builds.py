"""Helpers to copy the project and run its build as a user would (shared by the slow tests)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.measure import ROOT, copy_project  # noqa: F401  (one copy for tests and bench)

E2E_EPOCHS = 3  # enough for curves with a best epoch, fast enough for `make test`


def run_report(root: Path, params: Path | None = None, env: dict | None = None, timeout: int = 900):
    """Run `python -m pipeline report` in `root` as a user would, returning the completed process."""
    command = [sys.executable, "-m", "pipeline", "report", "--root", str(root)]
    if params is not None:
        command += ["--params", str(params)]
    full_env = dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    return subprocess.run(command, cwd=root, capture_output=True, text=True, env=full_env, timeout=timeout)


def set_param(root: Path, old: str, new: str) -> None:
    """Edit one line of a project's params.yaml, as a teacher would."""
    params = root / "params.yaml"
    text = params.read_text(encoding="utf-8")
    assert old in text, old
    params.write_text(text.replace(old, new), encoding="utf-8")
