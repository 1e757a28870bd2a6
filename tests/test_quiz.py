"""The end-of-step questions: their keys, recomputed here without the quiz files' expressions, are the ones the page
and both exports give, for two different runs; every bad question file stops the build with one French message.

Fast: the run's files are hand-made (tests/factories.py), the quiz stage runs on them as the build runs it, and
the step pages are rendered from its artifacts/quiz.json.
"""
from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from factories import (make_architecture, make_artifacts, make_data_info, make_figure_facts, make_metrics,
                       make_probabilities, make_weights, with_alt_texts)
from pipeline.common import architecture as arch_io
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, read_json
from pipeline.common.mkdocs_config import nav_pages
from pipeline.common.schema import Metrics, from_dict
from pipeline.pages import render as rendering
from pipeline.quiz import questions, run_values, stage
from quiz_keys import (GIFT_TYPES, STEPS, expected_keys, gift_key, gift_questions, moodle_key, moodle_questions,
                       page_keys, same, unescape_gift)

ROOT = Path(__file__).resolve().parents[1]
NAV = nav_pages(ROOT / "mkdocs.yml")


# -- Two hand-made runs, as the training stage writes them ------------------------------------------

@dataclasses.dataclass
class Run:
    metrics: dict
    data: dict
    figures: dict
    arch: arch_io.Architecture
    weights: dict
    probabilities: np.ndarray
    labels: np.ndarray


def run_a() -> Run:
    """The factories' run: split validation, best val_loss at epoch 5 of 8, restored, balanced classes."""
    arch = make_architecture()
    probabilities, labels = make_probabilities(seed=0)
    metrics = make_metrics(predictions=(probabilities, labels))
    data = make_data_info()
    return Run(metrics, data, with_alt_texts(make_figure_facts(arch), metrics, data), arch, make_weights(arch),
               probabilities, labels)


def run_b() -> Run:
    """Another run that changes every run-dependent answer: validation on the test set, lots of 128, 64 neurons,
    EarlyStopping on val_accuracy without restoring, a validation loss still falling, other predictions."""
    arch = make_architecture((64,))
    probabilities, labels = make_probabilities(accuracy=0.6, seed=7)
    history = {"loss": [0.60, 0.45, 0.40, 0.36], "val_loss": [0.50, 0.42, 0.39, 0.35],
               "accuracy": [0.80, 0.84, 0.86, 0.87], "val_accuracy": [0.82, 0.85, 0.86, 0.86]}
    metrics = make_metrics(history=history, best_epoch=3, stopped_early=False, validation="test",
                           predictions=(probabilities, labels), restored_best=False, batch_size=128, hidden_units=64,
                           early_stopping={"monitor": "val_accuracy"}, seed=7)
    metrics["sizes"] = {"fit": 60000, "validation": 10000, "test": 10000}
    data = make_data_info([6000, 6000, 6000, 5800, 6200, 6000, 6000, 6000, 6000, 6000])
    data["pixel_mean"] = 80.5
    figures = make_figure_facts(arch)
    figures["worked"] = {**figures["worked"], "hidden_layers": [{"units": 64, "active": 23}]}
    figures["confident_errors"] = {"errors": 4000, "above_90": 12, "above_99": 0}
    return Run(metrics, data, with_alt_texts(figures, metrics, data), arch, make_weights(arch, seed=3),
               probabilities, labels)


RUNS = {"a": run_a, "b": run_b}


class Job:
    """What the runner hands the quiz stage: the upstream files of one run, and where to write."""

    def __init__(self, run: Run, folder: Path, root: Path = ROOT):
        self.root, self.folder = root, folder
        run_dir = folder / "runs" / "k"
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(run_dir / "metrics.json", run.metrics)
        atomic_write_json(run_dir / "run.json", {"key": f"cle-{run.metrics['params']['seed']}"})
        arch_io.write(run_dir, run.arch)
        np.savez_compressed(run_dir / "weights.npz", **run.weights)
        np.savez_compressed(run_dir / "predictions.npz", probabilities=run.probabilities)
        atomic_write_json(folder / "data.json", run.data)
        atomic_write_json(folder / "figures.json", run.figures)
        self.inputs = {("train", "artifacts/runs/{key}/"): run_dir, ("data", "artifacts/data.json"): folder / "data.json",
                       ("figures", "artifacts/figures.json"): folder / "figures.json"}

    def input(self, name: str, output: str) -> Path:
        return self.inputs[(name, output)]

    def out(self, output: str) -> Path:
        return self.folder / "out" / output

    final = out


