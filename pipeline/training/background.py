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
        tail = "\n".join(text.strip().splitlines()[-15:])
        raise RuntimeError(f"l'entraînement de la trajectoire a échoué (code {code}) :\n{tail}")


def stop(job: Background) -> None:
    """The lesson's run failed: the trajectory is of no use, its process is ended."""
    if job.process.poll() is None:
        job.process.kill()
        job.process.wait()
    job.log.close()
