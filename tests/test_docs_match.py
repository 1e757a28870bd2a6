"""The docs match the code: pages come from the nav, and the maintainers' page quotes real messages."""
import re
from pathlib import Path

from pipeline.common.mkdocs_config import nav_pages

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


def test_site_is_strict_french_and_offline():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^strict: true", text, re.M)
    assert "language: fr" in text
    assert "font: false" in text


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
