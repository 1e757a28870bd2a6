"""The lesson file checked like input, before any training: its syntax, its section markers, what the rest calls.

Read from the source, without importing it (no TensorFlow): a mistake in `pipeline/lesson.py` is one French
message naming the file and the line, before the data is even read. What only Keras can judge (a layer it
refuses to build) is checked by the training stage before `fit` (training/lesson_errors.py).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from pipeline.common.config import Params, lesson_parameter_key
from pipeline.common.errors import PipelineError
from pipeline.pages.sections import sections
from pipeline.publish.lesson_source import LESSON, NOT_PARAMETERS

# What a page template shows of the lesson: {{ source("pipeline/lesson.py", "model") }} or code(…).
_SHOWN = re.compile(r"""\b(?:source|code)\(\s*["']%s["']\s*,\s*["']([\w-]+)["']\s*\)""" % re.escape(LESSON))
CALLERS = "pipeline/training"  # the modules that run the lesson's functions, by `lesson.<name>`


def check(root: Path, params: Params) -> None:
    """Raise the PipelineError of the first problem of the lesson file, or return."""
    text = (root / LESSON).read_text(encoding="utf-8")
    tree = _syntax(text)
    names = {s.name for s in sections(text, LESSON)}
    _shown_sections(root, names)
    _called_functions(root, tree)
    _parameters(tree, params)


def _syntax(text: str) -> ast.Module:
    try:
        compile(text, LESSON, "exec", dont_inherit=True)
        return ast.parse(text)
    except SyntaxError as exc:  # IndentationError and TabError too
        line = (exc.text or "").rstrip("\n")
        raise PipelineError(
            "le programme de la leçon n'est pas du Python valide (erreur de syntaxe).",
            where=f"{LESSON}, ligne {exc.lineno}" + (f", colonne {exc.offset}" if exc.offset else ""),
            fix="corrigez cette ligne ou celle juste avant (parenthèse ou guillemet non fermé, deux-points, "
                f"indentation), puis relancez « make report » ; « python -m py_compile {LESSON} » vérifie la "
                "syntaxe sans rien lancer.",
            detail=f"{type(exc).__name__}: {exc.msg}" + (f" — {line.strip()}" if line.strip() else "")) from None


def _shown_sections(root: Path, names: set[str]) -> None:
    """Every section a page template shows exists in the lesson."""
    for template in sorted((root / "templates").glob("*.jinja")):
        for name in _SHOWN.findall(template.read_text(encoding="utf-8")):
            if name not in names:
                raise PipelineError(
                    f"la section « {name} », que la page {template.name} montre, n'existe pas dans {LESSON}.",
                    where=LESSON,
                    fix=f"entourez son code de « # --8<-- [start:{name}] » et « # --8<-- [end:{name}] » dans "
                        f"{LESSON}, puis relancez « make report ».")


def called_functions(root: Path) -> dict[str, str]:
    """{name: calling module} of every `lesson.<name>` that the training modules use."""
    called: dict[str, str] = {}
    for module in sorted((root / CALLERS).glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "lesson"
                    and not node.attr.startswith("__")):  # the module's own attributes (__name__) are Python's
                called.setdefault(node.attr, module.relative_to(root).as_posix())
    return called


def _called_functions(root: Path, tree: ast.Module) -> None:
    # Functions, and the module-level names the training reads too (class_names, for the exercises' code).
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    defined |= {target.id for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    for name, caller in called_functions(root).items():
        if name not in defined:
            raise PipelineError(
                f"la fonction « {name} » de la leçon, que {caller} appelle, n'existe pas dans {LESSON}.",
                where=LESSON,
                fix=f"remettez « def {name}(…) » dans {LESSON} (ou renommez l'appel dans {caller}), puis "
                    "relancez « make report ».")


def _parameters(tree: ast.Module, params: Params) -> None:
    """Each parameter with a default of a lesson function is a key of params.yaml (its one route to the training)."""
    values = params.to_dict()
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        if function.name in NOT_PARAMETERS:
            continue
        for arg in function.args.args[len(function.args.args) - len(function.args.defaults):]:
            try:
                lesson_parameter_key(arg.arg, values, function.name)
            except PipelineError as exc:
                raise PipelineError(exc.what, where=f"{LESSON}, ligne {arg.lineno} (fonction {function.name})",
                                    fix=exc.fix) from None
