"""Helpers to copy the project and run its build as a user would (shared by the slow tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.measure import ROOT, copy_project  # noqa: F401  (one copy for tests and bench)

E2E_EPOCHS = 3  # enough for curves with a best epoch, fast enough for `make test`
# artifacts/experiments.json of a real sweep (`make experiences`, 35 runs) with E2E_EPOCHS epochs on the
# whole dataset; 13 min on 2 shared cores, so `make test` reads this record instead of training it again.
RECORDED_EXPERIMENTS = Path(__file__).with_name("fixtures") / "experiments-3-epoques.json"
# artifacts/tuning.json of a real tiny settings search (tests/test_tuning_e2e.py: 2 rounds of 2 trials, 2 fresh
# seeds, E2E_EPOCHS epochs): the Réglage page is built and checked by the browser and accessibility tests.
RECORDED_TUNING = Path(__file__).with_name("fixtures") / "tuning-3-epoques.json"


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


def add_recorded_experiments(root: Path) -> None:
    """Put the recorded sweep and search in `root`'s artifacts/ as they would, keyed to this project's training.

    The pages publish experiments measured with this run's parameters and code (questions.is_current):
    the record is rebased on this copy's training key and parameters, computed as the runner does.
    """
    from pipeline.workflow import stages
    from pipeline.workflow.cache import key_of
    from pipeline.workflow.runner import Runner
    from pipeline.common.config import load_params
    from pipeline.data import dataset

    params = load_params(root / "params.yaml")
    runner, keys = Runner(root, {"dataset": dataset.checksums()}), {}
    for stage in stages.table(root):
        if stage.name in ("data", "train"):
            keys[stage.name] = key_of(runner.parts(stage, params, keys))
    for source, name in ((RECORDED_EXPERIMENTS, "experiments.json"), (RECORDED_TUNING, "tuning.json")):
        recorded = json.loads(source.read_text(encoding="utf-8"))
        recorded.update(base_key=keys["train"], base_params=params.to_dict())
        target = root / "artifacts" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(recorded, ensure_ascii=False, indent=1), encoding="utf-8")
