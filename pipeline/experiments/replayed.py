"""The EarlyStopping questions answered without a run per rule: each rule replayed on the trajectories of the
Variabilité seeds (the same seed trained to `epochs` without stopping), one summary row per seed."""
from __future__ import annotations

from pathlib import Path

from pipeline.common.early_stopping import replay_run
from pipeline.common.io import read_json

# Questions whose variants change only what EarlyStopping does (or the epoch limit with a patience that
# never runs out): training itself is the same, so the trajectory answers them.
REPLAYED = ("sans_arret", "patience", "surveillance", "restauration")


def replayed_run(folder: Path, params: dict) -> dict:
    """What `questions.read_run` gives for a trained run, for the rule of `params` replayed on the
    trajectory of the run in `folder` (same seed, same network, trained without stopping)."""
    metrics = read_json(folder / "metrics.json")
    trajectory = read_json(folder / "trajectory.json")
    history = trajectory["history"]
    replay = replay_run(history, params)
    if not replay.known:
        raise ValueError(f"la trajectoire de {folder.name} est trop courte pour rejouer cette règle")
    stop, kept = replay.epochs_run, replay.evaluated_epoch
    ends = {s["updates"] // trajectory["updates_per_epoch"]: s for s in trajectory["snapshots"]
            if s["updates"] and s["updates"] % trajectory["updates_per_epoch"] == 0}
    return {
        "key": Path(folder).name, "seed": params["seed"], "replayed": True,
        "epochs_run": stop, "kept_epoch": kept,
        "val_accuracy": history["val_accuracy"][kept - 1], "val_loss": history["val_loss"][kept - 1],
        "test_accuracy": ends[kept]["test_accuracy"],
        "seconds": sum(trajectory["epoch_seconds"][:stop]),  # the epochs this rule would have trained
        "total_params": metrics["total_params"], "fit_size": metrics["sizes"]["fit"],
        "updates_per_epoch": trajectory["updates_per_epoch"],
        "curves": {name: history[name][:stop] for name in ("val_accuracy", "val_loss")},
    }
