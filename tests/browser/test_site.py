"""The built site in Debian's Chromium: every page of the nav loads offline, complete and readable.

Each page is opened once (cached per module) and the facts the tests need are collected then; a
full-page screenshot of each page lands in test-output/screenshots/ for a person to look at.
"""
from __future__ import annotations

import html.parser
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pipeline.common.mkdocs_config import load as load_mkdocs_yml

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"

# Formulas the course teaches, by page: each entry must match one displayed formula containing
# every listed piece of text (MathML text content, so Unicode symbols, not LaTeX).
TAUGHT_FORMULAS = {
    "modele.md": {
        "ReLU": ["ReLU", "max"],
        "softmax": ["p", "e", "∑"],
    },
    "entrainement.md": {
        "descente de gradient": ["θ", "←", "η", "∂"],
        "mise à jour d'Adam": ["θ", "←", "η", "ϵ"],
        "entropie croisée d'une image": ["ℓ", "ln"],
        "entropie croisée moyenne d'un lot": ["L", "ln", "∑", "N"],
        "exactitude": ["exactitude", "∑"],
    },
}
SEARCH_TERMS = ["softmax", "surapprentissage"]

# Leftovers of a rendering step that did not run, looked for in the visible text outside code.
MARKUP_LEFTOVERS = [
    ("dollar LaTeX", re.compile(r"\$")),
    ("\\( ou \\[ LaTeX", re.compile(r"\\[(\[]")),
    ("commande LaTeX", re.compile(r"\\[A-Za-z]{2,}")),
    ("lien Markdown", re.compile(r"\]\(")),
    ("gras Markdown", re.compile(r"\*\*")),
    ("admonition Markdown", re.compile(r"^\s*!!!", re.M)),
    ("entité HTML échappée deux fois", re.compile(r"&(#x?[0-9A-Fa-f]+|[a-z]+);")),
]
# French puts a non-breaking space inside « » and before : ; ! ? — a plain one lets the line break there.
FRENCH_PLAIN_SPACE = re.compile(r"« | [»:;!?](?=\s|$)")
# Jinja leftovers are wrong even inside inline code (templates put variables in backticks).
JINJA_LEFTOVERS = re.compile(r"\{\{|\}\}|\{%|%\}|\{#")

FONT_HOSTS = ("fonts.googleapis.com", "fonts.gstatic.com")
CDN_HOSTS = ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "polyfill.io",
             "code.jquery.com", "ajax.googleapis.com", "use.fontawesome.com")
# Material's bundle names unpkg for two loaders that never run on this site: the ResizeObserver
# polyfill (Chromium has ResizeObserver) and Mermaid (no diagram; test_no_mermaid_diagram checks).
BUNDLE_CONDITIONAL_URLS = ("https://unpkg.com/resize-observer-polyfill", "https://unpkg.com/mermaid@")


# -- The page list, read from mkdocs.yml's nav -----------------------------------------------------

def load_mkdocs(path: Path) -> dict:
    return load_mkdocs_yml(path)


def nav_files(nav) -> list[str]:
    """The Markdown files of a nav, in reading order; sections are walked, external URLs skipped."""
    if isinstance(nav, str):
        return [] if "://" in nav else [nav]
    if isinstance(nav, dict):
        return [doc for value in nav.values() for doc in nav_files(value)]
    if isinstance(nav, list):
        return [doc for item in nav for doc in nav_files(item)]
    return []


def page_path(doc: str, directory_urls: bool) -> str:
    """The URL path of a Markdown page, relative to the site root, as MkDocs writes it."""
    stem = doc[:-3] if doc.endswith(".md") else doc
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        return stem[:-5]
    return f"{stem}/"


# Every page of the nav, Expériences and Variabilité included: the test build reads a recorded sweep
# (tests/fixtures/); without one, `make report` leaves them out (tests/test_e2e.py checks it).
NAV_DOCS = nav_files(load_mkdocs(ROOT / "mkdocs.yml").get("nav", []))


@pytest.fixture(scope="module")
def mkdocs_config(built_project) -> dict:
    return load_mkdocs(built_project / "mkdocs.yml")


@pytest.fixture(scope="module")
def page_urls(mkdocs_config, site_url) -> dict[str, str]:
    directory_urls = mkdocs_config.get("use_directory_urls", True)
    return {doc: site_url + page_path(doc, directory_urls) for doc in NAV_DOCS}


# -- One visit per page -------------------------------------------------------------------------

