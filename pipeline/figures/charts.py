"""The data and learning-curve charts: each function takes plain numbers and images and returns a Figure."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FixedLocator, LogLocator, NullFormatter

from pipeline.common.fr import NBSP, decimal, integer
from pipeline.common.numeric import chance_loss
from pipeline.data.dataset import CLASS_NAMES
from pipeline.figures.style import (BLUE, CURVE_COLOURS, GREY, IMAGE_STYLE, VERMILION, french_ticks,
                                    hatch, legend_below, percent_axis, percent_floor, plt)

CLASSES = len(CLASS_NAMES)
RANDOM_LOSS = chance_loss(CLASSES)  # cross-entropy of a network that gives 1/CLASSES to every class
# Candidate ticks of the logarithmic loss axis, roundest first (1 2 5, then 3, then 1,5 4 7 per decade).
_LOG_TICK_TIERS = tuple(tuple(m * 10.0 ** e for e in range(-2, 3) for m in mantissas)
                        for mantissas in ((1, 2, 5), (3,), (1.5, 4, 7)))



def sample_grid(images: np.ndarray, labels: np.ndarray, names, columns: int = 8):
    """A grid of articles, each titled with its French class name."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows), squeeze=False)
    for ax, image, label in zip(axes.flat, images, labels):
        ax.imshow(image, **IMAGE_STYLE)
        ax.set_title(names[int(label)], fontsize=11)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return french_ticks(fig)


