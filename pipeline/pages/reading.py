"""How long a page's core takes to read: its words at a beginner's pace, folded boxes and code left out."""
from __future__ import annotations

import html
import math
import re

WORDS_PER_MINUTE = 150  # a beginner reading new material carefully (the course's budget: 12 minutes a step)
CORE_MINUTES_MAX = 12  # a step page's core, without its folded « Pour aller plus loin » boxes

_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ'’-]+")
_FENCE = re.compile(r"^(\s*)```.*?^\1```[ \t]*$", re.M | re.S)
_FOLDED_START = re.compile(r"^(\s*)\?\?\?\+? ")  # pymdownx.details: a folded box, its body indented below


def core_text(markdown: str) -> str:
    """What a reader reads without unfolding anything: no code block, inline code, table, folded box or
    HTML tag (their text stays: a formula's symbols are read too), no link target or image."""
    text = _FENCE.sub(" ", markdown)
    text = _without_folded_boxes(text)
    text = re.sub(r"<details\b.*?</details>", " ", text, flags=re.S)
    text = re.sub(r"^\s*\|.*\|\s*$", " ", text, flags=re.M)  # table rows
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?", " ", text)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def _without_folded_boxes(markdown: str) -> str:
    """The Markdown without `??? type "title"` boxes: the header line and every line indented under it."""
    kept, indent = [], None
    for line in markdown.splitlines():
        if indent is not None:
            if not line.strip() or len(line) - len(line.lstrip()) > indent:
                continue
            indent = None
        start = _FOLDED_START.match(line)
        if start:
            indent = len(start.group(1))
            continue
        kept.append(line)
    return "\n".join(kept)


def words(markdown: str) -> int:
    return len(_WORD.findall(core_text(markdown)))


def minutes(markdown: str) -> int:
    """Whole minutes to read the core, rounded up (at least one)."""
    return max(1, math.ceil(words(markdown) / WORDS_PER_MINUTE))
