"""What one worker does for the sweep and the search: the training stage for one key, in a private folder and
in a process of its own, its files handed back as bytes (the parent alone puts them in place)."""
from __future__ import annotations

import contextlib
import io
import os
import socket
import threading
import time
from pathlib import Path
from typing import Callable

from pipeline.workflow.runner import STAGING, Job, Stage
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.experiments.questions import RUN

_ONE_RUN_AT_A_TIME = threading.Lock()  # TensorFlow's state is per process: a multi-threaded worker queues


def train_in_worker(train: Stage, key: str, params: Params, inputs: dict, root: str,
                    prepare: Callable[[], None] | None = None, fresh_process: bool = False) -> dict:
    """In a worker process: the training stage into a private folder; its files come back as bytes.

    Never raises for a failed run: the error comes back as text so that the sweep goes on.
    `fresh_process`: the run goes to a new process of its own, which ends with it. TensorFlow and Keras
    keep native memory from run to run that clear_session() and malloc_trim() do not give back
    (+100 to +250 MB per run, `python -m bench.worker_memory`): after a few runs loky takes a long-lived
    worker for a leaking one, restarts it and warns « A worker stopped while some jobs were given to
    the executor ». Its own process per run costs a TensorFlow import (a few seconds) and leaves
    the loky worker without TensorFlow, at a constant size.
    """
    if not fresh_process:
        return _train_here(train, key, params, inputs, root, prepare)
    from joblib.externals.loky import ProcessPoolExecutor  # loky's: a loky worker's start method is "loky"

    try:
        with _ONE_RUN_AT_A_TIME, ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(_train_here, train, key, params, inputs, root, prepare).result()
    except Exception as exc:  # noqa: BLE001 — the run's process died (killed, out of memory): the sweep goes on
        return {"key": key, "error": f"le processus de l'entraînement s'est arrêté : {type(exc).__name__}: {exc}"}


def _train_here(train: Stage, key: str, params: Params, inputs: dict, root: str,
                prepare: Callable[[], None] | None) -> dict:
    """The run itself, in this process (train_in_worker's work)."""
    started = time.perf_counter()
    local = Path(root) / STAGING
    output = io.StringIO()  # Keras's progress lines: kept for the error message, not printed
    try:
        with _ONE_RUN_AT_A_TIME, contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), \
                _private_folder(local if local.is_dir() else None, key) as folder:
            if prepare is not None:
                prepare()
            job = Job(train, key, folder, params, inputs)
            job.execute()
            out = job.out(RUN)
            files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
        return {"key": key, "files": files, "seconds": time.perf_counter() - started,
                "worker": f"{socket.gethostname()}:{os.getpid()}"}
    except Exception as exc:  # noqa: BLE001 — any failure of one run is reported, the sweep goes on
        text = exc.message() if isinstance(exc, PipelineError) else f"{type(exc).__name__}: {exc}"
        tail = " | ".join(output.getvalue().strip().splitlines()[-3:])
        return {"key": key, "error": text + (f" (dernières lignes : {tail})" if tail else "")}


@contextlib.contextmanager
def _private_folder(parent: Path | None, key: str):
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"travail-{key}-", dir=parent) as folder:
        yield Path(folder)
