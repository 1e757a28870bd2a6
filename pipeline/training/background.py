"""The trajectory trained in a process of its own, at the same time as the lesson's run (one core each).

The two fits are independent (same seed, same data, one stops and the other does not), and each uses
one TensorFlow thread: on 2 cores, training them side by side instead of one after the other takes the
longer of the two instead of their sum. The child writes trajectory.json and trajectory.npz into the
run's folder; the parent waits for it before the run counts as finished.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.config import Params
from pipeline.common.errors import PipelineError

PROJECT = Path(__file__).resolve().parents[2]  # where `pipeline` is importable from
CHILD = "import sys; from pipeline.training.train import trajectory_child; sys.exit(trajectory_child(sys.argv[1:]))"


@dataclass
class Background:
    process: subprocess.Popen
    log: object  # the child's stdout and stderr, read back when it fails


def start(params: Params, out_dir: Path) -> Background:
    """Launch the trajectory's training; returns at once."""
    log = tempfile.TemporaryFile(mode="w+b")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")]))}
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(params.to_dict()), str(out_dir)],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(PROJECT))
    return Background(process, log)


def finish(job: Background) -> None:
    """Wait for the trajectory; a failure raises with the end of the child's output."""
    code = job.process.wait()
    job.log.seek(0)
    text = job.log.read().decode("utf-8", "replace")
    job.log.close()
    if code != 0:
        lines = text.strip().splitlines()
        full = next((line for line in lines if "No space left on device" in line or "Errno 28" in line), None)
        raise PipelineError(
            "disque plein pendant l'entraînement de la trajectoire." if full else
            f"l'entraînement de la trajectoire (la même graine, sans arrêt) s'est arrêté (code {code}).",
            where="pipeline/training/background.py",
            fix=("libérez de la place, puis relancez « make report »" if full else
                 "lisez le détail ; relancez « make report » (ou mettez « trajectory: false » dans params.yaml)")
                + " : l'entraînement du cours, déjà fait, est repris sans être refait.",
            detail=" | ".join(line.strip() for line in (lines[-3:] if not full else [full])))


def stop(job: Background) -> None:
    """The lesson's run failed: the trajectory is of no use, its process is ended."""
    if job.process.poll() is None:
        job.process.kill()
        job.process.wait()
    job.log.close()
