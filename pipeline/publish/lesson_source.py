"""What the lesson program declares, read from its source without importing it: its sections and parameters."""
from __future__ import annotations

import ast
from pathlib import Path

from pipeline.common.config import lesson_parameter_key, value_at
from pipeline.pages.sections import sections
from pipeline.publish.notebook_text import HELP, Parameter

LESSON = "pipeline/lesson.py"
NOT_PARAMETERS = ("main",)  # the script's own entry point repeats the others' parameters


def lesson_sections(root: Path) -> list[str]:
    """Names of the lesson's sections, in the order of the file (the order students run them); markers that
    do not pair up are refused with their line (pages/sections.py)."""
    return [s.name for s in sections((root / LESSON).read_text(encoding="utf-8"), LESSON)]


def lesson_parameters(root: Path, params: dict) -> list[Parameter]:
    """Every parameter with a default of the lesson's functions, in the order of the file, and where
    params.yaml holds its value: a parameter added to a lesson function reaches the notebook's
    parameters cell and the script's options with no edit here."""
    found: dict[str, Parameter] = {}
    tree = ast.parse((root / LESSON).read_text(encoding="utf-8"))
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        if function.name in NOT_PARAMETERS:
            continue
        args = function.args.args[len(function.args.args) - len(function.args.defaults):]
        for arg in args:
            if arg.arg not in found:
                key = lesson_parameter_key(arg.arg, params, function.name)
                found[arg.arg] = Parameter(arg.arg, key, HELP.get(arg.arg) or f"valeur de « {key} » dans params.yaml")
    return list(found.values())


def parameter_values(root: Path, params: dict) -> dict[str, object]:
    """{name used by the sections: value from params.yaml}, in the lesson's order."""
    return {p.name: value_at(params, p.key) for p in lesson_parameters(root, params)}
