"""Matplotlib figures from plain numbers and images; each function returns a Figure, saving is the caller's."""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.ticker import FixedLocator, Formatter, LogLocator, NullFormatter, ScalarFormatter  # noqa: E402

from pipeline.common.fr import NBSP, decimal, integer  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#777777")
WHITE = "#FFFFFF"
plt.rcParams.update({
    "font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "legend.fontsize": 11,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "figure.dpi": 100,
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.formatter.use_locale": False,
})

# Images are drawn as the data stores them: 0 = black background, 255 = white article.
IMAGE_STYLE = {"cmap": "gray", "vmin": 0, "vmax": 255}

# Weights: one diverging colour map whose ends the page text names with the same words.
WEIGHT_POSITIVE, WEIGHT_ZERO, WEIGHT_NEGATIVE = BLUE, WHITE, ORANGE
WEIGHT_COLOURS = {"positive": ("bleu", WEIGHT_POSITIVE), "negative": ("orange", WEIGHT_NEGATIVE)}
# The learning curves' colours with the word the page uses for each, so text and figure agree.
CURVE_COLOURS = {"train": ("bleu", BLUE), "validation": ("orange", ORANGE), "best": ("vert", GREEN),
                 "stop": ("rouge orangé", VERMILION)}
WEIGHT_CMAP = LinearSegmentedColormap.from_list(
    "poids_orange_blanc_bleu", [WEIGHT_NEGATIVE, WEIGHT_ZERO, WEIGHT_POSITIVE], N=256)

RANDOM_LOSS = math.log(10)  # cross-entropy of a network that gives 1/10 to every class
# Candidate ticks of the logarithmic loss axis, roundest first (1 2 5, then 3, then 1,5 4 7 per decade).
_LOG_TICK_TIERS = tuple(tuple(m * 10.0 ** e for e in range(-2, 3) for m in mantissas)
                        for mantissas in ((1, 2, 5), (3,), (1.5, 4, 7)))


def to_png(fig) -> bytes:
    """PNG bytes without timestamp or version metadata, so identical figures give identical files."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def percent_floor(p: float, digits: int = 1) -> str:
    """0.99996 -> '99,9 %': truncated, never rounded up, so only a probability of exactly 1 reads 100 %."""
    scale = 10 ** digits
    # round() first absorbs binary noise (0.29 * 100 = 28.999999999999996) before truncating.
    value = math.floor(round(float(p) * 100 * scale, 6)) / scale
    return f"{decimal(value, digits)}{NBSP}%"


class FrenchFormatter(Formatter):
    """Tick labels with a decimal comma and grouped thousands; as few decimals as the ticks need.

    `scale` multiplies the value before writing it (100 for percentages) and `suffix` follows it.
    """

    def __init__(self, scale: float = 1.0, suffix: str = ""):
        self.scale, self.suffix, self.digits = scale, suffix, 0

    def set_locs(self, locs):
        super().set_locs(locs)
        values = [v * self.scale for v in locs if np.isfinite(v)]
        self.digits = next((d for d in range(7) if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v))
                                                        for v in values)), 6)

    def __call__(self, x, pos=None):
        value = x * self.scale
        text = integer(value) if self.digits == 0 else decimal(value, self.digits)
        return text + self.suffix


def _percent_axis(axis) -> None:
    axis.set_major_formatter(FrenchFormatter(100, NBSP + "%"))


def _french_ticks(fig):
    """Replace Matplotlib's default '0.2' labels on every linear axis (colour bars included) by '0,2'."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear" and type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FrenchFormatter())
    return fig


def _legend_below(fig, handles, labels, ncol: int):
    """One legend for the figure, under the axes (constrained layout makes room): it hides no data."""
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


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
    return _french_ticks(fig)


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
    return _french_ticks(fig)


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
    _percent_axis(ax_acc.yaxis)

    ax_loss.axhline(RANDOM_LOSS, color=GREY, linestyle=(0, (6, 3)), linewidth=1.5,
                    label=f"Hasard : ln 10 ≈ {decimal(RANDOM_LOSS, 2)}")
    ax_loss.set_title("Perte : entraînement et validation")
    ax_loss.set_ylabel("Perte (entropie croisée)\néchelle logarithmique")
    _log_loss_axis(ax_loss, [*history["loss"], *history["val_loss"], RANDOM_LOSS])

    handles, labels = ax_loss.get_legend_handles_labels()
    _legend_below(fig, handles, labels, ncol=len(labels))
    return _french_ticks(fig)


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
    return _french_ticks(fig)


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
    return _french_ticks(fig)


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
        _hatch(bars[int(truth)])
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
    return _french_ticks(fig)


def _hatch(bar) -> None:
    """Black diagonal hatching (the true class), visible on grey, blue and vermilion bars alike."""
    bar.set_hatch("///")
    bar.set_edgecolor("black")
    if hasattr(bar, "set_hatchcolor"):  # Matplotlib >= 3.10 keeps hatch and edge colours apart
        bar.set_hatchcolor("black")


def class_means(means: np.ndarray, names):
    """The average image of each class."""
    fig, axes = plt.subplots(2, 5, figsize=(11, 5))
    for ax, image, name in zip(axes.flat, means, names):
        ax.imshow(image, **IMAGE_STYLE)
        ax.set_title(name, fontsize=11)
        ax.axis("off")
    fig.tight_layout()
    return _french_ticks(fig)


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
    return _french_ticks(fig)
