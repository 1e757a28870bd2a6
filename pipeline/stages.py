"""The stage table: each stage of the build, what it reads and what it writes (run by pipeline.runner)."""
from __future__ import annotations

from pathlib import Path

from pipeline.report import nav_pages
from pipeline.runner import Stage

ALL_PARAMS = ("*",)  # every parameter: a new one in params.yaml reaches training with no edit here
SITE_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "latex2mathml")


def table(root: Path) -> list[Stage]:
    """The build, in order: data → training → figures and Démo → pages → site (and the README)."""
    pages = tuple(f"docs/{page.output}" for page in nav_pages(root / "mkdocs.yml"))
    return [
        Stage("data", "données", "data:describe_stage", "data:summary",
              inputs=("dataset",), outputs=("artifacts/data.json",)),
        Stage("train", "entraînement", "train:train_stage", "train:summary",
              params=ALL_PARAMS, after=("data",), versions=("tensorflow", "keras", "numpy"),
              outputs=("artifacts/runs/{key}/",)),
        Stage("figures", "figures", "figures_stage:figures_stage", "figures_stage:summary",
              params=("seed",), after=("data", "train"), versions=("matplotlib",),
              outputs=("docs/figures/", "artifacts/figures.json")),
        Stage("demo", "démo", "demo:demo_stage", "demo:summary",
              params=("seed",), after=("train",), outputs=("docs/demo/data/", "artifacts/demo.json")),
        Stage("pages", "pages", "report:pages_stage", "report:summary",
              after=("data", "train", "figures", "demo"), inputs=("provenance",),
              files=("templates/", "mkdocs.yml", "pipeline/lesson.py", "docs/assets/",
                     "artifacts/variability.json", "bench/results/latest.json"),
              outputs=(*pages, "artifacts/README.pending.md")),
        Stage("site", "site", "site:site_stage", "site:summary",
              after=("pages",), files=("docs/", "mkdocs.yml"), versions=SITE_PACKAGES,
              outputs=("site/", "README.md")),
    ]