@dataclasses.dataclass
class Built:
    """One run through the quiz stage: its facts, its exports, and the step pages rendered from them."""
    run: Run
    quiz: dict
    moodle: str
    gift: str
    pages: dict[str, str]
    summary: str


def build(run: Run, folder: Path) -> Built:
    job = Job(run, folder)
    stage.quiz_stage(job)
    quiz = read_json(job.out(stage.FACTS))
    exports = job.out(stage.FOLDER)
    artifacts = dataclasses.replace(make_artifacts(arch=run.arch), metrics=from_dict(Metrics, run.metrics),
                                    data_info=run.data, figures=run.figures, quiz=quiz)
    pages = rendering.render_pages(ROOT / "templates", ROOT, artifacts, NAV)
    return Built(run, quiz, (exports / stage.EXPORTS["moodle"]).read_text(encoding="utf-8"),
                 (exports / stage.EXPORTS["gift"]).read_text(encoding="utf-8"), pages, stage.summary(job))


@pytest.fixture(scope="module", params=list(RUNS))
def built(request, tmp_path_factory) -> Built:
    return build(RUNS[request.param](), tmp_path_factory.mktemp(f"run-{request.param}"))


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict[str, Built]:
    return {name: build(make(), tmp_path_factory.mktemp(f"both-{name}")) for name, make in RUNS.items()}


# -- The tests -----------------------------------------------------------------------------------------

def test_each_step_page_has_its_file_of_three_to_six_questions_and_every_type_is_used():
    quiz = make_artifacts().quiz
    assert [step["stem"] for step in quiz["steps"]] == list(STEPS)
    for step in quiz["steps"]:
        assert 3 <= len(step["questions"]) <= 6, step["file"]
    assert {q["type"] for step in quiz["steps"] for q in step["questions"]} == set(questions.TYPES)


def test_every_key_computed_here_is_the_one_the_page_gives(built):
    expected = expected_keys(built.run)
    found = {}
    for step in STEPS:
        for qid, key in page_keys(built.pages[f"docs/{step}.md"], step).items():
            found[(step, qid)] = key
    assert set(found) == set(expected), "une question sans clé recalculée par ce test (ou l'inverse)"
    wrong = {k: (found[k], expected[k]) for k in expected if not same(found[k], expected[k])}
    assert not wrong, wrong


def test_the_page_prints_the_key_in_its_correction_and_links_the_paragraph_that_explains_it(built):
    for step in built.quiz["steps"]:
        page = built.pages[f"docs/{step['page']}"]
        for q in step["questions"]:
            form = page.split(f'id="quiz-{step["stem"]}-{q["id"]}"', 1)[1].split("</form>", 1)[0]
            wrong = re.search(r'<p class="quiz-verdict quiz-faux" hidden>(.*?)</p>', form).group(1)
            if q["type"] == "numerical":
                assert q["answer_text"] in wrong
            elif q["type"] == "multichoice":
                assert next(c["text"] for c in q["choices"] if c["right"]) in wrong
            assert f'<a href="#{q["anchor"]}">' in form


