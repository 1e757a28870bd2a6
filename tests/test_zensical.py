"""Zensical, the successor of Material for MkDocs, builds this very mkdocs.yml.

Material 9.8 announces its end of maintenance; moving to Zensical should stay one command. This
test builds the real (few-epoch) site a second time with `zensical build` and checks that the same
pages, figures and formulas come out (its speed is measured by the benchmark: bench/incremental.py).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MATH = re.compile(r"<math\b")
FIGURE = re.compile(r'<img\b[^>]*\bsrc="(figures/[^"]+)"')


@pytest.fixture(scope="module")
def zensical_site(built_project, tmp_path_factory) -> tuple[Path, str]:
    """`zensical build` on a copy of the built project's sources (docs/ already rendered by make report)."""
    root = tmp_path_factory.mktemp("zensical")
    for name in ("docs", "overrides", "pipeline"):
        if (built_project / name).is_dir():
            shutil.copytree(built_project / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(built_project / "mkdocs.yml", root / "mkdocs.yml")
    result = subprocess.run([sys.executable, "-m", "zensical", "build", "--clean"], cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site", result.stdout + result.stderr


def html_pages(site: Path) -> set[str]:
    return {p.name for p in site.glob("*.html") if p.name != "404.html"}


def test_zensical_reads_mkdocs_yml_without_complaint(zensical_site):
    _, output = zensical_site
    assert "error" not in output.lower(), output
    assert "warning" not in output.lower(), output


def test_zensical_builds_the_same_pages(built_project, zensical_site):
    site, _ = zensical_site
    mkdocs_pages = html_pages(built_project / "site")
    assert len(mkdocs_pages) >= 8, mkdocs_pages
    # Zensical runs no MkDocs hook: a page left empty by a build without the sweep (Expériences,
    # Variabilité) would be published empty there, so the comparison is "at least MkDocs's pages".
    assert mkdocs_pages <= html_pages(site), sorted(mkdocs_pages - html_pages(site))


def test_zensical_keeps_figures_formulas_and_theme_overrides(built_project, zensical_site):
    site, _ = zensical_site
    for page in sorted(html_pages(built_project / "site")):
        mk = (built_project / "site" / page).read_text(encoding="utf-8")
        zen = (site / page).read_text(encoding="utf-8")
        assert len(MATH.findall(zen)) == len(MATH.findall(mk)), f"{page} : formules MathML perdues"
        figures = set(FIGURE.findall(mk))
        assert figures <= set(FIGURE.findall(zen)), f"{page} : {sorted(figures - set(FIGURE.findall(zen)))}"
        for src in figures:
            assert (site / src).stat().st_size > 1000, src
    assert sum(len(MATH.findall((site / p).read_text(encoding="utf-8"))) for p in html_pages(site)) > 10
    # overrides/partials/search.html (theme.custom_dir) is read too: the search dialog has its name.
    assert 'role="dialog" aria-label="Recherche"' in (site / "index.html").read_text(encoding="utf-8")
    for asset in ("assets/rapport.css", "assets/demo.js", "assets/demo.css", "demo/data/poids.js"):
        assert (site / asset).is_file(), asset


def test_zensical_keeps_the_end_of_step_questions_and_their_downloads(built_project, zensical_site):
    site, _ = zensical_site
    form = re.compile(r'<form class="quiz-question" id="([^"]+)" data-type="(\w+)"')
    for page in ("donnees.html", "modele.html", "entrainement.html", "performances.html", "evaluation.html"):
        mk = form.findall((built_project / "site" / page).read_text(encoding="utf-8"))
        zen = (site / page).read_text(encoding="utf-8")
        assert mk and form.findall(zen) == mk, page
        assert '<script src="assets/quiz.js"></script>' in zen and 'href="assets/quiz.css"' in zen, page
    for asset in ("assets/quiz.js", "assets/quiz.css", "questionnaires/questions-moodle.xml",
                  "questionnaires/questions.gift"):
        assert (site / asset).read_bytes() == (built_project / "site" / asset).read_bytes(), asset
