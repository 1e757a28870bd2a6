"""Stage "quiz": every step's questions computed on this run, for the pages, and exported for Moodle (XML, GIFT).

It reads quiz/<page>.yaml for each step page of the nav that has one, the run's files (metrics,
architecture, weights, predictions) and the data and figure facts, and writes artifacts/quiz.json
(what templates/_quiz.md.jinja prints) and docs/questionnaires/ (the two exports, linked from the
home page). A question whose key cannot be computed stops here, before any page is written.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.common import fr
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, atomic_write_text, read_json
from pipeline.common.mkdocs_config import load as load_mkdocs, nav_pages
from pipeline.publish.notebook import page_url
from pipeline.quiz import gift, moodle, run_values
from pipeline.quiz.questions import FOLDER as QUIZ_FOLDER, compute_file

FOLDER = "docs/questionnaires/"  # copied by MkDocs to site/questionnaires/
FACTS = "artifacts/quiz.json"
EXPORTS = {"moodle": "questions-moodle.xml", "gift": "questions.gift"}


def build(root: Path, names: dict, functions: dict, run_key: str, seed: int) -> dict:
    """Every step page's questions, in the nav's order, computed with `names` (pipeline/quiz/run_values.py)."""
    config = load_mkdocs(root / "mkdocs.yml")
    pages = {Path(page.output).stem: page for page in nav_pages(root / "mkdocs.yml")}
    files = sorted((root / QUIZ_FOLDER).glob("*.yaml"))
    for path in files:
        if path.stem not in pages:
            raise PipelineError(f"le fichier de questions {QUIZ_FOLDER}/{path.name} ne correspond à aucune page du site.",
                                where=f"{QUIZ_FOLDER}/{path.name}",
                                fix="nommez-le comme la page de la nav de mkdocs.yml qui l'affiche "
                                    "(quiz/donnees.yaml pour donnees.md), ou supprimez-le.")
    steps = []
    for stem, page in pages.items():
        path = root / QUIZ_FOLDER / f"{stem}.yaml"
        if path.exists():
            relative = f"{QUIZ_FOLDER}/{path.name}"
            steps.append({"page": page.output, "stem": stem, "title": page.title, "file": relative,
                          "url": page_url(config, page), "questions": compute_file(path, relative, names, functions)})
    site = str(config.get("site_name") or "le site du cours")
    return {"site": site, "course": site.replace("/", "-"), "run": run_key, "seed": seed, "steps": steps}


def exports(quiz: dict) -> dict[str, str]:
    """{file name: text} of the two exports."""
    return {EXPORTS["moodle"]: moodle.export(quiz), EXPORTS["gift"]: gift.export(quiz)}


def quiz_stage(job) -> None:
    """Compute the questions on this build's run, write the exports and the facts the pages print."""
    run_dir = job.input("train", "artifacts/runs/{key}/")
    names = run_values.from_files(run_dir, job.input("data", "artifacts/data.json"),
                                  job.input("figures", "artifacts/figures.json"))
    quiz = build(job.root, names, run_values.functions(), read_json(run_dir / "run.json")["key"],
                 names["metrics"]["params"]["seed"])
    texts = exports(quiz)
    for name, text in texts.items():
        atomic_write_text(job.out(FOLDER) / name, text)
    prefix = FOLDER.removeprefix("docs/")
    atomic_write_json(job.out(FACTS), {**quiz, "files": {
        kind: {"name": name, "href": prefix + name, "bytes": len(texts[name].encode("utf-8"))}
        for kind, name in EXPORTS.items()}})


def summary(job) -> str:
    facts = read_json(job.final(FACTS))
    count = sum(len(step["questions"]) for step in facts["steps"])
    sizes = " et ".join(f"{f['name']} ({fr.kilobytes(f['bytes'])})" for f in facts["files"].values())
    return f"{count} questions sur {len(facts['steps'])} étapes ; {sizes} dans {FOLDER}"
