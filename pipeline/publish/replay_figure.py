"""The replay's printed frames: the first layer's weight patterns at three snapshots, with their measured facts."""
from __future__ import annotations

import numpy as np

from pipeline.common import fr
from pipeline.figures.network import weight_limit
from pipeline.figures.style import WEIGHT_CMAP, plt, to_png

UNITS_SHOWN, COLUMNS = 16, 8  # two rows of eight neurons per frame: the printed page stays short


def moment(snapshot: dict, best_epoch: int, per_epoch: int) -> str:
    """« Mise à jour 0 (poids initiaux) », « Fin de l'époque 1 », « Fin de l'époque 5 (gardée) »."""
    updates = snapshot["updates"]
    if updates == 0:
        return "Mise à jour 0 (poids initiaux)"
    if updates % per_epoch:
        return f"Après {fr.integer(updates)} mises à jour des poids"
    epoch = updates // per_epoch
    return f"Fin de l'époque {epoch}" + (" (gardée)" if epoch == best_epoch else "")


def frames_figure(record: dict, stacked: dict, frames: list[int], best_epoch: int, right: dict,
                  units: int) -> tuple[bytes, str]:
    """PNG bytes and its alt text: one band per frame, its title the snapshot's facts, then its weights."""
    shown = min(UNITS_SHOWN, units)
    rows = -(-shown // COLUMNS)
    per_epoch = record["updates_per_epoch"]
    fig = plt.figure(figsize=(9, 1.6 * rows * len(frames) + 0.4), layout="constrained")
    bands = fig.subfigures(len(frames), 1)
    bands = np.atleast_1d(bands)
    titles = []
    for band, k in zip(bands, frames):
        snapshot = record["snapshots"][k]
        kernel = stacked["W1"][k][:, :shown]
        limit = weight_limit(kernel)
        title = (f"{moment(snapshot, best_epoch, per_epoch)} : {right[str(snapshot['updates'])]} images sur 100 "
                 f"bien classées, perte de validation {fr.decimal(snapshot['val_loss'], 3)}")
        titles.append(title)
        band.suptitle(title.replace(" :", fr.NBSP + ":"), fontsize=11)
        axes = band.subplots(rows, COLUMNS, squeeze=False)
        for j, ax in enumerate(axes.flat):
            ax.set_xticks([])
            ax.set_yticks([])
            if j < shown:
                ax.imshow(kernel[:, j].reshape(28, 28), cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
            else:
                ax.axis("off")
    alt = ("Les motifs de poids des " + str(shown) + " premiers neurones de la première couche à trois moments "
           "de l'entraînement, en bleu les poids positifs et en orange les négatifs. " +
           ". ".join(titles) + ".")
    return to_png(fig), alt.replace(" :", fr.NBSP + ":")
