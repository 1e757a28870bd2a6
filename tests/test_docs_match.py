"""The docs match the code: every generated page is in the nav, in the same order and with the same title."""
import re
from pathlib import Path

from pipeline.report import PAGES

ROOT = Path(__file__).resolve().parents[1]


def nav_entries() -> list[tuple[str, str]]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text.split("\nnav:\n", 1)[1]
    return re.findall(r"^\s+- (.+?): (\S+\.md)\s*$", nav, flags=re.M)


def test_nav_lists_exactly_the_rendered_pages_in_order():
    assert nav_entries() == [(title, out) for _, out, title in PAGES]


def test_every_message_in_the_maintainers_table_exists_in_the_code_and_has_its_test():
    table = (ROOT / "templates" / "mainteneurs.md.jinja").read_text(encoding="utf-8")
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "pipeline").glob("*.py"))
    rows = re.findall(r"^\| [^|]+ \| (.+?) \| (.+?) \|$", table, flags=re.M)[1:]
    assert len(rows) >= 20
    for message_cell, tests_cell in rows:
        for fragment in re.findall(r"`([^`]+)`", message_cell):
            assert fragment in source, f"message not in the code: {fragment}"
        for test_file in re.findall(r"`(test_\w+\.py)", tests_cell):
            assert (ROOT / "tests" / test_file).exists(), test_file


def test_every_page_template_exists():
    for template, _, _ in PAGES:
        assert (ROOT / "templates" / template).is_file(), template


def test_site_is_strict_french_and_offline():
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^strict: true", text, re.M)
    assert "language: fr" in text
    assert "font: false" in text
