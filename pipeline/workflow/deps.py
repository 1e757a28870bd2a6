"""Code dependencies read from the project's own import graph (ast), never from a hand-kept list."""
from __future__ import annotations

import ast
import hashlib
from pathlib import Path

PACKAGE = "pipeline"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def imported_modules(source: str, current: str = "", package: str = PACKAGE) -> set[str]:
    """Dotted names (relative to the package) that any import in `source` may refer to.

    `import pipeline.a.b`, `from pipeline.a import b`, `from pipeline.a.b import y` and relative
    imports all count, at module level or inside functions: a module that training starts importing
    lazily is a dependency all the same. A `from x import name` yields both `x` and `x.name`, since
    the name may be a submodule or a class; `module_path` keeps only the ones that are files.
    `current` is the importing module's dotted name, needed to resolve relative imports.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == package and len(parts) > 1:
                    found.add(".".join(parts[1:]))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = current.split(".")[: -node.level] if current else []
                base += node.module.split(".") if node.module else []
            elif node.module and node.module.split(".")[0] == package:
                base = node.module.split(".")[1:]
            else:
                continue
            if base:
                found.add(".".join(base))
            found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


def module_path(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The file of a dotted module name (`training.train`, or a package's `__init__.py`), if any."""
    base = package_dir.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def closure(module: str, package_dir: Path = PACKAGE_DIR) -> list[str]:
    """`module` and every project module it imports, directly or not, sorted by dotted name."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        path = module_path(name, package_dir)
        if name in seen or path is None:  # `from pipeline.x import X` may name a class, not a module
            continue
        seen.add(name)
        todo.extend(imported_modules(path.read_text(encoding="utf-8"), name) - seen)
    return sorted(seen)


def code_digest(module: str, package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of the source of `module` and of every project module it depends on."""
    return {name: hashlib.sha256(module_path(name, package_dir).read_bytes()).hexdigest()
            for name in closure(module, package_dir)}
