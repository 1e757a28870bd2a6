"""The real build's end-of-step questions: every key, recomputed from the run's files without the quiz expressions,
is the one the built pages and both downloaded exports give, and every correction links a heading of its page.

Slow: reads the suite's one real build (tests/conftest.py, built_project).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.quiz import stage
from quiz_keys import (GIFT_TYPES, STEPS, expected_keys, gift_key, gift_questions, moodle_key, moodle_questions,
                       page_keys, read_run, same)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keys(built_project) -> dict:
    return expected_keys(read_run(built_project))


def site_text(built_project: Path, name: str) -> str:
    return (built_project / "site" / name).read_text(encoding="utf-8")


def test_every_key_is_the_one_the_built_pages_give(built_project, keys):
    found = {(step, qid): key for step in STEPS
             for qid, key in page_keys(site_text(built_project, f"{step}.html"), step).items()}
    assert set(found) == set(keys)
    assert {k: (found[k], keys[k]) for k in keys if not same(found[k], keys[k])} == {}


def test_every_key_is_the_one_the_downloaded_exports_give(built_project, keys):
    moodle = site_text(built_project, "questionnaires/" + stage.EXPORTS["moodle"])
    found = {tuple(q.find("name/text").text.split("-", 1)): (q.get("type"), moodle_key(q))
             for _, q in moodle_questions(moodle)}
    assert set(found) == set(keys)
    assert all(same(key, keys[name]) for name, (_, key) in found.items()), found
    for question in gift_questions(site_text(built_project, "questionnaires/" + stage.EXPORTS["gift"])):
        name = tuple(question.title.split("-", 1))
        assert type(question.answers).__name__ == GIFT_TYPES[found[name][0]]
        assert same(gift_key(question), keys[name]), name


def test_the_home_page_links_both_exports(built_project):
    home = site_text(built_project, "index.html")
    for name in stage.EXPORTS.values():
        assert f'href="questionnaires/{name}"' in home
        assert (built_project / "site" / "questionnaires" / name).stat().st_size > 1000


def test_every_correction_links_a_heading_of_its_page(built_project):
    for step in STEPS:
        page = site_text(built_project, f"{step}.html")
        ids = set(re.findall(r'<h[1-6] id="([^"]+)"', page))
        links = re.findall(r'<p class="quiz-explication" hidden>.*?<a href="#([^"]+)">', page)
        assert links and set(links) <= ids, (step, sorted(set(links) - ids))
