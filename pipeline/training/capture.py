"""What the lesson prints and draws while it runs, kept for the pages (terminal output, deterministic PNGs)."""
from __future__ import annotations

import contextlib
import io
import sys
import warnings


class _Tee(io.StringIO):
    """Keeps what is written and passes it on to the real stdout."""

    def __init__(self, target):
        super().__init__()
        self.target = target

    def write(self, text):
        self.target.write(text)
        return super().write(text)

    def flush(self):
        self.target.flush()


@contextlib.contextmanager
def tee_stdout():
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        yield tee


def captured(function, *args) -> tuple[str, object]:
    """What a lesson section prints (kept for the page, not the build's log) and what it returns."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = function(*args)
    return buffer.getvalue(), result


def lesson_figure(function, *args) -> bytes:
    """Run a lesson section that draws with pyplot and return its figure as deterministic PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # no screen: plt.show() does nothing
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*non-interactive.*", category=UserWarning)
        function(*args)
    figure = plt.gcf()
    for axes in figure.axes:  # published on the site: French numbers on the axes, code unchanged
        for axis in (axes.xaxis, axes.yaxis):
            if isinstance(axis.get_major_formatter(), matplotlib.ticker.ScalarFormatter):  # not class names
                axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: french_tick(value)))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
    plt.close("all")
    return buffer.getvalue()


def french_tick(value: float) -> str:
    """6000 -> '6 000', 0.85 -> '0,85': axis numbers as the site writes them (fr.py is kept out of training)."""
    text = f"{value:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")
