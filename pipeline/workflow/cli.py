"""Command line: parse the arguments, take the build lock, run the stage table, print the result."""
from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from pipeline.data import dataset
from pipeline.workflow import preflight, provenance, stages
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.common.io import write_error
from pipeline.workflow.runner import Runner


class FrenchParser(argparse.ArgumentParser):
    """argparse, whose refusals (unknown command, `--workers abc`) become the CLI's French message."""

    def error(self, message: str):
        raise PipelineError("commande ou option invalide.", where=f"{self.prog} {' '.join(sys.argv[1:])}".strip(),
                            fix="commandes : report, experiments, variability, tuning, status ; options : "
                                f"« {self.prog} --help ».", detail=message)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except PipelineError as exc:  # the command line itself was refused: nothing was started
        print(exc.message(), file=sys.stderr)
        return 2


def _main(argv: list[str] | None) -> int:
    parser = FrenchParser(prog="python -m pipeline", description="Rapport Fashion-MNIST.")
    parser.add_argument("command", choices=["report", "experiments", "variability", "tuning", "status"],
                        help="report : entraîner si besoin, puis publier le site ; experiments : entraîner "
                             "(ou réutiliser) toutes les expériences en parallèle, puis le réglage, puis publier ; "
                             "tuning : seulement le réglage (recherche Optuna, confirmation sur graines neuves) ; "
                             "variability : seulement les 5 graines de la page Variabilité ; "
                             "status : dire quelles étapes seraient refaites et pourquoi, sans rien lancer")
    parser.add_argument("--params", default="params.yaml", help="fichier de paramètres (YAML)")
    parser.add_argument("--root", default=None, help="dossier du projet (templates/, docs/, mkdocs.yml) ; défaut : le "
                                                     "dossier courant s'il en est un, sinon celui de ce programme")
    parser.add_argument("--only", nargs="+", metavar="QUESTION",
                        help="experiments : seulement ces questions (protocole, patience, lot…)")
    parser.add_argument("--workers", type=int, default=None,
                        help="experiments : processus en parallèle (défaut : un par cœur)")
    parser.add_argument("--sans-reglage", dest="tuning", action="store_false",
                        help="experiments : sans le réglage (la recherche Optuna et sa confirmation)")
    parser.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER") or None,
                        help="experiments : ordonnanceur Dask (tcp://hôte:8786 ; défaut : $DASK_SCHEDULER)")
    args = parser.parse_args(argv)
    root = project_root(args.root)
    params_path = Path(args.params) if Path(args.params).is_absolute() else root / args.params
    started = time.perf_counter()
    if args.command == "status":
        return status(root, params_path)
    try:
        with build_lock(root / "artifacts"):
            params = preflight.load(root, params_path)  # before anything is trained: params.yaml and the lesson
            runner = Runner(root, {"dataset": dataset.ensure_dataset(), "provenance": provenance.describe(root)})
            failed = []
            if args.command in ("experiments", "variability"):
                only = ["graines"] if args.command == "variability" else args.only
                failed = experiments(runner, root, params, only, args.workers, args.scheduler)
            if args.command == "tuning" or (args.command == "experiments" and args.tuning and not args.only):
                failed += tuning(runner, root, params, args.workers, args.scheduler)
            report(runner, root, params)
            runner.write_manifest(date=time.strftime("%Y-%m-%dT%H:%M:%S%z"), params=params.to_dict(),
                                  run=runner.done["train"].key,
                                  seconds=round(time.perf_counter() - started, 2), **runner.inputs["provenance"])
    except PipelineError as exc:
        print(exc.message() + _logged(root, exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        again = "make report" if args.command == "report" else "la même commande (les entraînements finis sont gardés)"
        print(f"Interrompu : le site et le README précédents sont intacts ; relancez {again}.",
              file=sys.stderr)
        return 130
    except Exception:  # a bug, not a user error: the traceback goes to a file, the reader gets one line
        print(unexpected_error(root), file=sys.stderr)
        return 3
    print(f"Site prêt : {root / 'site' / 'index.html'}\n"
          f"  Pour le parcourir : make serve  (puis ouvrez http://127.0.0.1:8000/)\n"
          f"  Rapport : {root / 'README.md'}  ({f'{time.perf_counter() - started:.1f}'.replace('.', ',')}\u00a0s en tout)")
    if failed:
        print(f"{len(failed)} entraînement(s) en échec, leurs questions ne sont pas publiées ; "
              "relancez la même commande pour les réessayer :\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


ERROR_LOG = Path("artifacts") / "erreur.log"
PROJECT = Path(__file__).resolve().parents[2]  # the folder this program belongs to


def project_root(given: str | None) -> Path:
    """--root, or the current folder when it is a project (mkdocs.yml, params.yaml), or this program's own."""
    if given is not None:
        root = Path(given).resolve()
        if not (root / "mkdocs.yml").is_file():  # nothing is written (artifacts/) in a folder that is no project
            raise PipelineError("ce dossier n'est pas celui du projet (pas de mkdocs.yml).", where=str(root),
                                fix=f"passez --root DOSSIER_DU_PROJET, ou lancez la commande depuis {PROJECT}.")
        return root
    here = Path.cwd()
    return here if (here / "mkdocs.yml").is_file() and (here / "params.yaml").is_file() else PROJECT


def _logged(root: Path, exc: PipelineError) -> str:
    """A French error caused by another (the lesson's own code failing): its traceback to artifacts/erreur.log."""
    if exc.__cause__ is None:
        return ""
    shown = write_log(root, "".join(traceback.format_exception(exc.__cause__)))
    return f"\n  Journal : {shown}"


def write_log(root: Path, text: str) -> Path:
    """Write `text` (a traceback) to artifacts/erreur.log, or to the temporary folder when artifacts/ cannot
    be written; return the path as the reader should see it."""
    import tempfile

    text = f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')}  python -m pipeline {' '.join(sys.argv[1:])}\n{text}"
    log = root / ERROR_LOG
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text, encoding="utf-8")
    except OSError:  # artifacts/ itself cannot be written: the traceback still goes somewhere
        log = Path(tempfile.gettempdir()) / "fashion-mnist-erreur.log"
        log.write_text(text, encoding="utf-8")
    return log.relative_to(root) if log.is_relative_to(root) else log


def unexpected_error(root: Path) -> str:
    """Write the current exception's traceback to artifacts/erreur.log; return the one French line to print."""
    shown = write_log(root, traceback.format_exc())
    name = type(sys.exc_info()[1]).__name__
    return (f"Erreur inattendue ({name})\u00a0: le site et le README précédents sont intacts\u00a0; "
            f"le détail est dans {shown}, à joindre à votre signalement.")


def status(root: Path, params_path: Path) -> int:
    """`make status`: which stages the next build would run again, and why; runs and writes nothing."""
    from pipeline.workflow.status import explain

    try:
        print("\n".join(explain(root, preflight.load(root, params_path))))
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except Exception:
        print(unexpected_error(root), file=sys.stderr)
        return 3
    return 0


def report(runner: Runner, root: Path, params: Params) -> None:
    """The whole build; each stage is reused when its key is unchanged and its outputs are intact."""
    for stage in stages.table(root):
        runner.run(stage, params)


def experiments(runner: Runner, root: Path, params: Params, only: list[str] | None, workers: int | None,
                scheduler: str | None) -> list[str]:
    """Train (or reuse) the experiments' runs in parallel, then artifacts/experiments.json; the failures."""
    from pipeline.experiments.sweep import run_sweep

    if workers is not None and workers < 1:
        raise PipelineError("--workers doit valoir au moins 1.", fix="par exemple --workers 2 (ou rien : un par cœur).")
    table = {stage.name: stage for stage in stages.table(root)}
    runner.run(table["data"], params)  # the runs' keys include the data's
    try:
        return run_sweep(runner, table["train"], params, only, workers, scheduler)["failed"]
    except ValueError as exc:  # an unknown question id
        raise PipelineError(str(exc), fix="choisissez parmi les questions citées (make experiences ONLY=\"patience lot\").")


def tuning(runner: Runner, root: Path, params: Params, workers: int | None, scheduler: str | None) -> list[str]:
    """The settings search and its fresh-seed confirmation (artifacts/tuning.json); the failed trials."""
    from pipeline.tuning.search import run_search

    table = {stage.name: stage for stage in stages.table(root)}
    runner.run(table["data"], params)
    return run_search(runner, table["train"], params, workers=workers, scheduler=scheduler)["failed"]


@contextmanager
def build_lock(folder: Path):
    """One build at a time: a second `make report` waits for the first instead of mixing files."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / ".lock", "w")
    except OSError as exc:  # artifacts/ read-only, or the disk full: said before anything starts
        raise write_error(folder / ".lock", exc) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Une autre construction est en cours dans ce dossier : attente de sa fin…", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
