"""Atomic file writes: every artifact appears whole under its final name, or not at all."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from pipeline.common.errors import PipelineError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over `path`."""
    atomic_write_with(path, lambda tmp: Path(tmp).write_bytes(data))


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomic write that leaves identical files alone, so rebuilds do not churn timestamps."""
    if path.exists() and path.read_bytes() == content:
        return False
    atomic_write_bytes(path, content)
    return True


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_text(path, json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def atomic_write_with(path: Path, write: Callable[[str], Any]) -> None:
    """Call `write(tmp_path)` then move the result into place; on any failure `path` is untouched."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; published pages must be world-readable
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink(missing_ok=True)


def write_error(path: Path, exc: OSError) -> PipelineError:
    """A failed write in French: which file, why (disk full, permission), and what to do."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        what, fix = "disque plein : impossible d'écrire le fichier.", "libérez de la place, puis relancez « make report »."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what, fix = ("écriture refusée (droits insuffisants ou disque en lecture seule).",
                     f"rendez {path.parent} accessible en écriture (chmod u+w), puis relancez « make report ».")
    else:
        what, fix = "impossible d'écrire le fichier.", "vérifiez le disque et les droits, puis relancez « make report »."
    return PipelineError(what, where=str(path), fix=fix + " Les fichiers précédents sont intacts.",
                         detail=f"{type(exc).__name__}: {exc}")


def read_json(path: Path) -> Any:
    """A JSON file the build wrote; a missing one raises OSError (callers may treat it as optional),
    a damaged one (cut short, edited by hand, not UTF-8) a PipelineError naming it: never "not measured"."""
    data = Path(path).read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
        raise PipelineError("fichier JSON illisible (tronqué, corrompu ou modifié à la main).", where=str(path),
                            fix="supprimez-le, puis relancez la commande qui l'écrit : « make experiences » pour "
                                "artifacts/experiments.json, « make reglage » pour artifacts/tuning.json, "
                                "« make report » pour les autres fichiers d'artifacts/.",
                            detail=f"{type(exc).__name__}: {exc}") from None


def read_optional_json(path: Path) -> Any:
    """A JSON file a longer command may have written (make experiences, make reglage): None when absent;
    a damaged one stops the build with read_json's message."""
    try:
        return read_json(path)
    except OSError:
        return None