def test_every_key_computed_here_is_the_one_the_moodle_xml_gives_in_its_declared_type(built):
    expected = expected_keys(built.run)
    declared = {(s["stem"], q["id"]): q["type"] for s in built.quiz["steps"] for q in s["questions"]}
    titles = {s["stem"]: s["title"] for s in built.quiz["steps"]}
    found = moodle_questions(built.moodle)
    assert len(found) == len(expected)
    for category, question in found:
        step, qid = question.find("name/text").text.split("-", 1)
        assert question.get("type") == declared[(step, qid)]
        assert category.endswith("/" + titles[step]) and category.startswith("$course$/top/")
        assert same(moodle_key(question), expected[(step, qid)]), (step, qid)
        if question.get("type") == "numerical":
            tolerance = float(question.find("answer[@fraction='100']/tolerance").text)
            assert tolerance == pytest.approx(next(q["tolerance"] for s in built.quiz["steps"] for q in s["questions"]
                                                   if (s["stem"], q["id"]) == (step, qid)))
            assert question.find("answer[@fraction='0']/text").text == "*"  # every other answer, with its feedback
        for answer in question.findall("answer"):
            assert answer.find("feedback/text").text, (step, qid)
        assert question.find("generalfeedback/text").text
    categories = [c.find("category/text").text for c in ET.fromstring(built.moodle).findall("question[@type='category']")]
    assert categories == [f"$course$/top/{built.quiz['course']}/{titles[s]}" for s in STEPS]


def test_every_key_computed_here_is_the_one_the_gift_file_gives_and_it_parses(built):
    expected = expected_keys(built.run)
    declared = {f"{s['stem']}-{q['id']}": q["type"] for s in built.quiz["steps"] for q in s["questions"]}
    parsed = gift_questions(built.gift)
    assert len(parsed) == len(expected) and all(q.valid for q in parsed)
    for question in parsed:
        step, qid = question.title.split("-", 1)
        assert type(question.answers).__name__ == GIFT_TYPES[declared[question.title]], question.title
        assert same(gift_key(question), expected[(step, qid)]), question.title
        assert question.generalFeedback
    # pygiftparser reads category names up to their first space: the categories are checked here, line by line.
    categories = re.findall(r"^\$CATEGORY: (.+)$", built.gift, flags=re.M)
    assert categories == [f"$course$/top/{built.quiz['course']}/{s['title']}" for s in built.quiz["steps"]]


def test_each_step_has_a_key_that_depends_on_the_run_and_the_page_and_exports_follow_it(both):
    a, b = (expected_keys(both[name].run) for name in ("a", "b"))
    for step in STEPS:
        changed = [qid for (s, qid) in a if s == step and not same(a[(s, qid)], b[(s, qid)])]
        assert changed, f"{step} : aucune clé ne change d'une exécution à l'autre"
        page_a, page_b = (page_keys(both[n].pages[f"docs/{step}.md"], step) for n in ("a", "b"))
        for qid in changed:
            assert same(page_a[qid], a[(step, qid)]) and same(page_b[qid], b[(step, qid)]), (step, qid)
    assert both["a"].moodle != both["b"].moodle and both["a"].gift != both["b"].gift
    assert "(graine 42)" in both["a"].gift and "(graine 7)" in both["b"].gift


def test_every_question_links_a_heading_of_its_page(built):
    for step in built.quiz["steps"]:
        page = built.pages[f"docs/{step['page']}"]
        headings = {questions.slug(line.lstrip("#").strip()) for line in page.splitlines() if line.startswith("#")}
        for q in step["questions"]:
            assert q["anchor"] in headings, f"{step['file']} : « {q['section']} » n'est pas un titre de {step['page']}"


def test_the_slug_is_the_one_mkdocs_gives_a_heading():
    import markdown

    for heading in ["Perte d'entraînement et perte de validation", "`Flatten` oublie le voisinage des pixels",
                    "Quelles classes le réseau confond-il ?", "D'où viennent les 101\u00a0770 paramètres",
                    "EarlyStopping : s'arrêter quand le modèle ne progresse plus"]:
        out = markdown.markdown(f"## {heading}", extensions=["toc"])
        assert f'id="{questions.slug(heading)}"' in out, (heading, out)


