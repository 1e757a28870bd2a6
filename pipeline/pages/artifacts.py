"""The files the pages read, each parsed on first use: a file no page being rendered needs is never read."""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

from pipeline.workflow.stages import table as stage_table
from pipeline.common import architecture
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_json
from pipeline.common.schema import Metrics, read_metrics


@dataclass(frozen=True)
class Artifacts:
    """Every file the pages read, parsed (the tests build one by hand; the build reads them lazily)."""
    data_info: dict  # artifacts/data.json
    metrics: Metrics  # runs/<key>/metrics.json
    architecture: architecture.Architecture  # runs/<key>/architecture.json: the trained network's layers
    figures: dict  # artifacts/figures.json
    demo: dict  # artifacts/demo.json
    run: dict  # runs/<key>/run.json: key, date and duration of the training
    timings: dict  # runs/<key>/timings.json
    outputs: dict  # runs/<key>/outputs.json: what the lesson's sections printed
    provenance: dict  # git state, package versions, machine (computed before the build)
    bench: dict | None = None  # bench/results/latest.json, if measured
    experiments: dict | None = None  # artifacts/experiments.json (make experiences), if measured
    tuning: dict | None = None  # artifacts/tuning.json (make reglage), if searched
    sweep_bench: dict | None = None  # bench/records/complete-build.json (committed, by bench.sweep --full), if any
    demo_asset_bytes: int = 0  # docs/assets/demo.{js,css}, downloaded with the Démo
    stages: tuple = ()  # the stage table (pipeline/workflow/stages.py), shown on the maintainers' page
    notebook: dict | None = None  # artifacts/notebook.json: the notebook and script to download, Colab link
    trajectory: dict | None = None  # runs/<key>/trajectory.json: the same seed to `epochs`, never stopped
    replay: dict | None = None  # artifacts/replay.json: the replay page's snapshots and sizes
    replay_asset_bytes: int = 0  # docs/assets/{reseau,rejouer}.{js,css}, downloaded with the replay
    browser_training: dict | None = None  # artifacts/browser_training.json: the subset exported for « Entraîner dans le navigateur »
    tfjs: dict | None = None  # artifacts/tfjs.json: the TensorFlow.js files copied into the site
    quiz: dict | None = None  # artifacts/quiz.json: the end-of-step questions computed on this run, and the exports
    exercises: dict | None = None  # runs/<key>/exercises.json: each exercise's code run after its lesson section


NAMES = tuple(f.name for f in fields(Artifacts))


class LazyArtifacts:
    """The same attributes as Artifacts, each read by its loader the first time a page's value asks for it."""

    def __init__(self, loaders: dict[str, Callable[[], Any]]):
        if set(loaders) != set(NAMES):
            raise ValueError(f"loaders must cover exactly {sorted(NAMES)}, got {sorted(loaders)}")
        self._loaders, self._values = loaders, {}

    def __getattr__(self, name: str):
        if name.startswith("_") or name not in self._loaders:
            raise AttributeError(name)
        if name not in self._values:
            self._values[name] = self._loaders[name]()
        return self._values[name]

    @property
    def read(self) -> set[str]:
        """The artifacts read so far (a test checks that a page reads only what it needs)."""
        return set(self._values)


def load_artifacts(job) -> LazyArtifacts:
    """What the earlier stages of this build wrote, read when first needed (the one place pages read files)."""
    run_dir = job.input("train", "artifacts/runs/{key}/")
    root = job.root

    def from_stage(stage: str, output: str):
        return lambda: read_json(job.input(stage, output))

    def assets(*names: str):
        return lambda: sum(path.stat().st_size for path in (root / "docs" / "assets" / n for n in names)
                           if path.exists())

    return LazyArtifacts({
        "data_info": from_stage("data", "artifacts/data.json"),
        "metrics": lambda: read_metrics(run_dir / "metrics.json"),
        "architecture": lambda: architecture.read(run_dir),
        "figures": from_stage("figures", "artifacts/figures.json"),
        "demo": from_stage("demo", "artifacts/demo.json"),
        "run": lambda: read_json(run_dir / "run.json"),
        "timings": lambda: read_json(run_dir / "timings.json"),
        "outputs": lambda: read_json(run_dir / "outputs.json"),
        "provenance": lambda: job.inputs["provenance"],
        "bench": lambda: _optional_json(root / "bench" / "results" / "latest.json"),
        "experiments": lambda: _optional_json(root / "artifacts" / "experiments.json"),
        "tuning": lambda: _optional_json(root / "artifacts" / "tuning.json"),
        "sweep_bench": lambda: _optional_json(root / "bench" / "records" / "complete-build.json"),
        "demo_asset_bytes": assets("reseau.js", "demo.js", "demo.css"),
        "stages": lambda: tuple(stage_table(root)),
        "notebook": from_stage("notebook", "artifacts/notebook.json"),
        "trajectory": lambda: _optional_json(run_dir / "trajectory.json"),
        "replay": from_stage("replay", "artifacts/replay.json"),
        "replay_asset_bytes": assets("reseau.js", "rejouer.js", "rejouer.css"),
        "browser_training": from_stage("browser_training", "artifacts/browser_training.json"),
        "tfjs": from_stage("tfjs", "artifacts/tfjs.json"),
        "quiz": from_stage("quiz", "artifacts/quiz.json"),
        "exercises": lambda: read_json(run_dir / "exercises.json"),
    })


class Declared:
    """The artifacts one value declared it reads, and only those: reading another is a mistake in its
    declaration, caught by any test that builds the value (the lazy build would otherwise read it unseen)."""

    def __init__(self, artifacts, reads: tuple[str, ...], value: str):
        self._artifacts, self._reads, self._value = artifacts, reads, value

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._reads:
            raise PipelineError(f"la valeur « {self._value} » des pages lit l'artefact « {name} » "
                                "sans le déclarer.",
                                where="pipeline/pages/context.py",
                                fix=f"ajoutez « {name} » à ce que lit VALUES[\"{self._value}\"].")
        return getattr(self._artifacts, name)


def _optional_json(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None
