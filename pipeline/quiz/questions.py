"""The end-of-step questions: read quiz/<page>.yaml, check each question, and compute its key on this run.

One file per step page of the nav (quiz/donnees.yaml for donnees.md). Each question is data: a type
(`multichoice`, `truefalse`, `numerical`), French texts, and an answer key written as an expression
over the run's values (pipeline/quiz/expressions.py, names from pipeline/quiz/run_values.py). Every
text field is a template: `{expression}` inside it is replaced by its value (an integer is written
the French way; a decimal number must say how, with decimal(x, n) or percent(x, n)); a field made of
one `{expression}` alone keeps its value's type (a number, a boolean, a list). `{{` and `}}` are
literal braces.

What a question's fields mean:
- id: its name, unique in the file (Moodle shows « <page>-<id> »);
- type, text, answer, explanation (one line, shown after checking), section (the heading of the step
  page that explains it: the feedback links to it);
- let: named values, computed in order, that the other fields may use;
- numerical: tolerance (0 by default), digits (decimals of the key as printed), unit (after the field);
- multichoice: distractors (the wrong choices, in order of preference: those that read the same as the
  answer or as an earlier one are dropped, then the first `choices` − 1 are kept), label (how a value
  reads, with {value}), choices (4 by default).
A question whose key cannot be computed stops the build with a French message naming its file and its
id (PipelineError). No TensorFlow here.
"""
from __future__ import annotations

import difflib
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from pipeline.common import fr
from pipeline.common.errors import PipelineError
from pipeline.quiz.expressions import ExpressionError, evaluate, parse

FOLDER = "quiz"  # the question files, one per step page: quiz/<page stem>.yaml
TYPES = ("multichoice", "truefalse", "numerical")
COMMON_FIELDS = ("id", "type", "text", "answer", "explanation", "section", "let")
FIELDS = {
    "multichoice": (*COMMON_FIELDS, "distractors", "label", "choices"),
    "truefalse": COMMON_FIELDS,
    "numerical": (*COMMON_FIELDS, "tolerance", "digits", "unit"),
}
REQUIRED = ("id", "type", "text", "answer", "explanation", "section")
DEFAULT_CHOICES = 4
MANUAL = "la page « Pour les mainteneurs », section « Les questions de fin d'étape »"
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Where:
    """The question being read: its file and its id, for every message."""
    file: str  # e.g. "quiz/donnees.yaml"
    question: str = ""

    def at(self, field: str = "") -> str:
        where = self.file + (f", question « {self.question} »" if self.question else "")
        return where + (f", champ « {field} »" if field else "")


def load_file(path: Path, relative: str) -> list[dict]:
    """The questions of one file as written (a list of mappings), or a PipelineError naming the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError("fichier de questions illisible.", where=relative,
                            fix="restaurez-le avec git ou corrigez son encodage (UTF-8).",
                            detail=f"{type(exc).__name__}: {exc}") from None
    except yaml.YAMLError as exc:
        raise PipelineError("le fichier de questions n'est pas du YAML valide.", where=relative,
                            fix="corrigez l'indentation, et mettez entre guillemets tout texte qui contient "
                                "« : » ou commence par « { ».",
                            detail=str(exc)) from None
    questions = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(questions, list) or not questions:
        raise PipelineError("le fichier de questions n'a pas de liste « questions ».", where=relative,
                            fix="écrivez « questions: » puis une question par élément « - id: … ».")
    return questions


def check(question: Any, where: Where) -> None:
    """The fields of one question: known, present, of the right kind (before anything is computed)."""
    if not isinstance(question, dict):
        raise PipelineError("une question doit être un ensemble de champs (« id: », « type: »…).",
                            where=where.at(), fix="écrivez chaque question comme « - id: … » suivi de ses champs.")
    kind = question.get("type")
    if kind not in TYPES:
        raise PipelineError(f"type de question inconnu : « {kind} ».", where=where.at("type"),
                            fix="choisissez " + ", ".join(f"« {t} »" for t in TYPES) + ".")
    for field in question:
        if field not in FIELDS[kind]:
            close = difflib.get_close_matches(str(field), FIELDS[kind], n=1)
            hint = f" : vouliez-vous dire « {close[0]} » ?" if close else ""
            raise PipelineError(f"champ inconnu « {field} » pour une question « {kind} »{hint}",
                                where=where.at(field), fix="champs possibles : " + ", ".join(FIELDS[kind]) + ".")
    for field in REQUIRED:
        if question.get(field) in (None, ""):
            raise PipelineError(f"champ obligatoire absent : « {field} ».", where=where.at(field),
                                fix=f"ajoutez « {field}: … » à la question (voir {MANUAL}).")
    if kind == "multichoice" and not isinstance(question.get("distractors"), list):
        raise PipelineError("une question à choix multiple a besoin d'une liste « distractors ».",
                            where=where.at("distractors"), fix="ajoutez « distractors: [\"…\", \"…\"] ».")
    if not isinstance(question.get("let", {}), dict):
        raise PipelineError("« let » doit nommer des valeurs (« nom: \"{expression}\" »).",
                            where=where.at("let"), fix="écrivez une valeur par ligne sous « let: ».")


# -- Templates: text with {expressions} ------------------------------------------------------------

def compile_template(text: Any) -> list:
    """A field as parts: literal strings and parsed expressions; a number or a boolean is a constant."""
    if isinstance(text, (bool, int, float)):
        return [("value", text)]
    if not isinstance(text, str):
        raise ExpressionError(f"un texte est attendu, pas {type(text).__name__}.")
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(text):
        _literal(parts, text[last:match.start()])
        token = match.group(0)
        parts.append(("text", token[0]) if token in ("{{", "}}") else ("expression", parse(match.group(1))))
        last = match.end()
    _literal(parts, text[last:])
    return parts


def _literal(parts: list, text: str) -> None:
    if "{" in text or "}" in text:
        raise ExpressionError("accolade seule : écrivez « {{ » ou « }} » pour une accolade du texte.")
    if text:
        parts.append(("text", text))


def render_template(parts: list, names: dict, functions: dict) -> Any:
    """A template's value: the value itself when it is one expression alone, else the joined text."""
    values = [(kind, evaluate(part, names, functions) if kind == "expression" else part) for kind, part in parts]
    if len(values) == 1 and values[0][0] in ("expression", "value"):
        return values[0][1]
    return "".join(value if kind == "text" else _inline(value) for kind, value in values)


