"""The trajectory's process beside the lesson's run: a failure reaches the build with the child's last lines,
and a failed run ends it. (That it trains the same seed as the lesson's run: tests/test_trajectory.py.)"""
from __future__ import annotations

import subprocess
import sys
import tempfile

import pytest

from pipeline.common.errors import PipelineError
from pipeline.training import background


def child(code: str) -> background.Background:
    log = tempfile.TemporaryFile(mode="w+b")
    return background.Background(subprocess.Popen([sys.executable, "-c", code], stdout=log,
                                                  stderr=subprocess.STDOUT), log)


def test_a_failed_trajectory_stops_the_run_with_the_end_of_its_output():
    failing = child("import sys; print('époque 1'); print('MemoryError: plus de mémoire', file=sys.stderr); sys.exit(3)")
    with pytest.raises(PipelineError) as info:
        background.finish(failing)
    assert "code 3" in info.value.what and "MemoryError: plus de mémoire" in info.value.detail
    assert "repris sans être refait" in info.value.fix
    background.finish(child("print('fini')"))  # a clean end raises nothing


def test_a_full_disk_in_the_trajectory_s_process_is_said_as_such():
    full = child("import sys; print(\"OSError: [Errno 28] No space left on device: 'trajectory.npz'\"); sys.exit(1)")
    with pytest.raises(PipelineError) as info:
        background.finish(full)
    assert info.value.what.startswith("disque plein") and "libérez de la place" in info.value.fix


def test_a_failed_lesson_run_ends_the_trajectory_s_process():
    sleeping = child("import time; time.sleep(60)")
    background.stop(sleeping)
    assert sleeping.process.returncode is not None and sleeping.log.closed
