"""Content keys for stages: a stage is reused only when everything that changes its result is unchanged."""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

PACKAGE_DIR = Path(__file__).resolve().parent


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def sources_digest(module_names: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each pipeline module's source file, by module name."""
    return {name: file_digest(PACKAGE_DIR / f"{name}.py") for name in sorted(module_names)}


def tree_digest(paths: Iterable[Path]) -> str:
    """One digest over files and folders (relative names and contents), in a stable order."""
    digest = hashlib.sha256()
    for root in paths:
        root = Path(root)
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.exists():
                digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def package_versions(names: Iterable[str] = ("tensorflow", "keras", "numpy")) -> dict[str, str]:
    """Installed versions read from package metadata, without importing the packages."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def key_of(parts: dict[str, Any]) -> str:
    """A short, stable key for a JSON-serialisable description of a stage's inputs."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
