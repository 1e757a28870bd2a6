"""`make pdf`: the whole report printed by Chromium into one PDF, read back with Debian's poppler-utils.

The PDF is printed from the real few-epoch build (built_project); its text must hold every
published page's title and this run's headline numbers in French, its images the site's figures.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.common import fr
from pipeline.publish.pdf import MAX_BYTES, nav_entries, page_count, published

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

FIGURE = re.compile(r'<img\b[^>]*\bsrc="(figures/[^"]+\.png)"')


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} absent : lancez « make test », qui installe le paquet Debian poppler-utils.")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def printed(built_project, tmp_path_factory) -> Path:
    """A copy of the built site, printed as `make pdf` does (site/rapport.pdf, linked from the home page)."""
    root = tmp_path_factory.mktemp("pdf")
    shutil.copytree(built_project / "site", root / "site")
    shutil.copy2(built_project / "mkdocs.yml", root / "mkdocs.yml")
    result = subprocess.run([sys.executable, "-m", "pipeline.publish.pdf", "--root", str(root)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)  # its own process: Playwright's sync API runs once per thread
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PDF prêt" in result.stdout
    return root


@pytest.fixture(scope="module")
def pdf(printed) -> Path:
    return printed / "site" / "rapport.pdf"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_has_title_page_contents_and_every_page(built_project, pdf):
    assert 50_000 < pdf.stat().st_size <= MAX_BYTES
    pages = published(built_project / "site", nav_entries(built_project / "mkdocs.yml"))
    assert len(pages) >= 8, pages
    first = flat(poppler("pdftotext", "-f", "1", "-l", "1", str(pdf), "-"))
    assert "Fashion-MNIST" in first and "Rapport complet" in first, first
    second = flat(poppler("pdftotext", "-f", "2", "-l", "2", str(pdf), "-"))
    assert second.startswith("Sommaire"), second
    body = flat(poppler("pdftotext", "-f", "3", str(pdf), "-"))  # after the title page and the contents
    cursor = 0
    for title, name in pages:
        assert title in second, f"sommaire sans « {title} »"
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", (built_project / "site" / name).read_text(encoding="utf-8"), re.S)
        inner = re.sub(r'<a class="headerlink".*?</a>', "", h1.group(1), flags=re.S)
        heading = flat(html.unescape(re.sub(r"<[^>]+>", "", inner))).strip()
        found = body.find(heading, cursor)  # in nav order: each page after the previous one
        assert found >= 0, f"{name} : titre « {heading} » absent du PDF, ou pas dans l'ordre du menu"
        cursor = found + len(heading)


def test_pdf_pages_are_numbered_and_plausible(built_project, pdf):
    info = poppler("pdfinfo", str(pdf))
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    pages = published(built_project / "site", nav_entries(built_project / "mkdocs.yml"))
    assert len(pages) + 2 <= count <= 200, count  # title + contents + at least a page each
    last = flat(poppler("pdftotext", "-f", str(count), "-l", str(count), str(pdf), "-"))
    assert f"page {count} sur {count}" in last, last
    middle = count // 2
    assert f"page {middle} sur {count}" in flat(poppler("pdftotext", "-f", str(middle), "-l", str(middle), str(pdf), "-"))


def test_pdf_holds_the_runs_headline_numbers_in_french(built_project, pdf):
    manifest = json.loads((built_project / "artifacts" / "manifest.json").read_text(encoding="utf-8"))
    metrics = json.loads((built_project / "artifacts" / "runs" / manifest["run"] / "metrics.json").read_text(encoding="utf-8"))
    text = flat(poppler("pdftotext", str(pdf), "-"))  # no-break spaces come out as spaces
    accuracy = fr.percent(metrics["test"]["accuracy"])
    loss = fr.decimal(metrics["test"]["loss"], 3)
    params = fr.integer(metrics["total_params"])
    for number in (accuracy, loss, params):
        assert flat(number) in text, f"{number} absent du PDF"
    assert "." not in accuracy and "," in accuracy  # a French decimal comma, so the check above means something


def test_pdf_images_include_the_figures(built_project, pdf):
    site = built_project / "site"
    listed = poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]
    sizes = {(int(cols[3]), int(cols[4])) for cols in (line.split() for line in listed) if cols[2] == "image"}
    figures = {src for page in site.glob("*.html") for src in FIGURE.findall(page.read_text(encoding="utf-8"))}
    assert len(figures) >= 8, figures
    for src in sorted(figures):
        width, height = struct.unpack(">II", (site / src).read_bytes()[16:24])  # PNG header: IHDR size
        assert (width, height) in sizes, f"{src} ({width}×{height}) absente du PDF"


def test_the_home_page_links_to_the_pdf_once(printed, pdf):
    index = (printed / "site" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="rapport.pdf" download>', index)
    assert len(links) == 1, links
    count = int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", str(pdf)), re.M).group(1))
    assert page_count(pdf) == count
    assert f"({count}\u00a0pages, " in html.unescape(index)
    # Printing again (make pdf twice) keeps one link, and the PDF does not print its own link.
    again = subprocess.run([sys.executable, "-m", "pipeline.publish.pdf", "--root", str(printed)], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    index = (printed / "site" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<a href="rapport.pdf" download>', index)) == 1
    assert "Tout le rapport en PDF" not in poppler("pdftotext", str(pdf), "-")
