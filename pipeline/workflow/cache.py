"""Content keys: a stage is reused only when everything that changes its result is unchanged."""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable


def file_digests(path: Path) -> dict[str, str]:
    """SHA-256 of each file under `path` (names relative to it), or of `path` itself; {} when absent.

    Kept file by file in the manifest, so that `make status` can name the template that changed.
    """
    path = Path(path)
    if path.is_dir():
        return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(path.rglob("*")) if p.is_file()}
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()} if path.is_file() else {}


def package_versions(names: Iterable[str] = ("tensorflow", "keras", "numpy")) -> dict[str, str]:
    """Installed versions read from package metadata, without importing the packages.

    "tensorflow" is also found as the CPU build "tensorflow-cpu" (same code, same version number).
    """
    versions = {}
    for name in names:
        for candidate in (name, f"{name}-cpu") if name == "tensorflow" else (name,):
            try:
                versions[name] = metadata.version(candidate)
                break
            except metadata.PackageNotFoundError:
                versions[name] = "absent"
    return versions


def key_of(parts: dict[str, Any]) -> str:
    """A short, stable key for a JSON-serialisable description of a stage's inputs."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