COLLECT_JS = """() => {
  const content = document.querySelector("article") || document.body;
  const textOutside = (selector) => {
    const parts = [], walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const el = walker.currentNode.parentElement;
      if (!el || el.closest(selector) || !el.checkVisibility()) continue;
      parts.push(walker.currentNode.data);
    }
    return parts.join("");
  };
  const blockOf = (el) => el.closest("p, li, td, th, dd, dt, h1, h2, h3, h4, h5, h6, figcaption, .formule");
  return {
    lang: document.documentElement.lang,
    prose: textOutside("pre, code, script, style"),
    text_with_inline_code: textOutside("pre, script, style"),
    images: [...document.images].map(img => ({
      src: img.currentSrc || img.src, alt: (img.getAttribute("alt") || "").trim(),
      loaded: img.complete && img.naturalWidth > 0, in_figure: !!img.closest("figure"),
      link: img.closest("a") ? img.closest("a").href : null})),
    links: [...document.querySelectorAll("a[href]")].map(a => a.href),
    code_blocks: content.querySelectorAll("pre > code").length,
    copy_buttons: [...content.querySelectorAll("button[data-md-type=copy]")].map(b => ({
      title: b.title, target: !!document.querySelector(b.getAttribute("data-clipboard-target"))})),
    admonitions: [...content.querySelectorAll(".admonition")].map(a => ({
      classes: [...a.classList], title: (a.querySelector(".admonition-title") || {}).textContent || ""})),
    mermaid: document.querySelectorAll(".mermaid").length,
    empty_table_headers: [...content.querySelectorAll("table thead")].filter(head =>
      head.textContent.trim() === "").length,
    formulas: [...content.querySelectorAll("math")].map(m => {
      const box = m.getBoundingClientRect(), block = blockOf(m);
      const around = block ? block.textContent.replace(m.textContent, "").trim() : "";
      return {
        display: m.getAttribute("display") || "inline", css: getComputedStyle(m).display,
        width: box.width, height: box.height, text: m.textContent,
        errors: m.querySelectorAll("merror").length,
        variants: [...m.querySelectorAll("[mathvariant]")].map(e => e.getAttribute("mathvariant"))
          .filter(v => v !== "normal"),
        in_text: !!block && !block.classList.contains("formule") && around.length > 0,
        fractions_stacked: [...m.querySelectorAll("mfrac")].every(f =>
          f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top + 1),
      };
    }),
  };
}"""


@dataclass
class Visit:
    url: str
    status: int
    facts: dict
    screenshot: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watch(tab, requests: list[str], errors: list[str]) -> None:
    """Record every request, console error, page error, failed request and HTTP error of a tab."""
    tab.on("request", lambda req: requests.append(req.url))
    tab.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    tab.on("requestfailed", lambda req: errors.append(f"requestfailed: {req.url} ({req.failure})"))
    tab.on("response", lambda res: errors.append(f"HTTP {res.status}: {res.url}") if res.status >= 400 else None)