def class_distribution(counts, names):
    """Horizontal bars of images per class, with the count written on each bar."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    positions = np.arange(len(names))
    ax.barh(positions, counts, color=BLUE)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()
    ax.set_xlabel("Nombre d'images d'entraînement")
    for y, count in zip(positions, counts):
        ax.text(count, y, f" {integer(count)}", va="center", fontsize=11)
    ax.set_xlim(0, max(counts) * 1.18)
    ax.xaxis.set_major_formatter(lambda v, _: integer(v))
    fig.tight_layout()
    return french_ticks(fig)


def learning_curves(history: dict, best_epoch: int, stop_epoch: int, stopped_early: bool):
    """The seed's figure: train vs validation exactitude (left), train vs validation loss (right).

    The loss axis is logarithmic so the reference line of a random network (ln 10) fits without
    squashing the real curves; the legend sits under both graphs.
    """
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(12, 5.2), layout="constrained")
    for ax, key in ((ax_acc, "accuracy"), (ax_loss, "loss")):
        colour = {name: code for name, (_, code) in CURVE_COLOURS.items()}
        ax.plot(epochs, history[key], "-o", color=colour["train"], label="Entraînement", markersize=4)
        ax.plot(epochs, history["val_" + key], "--s", color=colour["validation"], label="Validation", markersize=4)
        ax.axvline(best_epoch, color=colour["best"], linestyle=":", linewidth=2,
                   label=f"Meilleure époque ({best_epoch})")
        if stopped_early:
            ax.axvline(stop_epoch, color=colour["stop"], linestyle="-.", linewidth=1.5,
                       label=f"Arrêt ({stop_epoch})")
        ax.set_xlabel("Époque")
        ax.set_xticks(epochs if len(epochs) <= 25 else epochs[::max(1, len(epochs) // 20)])
        ax.grid(alpha=0.3)

    ax_acc.set_title("Exactitude : entraînement et validation")
    ax_acc.set_ylabel("Exactitude")
    percent_axis(ax_acc.yaxis)

    ax_loss.axhline(RANDOM_LOSS, color=GREY, linestyle=(0, (6, 3)), linewidth=1.5,
                    label=f"Hasard : ln {CLASSES} ≈ {decimal(RANDOM_LOSS, 2)}")
    ax_loss.set_title("Perte : entraînement et validation")
    ax_loss.set_ylabel("Perte (entropie croisée)\néchelle logarithmique")
    _log_loss_axis(ax_loss, [*history["loss"], *history["val_loss"], RANDOM_LOSS])
    _validation_zoom(ax_loss, epochs, history["val_loss"], colour["validation"])

    handles, labels = ax_loss.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=len(labels))
    return french_ticks(fig)


def _validation_zoom(ax, epochs, val_loss, colour) -> None:
    """An inset with a linear axis on the validation loss alone, from two epochs before its minimum:
    the log axis flattens its small rise after the minimum, the zoom shows it."""
    val_loss = np.asarray(val_loss, dtype=float)
    best = int(np.argmin(val_loss))
    first = max(0, best - 2)
    shown_epochs, shown = np.asarray(epochs)[first:], val_loss[first:]
    inset = ax.inset_axes((0.40, 0.40, 0.56, 0.36))
    inset.plot(shown_epochs, shown, "--s", color=colour, markersize=4, gid="validation-zoom")
    inset.plot([shown_epochs[best - first]], [shown[best - first]], "o", markersize=11, markerfacecolor="none",
               markeredgecolor="black", markeredgewidth=1.5)
    pad = 0.15 * (float(shown.max() - shown.min()) or 0.01)
    inset.set_ylim(float(shown.min()) - pad, float(shown.max()) + pad)
    inset.set_xticks(shown_epochs if len(shown_epochs) <= 12 else shown_epochs[::2])
    inset.yaxis.set_major_formatter(lambda v, _: decimal(v, 3))
    inset.tick_params(labelsize=9)
    inset.set_title("Zoom, échelle linéaire : perte de validation", fontsize=10)
    inset.grid(alpha=0.3)


def _log_loss_axis(ax, values) -> None:
    """Logarithmic y axis over `values` with a few round, decimal-comma ticks (0,3 0,5 1 2)."""
    values = [v for v in values if np.isfinite(v) and v > 0]
    low, high = min(values) / 1.2, max(values) * 1.25
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    gap = 0.07 * math.log10(high / low)
    ticks = []
    for tier in _LOG_TICK_TIERS:  # roundest values first; the others only where they do not crowd
        for t in tier:
            t = float(f"{t:.3g}")  # 0.30000000000000004 -> 0.3
            if low <= t <= high and all(abs(math.log10(t / other)) >= gap for other in ticks):
                ticks.append(t)
    ax.yaxis.set_major_locator(FixedLocator(sorted(ticks)))
    ax.yaxis.set_major_formatter(lambda v, _: integer(v) if float(v).is_integer() else decimal(v, 3).rstrip("0"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def confusion(matrix: np.ndarray, names):
    """Counts (left) and row-normalised rates (right), French names on both axes."""
    matrix = np.asarray(matrix)
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, axes = plt.subplots(1, 2, figsize=(16, 7))
    for ax, values, title, fmt in ((axes[0], matrix, "Nombre d'images", lambda v: integer(v)),
                                   (axes[1], rates, "Proportion de chaque classe réelle",
                                    lambda v: integer(100 * v) + NBSP + "%")):
        ax.imshow(values, cmap="Blues", vmin=0, vmax=values.max())
        ticks = np.arange(len(names))
        ax.set_xticks(ticks, names, rotation=45, ha="right")
        ax.set_yticks(ticks, names)
        ax.set_xlabel("Classe prédite")
        ax.set_ylabel("Classe réelle")
        ax.set_title(title)
        threshold = values.max() / 2
        for i in ticks:
            for j in ticks:
                ax.text(j, i, fmt(values[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if values[i, j] > threshold else "black")
    fig.tight_layout()
    return french_ticks(fig)


def image_gallery(images, titles, columns: int = 6):
    """Images with multi-line titles (used for the most confident mistakes)."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 2.9 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(image, **IMAGE_STYLE)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return french_ticks(fig)


