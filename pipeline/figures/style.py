"""The figures' shared style: Matplotlib settings, Okabe-Ito colours, French tick labels, legends, hatching, PNG bytes."""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")  # no screen on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.ticker import Formatter, ScalarFormatter  # noqa: E402

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


def percent_axis(axis) -> None:
    axis.set_major_formatter(FrenchFormatter(100, NBSP + "%"))


def french_ticks(fig):
    """Replace Matplotlib's default '0.2' labels on every linear axis (colour bars included) by '0,2'."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear" and type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FrenchFormatter())
    return fig


def legend_below(fig, handles, labels, ncol: int):
    """One legend for the figure, under the axes (constrained layout makes room): it hides no data."""
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)


def hatch(bar) -> None:
    """Black diagonal hatching (the true class), visible on grey, blue and vermilion bars alike."""
    bar.set_hatch("///")
    bar.set_edgecolor("black")
    if hasattr(bar, "set_hatchcolor"):  # Matplotlib >= 3.10 keeps hatch and edge colours apart
        bar.set_hatchcolor("black")