def _inline(value: Any) -> str:
    """A value inside a sentence: a text as it is, an integer the French way (« 60 000 »)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return fr.integer(value)
    raise ExpressionError(f"la valeur {value!r} ne s'écrit pas telle quelle dans un texte : "
                          "utilisez decimal(x, n), percent(x, n) ou integer(x).")


def to_html(text: str) -> str:
    """French typography, HTML escaping, and `code` as <code>: what the page and the exports print."""
    text = fr.typography(re.sub(r"[ \t\r\n]+", " ", text).strip())  # str.split() would also cut non-breaking spaces
    pieces = _CODE.split(text)
    return "".join(f"<code>{html.escape(p, quote=False)}</code>" if i % 2 else html.escape(p, quote=False)
                   for i, p in enumerate(pieces))


def slug(heading: str) -> str:
    """The id MkDocs gives a heading (Python-Markdown's toc slugify, code marks removed)."""
    text = re.sub(r"[`*]", "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


# -- One question, computed -----------------------------------------------------------------------

class _Fields:
    """Computes the fields of one question on the run's values, naming the field that fails."""

    def __init__(self, question: dict, where: Where, names: dict, functions: dict):
        self.question, self.where, self.functions = question, where, functions
        self.names = dict(names)
        for name, template in question.get("let", {}).items():
            if not re.fullmatch(r"[A-Za-z]\w*", str(name)) or name in names:
                raise PipelineError(f"nom de valeur non permis dans « let » : « {name} ».", where=where.at("let"),
                                    fix="choisissez un nom de lettres et de chiffres qui n'est pas déjà un nom "
                                        f"de l'exécution ({', '.join(sorted(names))}).")
            self.names[name] = self.value(f"let.{name}", template)

    def value(self, field: str, template: Any = None, **extra) -> Any:
        template = self.question.get(field) if template is None else template
        try:
            return render_template(compile_template(template), {**self.names, **extra}, self.functions)
        except ExpressionError as exc:
            key = field in ("answer", "tolerance") or field.startswith("let.")
            what = (f"la clé de la question « {self.where.question} » ne se calcule pas sur cette exécution : {exc}"
                    if key else f"le champ « {field} » de la question « {self.where.question} » ne se calcule "
                                f"pas : {exc}")
            raise PipelineError(what, where=self.where.at(field),
                                fix=f"corrigez l'expression « {template} » (noms et fonctions permis : {MANUAL}).") \
                from None

    def text(self, field: str, **extra) -> str:
        value = self.value(field, **extra)
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return fr.integer(value)
        return self._fail(field, "un texte", value)

    def _fail(self, field: str, expected: str, value: Any):
        raise PipelineError(f"le champ « {field} » de la question « {self.where.question} » doit donner {expected}, "
                            f"pas {value!r}.", where=self.where.at(field),
                            fix=f"corrigez l'expression « {self.question.get(field)} ».")


def compute(question: dict, where: Where, names: dict, functions: dict) -> dict:
    """One question with its key and texts computed on this run, ready for the page and the exports."""
    fields = _Fields(question, where, names, functions)
    kind = question["type"]
    section = fields.text("section")
    out = {"id": str(question["id"]), "type": kind, "text": to_html(fields.text("text")),
           "explanation": to_html(fields.text("explanation")), "section": section,
           "section_html": to_html(section), "section_label": to_html(section.replace("`", "")),  # a link's words
           "anchor": slug(section)}
    return {**out, **_KEYS[kind](question, fields)}


def _numerical(question: dict, fields: _Fields) -> dict:
    answer = fields.value("answer")
    tolerance = fields.value("tolerance", question.get("tolerance", 0))
    for field, value in (("answer", answer), ("tolerance", tolerance)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fields._fail(field, "un nombre", value)
    if tolerance < 0:
        fields._fail("tolerance", "un nombre positif ou nul", tolerance)
    digits = question.get("digits", 0)
    if not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 6:
        fields._fail("digits", "un nombre entier de décimales entre 0 et 6", digits)
    if abs(round(answer, digits) - answer) > tolerance + 1e-9:
        fields._fail("tolerance", f"une tolérance qui accepte la clé écrite avec {digits} décimales "
                                  f"({_number_text(answer, digits)})", tolerance)
    return {"answer": answer, "tolerance": tolerance, "digits": digits, "unit": str(question.get("unit", "")),
            "answer_text": _number_text(answer, digits), "tolerance_text": _tolerance_text(tolerance)}


def _tolerance_text(tolerance: float) -> str:
    """0.001 -> « 0,001 », 0.1 -> « 0,1 », 2 -> « 2 »: as many decimals as the tolerance needs."""
    if float(tolerance).is_integer():
        return fr.integer(tolerance)
    digits = next(d for d in range(1, 10) if abs(round(tolerance, d) - tolerance) < 1e-12)
    return fr.decimal(tolerance, digits)


def _number_text(value: float, digits: int) -> str:
    return fr.integer(value) if digits == 0 else fr.decimal(value, digits)


def _truefalse(question: dict, fields: _Fields) -> dict:
    answer = fields.value("answer")
    if not isinstance(answer, bool):
        fields._fail("answer", "vrai ou faux (une comparaison, par exemple « a > b »)", answer)
    return {"answer": answer}


def _multichoice(question: dict, fields: _Fields) -> dict:
    wanted = question.get("choices", DEFAULT_CHOICES)
    if not isinstance(wanted, int) or isinstance(wanted, bool) or not 2 <= wanted <= 8:
        fields._fail("choices", "un nombre de choix entre 2 et 8", wanted)
    choices = [_choice_text(question, fields, fields.value("answer"))]
    for index, template in enumerate(question["distractors"]):
        value = fields.value(f"distractors[{index}]", template)
        for item in value if isinstance(value, list) else [value]:
            text = _choice_text(question, fields, item)
            if text not in choices and len(choices) < wanted:
                choices.append(text)
    if len(choices) < 2:
        raise PipelineError(f"la question « {fields.where.question} » n'a plus qu'un choix sur cette exécution : "
                            "tous ses distracteurs donnent la bonne réponse.", where=fields.where.at("distractors"),
                            fix="ajoutez à « distractors » une valeur qui diffère toujours de la réponse "
                                "(une liste de valeurs possibles, par exemple).")
    return {"choices": _in_order(choices, str(question["id"]))}


def _choice_text(question: dict, fields: _Fields, value: Any) -> str:
    """How a choice reads: its `label` with {value}, else the value itself (a text or an integer)."""
    if "label" in question:
        return fields.text("label", value=value)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return fr.integer(value)
    return fields._fail("distractors", "des textes ou des entiers (ou un « label » qui les écrit)", value)


def _in_order(choices: list[str], seed: str) -> list[dict]:
    """The choices, the right one first in `choices`, in an order that depends only on the question's id
    (the right one is not always first); choices that are numbers in increasing order."""
    right = choices[0]
    numbers = [_as_number(c) for c in choices]
    if all(n is not None for n in numbers):
        ordered = [c for _, c in sorted(zip(numbers, choices))]
    else:
        ordered = sorted(choices, key=lambda c: hash_text(f"{seed}:{c}"))
    return [{"text": to_html(text), "right": text == right} for text in ordered]


def _as_number(text: str) -> float | None:
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".").replace("−", "-")
    try:
        return float(cleaned)
    except ValueError:
        return None


def hash_text(text: str) -> int:
    """A stable number for a text (Python's hash() changes from one process to the next)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)


_KEYS = {"numerical": _numerical, "truefalse": _truefalse, "multichoice": _multichoice}


def compute_file(path: Path, relative: str, names: dict, functions: dict) -> list[dict]:
    """Every question of one file, computed; ids unique in the file."""
    computed, seen = [], set()
    for question in load_file(path, relative):
        where = Where(relative, str(question.get("id", "")) if isinstance(question, dict) else "")
        check(question, where)
        if where.question in seen:
            raise PipelineError(f"deux questions portent le même nom « {where.question} ».", where=where.at("id"),
                                fix="donnez à chaque question du fichier un « id » différent.")
        seen.add(where.question)
        computed.append(compute(question, where, names, functions))
    return computed
