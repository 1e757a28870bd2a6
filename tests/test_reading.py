"""A course a beginner can read: each step's core (what shows without unfolding anything) within twelve
minutes at 150 words a minute, the home page giving each page's reading time as the pages are published."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from factories import make_context
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import reading
from pipeline.pages import render as rendering

ROOT = Path(__file__).resolve().parents[1]
STEPS = [page.output for page in nav_pages(ROOT / "mkdocs.yml") if page.section == "Le cours"]
LEFT_OUT = ("details", "pre", "code", "table", "script", "style")  # folded boxes, code, tables


def article_words(page_html: str) -> int:
    """The words of the page's <article> without <details>, <pre>, <code> and <table>: its unfolded core."""
    article = re.search(r"<article\b[^>]*>(.*)</article>", page_html, flags=re.S).group(1)
    for tag in LEFT_OUT:
        article = re.sub(rf"<{tag}\b.*?</{tag}>", " ", article, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", article)).replace("¶", " ")
    return len(re.findall(r"[0-9A-Za-zÀ-ÖØ-öø-ÿŒœ'’-]+", text))


def test_a_folded_box_code_and_tables_are_left_out_of_the_reading_time():
    core = "Un deux trois quatre.\n"
    page = (core + "```python\nun deux trois\n```\n| a | b |\n|---|---|\n| un | deux |\n"
            '??? info "Pour aller plus loin : un titre"\n    cinq six sept\n\n    huit neuf\n\n'
            "<details><summary>dix</summary>onze</details>\nUn `code en ligne` cinq.\n")
    assert reading.words(page) == 6  # « Un deux trois quatre » and « Un … cinq »
    assert reading.minutes("mot " * 150) == 1 and reading.minutes("mot " * 151) == 2


def test_the_home_page_gives_each_page_s_reading_time_as_rendered():
    pages = nav_pages(ROOT / "mkdocs.yml")
    outputs = rendering.render_all(ROOT / "templates", ROOT, make_context(), pages)
    home = outputs["docs/index.md"]
    for output in STEPS + ["demo.md", "rejouer.md", "entrainer.md"]:
        minutes = reading.minutes(outputs[f"docs/{output}"])
        row = next(line for line in home.splitlines() if f"]({output})" in line and line.startswith("| ["))
        assert row.endswith(f"| {minutes}\u00a0min |"), (output, row)


@pytest.mark.slow
@pytest.mark.parametrize("output", STEPS)
def test_each_step_s_core_reads_in_at_most_twelve_minutes(built_project, output):
    page = (built_project / "site" / output.replace(".md", ".html")).read_text(encoding="utf-8")
    words = article_words(page)
    assert words <= reading.CORE_MINUTES_MAX * reading.WORDS_PER_MINUTE, (
        f"{output} : {words} mots hors encadrés repliés, {words / reading.WORDS_PER_MINUTE:.1f} min")


MEASURED_PAGES = {"experiences.md": "Expériences", "variabilite.md": "Variabilité", "reglage.md": "Réglage"}


def test_a_build_without_measurements_names_no_page_it_does_not_publish():
    """Without `make experiments`, Expériences, Variabilité and Réglage are left out: no other page links them
    or sends the reader to « la page Expériences »."""
    pages = nav_pages(ROOT / "mkdocs.yml")
    outputs = rendering.render_all(ROOT / "templates", ROOT, make_context(), pages)
    published = {name: text for name, text in outputs.items()
                 if name.removeprefix("docs/") not in MEASURED_PAGES and text.strip()}
    for output, title in MEASURED_PAGES.items():
        assert not outputs[f"docs/{output}"].strip(), f"{output} is published without measurements"
        for name, text in published.items():
            if name.endswith(("mainteneurs.md", "README.md", "rapport.md")):
                continue  # the maintainers' page and the report describe the complete build itself
            assert f"]({output}" not in text, (name, output)
            assert not re.search(rf"page\s+(?:«\s*)?{title}", text), (name, title)