def test_the_home_page_links_both_exports_and_the_stage_wrote_them(built):
    home = built.pages["docs/index.md"]
    for kind, name in stage.EXPORTS.items():
        assert f"](questionnaires/{name})" in home
        assert built.quiz["files"][kind]["bytes"] > 1000
    count = sum(len(s["questions"]) for s in built.quiz["steps"])
    assert f"Les {count} questions de fin d'étape" in home
    assert built.summary.startswith(f"{count} questions sur 5 étapes ;")


def test_the_questions_are_in_french_with_french_typography(built):
    for step in STEPS:
        page = built.pages[f"docs/{step}.md"]
        block = page.split("## Testez-vous", 1)[1]
        text = re.sub(r"<[^>]+>", " ", block)
        assert not re.search(r"\w [?!;:%]", text), re.findall(r".{20}\w [?!;:%].{5}", text)
        assert not re.search(r"\d\.\d", re.sub(r"<code>.*?</code>|<[^>]+>", " ", block)), step  # decimal comma
        prose = re.sub(r"<code>.*?</code>|<[^>]+>", " ", block)
        assert "accuracy" not in prose and "précision" not in prose.lower()


# -- Bad question files: one French message naming the file and the question ---------------------------

def project_with(tmp_path: Path, donnees: str) -> Path:
    """A copy of the project's mkdocs.yml and quiz/ where quiz/donnees.yaml is replaced."""
    shutil.copy2(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "quiz", tmp_path / "quiz")
    (tmp_path / "quiz" / "donnees.yaml").write_text(donnees, encoding="utf-8")
    return tmp_path


def compute_in(root: Path, run: Run | None = None) -> dict:
    run = run or run_a()
    names = run_values.names(run.metrics, run.data, run.arch.to_dict(), run.weights,
                             {"probabilities": run.probabilities}, run.figures)
    return stage.build(root, names, run_values.functions(), "k", 42)


ONE = """questions:
  - id: {id}
    type: {type}
    text: "Une question ?"
    answer: "{answer}"
    explanation: "Parce que."
    section: "Normaliser les pixels"
{extra}"""


def one(qid="essai", kind="numerical", answer="{metrics.sizes.fit}", extra="") -> str:
    return ONE.format(id=qid, type=kind, answer=answer, extra=extra)


def test_a_key_that_cannot_be_computed_stops_the_build_naming_the_file_and_the_question(tmp_path):
    root = project_with(tmp_path, one(answer="{metrics.history.val_loss[99]}"))
    with pytest.raises(PipelineError) as info:
        compute_in(root)
    error = info.value
    assert "la clé de la question « essai » ne se calcule pas sur cette exécution" in error.what
    assert "hors de la liste" in error.what
    assert error.where == "quiz/donnees.yaml, question « essai », champ « answer »"
    assert "metrics.history.val_loss[99]" in error.fix and "Pour les mainteneurs" in error.fix


def test_the_quiz_stage_fails_before_writing_anything(tmp_path):
    (tmp_path / "projet").mkdir()
    root = project_with(tmp_path / "projet", one(answer="{inconnu}"))
    job = Job(run_a(), tmp_path / "fichiers", root=root)
    with pytest.raises(PipelineError) as info:
        stage.quiz_stage(job)
    assert "nom inconnu : « inconnu »" in info.value.what
    assert not (tmp_path / "fichiers" / "out").exists()