def prediction_bars(images, probabilities, true_labels, names):
    """Each image beside its 10 probabilities; true class hatched, predicted class outlined and bold."""
    n = len(images)
    fig, axes = plt.subplots(n, 2, figsize=(10, 2.2 * n), gridspec_kw={"width_ratios": [1, 3.2]})
    axes = np.atleast_2d(axes)
    positions = np.arange(len(names))
    for row, (image, probs, truth) in enumerate(zip(images, probabilities, true_labels)):
        predicted = int(np.argmax(probs))
        ax_img, ax_bar = axes[row]
        ax_img.imshow(image, **IMAGE_STYLE)
        ax_img.axis("off")
        verdict = "juste" if predicted == truth else "erreur"
        ax_img.set_title(f"Réelle : {names[int(truth)]}", fontsize=10)
        bars = ax_bar.barh(positions, probs, color=GREY)
        bars[predicted].set_facecolor(BLUE if predicted == truth else VERMILION)
        bars[predicted].set_edgecolor("black")
        bars[predicted].set_linewidth(2)
        hatch(bars[int(truth)])
        ax_bar.set_yticks(positions, names, fontsize=9)
        for tick in ax_bar.get_yticklabels():
            if tick.get_text() == names[predicted]:
                tick.set_fontweight("bold")
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 1.0)
        ax_bar.xaxis.set_major_formatter(lambda v, _: integer(100 * v) + NBSP + "%")
        ax_bar.set_title(f"Prédite : {names[predicted]} ({percent_floor(probs[predicted])}, {verdict})",
                         fontsize=10)
    fig.tight_layout()
    return french_ticks(fig)


def class_means(means: np.ndarray, names):
    """The average image of each class."""
    fig, axes = plt.subplots(2, 5, figsize=(11, 5))
    for ax, image, name in zip(axes.flat, means, names):
        ax.imshow(image, **IMAGE_STYLE)
        ax.set_title(name, fontsize=11)
        ax.axis("off")
    fig.tight_layout()
    return french_ticks(fig)


def pixel_histogram(raw: np.ndarray):
    """Pixel values before (0-255) and after normalisation ([0, 1]): same shape, other scale."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, values, title in ((axes[0], raw, "Avant : entiers de 0 à 255"),
                              (axes[1], raw / 255.0, "Après : décimaux de 0 à 1")):
        ax.hist(values.ravel(), bins=32, color=BLUE, log=True)
        ax.set_title(title)
        ax.set_xlabel("Valeur du pixel")
        ax.set_ylabel("Nombre de pixels (log)")
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(lambda v, _: integer(v) if v >= 1 else decimal(v, 2))
        ax.yaxis.set_minor_formatter(NullFormatter())
    fig.tight_layout()
    return french_ticks(fig)


def early_stopping_rules(history: dict, rules: list[dict]):
    """Top: the whole trajectory's training and validation loss (every epoch up to the limit). Bottom: one
    row per EarlyStopping rule, a bar from epoch 1 to where it stops and a dot on the epoch it keeps."""
    epochs = np.arange(1, len(history["val_loss"]) + 1)
    colour = {name: code for name, (_, code) in CURVE_COLOURS.items()}
    fig, (ax_loss, ax_rules) = plt.subplots(
        2, 1, figsize=(11, 4 + 0.45 * len(rules)), sharex=True, layout="constrained",
        gridspec_kw={"height_ratios": [3, 0.5 * len(rules)]})
    ax_loss.plot(epochs, history["loss"], "-o", color=colour["train"], markersize=4, label="Entraînement")
    ax_loss.plot(epochs, history["val_loss"], "--s", color=colour["validation"], markersize=4, label="Validation")
    ax_loss.set_ylabel("Perte")
    ax_loss.set_title(f"La même graine entraînée {len(epochs)} époques sans arrêt : où chaque règle s'arrête")
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(loc="upper center", frameon=False, ncol=2)
    for row, rule in enumerate(rules):
        ax_rules.barh(row, rule["raw"]["stop"] - 0.6, left=0.7, height=0.45, color=GREY, alpha=0.45)
        ax_rules.plot([rule["raw"]["kept"]], [row], "o", color=colour["best"], markersize=9,
                      markeredgecolor="black")
    ax_rules.set_yticks(range(len(rules)), [r["plain_label"] for r in rules])
    ax_rules.invert_yaxis()
    ax_rules.set_xlabel("Époque (barre : époques jouées ; rond vert : époque dont les poids sont gardés)")
    ax_rules.set_xticks(epochs)
    ax_rules.set_xlim(0.5, len(epochs) + 0.5)
    ax_rules.grid(axis="x", alpha=0.3)
    return french_ticks(fig)
