"""Command line: compose the stages (params → data → training → figures → pages → site), log and exit cleanly."""
from __future__ import annotations

import argparse
import dataclasses
import fcntl
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline import cache
from pipeline.config import load_params
from pipeline.errors import PipelineError
from pipeline.io import atomic_write_json, read_json
from pipeline.provenance import build_manifest
from pipeline.stages import Paths, StageLog, data_stage, figures_stage, training_stage, write_if_changed


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
    paths = Paths(Path(args.root).resolve())
    try:
        with build_lock(paths.artifacts):
            if args.command == "variability":
                variability(Path(args.params), paths, args.seeds)
            report(Path(args.params), paths)
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu : le site et le README précédents sont intacts ; relancez « make report ».",
              file=sys.stderr)
        return 130
    return 0


def read_params(params_path: Path, paths: Paths):
    return load_params(params_path if params_path.is_absolute() else paths.root / params_path)


def report(params_path: Path, paths: Paths) -> None:
    """The whole build; each stage is reused when its inputs are unchanged."""
    started = time.perf_counter()
    params = read_params(params_path, paths)
    log = StageLog()
    data_info = data_stage(paths, log)
    run_dir = training_stage(params, paths, data_info["checksums"], log)
    figure_facts = figures_stage(params, paths, run_dir, data_info, log)
    from pipeline.demo import demo_stage  # NumPy only: the Démo page's weights and test images
    demo_facts = demo_stage(params, paths, run_dir, log)
    run_info = read_json(run_dir / "run.json")

    def manifest() -> dict:
        return build_manifest(paths.root, params.to_dict(), run_dir.name, run_info, data_info["checksums"],
                              log.records, started)

    extra = {"manifest": manifest(), "variability": _optional_json(paths.artifacts / "variability.json"),
             "bench": _optional_json(paths.root / "bench" / "results" / "latest.json")}
    pages_stage(paths, run_dir, data_info, figure_facts, extra, log, demo=demo_facts)
    site_stage(paths, log)
    atomic_write_json(paths.artifacts / "manifest.json", manifest())
    print(f"Site prêt : {paths.site / 'index.html'}\n"
          f"  Pour le parcourir : make serve  (puis ouvrez http://127.0.0.1:8000/)\n"
          f"  Rapport : {paths.readme}  ({time.perf_counter() - started:.1f} s en tout)")


def variability(params_path: Path, paths: Paths, seeds: list[int]) -> None:
    """Train (or reuse) one run per seed and record the spread of their results for the Variabilité page."""
    started = time.perf_counter()
    params = read_params(params_path, paths)
    log = StageLog()
    checksums = data_stage(paths, log)["checksums"]
    runs = []
    for seed in seeds:
        run_dir = training_stage(dataclasses.replace(params, seed=seed), paths, checksums, log)
        metrics = read_json(run_dir / "metrics.json")
        runs.append({"seed": seed, "run": run_dir.name, "accuracy": metrics["test"]["accuracy"],
                     "epochs_run": metrics["epochs_run"], "best_epoch": metrics["best_epoch"],
                     "training_seconds": read_json(run_dir / "run.json")["seconds"]})
    atomic_write_json(paths.artifacts / "variability.json", {
        "params": {k: v for k, v in params.to_dict().items() if k != "seed"},
        "runs": runs, "seconds": round(time.perf_counter() - started, 1)})


def _optional_json(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def pages_stage(paths: Paths, run_dir: Path, data_info: dict, figure_facts: dict, extra: dict,
                log: StageLog, demo: dict) -> None:
    """Render every template in memory first: one bad template changes no page."""
    from pipeline.context import build_context
    from pipeline.report import render_all
    from pipeline.run_context import build_run_context

    start = time.perf_counter()
    context = build_context(data_info, read_json(run_dir / "metrics.json"), figure_facts,
                            read_json(run_dir / "run.json"))
    context.update(build_run_context(read_json(run_dir / "timings.json"), **extra))
    context["demo"] = demo
    outputs = render_all(paths.templates, paths.root, context)
    readme = outputs.pop("README.md")
    changed = sum(write_if_changed(paths.root / rel, text.encode("utf-8")) for rel, text in outputs.items())
    paths.artifacts.mkdir(parents=True, exist_ok=True)
    write_if_changed(paths.artifacts / "README.pending.md", readme.encode("utf-8"))
    log.add("pages", changed > 0, time.perf_counter() - start,
            f"{len(outputs)} pages rendues, {changed} modifiées")


def site_stage(paths: Paths, log: StageLog) -> None:
    """mkdocs build --strict, skipped when no input of the site changed; the README follows a good build."""
    from pipeline.site import build_site, recover_interrupted_swap

    start = time.perf_counter()
    recover_interrupted_swap(paths.site)
    key = cache.key_of({"tree": cache.tree_digest([paths.docs, paths.mkdocs])})
    stamp = paths.artifacts / "site.json"
    fresh = paths.site.joinpath("index.html").exists() and stamp.exists() and read_json(stamp).get("key") == key
    if not fresh:
        build_site(paths.root, paths.site)
        atomic_write_json(stamp, {"key": key})
    # The README (the report) changes only once the site built: both stay from the same good run.
    write_if_changed(paths.readme, (paths.artifacts / "README.pending.md").read_bytes())
    log.add("site", not fresh, time.perf_counter() - start, f"mkdocs build --strict → {paths.site}")


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
