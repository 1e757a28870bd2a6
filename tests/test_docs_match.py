"""The docs match the code: pages come from the nav, and the maintainers' page quotes real messages."""
import re
import shutil
from pathlib import Path

import pytest

from pipeline.common.errors import PipelineError
from pipeline.common.mkdocs_config import nav_pages
from pipeline.publish import site

ROOT = Path(__file__).resolve().parents[1]
PAGES = nav_pages(ROOT / "mkdocs.yml")


def test_pages_are_read_from_the_nav_in_order():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    in_text = re.findall(r"^\s+- (.+?): (\S+\.md)\s*$", text.split("\nnav:\n", 1)[1], flags=re.M)
    assert [(page.title, page.output) for page in PAGES] == in_text
    assert PAGES[0].output == "index.md" and len(PAGES) >= 10


def test_every_message_in_the_maintainers_table_exists_in_the_code_and_has_its_test():
    page = (ROOT / "templates" / "mainteneurs.md.jinja").read_text(encoding="utf-8")
    table = page.split("## Erreurs et messages", 1)[1].split("\n## ", 1)[0]
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipeline").rglob("*.py"))
    rows = re.findall(r"^\| [^|]+ \| (.+?) \| (.+?) \|$", table, flags=re.M)[1:]
    assert len(rows) >= 20
    for message_cell, tests_cell in rows:
        for fragment in re.findall(r"`([^`]+)`", message_cell):
            assert fragment in source, f"message not in the code: {fragment}"
        for test_file in re.findall(r"`(test_\w+\.py)", tests_cell):
            assert (ROOT / "tests" / test_file).exists(), test_file


def test_every_page_template_exists():
    for page in PAGES:
        assert (ROOT / "templates" / page.template).is_file(), page.template


@pytest.fixture(scope="module")
def tiny_site(tmp_path_factory):
    """This mkdocs.yml, its theme overrides, assets and hook, over one-line pages for its whole nav."""
    root = tmp_path_factory.mktemp("mini-site")
    shutil.copy2(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    shutil.copytree(ROOT / "docs" / "assets", root / "docs" / "assets")
    (root / "pipeline").symlink_to(ROOT / "pipeline")  # the hook named in mkdocs.yml
    for page in PAGES:
        (root / "docs" / page.output).write_text(f"# {page.title}\n\nUn paragraphe.\n", encoding="utf-8")
    return root


def test_the_site_is_built_strictly_in_french_and_fetches_no_font(tiny_site, tmp_path):
    site.build_site(tiny_site, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in index and "Rechercher" in index  # the theme speaks French
    assert "fonts.googleapis" not in index and "fonts.gstatic" not in index  # offline: no font download
    page = tiny_site / "docs" / PAGES[1].output
    kept = page.read_text(encoding="utf-8")
    page.write_text(kept + "\nVoir [la page absente](absente.md).\n", encoding="utf-8")
    try:  # strict: a broken link stops the build instead of a warning
        with pytest.raises(PipelineError) as info:
            site.build_site(tiny_site, tmp_path / "site-strict")
        assert "absente.md" in info.value.detail
    finally:
        page.write_text(kept, encoding="utf-8")


def test_the_maintainers_page_names_files_that_exist_and_three_at_most_for_common_changes():
    page = (ROOT / "templates" / "mainteneurs.md.jinja").read_text(encoding="utf-8")
    changes = page.split("## Quatre changements courants", 1)[1].split("\n## ", 1)[0]
    rows = {row[0]: row[1] for row in re.findall(r"^\| \*\*(.+?)\*\* \| (.+) \|$", changes, flags=re.M)}
    assert set(rows) == {"ajouter une figure", "ajouter une page", "ajouter un paramètre", "changer le réseau"}
    for change, cell in rows.items():
        files = [f for f in re.findall(r"`([\w/.-]+\.(?:py|jinja|yml|yaml|js))`", cell) if "nouvelle" not in f]
        for name in files:
            assert (ROOT / name).exists(), f"{change}: {name}"
        if change != "changer le réseau":
            edited = re.findall(r"`([\w/.-]+\.(?:py|jinja|yml|yaml))`", cell.split(". ")[0])
            assert len(set(edited)) <= 3, (change, edited)


def test_the_students_navigation_holds_no_page_about_the_build_and_the_teachers_section_says_whose_it_is():
    """The students' path first (home, the five steps, the browser pages, going further), then the teacher's."""
    sections = {}
    for page in PAGES:
        sections.setdefault(page.section, []).append(page.output)
    assert list(sections) == ["", "Le cours", "Essayer dans le navigateur", "Pour aller plus loin", "Espace enseignant"]
    assert sections["Le cours"] == ["donnees.md", "modele.md", "entrainement.md", "performances.md", "evaluation.md"]
    assert sections["Essayer dans le navigateur"] == ["demo.md", "rejouer.md", "entrainer.md"]
    teacher = set(sections["Espace enseignant"])
    assert {"reproductibilite.md", "mainteneurs.md"} <= teacher
    students = [p for p in PAGES if p.section != "Espace enseignant"]
    assert not teacher & {p.output for p in students} and PAGES[-len(teacher):] == [p for p in PAGES if p.output in teacher]