@pytest.mark.parametrize("text, what, where", [
    (one(extra="    answr: 3\n"), "champ inconnu « answr » pour une question « numerical » : vouliez-vous dire « answer » ?",
     "question « essai », champ « answr »"),
    (one(kind="essay"), "type de question inconnu : « essay »", "champ « type »"),
    (one().replace('    section: "Normaliser les pixels"\n', ""), "champ obligatoire absent : « section »", "champ « section »"),
    (one() + one().split("questions:\n", 1)[1], "deux questions portent le même nom « essai »", "champ « id »"),
    (one(kind="truefalse", answer="{metrics.sizes.fit}"), "doit donner vrai ou faux", "champ « answer »"),
    (one(answer="{'trois'}"), "doit donner un nombre", "champ « answer »"),
    (one(extra="    tolerance: -1\n"), "un nombre positif ou nul", "champ « tolerance »"),
    (one(answer="{0.2865}", extra="    digits: 2\n"), "une tolérance qui accepte la clé écrite avec 2 décimales",
     "champ « tolerance »"),
    (one(kind="multichoice", answer="{classes[0]}", extra="    distractors: [\"{classes[0]}\"]\n"),
     "n'a plus qu'un choix sur cette exécution", "champ « distractors »"),
    (one(kind="multichoice", answer="{classes[0]}"), "a besoin d'une liste « distractors »", "champ « distractors »"),
    (one().replace('"Parce que."', '"Il vaut {metrics.test.accuracy}."'), "ne s'écrit pas telle quelle dans un texte",
     "champ « explanation »"),
    (one().replace('"Parce que."', '"Une accolade { seule."'), "accolade seule", "champ « explanation »"),
    (one(extra="    let:\n      metrics: \"{1}\"\n"), "nom de valeur non permis dans « let » : « metrics »", "champ « let »"),
    ("questions: [\n", "n'est pas du YAML valide", "quiz/donnees.yaml"),
    ("titre: sans questions\n", "n'a pas de liste « questions »", "quiz/donnees.yaml"),
])
def test_every_bad_question_gets_one_french_message_saying_where(tmp_path, text, what, where):
    with pytest.raises(PipelineError) as info:
        compute_in(project_with(tmp_path, text))
    assert what in info.value.what
    assert info.value.where.startswith("quiz/donnees.yaml") and where in info.value.where
    assert info.value.fix


def test_a_question_file_for_no_page_of_the_site_is_refused(tmp_path):
    root = project_with(tmp_path, one())
    (root / "quiz" / "donnes.yaml").write_text(one(), encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        compute_in(root)
    assert "quiz/donnes.yaml ne correspond à aucune page du site" in info.value.what


def test_a_yaml_tag_is_never_executed(tmp_path):
    root = project_with(tmp_path, "questions: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(PipelineError) as info:
        compute_in(root)
    assert "n'est pas du YAML valide" in info.value.what


def test_distractors_that_read_like_the_answer_are_dropped_and_a_list_fills_the_choices(tmp_path):
    extra = '    distractors: ["{classes[0]}", "{classes}"]\n    choices: 3\n'
    root = project_with(tmp_path, one(kind="multichoice", answer="{classes[0]}", extra=extra))
    (q,) = compute_in(root)["steps"][0]["questions"]
    texts = [c["text"] for c in q["choices"]]
    assert sorted(texts) == sorted(["T-shirt/haut", "Pantalon", "Pull-over"])
    assert [c["text"] for c in q["choices"] if c["right"]] == ["T-shirt/haut"]


def test_the_exports_parse_for_the_run_of_the_factories():
    quiz = make_artifacts().quiz
    texts = stage.exports(quiz)
    assert json.loads(json.dumps(quiz)) == quiz  # artifacts/quiz.json holds plain JSON
    assert len(moodle_questions(texts[stage.EXPORTS["moodle"]])) == len(gift_questions(texts[stage.EXPORTS["gift"]]))


def test_a_site_address_in_mkdocs_yml_makes_the_exports_link_the_paragraph(tmp_path):
    (tmp_path / "avec").mkdir()
    (tmp_path / "sans").mkdir()
    root = project_with(tmp_path / "avec", one())
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("site_name:", "site_url: https://exemple.fr/cours/\nsite_name:", 1),
                                     encoding="utf-8")
    moodle = stage.exports(compute_in(root))[stage.EXPORTS["moodle"]]
    assert 'href="https://exemple.fr/cours/donnees.html#normaliser-les-pixels"' in html.unescape(moodle)
    local = stage.exports(compute_in(project_with(tmp_path / "sans", one())))[stage.EXPORTS["gift"]]
    assert "page « Étape 1 — Données » du site du cours" in unescape_gift(local).replace("\u00a0", " ")
