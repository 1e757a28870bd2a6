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

from pipeline.fr import NBSP, decimal, integer  # noqa: E402

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


def weight_limit(kernel: np.ndarray, quantile: float = 0.99) -> float:
    """Symmetric colour limit of the weights figure, zero in the middle (white).

    The 99th percentile of |weight| rather than the maximum: a few large weights would otherwise
    wash every image out; the rarer, larger ones take the end colours (arrows of the colour bar).
    """
    magnitudes = np.abs(np.asarray(kernel, dtype=np.float64))
    limit = float(np.quantile(magnitudes, quantile)) if magnitudes.size else 0.0
    if limit <= 0:
        limit = float(magnitudes.max()) if magnitudes.size else 0.0
    return limit if limit > 0 else 1.0


def weight_images(kernel: np.ndarray, columns: int = 16):
    """The first layer's 784xN kernel as N images of 28x28: blue positive, white zero, orange negative."""
    units = kernel.shape[1]
    side = int(round(math.sqrt(kernel.shape[0])))
    rows = int(np.ceil(units / columns))
    width, height = columns * 0.9, rows * 0.9
    fig, axes = plt.subplots(rows, columns, figsize=(width + 1.3, height), squeeze=False)
    limit = weight_limit(kernel)
    image = None
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < units:
            image = ax.imshow(kernel[:, k].reshape(side, side), cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
            for spine in ax.spines.values():  # a thin frame: white (zero) tiles stay visible
                spine.set_visible(True)
                spine.set_color("#BBBBBB")
                spine.set_linewidth(0.6)
        else:
            ax.axis("off")
    right = width / (width + 1.3)
    fig.subplots_adjust(left=0.005, right=right - 0.005, bottom=0.01, top=0.99, wspace=0.08, hspace=0.08)
    cax = fig.add_axes((right + 0.012, 0.12, 0.18 / (width + 1.3), 0.76))
    extend = "both" if float(np.abs(kernel).max()) > limit else "neither"
    bar = fig.colorbar(image, cax=cax, extend=extend)
    bar.set_label("Poids")
    bar.ax.yaxis.set_major_formatter(FrenchFormatter())
    return _french_ticks(fig)


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


def network_diagram(layer_sizes, layer_params, shown: int = 8):
    """Columns of nodes (a sample of at most `shown` per large layer, with « … »), faded edges, and the
    parameter count of each Dense layer written on its band of edges. Plain lists: any widths."""
    sizes = [int(n) for n in layer_sizes]
    fig, ax = plt.subplots(figsize=(3.8 * len(sizes), 5.6))
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-0.1, 1.0)
    ax.axis("off")
    colours = [GREY] + [BLUE] * (len(sizes) - 2) + [GREEN]
    columns = []
    for x, n in enumerate(sizes):
        if n <= shown + 2:
            ys = list(np.linspace(0.95, 0.05, n)) if n > 1 else [0.5]
            gap = None
        else:  # half the sample on top, « … » in the middle, half below
            slots = np.linspace(0.95, 0.05, shown + 1)
            half = shown // 2
            ys, gap = list(slots[:half]) + list(slots[half + 1:]), slots[half]
        columns.append((x, ys, gap))
    for (x0, ys0, _), (x1, ys1, _) in zip(columns, columns[1:]):
        for y0 in ys0:
            for y1 in ys1:
                ax.plot([x0, x1], [y0, y1], color=GREY, alpha=0.3, linewidth=0.7, zorder=1)
    for (x, ys, gap), n, colour in zip(columns, sizes, colours):
        ax.scatter([x] * len(ys), ys, s=180, color=colour, edgecolor="black", linewidth=0.8, zorder=3)
        if gap is not None:
            ax.text(x, gap, "…", rotation=90, ha="center", va="center", fontsize=22, zorder=3)
    for x, n in enumerate(sizes):
        ax.text(x, -0.02, _layer_caption(x, n, len(sizes)), ha="center", va="top", fontsize=12)
    for k, params in enumerate(layer_params):
        a, b = sizes[k], sizes[k + 1]
        detail = (f"\n{integer(a)} × {integer(b)} poids\n+ {integer(b)} biais" if int(params) == a * b + b else "")
        ax.text(k + 0.5, 0.5, f"{integer(params)} paramètres{detail}", ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": GREY}, zorder=4)
    total = sum(int(p) for p in layer_params)
    ax.set_title(" → ".join(integer(n) for n in sizes) + f" : {integer(total)} paramètres au total",
                 fontsize=13, pad=14)
    fig.tight_layout()
    return _french_ticks(fig)


def _layer_caption(index: int, size: int, count: int) -> str:
    if index == 0:
        side = int(round(math.sqrt(size)))
        pixels = f" ({side} × {side} pixels)" if side * side == size else ""
        return f"{integer(size)} entrées{pixels}"
    if index == count - 1:
        return f"{integer(size)} sorties softmax"
    return f"{integer(size)} neurones ReLU"


def calibration_table(probabilities, labels, bins: int = 10) -> list[dict]:
    """Top-class confidence cut into `bins` equal slices of [0, 1]: per non-empty slice, its bounds,
    number of images, mean confidence and real exactitude (share of those images rightly classified).

    Slices are [low, high), the last one includes 1. Plain floats and ints, ready for JSON.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels).astype(int)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    which = np.clip(np.floor(confidence * bins).astype(int), 0, bins - 1)
    rows = []
    for k in range(bins):
        inside = which == k
        count = int(inside.sum())
        if count:
            rows.append({"low": k / bins, "high": (k + 1) / bins, "count": count,
                         "confidence": float(confidence[inside].mean()),
                         "accuracy": float(correct[inside].mean())})
    return rows


def calibration(probabilities, labels, bins: int = 10):
    """Reliability diagram: for each confidence slice, the real exactitude (bar) against the diagonal."""
    rows = calibration_table(probabilities, labels, bins)
    fig, ax = plt.subplots(figsize=(7.6, 6.6), layout="constrained")
    ax.plot([0, 1], [0, 1], linestyle="--", color=GREY, linewidth=1.5, label="calibration parfaite", zorder=3)
    ax.bar([r["low"] for r in rows], [r["accuracy"] for r in rows], width=1 / bins, align="edge",
                  color=BLUE, edgecolor="white", linewidth=1, label="exactitude réelle de la tranche", zorder=2)
    ax.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], "D", color=ORANGE,
            markeredgecolor="black", markersize=6, label="confiance moyenne de la tranche, à la hauteur de son exactitude", zorder=4)
    for r in rows:  # the count at the foot of its bar (white on blue), above it when the bar is too low
        inside = r["accuracy"] >= 0.08
        ax.text((r["low"] + r["high"]) / 2, 0.015 if inside else r["accuracy"] + 0.015, integer(r["count"]),
                ha="center", va="bottom", fontsize=8, color="white" if inside else "#333333", zorder=5)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xticks(np.linspace(0, 1, 6))
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Confiance du réseau (probabilité de la classe prédite)")
    ax.set_ylabel("Exactitude réelle")
    ax.set_title(f"Calibration sur {integer(len(labels))} images\n"
                 "(en bas de chaque barre, en petit : nombre d'images de la tranche)", fontsize=12)
    ax.grid(alpha=0.3, zorder=0)
    handles, labels_ = ax.get_legend_handles_labels()
    _legend_below(fig, handles, labels_, ncol=1)
    return _french_ticks(fig)


def worked_example(image, hidden, logits, probabilities, true_label: int, names):
    """One test image through the network: image, hidden activations, scores (logits), probabilities."""
    hidden, logits, probabilities = (np.asarray(a, dtype=np.float64) for a in (hidden, logits, probabilities))
    true_label = int(true_label)
    predicted = int(np.argmax(probabilities))
    active = int((hidden > 0).sum())
    positions = np.arange(len(names))
    fig = plt.figure(figsize=(13, 9.4), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.6])
    ax_img, ax_hidden = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_logit, ax_prob = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])

    image = np.asarray(image)
    if image.ndim == 1:  # flattened input: back to a square picture
        side = int(round(math.sqrt(image.size)))
        image = image.reshape(side, side)
    ax_img.imshow(image, **IMAGE_STYLE)
    ax_img.set_title(f"1. L'image, classe réelle : {names[true_label]}\n{integer(image.size)} pixels en entrée")
    ax_img.axis("off")

    units = np.arange(1, len(hidden) + 1)
    ax_hidden.bar(units, hidden, width=0.9, color=BLUE)
    ax_hidden.set_xlim(0.3, len(hidden) + 0.7)
    ax_hidden.set_title(f"2. Couche cachée après ReLU : {active} neurones actifs (> 0) sur {len(hidden)}")
    ax_hidden.set_xlabel(f"Neurone caché (1 à {len(hidden)})")
    ax_hidden.set_ylabel("Activation")
    ax_hidden.grid(axis="y", alpha=0.3)

    ax_logit.barh(positions, logits, color=[BLUE if v >= 0 else ORANGE for v in logits])
    ax_logit.axvline(0, color="black", linewidth=0.8)
    span = max(float(np.abs(logits).max()), 1e-9)
    for y, v in zip(positions, logits):
        ax_logit.text(v + (0.02 if v >= 0 else -0.02) * span, y, decimal(v, 1), va="center",
                      ha="left" if v >= 0 else "right", fontsize=9)
    low, high = min(0.0, float(logits.min())), max(0.0, float(logits.max()))
    ax_logit.set_xlim(low - 0.2 * span if low < 0 else 0, high + 0.2 * span if high > 0 else 0)
    ax_logit.set_yticks(positions, names)
    ax_logit.get_yticklabels()[predicted].set_fontweight("bold")
    ax_logit.invert_yaxis()
    ax_logit.set_title("3. Scores de sortie (logits) : le plus grand l'emporte")
    ax_logit.set_xlabel("Score")

    bars = ax_prob.barh(positions, probabilities, color=GREY)
    bars[predicted].set_facecolor(BLUE if predicted == true_label else VERMILION)
    _hatch(bars[true_label])
    for y, p in zip(positions, probabilities):
        text = percent_floor(p) if p >= 0.001 else f"<{NBSP}0,1{NBSP}%"
        ax_prob.text(p + 0.01, y, text, va="center", fontsize=9)
    ax_prob.set_xlim(0, 1.16)
    ax_prob.set_xticks(np.linspace(0, 1, 6))
    _percent_axis(ax_prob.xaxis)
    ax_prob.set_yticks(positions, names)
    ax_prob.get_yticklabels()[predicted].set_fontweight("bold")
    ax_prob.invert_yaxis()
    ax_prob.set_title("4. Probabilités après softmax (classe réelle hachurée)")
    ax_prob.set_xlabel("Probabilité")
    return _french_ticks(fig)


EXPERIMENT_COLOURS = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY)


def experiment_curves(variants: list[dict]):
    """One experiment: each variant's validation exactitude (left) and loss (right), epoch by epoch.

    Each line is the mean over seeds and the shaded band ± one standard deviation, while every seed
    is still training; once some have stopped, a dotted line follows the mean of those still
    training. The variant of params.yaml is drawn thicker.
    """
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for variant, colour in zip(variants, EXPERIMENT_COLOURS):
        width = 2.6 if variant["reference"] else 1.6
        for ax, name in ((ax_acc, "val_accuracy"), (ax_loss, "val_loss")):
            curve = variant["curves"][name]
            mean, std, count = np.array(curve["mean"]), np.array(curve["std"]), np.array(curve["count"])
            epochs = np.arange(1, len(mean) + 1)
            full = int((count == count.max()).sum())  # epochs that every seed trained
            ax.fill_between(epochs[:full], (mean - std)[:full], (mean + std)[:full], color=colour, alpha=0.18,
                            linewidth=0)
            on_top = 3 if variant["reference"] else 2  # params.yaml's line stays visible where lines coincide
            ax.plot(epochs[:full], mean[:full], "-o", color=colour, markersize=3, linewidth=width, zorder=on_top,
                    label=variant["label"] + (" (params.yaml)" if variant["reference"] else ""))
            if full < len(mean):
                ax.plot(epochs[full - 1:], mean[full - 1:], ":", color=colour, linewidth=width, zorder=on_top)
    for ax in (ax_acc, ax_loss):
        ax.set_xlabel("Époque")
        longest = max(len(v["curves"]["val_loss"]["mean"]) for v in variants)
        ax.xaxis.set_major_locator(FixedLocator(range(1, longest + 1, 2 if longest > 10 else 1)))
        ax.grid(alpha=0.3)
    ax_acc.set_title("Exactitude de validation")
    _percent_axis(ax_acc.yaxis)
    ax_loss.set_title("Perte de validation")
    handles, labels = ax_acc.get_legend_handles_labels()
    _legend_below(fig, handles, labels, ncol=min(len(labels), 4))
    return _french_ticks(fig)
