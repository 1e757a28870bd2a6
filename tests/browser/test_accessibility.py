"""Accessibility of the built site in Debian's Chromium.

- axe-core (the engine of most accessibility checkers, shipped as axe.min.js by the PyPI package
  axe-playwright-python) finds no violation of impact "serious" or "critical" on any page of the
  nav, in the light and in the dark scheme;
- the Démo works from the keyboard alone: the test below never touches the mouse;
- figures fit the column at 200 % zoom, and motion stops when the reader asks for less of it.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
import yaml

from pipeline.publish.mkdocs_hooks import empty_pages

ROOT = Path(__file__).resolve().parents[2]
IMPACTS = ("serious", "critical")
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme → Material's data-md-color-scheme


def nav_docs() -> list[str]:
    """The Markdown files of mkdocs.yml's nav, in reading order (external links skipped)."""
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda *args: None)
    loader.add_multi_constructor("!", lambda *args: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=loader)

    def walk(entry):
        if isinstance(entry, str):
            return [] if "://" in entry else [entry]
        if isinstance(entry, dict):
            return [doc for value in entry.values() for doc in walk(value)]
        return [doc for item in entry for doc in walk(item)] if isinstance(entry, list) else []
    return walk(config.get("nav", []))


NAV_DOCS = nav_docs()


def html_name(doc: str) -> str:
    return doc[:-3] + ".html"  # use_directory_urls: false (mkdocs.yml)


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe
    return Axe()