@pytest.fixture(scope="module")
def visit(browser, page_urls):
    """visit(doc) opens the page once, collects its facts, saves a full-page screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cache: dict[str, Visit] = {}

    def open_page(doc: str) -> Visit:
        if doc not in cache:
            tab = browser.new_page()
            requests, errors = [], []
            watch(tab, requests, errors)
            response = tab.goto(page_urls[doc], wait_until="networkidle")
            shot = SCREENSHOTS / f"{Path(doc).with_suffix('').as_posix().replace('/', '_')}.png"
            tab.screenshot(path=str(shot), full_page=True)
            cache[doc] = Visit(page_urls[doc], response.status, tab.evaluate(COLLECT_JS), shot,
                               requests, errors)
            tab.close()
        return cache[doc]

    return open_page


def assert_offline(requests: list[str], site_url: str) -> None:
    """Every request stays on the local server (data: and blob: never leave the browser)."""
    outside = [url for url in requests if not url.startswith((site_url, "data:", "blob:"))]
    assert requests, "aucune requête enregistrée : l'écoute des requêtes ne fonctionne pas"
    assert not outside, f"requêtes hors de {site_url} : {outside}"


def expect_none(problems: list[str], title: str) -> None:
    """Fail listing every problem at once, one per line (pytest's list diff cuts them short)."""
    assert not problems, title + " :\n  " + "\n  ".join(problems)


def around(text: str, match: re.Match) -> str:
    """The match in its context, the match itself between ⟨ ⟩ (a plain space looks like any other)."""
    before, after = text[max(0, match.start() - 50):match.start()], text[match.end():match.end() + 50]
    return f"…{before}⟨{match.group(0)}⟩{after}…".replace("\n", " ")


# -- Links --------------------------------------------------------------------------------------

class _IdCollector(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name in ("id", "name") and value)


_fetched: dict[str, tuple[int, set[str]]] = {}


def fetch(url: str) -> tuple[int, set[str]]:
    """HTTP status of a same-origin URL and, for HTML, the ids it defines (cached per URL)."""
    if url not in _fetched:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status, body = response.status, response.read()
                ctype = response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            status, body, ctype = exc.code, b"", ""
        ids = set()
        if ctype == "text/html":
            collector = _IdCollector()
            collector.feed(body.decode("utf-8", "replace"))
            ids = collector.ids
        _fetched[url] = (status, ids)
    return _fetched[url]


# -- Tests --------------------------------------------------------------------------------------

def test_nav_is_read_and_every_page_built(mkdocs_config, site_dir):
    assert NAV_DOCS, "aucune page trouvée dans le nav de mkdocs.yml"
    assert nav_files(mkdocs_config["nav"]) == NAV_DOCS
    directory_urls = mkdocs_config.get("use_directory_urls", True)
    for doc in NAV_DOCS:
        path = page_path(doc, directory_urls)
        built = site_dir / (path + "index.html" if path == "" or path.endswith("/") else path)
        assert built.is_file(), f"{doc} : {built} absent"


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_page_loads_cleanly_and_offline(visit, doc, site_url):
    page = visit(doc)
    assert page.status == 200, page.url
    expect_none(page.errors, f"{doc} : erreurs dans le navigateur")
    assert page.facts["lang"] == "fr"
    assert_offline(page.requests, site_url)
    assert page.screenshot.stat().st_size > 10_000, f"capture d'écran vide : {page.screenshot}"


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_images_load_with_alt_text(visit, doc):
    images = visit(doc).facts["images"]
    expect_none([img["src"] for img in images if not img["loaded"]], f"{doc} : images non chargées")
    expect_none([img["src"] for img in images if not img["alt"]], f"{doc} : images sans texte alternatif")


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_figures_link_to_full_size_image(visit, doc):
    figures = [img for img in visit(doc).facts["images"] if img["in_figure"]]
    unlinked = [img["src"] for img in figures if img["link"] != img["src"]]
    expect_none(unlinked, f"{doc} : figures qui n'ouvrent pas l'image en taille réelle")


def test_site_has_figures(visit):
    figures = [img for doc in NAV_DOCS for img in visit(doc).facts["images"] if img["in_figure"]]
    assert len(figures) >= 4, "les figures du rapport manquent sur le site"


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_no_raw_markup_in_visible_text(visit, doc):
    facts = visit(doc).facts
    problems = [f"{name} : {around(facts['prose'], m)}"
                for name, pattern in MARKUP_LEFTOVERS for m in pattern.finditer(facts["prose"])]
    problems += [f"balise Jinja : {around(facts['text_with_inline_code'], m)}"
                 for m in JINJA_LEFTOVERS.finditer(facts["text_with_inline_code"])]
    expect_none(problems, f"{doc} : texte brut visible")


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_french_spacing(visit, doc):
    prose = visit(doc).facts["prose"]
    problems = [around(prose, m) for m in FRENCH_PLAIN_SPACE.finditer(prose)]
    expect_none(problems, f"{doc} : espace sécable là où le français veut une espace insécable")


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_tables_have_headers(visit, doc):
    assert visit(doc).facts["empty_table_headers"] == 0, f"{doc} : tableau à ligne d'en-tête vide"


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_internal_links_resolve(visit, doc, site_url):
    internal = [href for href in visit(doc).facts["links"] if href.startswith(site_url)]
    assert internal, f"{doc} : aucun lien interne (navigation absente ?)"
    problems = []
    for href in internal:  # other hosts and ports are not part of this site
        target, _, anchor = href.partition("#")
        status, ids = fetch(target)
        if status != 200:
            problems.append(f"{href} : HTTP {status}")
        elif anchor and urllib.parse.unquote(anchor) not in ids:
            problems.append(f"{href} : ancre absente")
    expect_none(problems, f"{doc} : liens cassés")


def formula_problems(formula: dict) -> list[str]:
    checks = [
        (formula["css"].endswith("math"), f"non mise en page en MathML ({formula['css']})"),
        (formula["width"] > 0 and formula["height"] > 0, "invisible"),
        (formula["errors"] == 0, "erreur MathML"),
        (formula["fractions_stacked"], "fraction non empilée"),
        # MathML Core, hence Chromium, draws only mathvariant="normal": 𝟙 must be the character itself.
        (not formula["variants"], f"mathvariant={formula['variants']} ignoré par Chromium"),
        (formula["display"] != "inline" or formula["in_text"],
         "formule en ligne sortie de sa phrase (paragraphe coupé)"),
        (formula["display"] != "block" or formula["css"] == "block math", "formule centrée affichée en ligne"),
    ]
    return [f"« {formula['text']} » : {message}" for ok, message in checks if not ok]


@pytest.mark.parametrize("doc", NAV_DOCS)
def test_formulas_render_as_mathml(visit, doc):
    problems = [p for formula in visit(doc).facts["formulas"] for p in formula_problems(formula)]
    expect_none(problems, f"{doc} : formules mal rendues")


@pytest.mark.parametrize("doc, name, pieces",
                         [(doc, name, pieces) for doc, formulas in TAUGHT_FORMULAS.items()
                          for name, pieces in formulas.items()])
def test_taught_formula_is_displayed(visit, doc, name, pieces):
    assert doc in NAV_DOCS, f"{doc} n'est plus dans le nav"
    displayed = [f["text"] for f in visit(doc).facts["formulas"] if f["display"] == "block"]
    assert any(all(piece in text for piece in pieces) for text in displayed), \
        f"{doc} : formule {name} introuvable parmi {displayed}"


def test_code_blocks_have_copy_buttons(visit):
    with_code = 0
    for doc in NAV_DOCS:
        facts = visit(doc).facts
        buttons = facts["copy_buttons"]
        assert len(buttons) == facts["code_blocks"], f"{doc} : bouton de copie manquant"
        assert all("Copier" in b["title"] and b["target"] for b in buttons), f"{doc} : {buttons}"
        with_code += facts["code_blocks"] > 0
    assert with_code >= 3, "trop peu de pages montrent du code"


def test_copy_button_copies_the_code(page, browser, page_urls, site_url):
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page.goto(page_urls["modele.md"], wait_until="networkidle")
    block = page.locator("article .highlight").first
    block.hover()  # the button shows on hover, as for a reader
    block.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == block.locator("pre > code").inner_text().strip()
    assert "Sequential" in copied
    expect_none(page.errors, "erreurs dans le navigateur")


def test_admonitions_for_definitions_and_warnings(visit):
    admonitions = [a for doc in NAV_DOCS for a in visit(doc).facts["admonitions"]]
    assert all(a["title"].strip() for a in admonitions), admonitions
    assert any("warning" in a["classes"] for a in admonitions), "aucun avertissement sur le site"
    assert any("Définition" in a["title"] for a in admonitions), "aucun encadré de définitions"


def test_no_mermaid_diagram(visit):
    # Material would fetch Mermaid from a CDN for such a diagram: the site would need the network.
    assert all(visit(doc).facts["mermaid"] == 0 for doc in NAV_DOCS)


def test_dark_mode_toggle(page, page_urls, site_url):
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(page_urls[NAV_DOCS[0]], wait_until="networkidle")
    page.evaluate("localStorage.clear()")  # a scheme an earlier test chose persists: start from the default
    page.reload(wait_until="networkidle")
    scheme = lambda: page.evaluate("document.body.getAttribute('data-md-color-scheme')")
    background = lambda: page.evaluate("getComputedStyle(document.body).backgroundColor")
    try:
        assert scheme() == "default"
        light = background()
        page.locator("form[data-md-component=palette] label:visible").click()
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
        try:  # the theme fades the background in: wait for it rather than read it mid-transition
            page.wait_for_function(f"getComputedStyle(document.body).backgroundColor !== {light!r}", timeout=5000)
        except Exception:
            pass
        assert background() != light, "le mode sombre ne change pas le fond"
        page.screenshot(path=str(SCREENSHOTS / "accueil-sombre.png"), full_page=True)
        page.locator("form[data-md-component=palette] label:visible").click()
        page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'default'")
        try:
            page.wait_for_function(f"getComputedStyle(document.body).backgroundColor === {light!r}", timeout=5000)
        except Exception:
            pass
        assert background() == light
    finally:
        page.evaluate("localStorage.clear()")  # the choice persists: later pages must open light
    expect_none(page.errors, "erreurs dans le navigateur")
    assert_offline(requests, site_url)


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds_term_in_french(page, page_urls, site_url, term):
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(page_urls[NAV_DOCS[0]], wait_until="networkidle")
    page.locator("input.md-search__input").click()
    page.keyboard.type(term)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15_000)
    assert results.count() >= 1
    assert term in page.locator(".md-search-result__list").inner_text().lower()
    page.screenshot(path=str(SCREENSHOTS / f"recherche-{term}.png"))
    assert any(url.endswith("lunr.fr.min.js") for url in requests), "recherche sans la langue française"
    # The first result opens a page of the site that contains the term.
    with page.expect_navigation():
        results.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(site_url)
    assert term in page.locator("article").inner_text().lower()
    expect_none(page.errors, "erreurs dans le navigateur")
    assert_offline(requests, site_url)


