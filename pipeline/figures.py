"""Matplotlib figures from plain numbers and images; each function returns a Figure, saving is the caller's."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pipeline.fr import NBSP, decimal, integer  # noqa: E402

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#777777")
plt.rcParams.update({
    "font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "legend.fontsize": 11,
    "xtick.labelsize": 11, "ytick.labelsize": 11, "figure.dpi": 100,
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.formatter.use_locale": False,
})


def to_png(fig) -> bytes:
    """PNG bytes without timestamp or version metadata, so identical figures give identical files."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def sample_grid(images: np.ndarray, labels: np.ndarray, names, columns: int = 8):
    """A grid of articles, each titled with its French class name."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows))
    for ax, image, label in zip(axes.flat, images, labels):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(names[int(label)], fontsize=11)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


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
    return fig


def learning_curves(history: dict, best_epoch: int, stop_epoch: int, stopped_early: bool):
    """The seed's figure: train vs validation accuracy (left), train vs validation loss (right)."""
    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key, title, ylabel in ((ax_acc, "accuracy", "Précision", "Précision"),
                                    (ax_loss, "loss", "Perte", "Perte (entropie croisée)")):
        ax.plot(epochs, history[key], "-o", color=BLUE, label="Entraînement", markersize=4)
        ax.plot(epochs, history["val_" + key], "--s", color=ORANGE, label="Validation", markersize=4)
        ax.axvline(best_epoch, color=GREEN, linestyle=":", linewidth=2,
                   label=f"Meilleure époque ({best_epoch})")
        if stopped_early:
            ax.axvline(stop_epoch, color=VERMILION, linestyle="-.", linewidth=1.5,
                       label=f"Arrêt ({stop_epoch})")
        ax.set_title(f"{title} : entraînement et validation")
        ax.set_xlabel("Époque")
        ax.set_ylabel(ylabel)
        ax.set_xticks(epochs if len(epochs) <= 25 else epochs[::max(1, len(epochs) // 20)])
        ax.yaxis.set_major_formatter(lambda v, _: decimal(v, 2))
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


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
    return fig


def image_gallery(images, titles, columns: int = 6):
    """Images with multi-line titles (used for the most confident mistakes)."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns, 2.9 * rows))
    for ax in np.atleast_1d(axes).flat:
        ax.axis("off")
    for ax, image, title in zip(np.atleast_1d(axes).flat, images, titles):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def prediction_bars(images, probabilities, true_labels, names):
    """Each image beside its 10 probabilities; true class hatched, predicted class outlined and bold."""
    n = len(images)
    fig, axes = plt.subplots(n, 2, figsize=(10, 2.2 * n), gridspec_kw={"width_ratios": [1, 3.2]})
    axes = np.atleast_2d(axes)
    positions = np.arange(len(names))
    for row, (image, probs, truth) in enumerate(zip(images, probabilities, true_labels)):
        predicted = int(np.argmax(probs))
        ax_img, ax_bar = axes[row]
        ax_img.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax_img.axis("off")
        verdict = "juste" if predicted == truth else "erreur"
        ax_img.set_title(f"Réelle : {names[int(truth)]}", fontsize=10)
        bars = ax_bar.barh(positions, probs, color=GREY)
        bars[predicted].set_color(BLUE if predicted == truth else VERMILION)
        bars[predicted].set_edgecolor("black")
        bars[predicted].set_linewidth(2)
        bars[int(truth)].set_hatch("///")
        bars[int(truth)].set_edgecolor("black")
        ax_bar.set_yticks(positions, names, fontsize=9)
        for tick in ax_bar.get_yticklabels():
            if tick.get_text() == names[predicted]:
                tick.set_fontweight("bold")
        ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 1.0)
        ax_bar.xaxis.set_major_formatter(lambda v, _: integer(100 * v) + NBSP + "%")
        ax_bar.set_title(f"Prédite : {names[predicted]} ({integer(100 * probs[predicted])}{NBSP}%, "
                         f"{verdict})", fontsize=10)
    fig.tight_layout()
    return fig


def weight_images(kernel: np.ndarray, columns: int = 16):
    """The first layer's 784x128 kernel as 128 images of 28x28 (blue positive, orange negative)."""
    units = kernel.shape[1]
    rows = int(np.ceil(units / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 0.9))
    limit = np.abs(kernel).max()
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < units:
            ax.imshow(kernel[:, k].reshape(28, 28), cmap="PuOr", vmin=-limit, vmax=limit)
    fig.tight_layout(pad=0.2)
    return fig


def class_means(means: np.ndarray, names):
    """The average image of each class."""
    fig, axes = plt.subplots(2, 5, figsize=(11, 5))
    for ax, image, name in zip(axes.flat, means, names):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
        ax.set_title(name, fontsize=11)
        ax.axis("off")
    fig.tight_layout()
    return fig


def pixel_histogram(raw: np.ndarray):
    """Pixel values before (0-255) and after normalisation ([0, 1]): same shape, other scale."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, values, title in ((axes[0], raw, "Avant : entiers de 0 à 255"),
                              (axes[1], raw / 255.0, "Après : décimaux de 0 à 1")):
        ax.hist(values.ravel(), bins=32, color=BLUE, log=True)
        ax.set_title(title)
        ax.set_xlabel("Valeur du pixel")
        ax.set_ylabel("Nombre de pixels (log)")
    fig.tight_layout()
    return fig
