"""Train the experiments' runs in parallel (joblib, or a Dask cluster) through the training stage and its cache.

A run is the "train" stage of `make report` with other parameters: same key (`Runner.key`), same
folder artifacts/runs/<key>/. So a run the sweep trained is reused by `make report` with the same
parameters, and the other way round; going back to a value reuses its run. Workers only train:
each writes into a private folder and hands the files back; this process alone puts them in place
(staging folder per key, then one rename) and writes experiments.json. Nothing half-written is read.
"""
from __future__ import annotations

import contextlib
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline.experiments import questions
from pipeline.common import fr
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, read_json
from pipeline.workflow import promotion
from pipeline.workflow.runner import STAGING, Job, Runner, Stage
from pipeline.experiments.worker import train_in_worker

RUN = questions.RUN
CONNECT_TIMEOUT = "20s"  # how long to wait for a Dask scheduler before saying it cannot be reached


@dataclass
class Task:
    key: str
    params: Params
    runs: list  # the PlannedRun(s) this key answers (one run can serve several questions)

    def describe(self) -> str:
        """« patience · patience 1 · graine 43 », or the questions a shared run answers."""
        if not self.runs:
            return f"exécution {self.key}"
        first = self.runs[0]
        questions = sorted({r.question for r in self.runs})
        if len(questions) == 1:
            return f"{first.question} · {first.label} · graine {first.seed}"
        shared = " + ".join(questions) if len(questions) <= 2 else f"réglages communs à {len(questions)} questions"
        return f"{shared} · graine {first.seed}"


def ensure_data() -> None:
    """Before a worker's first run: a remote worker fills its own Keras cache from its local mirror."""
    from pipeline.data import dataset

    dataset.ensure_dataset()


def run_sweep(runner: Runner, train: Stage, base: Params, only: list[str] | None = None,
              workers: int | None = None, scheduler: str | None = None,
              log: Callable[[str], None] | None = None, prepare: Callable[[], None] | None = ensure_data) -> dict:
    """Train what is missing for the chosen questions, then summarise every complete question.

    Returns {"trained", "reused", "failed": [messages], "seconds", "summary"}; the summary is also
    written to artifacts/experiments.json (only if it changed).
    """
    log = log or (lambda line: print(line, flush=True))  # one line per finished run, even in a log file
    root = runner.root
    started = time.perf_counter()
    questions.plan(base, only)  # unknown question ids fail here, before any training
    tasks = tasks_of(runner, train, questions.plan(base))  # every question: the summary covers them all
    chosen = {t.key: t for t in tasks if not only or any(r.question in only for r in t.runs)}
    # Longest runs first (no early stop, wide layers, small steps), so that none is left running alone at the end.
    todo = missing(root, chosen.values())
    _clean_staging(root)
    backend = f"Dask ({scheduler})" if scheduler else "joblib/loky"
    processes = workers or _cores()
    planned = sum(1 for t in chosen.values() for r in t.runs if not only or r.question in only)
    done = len(chosen) - len(todo)
    log(f"▸ expériences  {count(planned, 'entraînement prévu', 'entraînements prévus')}, "
        f"{count(len(chosen), 'distinct', 'distincts')} : {count(done, 'déjà fait', 'déjà faits')}, "
        f"{len(todo)} à faire"
        + (f" ({backend}, {min(processes, len(todo))} processus)" if todo and not scheduler else
           f" ({backend})" if todo else ""))
    failed = []
    if todo:
        failed = _execute(runner, train, base, todo, processes, scheduler, log, prepare)
    summary = questions.summarise(base, runner.key(train, base), {
        (r.question, r.variant, r.seed): (_run_dir(root, t.key) if _cached(root, t.key) else None)
        for t in tasks for r in t.runs})
    write_json_if_changed(root / questions.EXPERIMENTS, summary)
    seconds = time.perf_counter() - started
    log(f"▸ expériences  {count(len(summary['questions']), 'question mesurée', 'questions mesurées')}, "
        f"{count(len(todo) - len(failed), 'entraînement fait', 'entraînements faits')}, "
        f"{count(len(failed), 'échec', 'échecs')}, {fr.seconds(seconds)}")
    return {"trained": len(todo) - len(failed), "reused": len(chosen) - len(todo), "failed": failed,
            "seconds": seconds, "summary": summary}


def missing(root: Path, tasks) -> list[Task]:
    """The tasks without a finished run folder, longest first (no early stop, wide layers, small steps,
    small lots), so that none is left running alone at the end."""
    return sorted((t for t in tasks if not _cached(root, t.key)), key=lambda t: (
        -t.params.early_stopping.patience, -t.params.hidden_units, t.params.learning_rate, t.params.batch_size))


def train_missing(runner: Runner, train: Stage, base: Params, tasks: list[Task], workers: int | None,
                  scheduler: str | None, log, prepare: Callable[[], None] | None = ensure_data) -> tuple[int, list[str]]:
    """Train the tasks not in the run cache yet (the settings search's rounds): (trained, failures)."""
    todo = missing(runner.root, tasks)
    if not todo:
        return 0, []
    _clean_staging(runner.root)
    failed = _execute(runner, train, base, todo, workers or _cores(), scheduler, log, prepare)
    return len(todo) - len(failed), failed