# -- The files themselves (no browser) ----------------------------------------------------------

class _ResourceCollector(html.parser.HTMLParser):
    """URLs an HTML page makes the browser load by itself (not the links a reader may follow)."""
    LOADING = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
               "video": "src", "embed": "src", "object": "data", "link": "href"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        attr = self.LOADING.get(tag)
        if attr and values.get(attr) and not (tag == "link" and values.get("rel") == "canonical"):
            self.urls.append(values[attr])


def is_remote(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://", "//"))


def site_files(site_dir: Path, *suffixes: str) -> list[Path]:
    files = [path for path in site_dir.rglob("*") if path.suffix in suffixes]
    assert files, f"aucun fichier {suffixes} dans {site_dir}"
    return files


def test_html_loads_nothing_remote(site_dir):
    for path in site_files(site_dir, ".html"):
        collector = _ResourceCollector()
        text = path.read_text(encoding="utf-8")
        collector.feed(text)
        remote = [url for url in collector.urls if is_remote(url)]
        assert not remote, f"{path.name} charge des ressources distantes : {remote}"
        for host in FONT_HOSTS + CDN_HOSTS:
            assert host not in text, f"{path.name} mentionne {host}"


def test_css_loads_nothing_remote(site_dir):
    for path in site_files(site_dir, ".css"):
        text = path.read_text(encoding="utf-8")
        remote = [url for url in re.findall(r"""(?:url\(|@import\s+)\s*["']?([^"')\s;]+)""", text) if is_remote(url)]
        assert not remote, f"{path.name} charge des ressources distantes : {remote}"
        assert not any(host in text for host in FONT_HOSTS + CDN_HOSTS), path.name


def test_javascript_names_no_font_or_cdn_host(site_dir):
    for path in site_files(site_dir, ".js"):
        text = path.read_text(encoding="utf-8")
        assert not any(host in text for host in FONT_HOSTS), f"{path.name} charge des polices web"
        cdn_urls = re.findall(r"https?://(?:%s)[^\"'`\s)]*" % "|".join(map(re.escape, CDN_HOSTS)), text)
        unexpected = [url for url in cdn_urls if not url.startswith(BUNDLE_CONDITIONAL_URLS)]
        assert not unexpected, f"{path.name} charge depuis un CDN : {unexpected}"


# -- Downloads: the lesson as a notebook and a script (stage "notebook") -------------------------

DOWNLOAD_PAGES = ["index.md", "donnees.md", "modele.md", "entrainement.md", "performances.md", "evaluation.md"]


@pytest.mark.parametrize("doc", DOWNLOAD_PAGES)
def test_download_links_serve_the_notebook_and_the_script(visit, doc, site_url, mkdocs_config):
    import json

    from pipeline.common import fr

    facts = visit(doc).facts
    problems = []
    for suffix in (".ipynb", ".py"):
        hrefs = sorted({href for href in facts["links"] if href.startswith(site_url) and href.endswith(suffix)})
        if not hrefs:
            problems.append(f"aucun lien de téléchargement vers un fichier {suffix}")
        for href in hrefs:
            try:
                with urllib.request.urlopen(href, timeout=10) as response:
                    status, body = response.status, response.read()
            except urllib.error.HTTPError as exc:
                status, body = exc.code, b""
            name = urllib.parse.unquote(href.rsplit("/", 1)[-1])
            if status != 200 or not body:
                problems.append(f"{href} : HTTP {status}, {len(body)} octets")
                continue
            if f"{name}, {fr.kilobytes(len(body))}" not in facts["text_with_inline_code"]:
                problems.append(f"{name} : taille affichée différente de {fr.kilobytes(len(body))}")
            if suffix == ".ipynb" and json.loads(body).get("nbformat") != 4:
                problems.append(f"{href} : pas un carnet nbformat 4")
    colab = [href for href in facts["links"] if "colab.research.google.com" in href]
    if not mkdocs_config.get("repo_url"):
        problems += [f"lien Colab sans repo_url dans mkdocs.yml : {href}" for href in colab]
    expect_none(problems, f"{doc} : téléchargements")
