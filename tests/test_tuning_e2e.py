"""A tiny real settings search (real data, real training in loky workers) on a copy of the end-to-end build:
tuning.json, the page on the built site, and a rebuild that trains nothing."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from builds import run_report
from pipeline.common import fr

# The search as `make reglage` runs it, scaled down: 2 rounds of 2 trials, 2 fresh seeds.
CHILD = """
import json, sys
from pathlib import Path
from pipeline.workflow import stages
from pipeline.workflow.runner import Runner
from pipeline.common.config import load_params
from pipeline.data import dataset
from pipeline.tuning.search import run_search
root = Path(sys.argv[1])
table = {s.name: s for s in stages.table(root)}
params = load_params(root / "params.yaml")
runner = Runner(root, {"dataset": dataset.ensure_dataset()})
runner.run(table["data"], params)
result = run_search(runner, table["train"], params, rounds=2, round_size=2, fresh_seeds=2, workers=2)
print(json.dumps({"trained": result["trained"], "failed": result["failed"]}))
"""


def search(root, keras_home) -> tuple[dict, str]:
    env = dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3", KERAS_HOME=str(keras_home))
    done = subprocess.run([sys.executable, "-c", CHILD, str(root)], cwd=root, capture_output=True, text=True,
                          env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout + done.stderr


@pytest.mark.slow
def test_a_tiny_real_search_is_confirmed_published_and_resumed(built_project, tmp_path, keras_home):
    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)  # params.yaml's run is already trained: reused
    first, log = search(root, keras_home)
    raw = json.loads((root / "artifacts" / "tuning.json").read_text(encoding="utf-8"))
    assert first["failed"] == [] and first["trained"] == len({t["key"] for t in raw["trials"]}) + len(
        {r["key"] for r in raw["runs"] + raw["reference"]["runs"]})
    assert [t["number"] for t in raw["trials"]] == [1, 2, 3, 4] and raw["fresh_seeds"] == [1000, 1001]
    for side in (raw, raw["reference"]):
        assert side["validation"]["n"] == side["test"]["n"] == 2
        assert 0.5 < side["test"]["mean"] < 1 and 0.5 < side["validation"]["mean"] < 1
    # Every trial's score is the validation exactitude its rule keeps, read from its run's history.
    for trial in raw["trials"]:
        history = json.loads((root / "artifacts" / "runs" / trial["key"] / "metrics.json").read_text())["history"]
        assert len(history["val_loss"]) == raw["search"]["epochs"]  # trained without stopping
        assert trial["value"] == pytest.approx(history["val_accuracy"][trial["kept_epoch"] - 1], abs=1e-6)
    assert "A worker stopped" not in log
    # Published: the report's pages read tuning.json (same parameters, same run).
    report = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    html = (root / "site" / "reglage.html").read_text(encoding="utf-8")
    assert fr.percent(raw["test"]["mean"], 2).replace(fr.NBSP, "&nbsp;") in html or fr.percent(
        raw["test"]["mean"], 2) in html
    assert 'href="reglage.html"' in (root / "site" / "index.html").read_text(encoding="utf-8")
    for name in ("essais", "effets"):
        assert (root / "site" / "reglage" / f"{name}.png").stat().st_size > 10_000
    # A rebuild proposes the same trials, finds them trained, and writes the same file.
    before = (root / "artifacts" / "tuning.json").read_bytes()
    again, log = search(root, keras_home)
    assert again == {"trained": 0, "failed": []} and (root / "artifacts" / "tuning.json").read_bytes() == before
    assert not re.search(r"^  \[\d+/\d+\]", log, re.M)  # no run line: nothing trained
