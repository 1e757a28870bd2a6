"""Figures of what the trained network does: its diagram, its weights, a worked example, calibration, experiments."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FixedLocator

from pipeline.common.fr import NBSP, decimal, integer
from pipeline.figures.style import (BLUE, GREEN, GREY, IMAGE_STYLE, ORANGE, PURPLE, SKY, VERMILION, WEIGHT_CMAP,
                                    FrenchFormatter, french_ticks, hatch, legend_below, percent_axis, percent_floor, plt)


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


def weight_images(kernel: np.ndarray, columns: int = 16, dead=None):
    """The first layer's 784xN kernel as N images of 28x28: blue positive, white zero, orange negative.
    Units flagged in `dead` (never active on the test set) get a thick vermilion frame and a cross."""
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
            marked = dead is not None and bool(dead[k])
            for spine in ax.spines.values():  # a thin frame: white (zero) tiles stay visible
                spine.set_visible(True)
                spine.set_color(VERMILION if marked else "#BBBBBB")
                spine.set_linewidth(3.0 if marked else 0.6)
            if marked:
                ax.plot([0, 1, np.nan, 0, 1], [0, 1, np.nan, 1, 0], transform=ax.transAxes, color=VERMILION,
                        linewidth=1.6, gid="dead")
        else:
            ax.axis("off")
    right = width / (width + 1.3)
    count = int(np.sum(dead)) if dead is not None else 0
    bottom = 0.45 / height if count else 0.01  # a line under the tiles says what the crosses mean
    fig.subplots_adjust(left=0.005, right=right - 0.005, bottom=bottom, top=0.99, wspace=0.08, hspace=0.08)
    if count:
        fig.text(0.005, 0.1 / height, f"Encadré{'s' if count > 1 else ''} en vermillon et barré{'s' if count > 1 else ''} : "
                 f"{count} neurone{'s' if count > 1 else ''} mort{'s' if count > 1 else ''}, actif{'s' if count > 1 else ''} "
                 "sur aucune image de test (ReLU renvoie toujours 0).", fontsize=12, color=VERMILION, gid="dead-legend")
    cax = fig.add_axes((right + 0.012, 0.12, 0.18 / (width + 1.3), 0.76))
    extend = "both" if float(np.abs(kernel).max()) > limit else "neither"
    bar = fig.colorbar(image, cax=cax, extend=extend)
    bar.set_label("Poids")
    bar.ax.yaxis.set_major_formatter(FrenchFormatter())
    return french_ticks(fig)


def network_diagram(layer_sizes, layer_params, activations, shown: int = 8, output_names=None, image=None):
    """Columns of nodes (a sample of at most `shown` per large layer, with « … »), faded edges, and the
    parameter count of each Dense layer written on its band of edges. Plain lists: any number of layers,
    any widths; `activations` names each Dense layer's activation (one per column after the inputs).
    The inputs are drawn as squares (pixel values, not neurons), after the image and its Flatten arrow
    when `image` is given; `output_names` are written beside the output neurons."""
    sizes = [int(n) for n in layer_sizes]
    lead = 0.9 if image is not None else 0.0  # room on the left for the image and the Flatten arrow
    fig, ax = plt.subplots(figsize=(3.8 * len(sizes) + 3.2 * lead + (1.6 if output_names else 0), 5.6))
    ax.set_xlim(-0.5 - lead, len(sizes) - 0.5 + (0.45 if output_names else 0))
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
        ax.scatter([x] * len(ys), ys, s=180, color=colour, edgecolor="black", linewidth=0.8, zorder=3,
                   marker="s" if x == 0 else "o")
        if gap is not None:
            ax.text(x, gap, "…", rotation=90, ha="center", va="center", fontsize=22, zorder=3)
    if output_names is not None:
        x, ys, _ = columns[-1]
        for y, name in zip(ys, output_names):
            ax.text(x + 0.12, y, name, ha="left", va="center", fontsize=11, zorder=4)
    if image is not None:
        pixels = np.asarray(image).reshape(int(round(math.sqrt(np.size(image)))), -1)
        ax.imshow(pixels, cmap="gray", vmin=0, vmax=255, extent=(-1.25, -0.55, 0.3, 0.7), zorder=2)
        ax.annotate("", xy=(-0.12, 0.5), xytext=(-0.5, 0.5), zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5})
        ax.text(-0.31, 0.55, "Flatten", ha="center", va="bottom", fontsize=12, family="monospace")
        ax.text(-0.9, -0.02, f"L'image\n{pixels.shape[0]} × {pixels.shape[1]} pixels", ha="center", va="top",
                fontsize=12)
    for x, n in enumerate(sizes):
        ax.text(x, -0.02, _layer_caption(x, n, len(sizes), ([None] + list(activations))[x]),
                ha="center", va="top", fontsize=12)
    for k, params in enumerate(layer_params):
        a, b = sizes[k], sizes[k + 1]
        detail = (f"\n{integer(a)} × {integer(b)} poids\n+ {integer(b)} biais" if int(params) == a * b + b else "")
        ax.text(k + 0.5, 0.5, f"{integer(params)} paramètres{detail}", ha="center", va="center", fontsize=12,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": GREY}, zorder=4)
    total = sum(int(p) for p in layer_params)
    ax.set_title(" → ".join(integer(n) for n in sizes) + f" : {integer(total)} paramètres au total",
                 fontsize=13, pad=14)
    fig.tight_layout()
    return french_ticks(fig)


ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "sigmoïde", "linear": "linéaires"}  # others as Keras writes them


def _layer_caption(index: int, size: int, count: int, activation: str | None) -> str:
    if index == 0:
        side = int(round(math.sqrt(size)))
        pixels = "\n(les pixels, déroulés)" if side * side == size else ""
        return f"{integer(size)} valeurs d'entrée{pixels}"
    name = ACTIVATION_NAMES.get(activation, activation)
    return f"{integer(size)} sorties {name}" if index == count - 1 else f"{integer(size)} neurones {name}"


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
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("Confiance du réseau (probabilité de la classe prédite)")
    ax.set_ylabel("Exactitude réelle")
    ax.set_title(f"Calibration sur {integer(len(labels))} images\n"
                 "(en bas de chaque barre, en petit : nombre d'images de la tranche)", fontsize=12)
    ax.grid(alpha=0.3, zorder=0)
    handles, labels_ = ax.get_legend_handles_labels()
    legend_below(fig, handles, labels_, ncol=1)
    return french_ticks(fig)


def worked_example(image, hidden_layers, logits, probabilities, true_label: int, names, activations):
    """One test image through the network: image, the last hidden layer's outputs (what the scores are
    computed from), scores (logits), probabilities. `hidden_layers`: each hidden layer's outputs."""
    logits, probabilities = (np.asarray(a, dtype=np.float64) for a in (logits, probabilities))
    hidden = np.asarray(hidden_layers[-1], dtype=np.float64) if hidden_layers else np.zeros(0)
    which = "Couche cachée" if len(hidden_layers) == 1 else f"Dernière couche cachée ({len(hidden_layers)}ᵉ)"
    activation = ACTIVATION_NAMES.get(activations[-1], activations[-1]) if activations else ""
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

    units = np.arange(len(hidden))  # numbered from 0, as Python indexes them
    ax_hidden.bar(units, hidden, width=0.9, color=BLUE)
    ax_hidden.set_xlim(-0.7, len(hidden) - 0.3)
    ax_hidden.set_title(f"2. {which} après {activation} : {active} neurones actifs (> 0) sur {len(hidden)}")
    ax_hidden.set_xlabel(f"Neurone caché (0 à {len(hidden) - 1})")
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
    hatch(bars[true_label])
    for y, p in zip(positions, probabilities):
        text = percent_floor(p) if p >= 0.001 else f"<{NBSP}0,1{NBSP}%"
        ax_prob.text(p + 0.01, y, text, va="center", fontsize=9)
    ax_prob.set_xlim(0, 1.16)
    ax_prob.set_xticks(np.linspace(0, 1, 6))
    percent_axis(ax_prob.xaxis)
    ax_prob.set_yticks(positions, names)
    ax_prob.get_yticklabels()[predicted].set_fontweight("bold")
    ax_prob.invert_yaxis()
    ax_prob.set_title("4. Probabilités après softmax (classe réelle hachurée)")
    ax_prob.set_xlabel("Probabilité")
    return french_ticks(fig)


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
    percent_axis(ax_acc.yaxis)
    ax_loss.set_title("Perte de validation")
    handles, labels = ax_acc.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=min(len(labels), 4))
    return french_ticks(fig)
