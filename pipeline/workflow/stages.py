"""The stage table: each stage of the build, what it reads and what it writes (run by pipeline.workflow.runner)."""
from __future__ import annotations

from pathlib import Path

from pipeline.common.mkdocs_config import nav_pages
from pipeline.workflow.runner import Stage

ALL_PARAMS = ("*",)  # every parameter: a new one in params.yaml reaches training with no edit here
SITE_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "latex2mathml")


def table(root: Path) -> list[Stage]:
    """The build, in order: data → training → figures and Démo → pages → site (and the README)."""
    pages = tuple(f"docs/{page.output}" for page in nav_pages(root / "mkdocs.yml"))
    return [
        Stage("data", "données", "data.dataset:describe_stage", "data.dataset:summary",
              inputs=("dataset",), outputs=("artifacts/data.json",)),
        Stage("train", "entraînement", "training.train:train_stage", "training.train:summary",
              params=ALL_PARAMS, after=("data",), versions=("tensorflow", "keras", "numpy"),
              outputs=("artifacts/runs/{key}/",)),
        Stage("figures", "figures", "figures.stage:figures_stage", "figures.stage:summary",
              params=("seed",), after=("data", "train"), versions=("matplotlib",),
              outputs=("docs/figures/", "artifacts/figures.json")),
        Stage("demo", "démo", "publish.demo:demo_stage", "publish.demo:summary",
              params=("seed",), after=("train",), outputs=("docs/demo/data/", "artifacts/demo.json")),
        # « Rejouer l'apprentissage »: the trajectory's snapshots, quantised within the page's size budget.
        Stage("replay", "rejeu", "publish.replay:replay_stage", "publish.replay:summary",
              params=("seed",), after=("train",), versions=("matplotlib",),
              outputs=("docs/rejouer/", "artifacts/replay.json")),
        # « Entraîner dans le navigateur »: TensorFlow.js from pinned npm tarballs, and the page's data.
        Stage("tfjs", "tensorflow.js", "publish.tfjs_vendor:vendor_stage", "publish.tfjs_vendor:summary",
              files=("pipeline/publish/licences/",), outputs=("docs/vendor/", "artifacts/tfjs.json")),
        Stage("browser_training", "navigateur", "publish.browser_training:browser_training_stage", "publish.browser_training:summary",
              params=("seed", "epochs", "batch_size", "learning_rate", "validation_fraction", "early_stopping"),
              after=("data", "train"), outputs=("docs/entrainer/data/", "artifacts/browser_training.json")),
        # The experiments' curves, when artifacts/experiments.json (make experiences) matches this run.
        Stage("experiments", "expériences", "experiments.questions:figures_stage", "experiments.questions:figures_summary",
              after=("train",), files=("artifacts/experiments.json",), versions=("matplotlib",),
              outputs=("docs/experiences/",)),
        # The settings search's figures, when artifacts/tuning.json (make reglage) matches this run.
        Stage("tuning", "réglage", "tuning.figures:figures_stage", "tuning.figures:summary",
              after=("train",), files=("artifacts/tuning.json",), versions=("matplotlib",),
              outputs=("docs/reglage/",)),
        # The lesson as a notebook and a script to download: its parameters are the lesson functions' own
        # (any of params.yaml), its text describes the trained network (the run's architecture record).
        Stage("notebook", "carnet", "publish.notebook:notebook_stage", "publish.notebook:summary",
              params=ALL_PARAMS, after=("train",),
              files=("pipeline/lesson.py", "templates/", "mkdocs.yml"), versions=("nbformat",),
              outputs=("docs/telechargements/", "artifacts/notebook.json")),
        # The end-of-step questions: their keys computed on this run, and the same questions for Moodle (XML, GIFT).
        Stage("quiz", "questions", "quiz.stage:quiz_stage", "quiz.stage:summary",
              after=("data", "train", "figures"), files=("quiz/", "mkdocs.yml"),
              outputs=("docs/questionnaires/", "artifacts/quiz.json")),
        Stage("pages", "pages", "pages.render:pages_stage", "pages.render:summary",
              after=("data", "train", "figures", "demo", "replay", "tfjs", "browser_training", "notebook", "quiz"),
              inputs=("provenance",),
              files=("templates/", "mkdocs.yml", "pipeline/lesson.py", "docs/assets/",
                     "artifacts/experiments.json", "artifacts/tuning.json", "bench/results/latest.json",
                     "bench/records/complete-build.json"),
              outputs=(*pages, "artifacts/README.pending.md")),
        # What a reader sees, published together at the very end or not at all (workflow/promotion.py): the
        # site, the README and rapport/, the README's own figures, committed so that GitHub shows them.
        Stage("site", "site", "publish.site:site_stage", "publish.site:summary",
              after=("pages", "figures"), files=("docs/", "mkdocs.yml", "pipeline/publish/mkdocs_hooks.py", "overrides/"),
              versions=SITE_PACKAGES,
              outputs=("site/", "README.md", "rapport/")),
    ]
