"""The whole report as one PDF, printed by Chromium from the built site (`make pdf`).

Every page of mkdocs.yml's nav that the site publishes is opened in Debian's Chromium (Playwright),
its article is copied (canvases of the Démo become images, identifiers and links are prefixed so
that pages do not collide), and the copies are put one after the other behind a title page and a
table of contents in a single page of the site. Chromium prints that page with the site's own
print stylesheet (docs/assets/rapport.css) and numbers the pages in the footer.

    python -m pipeline.publish.pdf [--root .] [--out site/rapport.pdf]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import html
import http.server
import re
import sys
import threading
from pathlib import Path

from pipeline.common import fr, mkdocs_config
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_text, write_error

CHROMIUM = "/usr/bin/chromium"  # Debian's browser (Playwright's own download is not reachable here)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PDF_NAME = "rapport.pdf"
MAX_BYTES = 8 * 1024 * 1024

# Copies one page's article for the combined document (runs in the page; `n` is its number, `pages`
# maps each published page's file name to its number).
COPY_ARTICLE_JS = """([n, pages]) => {
  const article = document.querySelector("article");
  const canvases = [...article.querySelectorAll("canvas")].map(c => {
    try { return c.toDataURL("image/png"); } catch (e) { return null; }
  });
  const copy = article.cloneNode(true);
  copy.querySelectorAll("canvas").forEach((canvas, i) => {
    const img = document.createElement("img");
    if (canvases[i]) img.src = canvases[i];
    img.className = canvas.className;
    img.alt = canvas.getAttribute("aria-label") || "";
    canvas.replaceWith(img);
  });
  copy.querySelectorAll("script, noscript, .md-content__button, .headerlink, .md-source-file, " +
                        ".demo-outils, .demo-galerie, .demo-aide, .entrainer, .pdf-lien, input, select, button").forEach(e => e.remove());
  const prefix = "p" + n + "-";
  copy.querySelectorAll("[id]").forEach(e => { e.id = prefix + e.id; });
  copy.querySelectorAll("[for]").forEach(e => e.setAttribute("for", prefix + e.getAttribute("for")));
  copy.querySelectorAll("a[href]").forEach(a => {
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin) return;                 // another site: kept, printed with its address
    const name = url.pathname.split("/").pop() || "index.html";
    if (name in pages) {                                          // a page of the report: a link inside the PDF
      const target = "p" + pages[name] + "-";
      a.setAttribute("href", "#" + target + (url.hash ? url.hash.slice(1) : "top"));
    } else {                                                      // a file of the site (figure, download): text only
      a.replaceWith(...a.childNodes);
    }
  });
  return copy.innerHTML;
}"""

WAIT_IMAGES_JS = """() => Promise.all([...document.images].map(img => img.complete ? null :
  new Promise(done => { img.onload = img.onerror = done; })))"""

FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:sans-serif">'
          '<span class="title"></span> — page <span class="pageNumber"></span> sur '
          '<span class="totalPages"></span></div>')

STYLE = """
.pdf-titre { min-height: 80vh; display: flex; flex-direction: column; justify-content: center; text-align: center; }
.pdf-titre h1 { font-size: 2.2em; margin-bottom: 0.5em; }
.pdf-titre .pdf-sous-titre { font-size: 1.2em; }
.pdf-sommaire, .pdf-page { break-before: page; }
.pdf-sommaire ol { font-size: 1.1em; line-height: 2; }
.md-typeset .pdf-page h1 { margin-top: 0; }
"""


def nav_entries(mkdocs_yml: Path) -> list[tuple[str, str]]:
    """(title, file.md) of the nav, in reading order; sections are walked, external links skipped."""
    config = mkdocs_config.load(mkdocs_yml)
    entries: list[tuple[str, str]] = []

    def walk(item, title=None):
        if isinstance(item, str):
            if "://" not in item and item.endswith(".md"):
                entries.append((title or item, item))
        elif isinstance(item, dict):
            for key, value in item.items():
                walk(value, key)
        elif isinstance(item, list):
            for value in item:
                walk(value)
    walk(config.get("nav", []))
    return entries


def published(site: Path, entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(title, page.html) of the nav pages the site has (the hook leaves out pages rendered empty)."""
    pages = [(title, doc[:-3] + ".html") for title, doc in entries]
    return [(title, name) for title, name in pages if (site / name).is_file()]


