"""French spelling of every built page, checked with a real dictionary (Debian's hunspell-fr)."""
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ALLOWLIST = Path(__file__).with_name("spelling_allowlist.txt")
SKIPPED_TAGS = {"code", "pre", "math", "script", "style", "svg", "kbd"}


class VisibleText(HTMLParser):
    """The words a reader sees in a page's article: no code, formulas, scripts or navigation."""

    def __init__(self):
        super().__init__()
        self.depth_article = 0
        self.skipping = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth_article += 1
        elif tag in SKIPPED_TAGS:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth_article -= 1
        elif tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data):
        if self.depth_article and not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


ELISION = re.compile(r"^(?:[dlnsjmtc]|qu|jusqu|lorsqu|puisqu)['’]", re.I)  # d'EarlyStopping → EarlyStopping


def words_of(text: str) -> list[str]:
    """Words to check: letters (with apostrophes and hyphens inside), no numbers, URLs or identifiers.

    Tokens holding a digit (« 1er », « 28e ») are ordinal numbers, not words; an elided article or
    pronoun is cut off, so « d'EarlyStopping » is checked as « EarlyStopping ».
    """
    text = re.sub(r"https?://\S+|\S+\.(?:py|md|yml|yaml|png|js|json|html|ipynb|keras|npz|pdf)\b", " ", text)
    tokens = re.findall(r"[\wÀ-ÿœŒ]+(?:['’-][\wÀ-ÿœŒ]+)*", text)
    return [ELISION.sub("", w) for w in tokens if not re.search(r"[_0-9]", w)]


def misspelled(words: list[str], allowed: set[str]) -> set[str]:
    result = subprocess.run(["hunspell", "-d", "fr_FR", "-l"], input="\n".join(words), capture_output=True,
                            text=True, check=True)
    return {w for w in result.stdout.split() if w not in allowed and w.lower() not in allowed}


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    if shutil.which("hunspell") is None or not Path("/usr/share/hunspell/fr_FR.dic").exists() and \
            not Path("/usr/share/hunspell/fr.dic").exists():
        pytest.fail("hunspell et hunspell-fr absents : lancez « make test », qui installe ces paquets Debian.")
    return {line.split("#")[0].strip() for line in ALLOWLIST.read_text(encoding="utf-8").splitlines()} - {""}


def test_the_dictionary_catches_a_misspelling(allowed):
    assert misspelled(["entraînement", "époque", "entrainemment"], allowed) == {"entrainemment"}


def test_words_skip_ordinals_and_cut_elisions():
    assert words_of("Le 1er graphique d'EarlyStopping, qu'il montre") == ["Le", "graphique", "EarlyStopping",
                                                                            "il", "montre"]


def test_every_built_page_is_spelled_correctly(built_project, allowed):
    problems = {}
    for page in sorted((built_project / "site").glob("*.html")):
        if page.name == "404.html":
            continue
        bad = misspelled(words_of(visible_text(page.read_text(encoding="utf-8"))), allowed)
        if bad:
            problems[page.name] = sorted(bad)
    assert not problems, problems


# Mistakes a dictionary cannot see: each pattern is a kind of slip found on the site by a reader.
GRAMMAR = {
    "« pour ordre de grandeur » (pour donner un ordre de grandeur)": r"\bpour ordre de grandeur\b",
    "« 1 » suivi d'un pluriel": (r"(?<![\d,][\u00a0\u202f ])(?<![\d,])\b1[\u00a0 ]"
                                 r"(?!(?:fois|mois|pas|cas|poids|temps|prix|corps|après|dans|sous|sans|vers|plus|moins|puis|mais|très|alors|lors)\b)[a-zà-ÿ]+s\b"),
    "« décimaux » pour des nombres à virgule flottante": r"nombres décimaux `?float",
    "couches « trop nombreuses » pour dire trop de neurones": r"couches sont trop nombreuses",
    "« aussi plus » (plus … aussi)": r"\baussi plus\b",
    "une liste d'entiers lue comme des décimaux (« 2, 1, 0 »)": r"\b\d, \d, \d\b",
    "« ± 0,000 » : un écart arrondi à zéro": r"±[\u00a0 ]0,0+\b(?!\d)",
}


@pytest.mark.parametrize("kind, text", [
    ("« pour ordre de grandeur » (pour donner un ordre de grandeur)", "Ce site ne l'a pas entraîné ; pour ordre de grandeur, la"),
    ("« 1 » suivi d'un pluriel", "Terminé : 1 figures d'expériences."),
    ("« décimaux » pour des nombres à virgule flottante", "en nombres décimaux `float32`."),
    ("couches « trop nombreuses » pour dire trop de neurones", "Les grandes couches sont trop nombreuses pour"),
    ("« aussi plus » (plus … aussi)", "il peut devenir aussi plus sûr de lui"),
    ("une liste d'entiers lue comme des décimaux (« 2, 1, 0 »)", "trois scores : 2, 1, 0."),
    ("« ± 0,000 » : un écart arrondi à zéro", "0,313 ± 0,000 pour « sans »"),
])
def test_each_grammar_pattern_catches_the_slip_it_was_written_for(kind, text):
    assert re.search(GRAMMAR[kind], text)


def test_the_grammar_patterns_leave_good_french_alone():
    good = ("Ce site ne l'a pas entraîné ; pour donner un ordre de grandeur, 1 figure, 12 figures, "
            "10 000 images, entre 0 et 1 après, 1,5 points, 0,313 ± <\u00a00,001, 2 ; 1 et 0, 1\u00a0000 images")
    assert not [kind for kind, pattern in GRAMMAR.items() if re.search(pattern, good)]


def test_no_built_page_has_a_known_grammar_slip(built_project):
    problems = {}
    for page in sorted((built_project / "site").glob("*.html")):
        text = visible_text(page.read_text(encoding="utf-8"))
        found = [kind for kind, pattern in GRAMMAR.items() if re.search(pattern, text)]
        if found:
            problems[page.name] = found
    assert not problems, problems
