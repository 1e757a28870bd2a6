"""Check that the speed options leave quality unchanged: seed script vs project path, same epochs, 3 seeds."""
from __future__ import annotations

import statistics

from bench.measure import run_script
from bench.summary import ACCURACY_GAP_MAX, target, target_lines


def run_quality(epochs: int, seeds: list[int], log=print) -> dict:
    """Train both paths `epochs` epochs for each seed (alternating which goes first); compare test accuracy.

    Both see the same data (60 000 training images, the 10 000 test images as validation) and run
    a fixed number of epochs, so only the speed options (float32 prepared once,
    steps_per_execution, XLA) differ between them.
    """
    paths = {"seed (énoncé)": ("bench.seed_reference", []),
             "projet (params.yaml)": ("bench.project_training", [])}
    accuracies: dict[str, list[float]] = {label: [] for label in paths}
    rows = []
    for i, seed in enumerate(seeds):
        order = list(paths) if i % 2 == 0 else list(paths)[::-1]
        row = {"seed": seed}
        for label in order:
            module, extra = paths[label]
            run = run_script(label, module, [*extra, "--epochs", str(epochs), "--seed", str(seed)])
            accuracies[label].append(run["test_accuracy"])
            row[label] = run["test_accuracy"]
            log(f"  graine / seed {seed} · {label:<22} précision de test {run['test_accuracy']:.4f}  "
                f"({run['wall_seconds']:.0f} s)")
        rows.append(row)
    means = {label: statistics.fmean(values) for label, values in accuracies.items()}
    stdevs = {label: statistics.stdev(values) if len(values) > 1 else 0.0 for label, values in accuracies.items()}
    gap = abs(means["projet (params.yaml)"] - means["seed (énoncé)"])
    check = target("|écart de précision moyenne| / |mean accuracy gap| (points)", gap * 100,
                   ACCURACY_GAP_MAX * 100, " pt")
    return {"epochs": epochs, "seeds": seeds, "per_seed": rows, "mean_accuracy": means,
            "stdev_accuracy": stdevs, "gap_points": gap * 100, "targets": [check]}


def quality_table(result: dict) -> str:
    labels = list(result["mean_accuracy"])
    lines = [f"{'graine / seed':<14}" + "".join(f"{label:>24}" for label in labels)]
    for row in result["per_seed"]:
        lines.append(f"{row['seed']:<14}" + "".join(f"{row[label]:>24.4f}" for label in labels))
    lines.append(f"{'moyenne / mean':<14}" + "".join(f"{result['mean_accuracy'][label]:>24.4f}" for label in labels))
    lines.append(f"{'écart-type / sd':<14}" + "".join(f"{result['stdev_accuracy'][label]:>24.4f}" for label in labels))
    return "\n".join(lines) + "\n\n" + target_lines(result["targets"])