@contextlib.contextmanager
def serve(directory: Path):
    """site/ on a free loopback port, for the time of the print."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def title_page(config: dict, generated: str) -> str:
    name = html.escape(config.get("site_name", "Rapport"))
    description = html.escape(config.get("site_description", ""))
    return (f'<section class="pdf-titre" id="pdf-titre"><h1>{name}</h1>'
            f'<p class="pdf-sous-titre">{description}</p>'
            f'<p>Rapport complet, imprimé depuis le site le {html.escape(generated)}.</p></section>')


def contents(pages: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="#p{n}-top">{html.escape(title)}</a></li>' for n, (title, _) in enumerate(pages))
    return f'<section class="pdf-sommaire" id="pdf-sommaire"><h1>Sommaire</h1><ol>{items}</ol></section>'


def build_pdf(root: Path, out: Path | None = None, chromium: str = CHROMIUM) -> Path:
    """Print the built site (root/site) as one PDF; returns its path (site/rapport.pdf by default)."""
    from playwright.sync_api import sync_playwright

    site = root / "site"
    if not (site / "index.html").is_file():
        raise PipelineError("pas de site à imprimer.", where=str(site), fix="lancez d'abord « make report ».")
    if not Path(chromium).exists():
        raise PipelineError("Chromium est absent : il imprime le PDF.", where=chromium,
                            fix="installez-le : « sudo apt-get install chromium » (ou « make browser »), puis relancez.")
    mkdocs_yml = root / "mkdocs.yml"
    config = mkdocs_config.load(mkdocs_yml)
    pages = published(site, nav_entries(mkdocs_yml))
    numbers = {name: n for n, (_, name) in enumerate(pages)}
    out = out or site / PDF_NAME
    printing = out.with_name(f".{out.name}.tmp")  # the PDF appears whole under its name, or not at all
    generated = datetime.date.today().strftime("%d/%m/%Y")

    try:
        with serve(site) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            try:
                tab = browser.new_page(viewport={"width": 1100, "height": 1400})
                sections = []
                for n, (title, name) in enumerate(pages):
                    tab.goto(base + name)
                    tab.wait_for_load_state("load")
                    if name == "demo.html":
                        tab.wait_for_function("window.demo && window.demo.ready", timeout=30_000)
                    body = tab.evaluate(COPY_ARTICLE_JS, [n, numbers])
                    sections.append(f'<section class="pdf-page" id="p{n}-top" aria-label="{html.escape(title)}">'
                                    f'{body}</section>')
                tab.goto(base + "index.html")
                tab.wait_for_load_state("load")
                document = title_page(config, generated) + contents(pages) + "".join(sections)
                tab.evaluate("""([body, style, title]) => {
                  const css = window.document.createElement("style");
                  css.textContent = style;
                  window.document.head.appendChild(css);
                  window.document.title = title;
                  window.document.querySelector("article").innerHTML = body;
                }""", [document, STYLE, config.get("site_name", "")])
                # Folded « Pour aller plus loin » boxes are printed open: paper has nothing to click.
                tab.evaluate("document.querySelectorAll('details').forEach((box) => { box.open = true; })")
                tab.evaluate(WAIT_IMAGES_JS)
                tab.emulate_media(media="print")
                out.parent.mkdir(parents=True, exist_ok=True)
                tab.pdf(path=str(printing), format="A4", print_background=True, display_header_footer=True,
                        header_template="<div></div>", footer_template=FOOTER,
                        margin={"top": "15mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                        outline=True, tagged=True)
            finally:
                browser.close()
    except BaseException:  # Chromium failed or Ctrl-C: no half-printed file left in site/
        printing.unlink(missing_ok=True)
        raise
    size = printing.stat().st_size
    if size > MAX_BYTES:
        printing.unlink()
        raise PipelineError(f"le PDF pèse {size / 1e6:.1f} Mo, plus que les {MAX_BYTES // 2**20} Mo permis.",
                            where=str(out), fix="allégez les pages les plus lourdes (figures, Démo), puis relancez "
                                                "« make pdf ».")
    try:
        printing.replace(out)
    except OSError as exc:
        raise write_error(out, exc) from None
    if out.resolve() == (site / PDF_NAME).resolve():
        link_from_home(site, out, page_count(out))
    return out


def page_count(pdf: Path) -> int:
    """Pages of a PDF printed by Chromium (one /Type /Page object per page, uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


LINK_MARK = "pdf-lien"


def link_from_home(site: Path, pdf: Path, pages: int) -> None:
    """A link to the PDF under the home page's title. The PDF is made from the built site, so the
    link is added to the built page (a new `make report` rebuilds site/ without either)."""
    index = site / "index.html"
    text = index.read_text(encoding="utf-8")
    text = re.sub(r'\n?<p class="%s">.*?</p>' % LINK_MARK, "", text, flags=re.S)  # `make pdf` twice: one link
    size = fr.decimal(pdf.stat().st_size / 1e6, 1)
    link = (f'\n<p class="{LINK_MARK}"><strong>Tout le rapport en PDF&nbsp;:</strong> '
            f'<a href="{PDF_NAME}" download>{PDF_NAME}</a> ({f"{pages}&nbsp;pages, " if pages else ""}{size}&nbsp;Mo), '
            "pour l'imprimer ou le lire hors ligne.</p>")
    text, found = re.subn(r"(<h1\b.*?</h1>)", lambda m: m.group(1) + link, text, count=1, flags=re.S)
    if found:
        atomic_write_text(index, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.publish.pdf",
                                     description="Imprimer tout le rapport (site/) en un seul PDF.")
    parser.add_argument("--root", type=Path, default=Path("."), help="dossier du projet (contient site/)")
    parser.add_argument("--out", type=Path, default=None, help="fichier PDF (site/rapport.pdf par défaut)")
    args = parser.parse_args(argv)
    try:
        out = build_pdf(args.root.resolve(), args.out)
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    print(f"PDF prêt : {out} ({out.stat().st_size / 1e6:.1f} Mo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
