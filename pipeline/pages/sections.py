"""The `--8<--` section markers of a source file, checked: each section opened once, closed once, never inside another.

A deleted `[end:model]` would otherwise make the Modèle page show the rest of the lesson as its model,
and the students' notebook and script stop on an IndentationError: the file is refused with its line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.common.errors import PipelineError

# A marker line holds nothing else: Python's `# --8<-- [start:x]`, JavaScript's `// --8<-- …` or `// # --8<-- …`.
# A mention inside a sentence (the lesson's docstring) is not a marker.
MARKER_LINE = re.compile(r"^\s*(?:#|//)\s*(?:#\s*)?--8<--\s*\[(start|end):([\w-]+)\]\s*$")


@dataclass(frozen=True)
class Section:
    name: str
    start: int  # line numbers, from 1, of the two markers
    end: int


def sections(text: str, relative: str) -> list[Section]:
    """Every section of `text`, in the file's order, or a PipelineError naming `relative` and the faulty line."""
    found: list[Section] = []
    opened: tuple[str, int] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        marker = MARKER_LINE.match(line)
        if not marker:
            continue
        kind, name = marker.groups()
        if kind == "start":
            if opened:
                raise _error(f"la section « {name} » commence avant la fin de la section « {opened[0]} » "
                             f"(ouverte ligne {opened[1]}).", relative, number,
                             f"ajoutez « # --8<-- [end:{opened[0]}] » à la fin du code de la section « {opened[0]} »")
            twice = next((s for s in found if s.name == name), None)
            if twice:
                raise _error(f"la section « {name} » est ouverte deux fois (lignes {twice.start} et {number}).",
                             relative, number, "donnez un autre nom à l'une des deux sections")
            opened = (name, number)
        elif not opened or opened[0] != name:
            raise _error(f"le marqueur « [end:{name}] » ferme une section qui n'est pas ouverte"
                         + (f" (la section ouverte est « {opened[0]} », ligne {opened[1]})." if opened else "."),
                         relative, number, f"écrivez « # --8<-- [start:{name}] » au début de cette section, ou "
                                           "corrigez le nom du marqueur")
        else:
            found.append(Section(name, opened[1], number))
            opened = None
    if opened:
        raise _error(f"la section « {opened[0]} » n'est jamais fermée (il manque « # --8<-- [end:{opened[0]}] »).",
                     relative, opened[1], f"ajoutez « # --8<-- [end:{opened[0]}] » à la fin du code de cette section")
    return found


def _error(what: str, relative: str, line: int, fix: str) -> PipelineError:
    return PipelineError(f"marqueurs de section de {relative} : {what}", where=f"{relative}, ligne {line}",
                         fix=f"{fix}, puis relancez « make report ».")
