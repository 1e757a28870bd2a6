"""The end-of-step questions' keys computed from a run's files without the quiz files' expressions, and the
same keys read back from a page, a Moodle XML file and a GIFT file (tests/test_quiz.py, test_quiz_site.py and
browser/test_quiz_page.py share them)."""
from __future__ import annotations

import dataclasses
import html
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from pipeline.common import fr
from pipeline.data.dataset import CLASS_NAMES

STEPS = ("donnees", "modele", "entrainement", "performances", "evaluation")
MONITOR_WORDS = {"val_loss": "la perte de validation", "val_accuracy": "l'exactitude de validation"}
GIFT_TYPES = {"multichoice": "SelectSet", "truefalse": "TrueFalseSet", "numerical": "NumericAnswerSet"}


@dataclasses.dataclass
class RunFiles:
    """What a build wrote about one run, read as plain values."""
    metrics: dict
    data: dict
    figures: dict
    weights: dict
    probabilities: np.ndarray
    labels: np.ndarray | None = None


def read_run(root: Path) -> RunFiles:
    """The files of the run a built project published (artifacts/manifest.json names it)."""
    artifacts = root / "artifacts"
    run_dir = artifacts / "runs" / json.loads((artifacts / "manifest.json").read_text(encoding="utf-8"))["run"]
    load = lambda path: json.loads(path.read_text(encoding="utf-8"))
    with np.load(run_dir / "weights.npz") as weights, np.load(run_dir / "predictions.npz") as predictions:
        return RunFiles(load(run_dir / "metrics.json"), load(artifacts / "data.json"), load(artifacts / "figures.json"),
                        {k: weights[k] for k in weights.files}, predictions["probabilities"])


def confused_most(matrix: list[list[int]]) -> str:
    """The pair of classes that swaps the most images, the larger direction first (as the evaluation page)."""
    m = np.asarray(matrix)
    best = max(((m[a, b] + m[b, a], -a, -b) for a in range(len(m)) for b in range(a + 1, len(m))))
    a, b = -best[1], -best[2]
    first, second = (a, b) if m[a, b] >= m[b, a] else (b, a)
    return f"{CLASS_NAMES[first]} et {CLASS_NAMES[second]}"


def wrong_predictions(run) -> int:
    """Wrong test predictions: from the labels when known, else from the confusion matrix, whose columns must
    then count the predictions' argmaxes (the predictions and metrics.json agree)."""
    matrix = np.asarray(run.metrics["evaluation"]["confusion_matrix"])
    predicted = run.probabilities.argmax(axis=1)
    assert (np.bincount(predicted, minlength=len(matrix)) == matrix.sum(axis=0)).all()
    if run.labels is not None:
        return int((predicted != run.labels).sum())
    return int(matrix.sum() - np.trace(matrix))


def expected_keys(run) -> dict[tuple[str, str], object]:
    """{(step, question id): key}: a number, True or False, or the right choice's text.

    `run` has the run's metrics, data, figures (facts), weights (W1, b1…), probabilities (the test images'
    softmax outputs) and labels (the test labels, or None)."""
    m, h, p = run.metrics, run.metrics["history"], run.metrics["params"]
    errors = wrong_predictions(run)
    assert errors == m["evaluation"]["errors"]
    counts = run.data["class_counts"]
    return {
        ("donnees", "images-ajustement"): m["sizes"]["fit"],
        ("donnees", "intervalle-normalise"): "[0, 1]",
        ("donnees", "moyenne-normalisee"): run.data["pixel_mean"] / 255,
        ("donnees", "classes-egales"): len(set(counts)) == 1,
        ("donnees", "pertes-derniere-epoque"): h["val_loss"][-1] > h["loss"][-1],
        ("modele", "parametres-premiere-couche"): fr.integer(run.weights["W1"].size + run.weights["b1"].size),
        ("modele", "somme-softmax"): float(run.probabilities[0].astype(np.float64).sum()),
        ("modele", "scores-decales"): False,
        ("modele", "perte-hasard"): math.log(len(CLASS_NAMES)),
        ("modele", "neurones-actifs"): run.figures["worked"]["hidden_layers"][0]["active"],
        ("entrainement", "mises-a-jour"): math.ceil(m["sizes"]["fit"] / p["batch_size"]),
        ("entrainement", "poids-gardes"): m["best_epoch"] if m["restored_best"] else len(h["loss"]),
        ("entrainement", "mesure-surveillee"): MONITOR_WORDS[p["early_stopping"]["monitor"]],
        ("entrainement", "retropropagation"): "le gradient de la perte par rapport à chaque poids, couche après "
                                               "couche, de la sortie vers l'entrée",
        ("entrainement", "restauration"): True,
        ("performances", "perte-la-plus-basse"): str(int(np.argmin(h["val_loss"])) + 1),
        ("performances", "echelle-logarithmique"): "de 0,4 à 0,2",
        ("performances", "perte-remontee"): h["val_loss"][-1] > min(h["val_loss"]),
        ("performances", "perte-et-exactitude"): False,
        ("performances", "exactitude-meilleure-epoque"): 100 * h["val_accuracy"][m["best_epoch"] - 1],
        ("evaluation", "erreurs-de-test"): errors,
        ("evaluation", "paire-la-plus-confondue"): confused_most(m["evaluation"]["confusion_matrix"]),
        ("evaluation", "erreurs-sures"): run.figures["confident_errors"]["above_99"] > 0,
        ("evaluation", "pixels-melanges"): False,
    }