def run_folder(root: Path, key: str) -> Path | None:
    """A finished run's folder, or None (not trained, or failed)."""
    return _run_dir(root, key) if _cached(root, key) else None


def count(n: int, one: str, many: str) -> str:
    return f"{n} {many if n > 1 else one}"  # French: 0 and 1 take the singular


def tasks_of(runner: Runner, train: Stage, planned: list) -> list[Task]:
    """One task per distinct training key (runs with the same parameters share one training)."""
    tasks: dict[str, Task] = {}
    for run in planned:
        key = runner.key(train, run.params)
        tasks.setdefault(key, Task(key, run.params, [])).runs.append(run)
    return list(tasks.values())


def _run_dir(root: Path, key: str) -> Path:
    return root / RUN.format(key=key)


def _cached(root: Path, key: str) -> bool:
    """A run folder appears whole (one rename) or not at all: its metrics.json says it is complete; a file
    damaged since (its SHA-256 differs, workflow/promotion.py) makes it a run to train again."""
    folder = _run_dir(root, key)
    return (folder / "metrics.json").is_file() and promotion.damaged(folder) is None


def _clean_staging(root: Path) -> None:
    """Workers' private folders left by runs killed in flight (Ctrl-C, kill): never read, removed first.

    A train-<key> folder holding files is what a failed `make report` kept (pipeline/workflow/runner.py):
    computed from that key's inputs, it stays for the next attempt; a sweep that trains this key
    empties it before writing its own files.
    """
    staging = root / STAGING
    for leftover in staging.glob("travail-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in staging.glob("train-*"):
        if not any(p.is_file() for p in leftover.rglob("*")):
            shutil.rmtree(leftover, ignore_errors=True)
    staging.mkdir(parents=True, exist_ok=True)


def _cores() -> int:
    from joblib import cpu_count

    return max(1, cpu_count())


def _execute(runner: Runner, train: Stage, base: Params, todo: list[Task], workers: int, scheduler: str | None,
             log, prepare) -> list[str]:
    """Run the tasks in parallel; put each finished run in place and print one line as it lands."""
    import joblib

    root, started, failed = runner.root, time.perf_counter(), []
    inputs = {name: runner.inputs[name] for name in train.inputs}
    # loky: a process per run (train_in_worker says why); not on Dask, whose worker processes are daemons,
    # which may not start processes of their own.
    jobs = (joblib.delayed(train_in_worker)(train, t.key, t.params, inputs, str(root), prepare, not scheduler)
            for t in todo)
    by_key = {t.key: t for t in todo}
    with _backend(scheduler):
        parallel = joblib.Parallel(n_jobs=-1 if scheduler else min(workers, len(todo)), batch_size=1,
                                   return_as="generator_unordered", **({} if scheduler else {"backend": "loky"}))
        results = parallel(jobs)
        try:
            for done, result in enumerate(results, start=1):
                task = by_key[result["key"]]
                if "error" in result:
                    message = (f"{task.describe()} — paramètres modifiés : "
                               f"{questions.changed_fields(task.params, base) or 'aucun'} — {result['error']}")
                    failed.append(message)
                    status = f"✗ échec : {message}"
                else:
                    _promote(root, train, task, result["files"])
                    status = f"{task.describe()} : {fr.seconds(result['seconds'])}"
                elapsed = time.perf_counter() - started
                remaining = elapsed / done * (len(todo) - done)
                log(f"  [{done}/{len(todo)}] {status} — écoulé {fr.seconds(elapsed)}, "
                    f"reste ≈ {fr.seconds(remaining)}")
        finally:
            with warnings.catch_warnings():  # interrupted: the runs in flight are dropped, as announced
                warnings.filterwarnings("ignore", message=".*still being processed.*")
                results.close()
    return failed


@contextlib.contextmanager
def _backend(scheduler: str | None):
    """joblib's default (loky, one process per worker), or its Dask backend on the named cluster."""
    if not scheduler:
        yield
        return
    import joblib
    from dask.distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise PipelineError("impossible de joindre l'ordonnanceur Dask.", where=scheduler,
                            fix="vérifiez l'adresse (DASK_SCHEDULER=tcp://hôte:8786) et que « dask scheduler » tourne.",
                            detail=f"{type(exc).__name__}: {exc}") from None
    try:
        with joblib.parallel_config(backend="dask"):
            yield
    finally:
        client.close()


def _promote(root: Path, train: Stage, task: Task, files: dict[str, bytes]) -> None:
    """Write the worker's files into this key's staging folder, then rename it into the run cache."""
    job = Job(train, task.key, root, task.params, {})
    staging = job.out(RUN)
    shutil.rmtree(job.staging, ignore_errors=True)
    for relative, content in files.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).write_bytes(content)
    job.promote()
    shutil.rmtree(job.staging, ignore_errors=True)


def write_json_if_changed(path: Path, value: dict) -> None:
    """Rewrite experiments.json only when its content changes: an unchanged sweep rebuilds no page."""
    try:
        if read_json(path) == value:
            return
    except (OSError, PipelineError):  # absent or damaged: this sweep writes it anew
        pass
    atomic_write_json(path, value)

