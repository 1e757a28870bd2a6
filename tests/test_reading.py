"""A course a beginner can read: the home page gives each page's reading time (its core, what shows without
unfolding anything, at 150 words a minute) as the pages are published, and names no page the build leaves out."""
from __future__ import annotations

import re
from pathlib import Path

from factories import make_context
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import reading
from pipeline.pages import render as rendering

ROOT = Path(__file__).resolve().parents[1]
STEPS = [page.output for page in nav_pages(ROOT / "mkdocs.yml") if page.section == "Le cours"]


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
