"""Content keys: a stage is reused only when everything that changes its result is unchanged."""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable


def tree_digest(paths: Iterable[Path]) -> str:
    """One digest over files and folders (names relative to each root, and contents), in a stable order.

    Names are relative so that the same project copied elsewhere gives the same keys.
    """
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.exists():
                name = path.relative_to(root).as_posix() if root.is_dir() else path.name
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


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
