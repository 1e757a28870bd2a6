"""The end-of-step questions as one GIFT file (Moodle's plain-text question format), a category per step.

Each question is one line: `::name::[html]text{answers####explanation}`. Multiple choice writes `=right`
and `~wrong`, each with `#feedback`; true/false `TRUE` or `FALSE` then the feedback of a wrong and of
a right answer; numerical `#value:tolerance`. GIFT's special characters (~ = # { } :) are escaped
with a backslash in every text.
"""
from __future__ import annotations

import re

from pipeline.quiz import feedback
from pipeline.quiz.moodle import category_path

_SPECIAL = re.compile(r"([~=#{}:\\])")


def escape(text: str) -> str:
    """A text GIFT reads literally: its special characters escaped, on one line."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"[ \t\r\n]+", " ", text).strip())


def export(quiz: dict) -> str:
    """The whole quiz (pipeline/quiz/stage.py's dictionary) as GIFT text."""
    lines = [f"// {feedback.origin(quiz)}", ""]
    for step in quiz["steps"]:
        lines += [f"$CATEGORY: {category_path(quiz['course'], step['title'])}", ""]
        for q in step["questions"]:
            lines += [_question(step, q), ""]
    return "\n".join(lines)


def _question(step: dict, q: dict) -> str:
    answers = {"multichoice": _multichoice, "truefalse": _truefalse, "numerical": _numerical}[q["type"]](q)
    return (f"::{escape(feedback.name(step, q))}::[html]{escape(q['text'])}"
            f"{{{answers}####{escape(feedback.general(step, q))}}}")


def _multichoice(q: dict) -> str:
    return " ".join(f"{'=' if c['right'] else '~'}{escape(c['text'])}"
                    f"#{escape(feedback.RIGHT if c['right'] else feedback.wrong(q))}" for c in q["choices"])


def _truefalse(q: dict) -> str:
    # GIFT: the first feedback is shown after a wrong answer, the second after a right one.
    return f"{'TRUE' if q['answer'] else 'FALSE'}#{escape(feedback.wrong(q))}#{escape(feedback.RIGHT)}"


def _numerical(q: dict) -> str:
    return f"#{feedback.number(q['answer'])}:{feedback.number(q['tolerance'])}#{escape(feedback.RIGHT)}"
