"""Code dependencies read from the project's own import graph (ast), never from a hand-kept list."""
from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "pipeline"
PACKAGE_DIR = Path(__file__).resolve().parent


def imported_modules(source: str, package: str = PACKAGE) -> set[str]:
    """Project modules named by any import in `source`, at module level or inside functions.

    `import pipeline.x`, `from pipeline import x`, `from pipeline.x import y` and relative imports
    all count: a module that training starts importing lazily is a dependency all the same.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x / from .x import y
                base = node.module.split(".")[0] if node.module else None
                found.update([base] if base else [a.name for a in node.names])
            elif node.module and node.module.split(".")[0] == package:
                parts = node.module.split(".")
                found.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
    return found


def closure(module: str, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """`module` and every project module it imports, directly or not, sorted by name."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        path = package_dir / f"{name}.py"
        if name in seen or not path.exists():  # `from pipeline import X` may name a class, not a module
            continue
        seen.add(name)
        todo.extend(imported_modules(path.read_text(encoding="utf-8")) - seen)
    return sorted(seen)


def code_digest(module: str, package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of the source of `module` and of every project module it depends on."""
    return {name: hashlib.sha256((package_dir / f"{name}.py").read_bytes()).hexdigest()
            for name in closure(module, package_dir)}
