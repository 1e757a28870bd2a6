"""The end-of-step questions as one Moodle XML file: a category per step, each question with its feedback.

Moodle's « Format XML de Moodle » import (question bank › Import): `multichoice` (one right answer,
shuffled), `truefalse` and `numerical` (a tolerance, and « * » for every other answer), each answer
with its own feedback, and the explanation with its link to the site as general feedback. Texts are
HTML (already escaped and typeset by pipeline/quiz/questions.py); ElementTree escapes them once more
for XML, as Moodle expects.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from pipeline.quiz import feedback

PENALTY = "0.3333333"  # Moodle's default for a second try in interactive mode


def category_path(course: str, step_title: str) -> str:
    """Where a step's questions go in the course's question bank: « $course$/top/Fashion-MNIST/Étape 1 — Données »."""
    return f"$course$/top/{course}/{step_title}"


def export(quiz: dict) -> str:
    """The whole quiz (pipeline/quiz/stage.py's dictionary) as Moodle XML text."""
    root = ET.Element("quiz")
    root.append(ET.Comment(f" {feedback.origin(quiz)} "))
    for step in quiz["steps"]:
        category = ET.SubElement(root, "question", type="category")
        _text(ET.SubElement(category, "category"), category_path(quiz["course"], step["title"]))
        _text(ET.SubElement(category, "info", format="html"), feedback.category_info(quiz, step))
        for question in step["questions"]:
            root.append(_question(step, question))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _question(step: dict, q: dict) -> ET.Element:
    element = ET.Element("question", type=q["type"])
    _text(ET.SubElement(element, "name"), feedback.name(step, q))
    _text(ET.SubElement(element, "questiontext", format="html"), q["text"])
    _text(ET.SubElement(element, "generalfeedback", format="html"), feedback.general(step, q))
    for tag, value in (("defaultgrade", "1"), ("penalty", PENALTY), ("hidden", "0"),
                       ("idnumber", feedback.name(step, q))):
        ET.SubElement(element, tag).text = value
    {"multichoice": _multichoice, "truefalse": _truefalse, "numerical": _numerical}[q["type"]](element, q)
    return element


def _multichoice(element: ET.Element, q: dict) -> None:
    for tag, value in (("single", "true"), ("shuffleanswers", "true"), ("answernumbering", "abc")):
        ET.SubElement(element, tag).text = value
    for tag, text in (("correctfeedback", feedback.RIGHT), ("partiallycorrectfeedback", ""),
                      ("incorrectfeedback", feedback.wrong(q))):
        _text(ET.SubElement(element, tag, format="html"), text)
    for choice in q["choices"]:
        _answer(element, "100" if choice["right"] else "0", choice["text"],
                feedback.RIGHT if choice["right"] else feedback.wrong(q), "html")


def _truefalse(element: ET.Element, q: dict) -> None:
    for value in (True, False):
        right = value == q["answer"]
        _answer(element, "100" if right else "0", "true" if value else "false",
                feedback.RIGHT if right else feedback.wrong(q))


def _numerical(element: ET.Element, q: dict) -> None:
    right = _answer(element, "100", feedback.number(q["answer"]), feedback.RIGHT)
    ET.SubElement(right, "tolerance").text = feedback.number(q["tolerance"])
    other = _answer(element, "0", "*", feedback.wrong(q))  # « * »: any other answer
    ET.SubElement(other, "tolerance").text = "0"
    for tag, value in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"), ("showunits", "3"),
                       ("unitsleft", "0")):
        ET.SubElement(element, tag).text = value


def _answer(element: ET.Element, fraction: str, text: str, answer_feedback: str,
            text_format: str = "moodle_auto_format") -> ET.Element:
    answer = ET.SubElement(element, "answer", fraction=fraction, format=text_format)
    _text(answer, text)
    _text(ET.SubElement(answer, "feedback", format="html"), answer_feedback)
    return answer


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value
