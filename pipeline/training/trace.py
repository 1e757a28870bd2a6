"""Which lines of a source file ran: the proof that the code the pages show is code the build executed."""
from __future__ import annotations

import ast
import contextlib
import sys
from pathlib import Path


@contextlib.contextmanager
def trace_lines(path: Path):
    """The set of line numbers of `path` executed inside the block (other files are not traced)."""
    target, executed = str(path), set()

    def local(frame, event, arg):
        if event == "line":
            executed.add(frame.f_lineno)
        return local

    def on_call(frame, event, arg):
        return local if frame.f_code.co_filename == target else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield executed
    finally:
        sys.settrace(previous)


def module_level_lines(path: Path) -> set[int]:
    """Lines of top-level statements, which ran when the module was imported (imports, class names)."""
    return {node.lineno for node in ast.parse(path.read_text(encoding="utf-8")).body
            if not isinstance(node, (ast.FunctionDef, ast.If)) and not _is_docstring(node)}


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
