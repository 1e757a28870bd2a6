"""The trajectory's process beside the lesson's run: a failure reaches the build with the child's last lines,
and a failed run ends it. (That it trains the same seed as the lesson's run: tests/test_trajectory.py.)"""
from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest

from pipeline.training import background


def child(code: str) -> background.Background:
    log = tempfile.TemporaryFile(mode="w+b")
    return background.Background(subprocess.Popen([sys.executable, "-c", code], stdout=log,
                                                  stderr=subprocess.STDOUT), log)


def test_a_failed_trajectory_stops_the_run_with_the_end_of_its_output():
    failing = child("import sys; print('époque 1'); print('MemoryError: plus de mémoire', file=sys.stderr); sys.exit(3)")
    with pytest.raises(RuntimeError, match=r"(?s)code 3.*MemoryError: plus de mémoire"):
        background.finish(failing)
    background.finish(child("print('fini')"))  # a clean end raises nothing


def test_a_failed_lesson_run_ends_the_trajectory_s_process():
    sleeping = child("import time; time.sleep(60)")
    background.stop(sleeping)
    assert sleeping.process.returncode is not None and sleeping.log.closed
