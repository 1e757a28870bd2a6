"""Terms in order: walking the pages in the order of the nav, no glossary term is used before the page that
defines it, each term is first defined (in bold) where the glossary says, and ln 10 ≈ 2,30 is explained on one page."""
import re
from pathlib import Path

import pytest

from factories import make_context
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import render as rendering

ROOT = Path(__file__).resolve().parents[1]
PAGES = nav_pages(ROOT / "mkdocs.yml")

# term -> (the page that defines it, the definition's marker on that page: the term in bold), and the
# word forms a reader meets (singular and plural).
GLOSSARY = {
    "poids": ("index.md", "**poids**", r"poids"),
    "époque": ("index.md", "**époque**", r"époques?"),
    "perte": ("index.md", "**perte**", r"pertes?"),
    "lot": ("modele.md", "**lot**", r"lots?"),
    "descente de gradient": ("entrainement.md", "**descente de gradient**", r"descentes? de gradient"),
    "taux d'apprentissage": ("entrainement.md", "**taux d'apprentissage**", r"taux d'apprentissage"),
    "rétropropagation": ("entrainement.md", "**rétropropagation**", r"rétropropagation"),
    "neurone": ("index.md", "**neurone**", r"neurones?"),
    "biais": ("index.md", "**biais**", r"biais"),
    "graine": ("index.md", "**graine**", r"graines?"),
    "jeu de test": ("index.md", "**jeu de test**", r"jeux? de test"),
    "perte de validation": ("index.md", "**perte de validation**", r"pertes? de validation"),
    "jeu de validation": ("donnees.md", "**jeu de validation**", r"jeux? de validation"),
    "stratifié": ("donnees.md", "**stratifié**", r"stratifiée?s?"),
    "entropie croisée": ("modele.md", "**entropie croisée**", r"entropie croisée"),
    "dérivée partielle": ("entrainement.md", "**dérivée partielle**", r"dérivées? partielles?"),
    "arrêt anticipé": ("entrainement.md", "**arrêt anticipé**", r"arrêts? anticipés?"),
    "surapprentissage": ("performances.md", "**surapprentissage**", r"surapprentissage"),
    "F1": ("evaluation.md", "**F1**", r"F1"),
    "centile": ("evaluation.md", "**centile**", r"centiles?"),
    "base64": ("demo.md", "**base64**", r"base64"),
    "WebAssembly": ("entrainer.md", "**WebAssembly**", r"WebAssembly"),
    "SHA-512": ("entrainer.md", "**SHA-512**", r"SHA-512"),
}
RANDOM_LOSS_PAGE = "modele.md"  # where ln 10 ≈ 2,30 is explained; the others link there


@pytest.fixture(scope="module")
def pages():
    from test_browser_training import page_text  # « Entraîner dans le navigateur » with its exported facts

    rendered = rendering.render_all(ROOT / "templates", ROOT, make_context(), PAGES)
    rendered["docs/entrainer.md"] = page_text()  # the fake build exports no subset: the page would be empty
    return [(page.output, rendered[f"docs/{page.output}"]) for page in PAGES]


def reader_text(markdown: str) -> str:
    """What a reader sees: without code blocks, inline code, HTML tags, link targets and image alt texts
    (a figure's description repeats what its page says)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?", "", text)
    text = re.sub(r'alt="[^"]*"', "", text)
    text = re.sub(r"`[^`]*`", "", text)
    return re.sub(r"<[^>]+>|\]\([^)]*\)|https?://\S+", "", text)


def uses(text: str, forms: str) -> bool:
    return re.search(rf"(?<![\w-]){forms}(?![\w-])", text, flags=re.I) is not None


def first_use(pages, forms: str) -> str | None:
    return next((name for name, markdown in pages if uses(reader_text(markdown), forms)), None)


@pytest.mark.parametrize("term", GLOSSARY)
def test_no_term_is_used_before_the_page_that_defines_it(pages, term):
    page, marker, forms = GLOSSARY[term]
    order = [name for name, _ in pages]
    first = first_use(pages, forms)
    assert first is not None, f"« {term} » n'apparaît sur aucune page"
    assert order.index(first) >= order.index(page), (
        f"« {term} » est employé sur {first} avant d'être défini sur {page}")


@pytest.mark.parametrize("term", GLOSSARY)
def test_each_term_is_first_defined_on_its_page(pages, term):
    page, marker, _ = GLOSSARY[term]
    defining = [name for name, markdown in pages if marker.lower() in markdown.lower()]
    assert defining[:1] == [page], f"« {term} » doit être défini (en gras) d'abord sur {page} : {defining}"


def test_the_walk_catches_a_term_used_too_early():
    early = [("index.md", "Le réseau apprend par lots."), ("modele.md", "Un **lot** est un paquet d'images.")]
    assert first_use(early, GLOSSARY["lot"][2]) == "index.md"
    assert not uses("des pilotes", GLOSSARY["lot"][2]) and uses("Lots et époques", GLOSSARY["lot"][2])


def test_ln_10_is_explained_on_one_page_and_the_others_link_to_it(pages):
    explained = [name for name, markdown in pages  # −ln 1/10 as MathML (site) or LaTeX (README)
                 if re.search(r"<mi>ln</mi><mfrac><mrow><mn>1</mn></mrow><mrow><mn>10</mn>|\\ln \\frac\{1\}\{10\}",
                              markdown)]
    assert explained == [RANDOM_LOSS_PAGE]
    anchor = f"{RANDOM_LOSS_PAGE}#la-perte-dun-reseau-qui-repond-au-hasard"
    for name, markdown in pages:
        if name != RANDOM_LOSS_PAGE and re.search(r"ln 10|ln\s*10", reader_text(markdown)):
            assert anchor in markdown, name
