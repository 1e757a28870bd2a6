"""The correction sentences the page and both exports share: right, wrong (with the key), and the explanation's link.

They are written here, not in a template, because the Moodle XML and GIFT exports print them too
(pipeline/quiz/moodle.py, gift.py) and must say exactly what the page says. Texts are HTML.
"""
from __future__ import annotations

import html

from pipeline.common import fr

RIGHT = "Juste."


def name(step: dict, q: dict) -> str:
    """A question's name in Moodle: « donnees-images-ajustement » (the step's file, then the id)."""
    return f"{step['stem']}-{q['id']}"


def key_text(q: dict) -> str:
    """The right answer as a reader reads it: the choice, « vraie » or « fausse », or the number and its unit."""
    if q["type"] == "multichoice":
        return next(c["text"] for c in q["choices"] if c["right"])
    if q["type"] == "truefalse":
        return "vraie" if q["answer"] else "fausse"
    unit = f"{fr.NBSP}{html.escape(q['unit'])}" if q["unit"] else ""
    near = f" (à {q['tolerance_text']} près)" if q["tolerance"] else ""
    return f"{q['answer_text']}{unit}{near}"


def wrong(q: dict) -> str:
    """What a wrong answer reads: the right one, so that the explanation that follows makes sense."""
    if q["type"] == "multichoice":
        return f"Non{fr.NBSP}: la bonne réponse est «{fr.NBSP}{key_text(q)}{fr.NBSP}»."
    if q["type"] == "truefalse":
        return f"Non{fr.NBSP}: l'affirmation est {key_text(q)}."
    return f"Non{fr.NBSP}: la réponse attendue est {key_text(q)}."


def general(step: dict, q: dict) -> str:
    """The explanation, then where the site explains it: a link when the site's address is known."""
    where = f"«{fr.NBSP}{q['section_html']}{fr.NBSP}»"
    if step.get("url"):
        link = f'<a href="{html.escape(step["url"])}#{q["anchor"]}">Relire {where} sur le site du cours</a>.'
    else:
        link = f"Relire {where}, page «{fr.NBSP}{html.escape(step['title'])}{fr.NBSP}» du site du cours."
    return f"{q['explanation']} {link}"


def origin(quiz: dict) -> str:
    """The export's first comment: which site and which run its keys come from."""
    return (f"Questions de fin d'étape de « {quiz['site']} » : clés calculées sur l'exécution {quiz['run']} "
            f"(graine {quiz['seed']}) par make report ; un nouvel entraînement les recalcule.")


def category_info(quiz: dict, step: dict) -> str:
    return (f"Les questions de la page «{fr.NBSP}{html.escape(step['title'])}{fr.NBSP}» ; clés calculées sur "
            f"l'exécution {quiz['run']} (graine {quiz['seed']}).")


def number(value: float) -> str:
    """A number as Moodle and GIFT read it: a decimal point, no exponent, no trailing zeros."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"
