"""The settings search's two figures (trials in order, each setting's effect) and their build stage; no TensorFlow."""
from __future__ import annotations

import textwrap

import numpy as np

from pipeline.common import fr
from pipeline.common.io import atomic_write_bytes, read_optional_json
from pipeline.figures import style
from pipeline.figures.style import plt
from pipeline.tuning.search import TUNING, is_current

ROUND_COLOURS = (style.BLUE, style.ORANGE, style.PURPLE, style.SKY, style.VERMILION)
ROUND_MARKERS = ("o", "s", "^", "D", "v")  # a shape per round: the rounds read without colour too
FIGURES = ("essais", "effets")


def trials_figure(raw: dict):
    """Validation exactitude of every trial, in the order Optuna proposed them, one colour and shape per
    round; the best so far as a staircase, params.yaml's own run (same seed) as a grey dashed line."""
    trials = [t for t in raw["trials"] if t["value"] is not None]
    fig, ax = plt.subplots(figsize=(10, 4.6), layout="constrained")
    for index in range(raw["search"]["rounds"]):
        own = [t for t in trials if t["round"] == index + 1]
        ax.scatter([t["number"] for t in own], [t["value"] for t in own], s=42, zorder=3,
                   color=ROUND_COLOURS[index % len(ROUND_COLOURS)], marker=ROUND_MARKERS[index % len(ROUND_MARKERS)],
                   label=f"tour {index + 1}" + (" (au hasard)" if index == 0 else ""))
    numbers = [t["number"] for t in trials]
    best = np.maximum.accumulate([t["value"] for t in trials])
    ax.step(numbers, best, where="post", color=style.GREEN, linewidth=2, label="meilleur jusque-là")
    ax.axhline(raw["seed_run"]["val_accuracy"], color=style.GREY, linestyle="--", linewidth=1.4,
               label="params.yaml (même graine)")
    chosen = raw["chosen"]
    ax.scatter([chosen["number"]], [chosen["value"]], s=180, facecolors="none", edgecolors="black", linewidths=1.6,
               zorder=4, label=f"essai choisi ({chosen['number']})")
    ax.set_xlabel("Essai (dans l'ordre où Optuna l'a proposé)")
    ax.set_ylabel("Exactitude de validation")
    ax.set_xticks(range(1, max(numbers) + 1, 2 if max(numbers) > 12 else 1))
    style.percent_axis(ax.yaxis)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    style.legend_below(fig, handles, labels, ncol=min(len(labels), 4))
    return style.french_ticks(fig)


def effects_figure(raw: dict):
    """One panel per setting: each trial's validation exactitude above the value it tried (jittered a little
    sideways so that equal values stay visible), the mean per value as a black bar, the seed's value named."""
    trials = [t for t in raw["trials"] if t["value"] is not None]
    space = raw["search"]["space"]
    columns = 3
    rows = -(-len(space) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(12, 3.6 * rows), layout="constrained", sharey=True)
    jitter = np.random.default_rng(0)  # fixed: the same figure at every rebuild
    for ax, dim in zip(axes.flat, space):
        values = dim["values"]
        for position, value in enumerate(values):
            scores = [t["value"] for t in trials if t["settings"][dim["name"]] == value]
            if not scores:
                continue
            ax.scatter(position + jitter.uniform(-0.12, 0.12, len(scores)), scores, s=26, color=style.BLUE,
                       alpha=0.75, zorder=3)
            ax.hlines(np.mean(scores), position - 0.3, position + 0.3, color="black", linewidth=2, zorder=4)
        ax.set_xticks(range(len(values)), [value_label(v) for v in values])
        seed = raw["seed_settings"][dim["name"]]
        for tick, value in zip(ax.get_xticklabels(), values):
            if value == seed:
                tick.set_fontweight("bold")
        title = textwrap.fill(dim["label"][0].upper() + dim["label"][1:], 30)
        ax.set_title(title + ("\n(règle rejouée)" if dim["replayed"] else ""), fontsize=12)
        ax.grid(alpha=0.3, axis="y")
        style.percent_axis(ax.yaxis)
    for ax in list(axes.flat)[len(space):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Exactitude de validation")
    return style.french_ticks(fig)


def value_label(value) -> str:
    """A setting's value as the page writes it: 0,003 and not 0.003; names kept as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return fr.integer(value)
    return f"{value:g}".replace(".", ",")


def figures_stage(job) -> None:
    """Stage "tuning": docs/reglage/essais.png and effets.png when artifacts/tuning.json is current, else nothing."""
    folder = job.out("docs/reglage/")
    folder.mkdir(parents=True, exist_ok=True)
    raw = read_optional_json(job.root / TUNING)
    if not is_current(raw, job.params.to_dict(), job.upstream["train"].key):
        return
    atomic_write_bytes(folder / "essais.png", style.to_png(trials_figure(raw)))
    atomic_write_bytes(folder / "effets.png", style.to_png(effects_figure(raw)))


def summary(job) -> str:
    count = len(list(job.final("docs/reglage/").glob("*.png")))
    return f"{count} figures du réglage" if count else "pas de réglage mesuré (make reglage)"