def same(found, expected) -> bool:
    if isinstance(expected, bool) or isinstance(expected, str):
        return found == expected
    return found == pytest.approx(expected, rel=1e-9, abs=1e-9)


# -- Reading the keys back from the page, the Moodle XML and the GIFT file ----------------------------

class QuizForms(HTMLParser):
    """The questions of a rendered page: for each form, its type and its key as the page holds it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self.current, self.label, self.in_right_label = None, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "quiz-question" in (a.get("class") or ""):
            self.current = self.forms.setdefault(a["id"], {"type": a["data-type"], "texts": []})
        elif self.current is None:
            return
        elif tag == "input" and a.get("type") == "radio" and "data-juste" in a:
            self.current["right_value"], self.in_right_label = a["value"], True
            self.current["right_text"] = ""
        elif tag == "input" and "data-valeur" in a:
            self.current["value"], self.current["tolerance"] = float(a["data-valeur"]), float(a["data-tolerance"])

    def handle_endtag(self, tag):
        if tag == "label":
            self.in_right_label = False
        if tag == "form":
            self.current = None

    def handle_data(self, data):
        if self.current is not None and self.in_right_label:
            self.current["right_text"] += data
        if self.current is not None:
            self.current["texts"].append(data)


def page_keys(markdown: str, step: str) -> dict[str, object]:
    parser = QuizForms()
    parser.feed(markdown)
    keys = {}
    for form_id, form in parser.forms.items():
        qid = form_id.removeprefix(f"quiz-{step}-")
        keys[qid] = {"multichoice": lambda f: f["right_text"].strip(), "truefalse": lambda f: f["right_value"] == "vrai",
                     "numerical": lambda f: f["value"]}[form["type"]](form)
    return keys


def moodle_questions(text: str) -> list[tuple[str, ET.Element]]:
    """(category, question) for each question of the file, in order, read by a real XML parser."""
    root = ET.fromstring(text)
    assert root.tag == "quiz"
    found, category = [], None
    for question in root.findall("question"):
        if question.get("type") == "category":
            category = question.find("category/text").text
        else:
            found.append((category, question))
    return found


def moodle_key(question: ET.Element):
    kind = question.get("type")
    right = [a for a in question.findall("answer") if a.get("fraction") == "100"]
    assert len(right) == 1
    if kind == "multichoice":
        return html.unescape(right[0].find("text").text)
    if kind == "truefalse":
        return {"true": True, "false": False}[right[0].find("text").text]
    return float(right[0].find("text").text)


def gift_questions(text: str):
    """The questions pygiftparser (requirements.lock) reads in a GIFT text."""
    from pygiftparser import parser

    return parser.parseFile(io.StringIO(text))


def unescape_gift(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def gift_key(question):
    kind = type(question.answers).__name__
    if kind == "SelectSet":
        (right,) = [a for a in question.answers.answers if a.fraction == 100]
        return html.unescape(unescape_gift(right.answer))
    if kind == "TrueFalseSet":
        return question.answers.answer
    assert kind == "NumericAnswerSet", kind
    return question.answers.answers[0].value
