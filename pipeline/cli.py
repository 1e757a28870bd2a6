"""Command line: compose the stages (params → data → training → figures → pages → site), log and exit cleanly."""
from __future__ import annotations

import argparse
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
from pipeline.stages import Paths, StageLog, data_stage, figures_stage, training_stage, write_if_changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description="Rapport Fashion-MNIST.")
    parser.add_argument("command", choices=["report"], help="report : entraîner si besoin, puis publier le site")
    parser.add_argument("--params", default="params.yaml", help="fichier de paramètres (YAML)")
    parser.add_argument("--root", default=".", help="dossier du projet (templates/, docs/, mkdocs.yml)")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    try:
        with build_lock(root / "artifacts"):
            report(Path(args.params), Paths(root))
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrompu : le site et le README précédents sont intacts ; relancez « make report ».",
              file=sys.stderr)
        return 130
    return 0


def report(params_path: Path, paths: Paths) -> None:
    """The whole build; each stage is reused when its inputs are unchanged."""
    started = time.perf_counter()
    params = load_params(params_path if params_path.is_absolute() else paths.root / params_path)
    log = StageLog()
    data_info = data_stage(paths, log)
    run_dir = training_stage(params, paths, data_info["checksums"], log)
    figure_facts = figures_stage(params, paths, run_dir, data_info, log)
    pages_stage(paths, run_dir, data_info, figure_facts, log)
    site_stage(paths, log)
    manifest = {"stages": log.records, "seconds": round(time.perf_counter() - started, 2),
                "run": run_dir.name, "versions": cache.package_versions()}
    atomic_write_json(paths.artifacts / "manifest.json", manifest)
    print(f"Site prêt : {paths.site / 'index.html'}\n"
          f"  Pour le parcourir : make serve  (puis ouvrez http://127.0.0.1:8000/)\n"
          f"  Rapport : {paths.readme}  ({time.perf_counter() - started:.1f} s en tout)")


def pages_stage(paths: Paths, run_dir: Path, data_info: dict, figure_facts: dict, log: StageLog) -> None:
    """Render every template in memory first: one bad template changes no page."""
    from pipeline.context import build_context
    from pipeline.report import render_all

    start = time.perf_counter()
    context = build_context(data_info, read_json(run_dir / "metrics.json"), figure_facts,
                            read_json(run_dir / "timings.json"), read_json(run_dir / "run.json"))
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
    key = cache.key_of({"tree": cache.tree_digest([paths.docs, paths.mkdocs, paths.root / "overrides"])})
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