def open_page(page, site_url: str, built_project: Path, doc: str, scheme: str) -> None:
    # The test build has every page (a recorded sweep for Expériences and Variabilité): none may be missing.
    assert doc not in empty_pages(built_project / "docs"), f"{doc} est vide : la page n'est pas publiée"
    # Material remembers the last scheme in localStorage (the browser profile is shared): forget it,
    # so that the page follows prefers-color-scheme as a first visit does.
    page.add_init_script("try { localStorage.clear(); } catch (e) {}")
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url + html_name(doc))
    page.wait_for_load_state("load")
    if doc == "demo.md":
        page.wait_for_function("window.demo && window.demo.ready")
    if doc == "rejouer.md":
        page.wait_for_function("window.rejouer && window.rejouer.ready", timeout=30_000)
    if doc == "entrainer.md":
        page.wait_for_function("window.entrainer && window.entrainer.state.ready", timeout=60_000)
    shown = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    assert shown == SCHEMES[scheme], f"{doc} : schéma {shown!r} au lieu de {SCHEMES[scheme]!r}"


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} éléments) : {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']} — {node.get('failureSummary', '').splitlines()[-1].strip()}")
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("doc", NAV_DOCS)
def test_axe_finds_no_serious_violation(page, site_url, built_project, axe, doc, scheme):
    open_page(page, site_url, built_project, doc, scheme)
    result = axe.run(page)
    response = result.response
    assert response["testEngine"]["name"] == "axe-core"
    assert len(response["passes"]) > 10, "axe n'a presque rien vérifié : page vide ?"
    serious = [v for v in response["violations"] if v["impact"] in IMPACTS]
    assert not serious, f"{doc} en mode {scheme} :\n{describe(serious)}"


def test_search_dialog_has_a_french_name(page, site_url, built_project):
    open_page(page, site_url, built_project, "index.md", "light")
    assert page.get_attribute(".md-search[role=dialog]", "aria-label") == "Recherche"


# -- The Démo from the keyboard alone ------------------------------------------------------------

def focused_id(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page, predicate_js: str, limit: int = 300) -> None:
    """Press Tab until the focused element satisfies predicate_js (a JS expression on `e`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({predicate_js}); }})()"):
            return
    raise AssertionError(f"{predicate_js} : jamais atteint avec Tab")


def lit_pixels(page) -> int:
    return page.evaluate("window.demo.state.pixels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0)")


def tiny_png(width: int = 40, height: int = 40) -> bytes:
    """A white image with a dark vertical band: a light background the Démo must invert."""
    rows = b"".join(b"\x00" + bytes(0 if width // 3 <= x < 2 * width // 3 else 255 for x in range(width))
                    for _ in range(height))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_demo_works_with_the_keyboard_alone(page, site_url, built_project):
    # Listening from the start: Playwright turns Chromium's file-chooser interception on without
    # waiting, so a listener added just before the key press could miss the dialog.
    choosers = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    open_page(page, site_url, built_project, "demo.md", "light")
    page.evaluate("document.activeElement && document.activeElement.blur()")

    # French names that a screen reader announces.
    demo = page.locator("#demo")
    assert demo.get_by_role("button", name="Effacer", exact=True).count() == 1
    assert demo.get_by_label("Charger une image…", exact=True).count() == 1
    assert demo.get_by_label("Outil").count() == 1
    grid = demo.get_by_role("application", name="Grille de 28 × 28 pixels")
    assert grid.count() == 1
    assert page.get_attribute("#demo-prediction", "aria-live") == "polite"

    # 1. Tab reaches the grid; its focus is visible and the cursor is announced.
    tab_to(page, "e.id === 'demo-grille'")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "pas de focus visible sur la grille"
    assert page.inner_text("#demo-curseur") == "Curseur\u00a0: ligne 15, colonne 15 sur 28"

    # 2. Delete clears the grid.
    page.keyboard.press("Delete")
    page.wait_for_function("document.querySelector('#demo-source').textContent.startsWith('Grille vide')")
    assert lit_pixels(page) == 0

    # 3. Space paints under the cursor; Shift + arrows draw a stroke; plain arrows only move.
    page.keyboard.press("Space")
    one_dot = lit_pixels(page)
    assert one_dot > 0
    page.keyboard.press("ArrowRight")
    assert lit_pixels(page) == one_dot
    assert page.inner_text("#demo-curseur") == "Curseur\u00a0: ligne 15, colonne 16 sur 28"
    for _ in range(8):
        page.keyboard.press("Shift+ArrowDown")
    assert page.inner_text("#demo-curseur") == "Curseur\u00a0: ligne 23, colonne 16 sur 28"
    page.wait_for_function(f"window.demo.state.pixels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) > {one_dot}")
    # The page shows the network's answer for the drawn pixels (recomputed at the next frame).
    page.wait_for_function("""() => {
      const r = window.demo.forward(window.demo.state.pixels);
      const active = r.outputs[0].reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
      return document.querySelector('#demo-source').textContent === 'Votre dessin' &&
             document.querySelector('#demo-dense-1').dataset.actifs === String(active);
    }""")

    # 4. The tool list: the eraser, chosen from the keyboard, removes ink.
    before_erase = lit_pixels(page)
    tab_to(page, "e.id === 'demo-outil'")
    page.keyboard.press("End")  # last option: gomme (a focused <select> changes with the keys)
    page.wait_for_function("document.querySelector('#demo-outil').value === 'gomme'")
    tab_to(page, "e.id === 'demo-grille'")
    for _ in range(9):
        page.keyboard.press("Shift+ArrowUp")
    page.wait_for_function(f"window.demo.state.pixels.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) < {before_erase}")

    # 5. The gallery: one Tab stop, arrows move, Enter chooses; the result is announced.
    tab_to(page, "e.classList.contains('demo-vignette')")
    start = int(page.evaluate("document.activeElement.dataset.k"))
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    chosen = int(page.evaluate("document.activeElement.dataset.k"))
    assert chosen != start
    assert page.evaluate("document.activeElement.parentElement !== "
                         f"document.querySelector('.demo-vignette[data-k=\"{start}\"]').parentElement")
    prediction_before = page.inner_text("#demo-prediction")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('.demo-vignette[data-k=\"{chosen}\"]')"
                           ".getAttribute('aria-pressed') === 'true'")
    index = page.evaluate("window.demo.state.source.index")
    page.wait_for_function(f"document.querySelector('#demo-source').textContent.includes('n°\u00a0{index} ')")
    assert page.inner_text("#demo-prediction").startswith("Le réseau répond")
    assert page.inner_text("#demo-prediction") != prediction_before or chosen == start
    # Only the chosen image stays in the Tab order.
    assert page.evaluate("[...document.querySelectorAll('.demo-vignette')].filter(b => b.tabIndex === 0).length") == 1

    # 6. Loading a file: Tab to the file input (its label is the visible button), Space opens the chooser.
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "e.id === 'demo-fichier'")
    ring = page.evaluate("getComputedStyle(document.querySelector('.demo-charger')).outlineStyle")
    assert ring not in ("none", ""), "pas de focus visible sur « Charger une image… »"
    page.keyboard.press("Space")
    for _ in range(100):
        if choosers:
            break
        page.wait_for_timeout(50)
    assert len(choosers) == 1, "Espace sur « Charger une image… » n'ouvre pas le choix de fichier"
    choosers[0].set_files(files=[{"name": "bande.png", "mimeType": "image/png", "buffer": tiny_png()}])
    page.wait_for_function("document.querySelector('#demo-source').textContent.startsWith('Image chargée')")
    assert "couleurs inversées" in page.inner_text("#demo-source")

    # 7. The Effacer button, reached with Tab and pressed with Enter.
    tab_to(page, "e.id === 'demo-effacer'")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#demo-source').textContent.startsWith('Grille vide')")
    assert lit_pixels(page) == 0
    assert not page.errors, page.errors


# -- Zoom and motion -------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", ["donnees.md", "performances.md", "evaluation.md"])
def test_figures_fit_at_200_percent_zoom(page, site_url, built_project, doc):
    """A 1280-pixel screen at 200 % zoom is a 640-pixel layout: no figure overflows its column."""
    page.set_viewport_size({"width": 640, "height": 800})
    open_page(page, site_url, built_project, doc, "dark")
    sizes = page.evaluate("""[...document.querySelectorAll('article figure img')].map(img => {
      const box = img.getBoundingClientRect(), column = img.closest('article').getBoundingClientRect();
      return {src: img.getAttribute('src'), right: box.right, column: column.right, width: box.width,
              background: getComputedStyle(img).backgroundColor};
    })""")
    assert sizes, f"aucune figure sur {doc}"
    for s in sizes:
        assert s["width"] > 100 and s["right"] <= s["column"] + 1, s
        assert s["background"] == "rgb(255, 255, 255)", s  # a light ground for the figure in dark mode
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reduced_motion_stops_transitions(page, site_url, built_project):
    page.emulate_media(reduced_motion="reduce")
    open_page(page, site_url, built_project, "demo.md", "light")
    duration = page.evaluate("getComputedStyle(document.querySelector('.demo-barre')).transitionDuration")
    assert float(duration.rstrip("s").split(",")[0]) < 0.001, duration
    page.emulate_media(reduced_motion="no-preference")
    duration = page.evaluate("getComputedStyle(document.querySelector('.demo-barre')).transitionDuration")
    assert float(duration.rstrip("s").split(",")[0]) > 0.05, duration  # the check above can fail


# -- Print ------------------------------------------------------------------------------------------

PRINT_HIDDEN = [".md-header", ".md-sidebar--primary", ".md-search", ".md-footer", ".headerlink"]


def test_print_stylesheet_keeps_the_text_and_drops_the_screen_furniture(page, site_url, built_project):
    open_page(page, site_url, built_project, "evaluation.md", "light")
    facts = """(hidden) => ({
      hidden: Object.fromEntries(hidden.map(s => [s, [...document.querySelectorAll(s)].length > 0 &&
        [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none')])),
      figures: [...document.querySelectorAll('article figure')].map(f => getComputedStyle(f).breakInside),
      after: [...document.querySelectorAll('article a[href^="http"]')].map(a => getComputedStyle(a, '::after').content),
    })"""
    screen = page.evaluate(facts, PRINT_HIDDEN)
    assert not any(screen["hidden"].values()), screen["hidden"]  # on screen, all of these show
    page.emulate_media(media="print")
    paper = page.evaluate(facts, PRINT_HIDDEN)
    assert all(paper["hidden"].values()), paper["hidden"]
    assert paper["figures"] and set(paper["figures"]) == {"avoid"}, paper["figures"]
    assert paper["after"] and all("https://" in content for content in paper["after"]), paper["after"]

    open_page(page, site_url, built_project, "demo.md", "light")
    page.emulate_media(media="print")
    for selector in ["#demo-effacer", ".demo-charger", "#demo-outil", ".demo-galerie"]:
        assert page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).display") == "none", selector


def test_a_table_wider_than_the_column_is_a_named_region_the_keyboard_scrolls(page, site_url, built_project):
    """Variabilité's table of seeds is wider than the text column: Tab reaches it, arrows scroll it."""
    page.set_viewport_size({"width": 1280, "height": 800})
    open_page(page, site_url, built_project, "variabilite.md", "light")
    regions = page.locator(".md-typeset__scrollwrap[tabindex='0'][role='region']")
    assert regions.count() >= 1, "aucun tableau défilant n'est atteignable au clavier"
    region = regions.first
    assert region.get_attribute("aria-label").startswith("Tableau défilant\u00a0: ")
    region.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    fitting = page.locator(".md-typeset__scrollwrap:not([tabindex])")
    for i in range(fitting.count()):  # a table that fits adds no useless tab stop
        assert fitting.nth(i).evaluate("e => e.scrollWidth <= e.clientWidth + 1")


# -- « Entraîner dans le navigateur » from the keyboard alone -----------------------------------------

def test_training_page_works_with_the_keyboard_alone(page, site_url, built_project, axe):
    open_page(page, site_url, built_project, "entrainer.md", "light")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    tab_to(page, "e.id === 'entrainer-epoques-max'")
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    tab_to(page, "e.id === 'entrainer-demarrer'")
    page.keyboard.press("Enter")
    assert focused_id(page) == "entrainer-arreter"  # Stop is where the keyboard is while training runs
    page.wait_for_function("window.entrainer.state.attempts.length === 1 && !window.entrainer.state.running",
                           timeout=120_000)
    assert focused_id(page) == "entrainer-demarrer"
    assert page.get_attribute("#entrainer-etat", "aria-live") == "polite"
    assert "Entraînement terminé après 1 époque" in page.inner_text("#entrainer-etat")
    # Filled tables and curves: still no serious violation.
    serious = [v for v in axe.run(page).response["violations"] if v["impact"] in IMPACTS]
    assert not serious, describe(serious)
