"""Stage "figures": draw every figure of the site into docs/figures/ from the run's files (no TensorFlow)."""
from __future__ import annotations

import numpy as np

from pipeline.common import architecture
from pipeline.data import dataset
from pipeline.figures.catalogue import draw_all
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json
from pipeline.common.schema import read_metrics

RUN = "artifacts/runs/{key}/"


def figures_stage(job) -> None:
    (x_train, y_train), (x_test, y_test) = dataset.load_numpy()
    run_dir = job.input("train", RUN)
    metrics = read_metrics(run_dir / "metrics.json")
    predictions = np.load(run_dir / "predictions.npz")
    probabilities = predictions["probabilities"]
    validation = (predictions["validation"], predictions["validation_labels"])
    trajectory_file = run_dir / "trajectory.json"
    trajectory = read_json(trajectory_file) if trajectory_file.exists() else None
    weights = dict(np.load(run_dir / "weights.npz"))
    with np.load(run_dir / "split.npz") as split:  # X_train after the lesson's split, as positions in x_train
        fit_positions = split["fit"]
    pngs, facts = draw_all(job.params.seed, x_train, y_train, x_test, y_test, metrics.to_dict(),
                           probabilities, weights, architecture.read(run_dir), validation, trajectory, fit_positions)
    folder = job.out("docs/figures/")
    for name, png in pngs.items():
        atomic_write_bytes(folder / f"{name}.png", png)
    for png in sorted((run_dir / "lecon").glob("*.png")):  # drawn by the lesson's own code, as students will
        atomic_write_bytes(folder / "lecon" / png.name, png.read_bytes())
    atomic_write_json(job.out("artifacts/figures.json"), facts)


def summary(job) -> str:
    count = len(read_json(job.final("artifacts/figures.json"))["files"])
    return f"{count} figures dans docs/figures/"
