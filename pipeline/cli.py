"""Command line: parse the arguments, take the build lock, run the stage table, print the result."""
from __future__ import annotations

import argparse
import dataclasses
import fcntl
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline import data, provenance, stages
from pipeline.config import Params, load_params
from pipeline.errors import PipelineError
from pipeline.io import atomic_write_json, read_json
from pipeline.runner import Runner
from pipeline.schema import read_metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Rapport Fashion-MNIST.")
    parser.add_argument("command", choices=["report", "variability"],
                        help="report : entraîner si besoin, puis publier le site ; "
                             "variability : entraîner plusieurs graines, puis publier")
    parser.add_argument("--params", default="params.yaml", help="fichier de paramètres (YAML)")
    parser.add_argument("--root", default=".", help="dossier du projet (templates/, docs/, mkdocs.yml)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5],
                        help="graines pour « variability » (défaut : 1 2 3 4 5)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    params_path = Path(args.params) if Path(args.params).is_absolute() else root / args.params
    started = time.perf_counter()
    try:
        with build_lock(root / "artifacts"):
            params = load_params(params_path)
            runner = Runner(root, {"dataset": data.ensure_dataset(), "provenance": provenance.describe(root)})
            if args.command == "variability":
                variability(runner, root, params, args.seeds)
            report(runner, root, params)
            runner.write_manifest(date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), params=params.to_dict(),
                                  run=runner.done["train"].key,
                                  seconds=round(time.perf_counter() - started, 2), **runner.inputs["provenance"])
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu : le site et le README précédents sont intacts ; relancez « make report ».",
              file=sys.stderr)
        return 130
    print(f"Site prêt : {root / 'site' / 'index.html'}\n"
          f"  Pour le parcourir : make serve  (puis ouvrez http://127.0.0.1:8000/)\n"
          f"  Rapport : {root / 'README.md'}  ({time.perf_counter() - started:.1f} s en tout)")
    return 0


def report(runner: Runner, root: Path, params: Params) -> None:
    """The whole build; each stage is reused when its key is unchanged and its outputs are intact."""
    for stage in stages.table(root):
        runner.run(stage, params)


def variability(runner: Runner, root: Path, params: Params, seeds: list[int]) -> None:
    """Train (or reuse) one run per seed and record the spread of their results for the Variabilité page."""
    started = time.perf_counter()
    table = {stage.name: stage for stage in stages.table(root)}
    runner.run(table["data"], params)
    runs = []
    for seed in seeds:
        job = runner.run(table["train"], dataclasses.replace(params, seed=seed))
        run_dir = job.final("artifacts/runs/{key}/")
        metrics = read_metrics(run_dir / "metrics.json")
        runs.append({"seed": seed, "run": job.key, "accuracy": metrics.test.accuracy,
                     "epochs_run": metrics.epochs_run, "best_epoch": metrics.best_epoch,
                     "training_seconds": read_json(run_dir / "run.json")["seconds"]})
    atomic_write_json(root / "artifacts" / "variability.json", {
        "params": {k: v for k, v in params.to_dict().items() if k != "seed"},
        "runs": runs, "seconds": round(time.perf_counter() - started, 1)})


@contextmanager
def build_lock(folder: Path):
    """One build at a time: a second `make report` waits for the first instead of mixing files."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Une autre construction est en cours dans ce dossier : attente de sa fin…", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
