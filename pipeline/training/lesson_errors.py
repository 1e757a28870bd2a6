"""A failure of the lesson's own code, told in French: the line of `pipeline/lesson.py` where it stopped, and why.

The lesson file is read and checked before the build (workflow/lesson_check.py); what only Keras can judge
fails when the lesson runs: a layer Keras refuses to build (`Dense(0)`), a name misspelt in a function. Such
an error becomes one message naming the file and the line; the traceback goes to the log (workflow/cli.py).
"""
from __future__ import annotations

import contextlib
import traceback
from pathlib import Path

from pipeline.common.errors import PipelineError

LESSON = Path(__file__).resolve().parents[1] / "lesson.py"
SHOWN = "pipeline/lesson.py"
# Not the lesson's fault: a full disk, a missing file, memory. The runner words those (common/io.write_error).
_RESOURCES = (OSError, MemoryError)


def lesson_line(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the traceback that is in the lesson file: the line of the lesson that failed."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == LESSON]
    return frames[-1] if frames else None


@contextlib.contextmanager
def lesson_failures(during: str):
    """Turn an error of the lesson's code into a PipelineError naming its line (the original is its cause)."""
    try:
        yield
    except (PipelineError, *_RESOURCES):
        raise
    except Exception as exc:
        frame = lesson_line(exc)
        if frame is None:
            raise
        raise PipelineError(
            f"le programme de la leçon s'est arrêté sur une erreur {during} ({type(exc).__name__}).",
            where=f"{SHOWN}, ligne {frame.lineno} (fonction {frame.name})",
            fix="corrigez cette ligne d'après le détail ci-dessous, puis relancez « make report » "
                "(l'erreur complète est dans artifacts/erreur.log).",
            detail=f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from exc
