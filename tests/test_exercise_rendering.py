"""« À vous de jouer » as the browser shows it: each question its own numbered item, each folded answer
whole inside its box, and the line « Dans l'énoncé… » a paragraph of its own (checked on the built HTML)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

# The pages whose every question has a folded answer (computed from the run, or measured).
ANSWERED = ("donnees", "modele", "entrainement", "performances", "evaluation", "rejouer")
# Pages with exercises to try in the browser (no folded answer), checked for their numbering only.
OPEN = ("demo", "entrainer")
VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "base", "embed", "param", "track"}
SECTION = "a-vous-de-jouer"
SECTIONS = {"entrainer": "trois-experiences-a-faire"}  # the page's exercises under a heading of their own
QUESTION_START = re.compile(r"^\s*(\d+)\.(?:\s|$)")
# A question number after the end of a sentence: « …(étape 5). 3. Appelez » (not « l'époque 5. Avec »).
SWALLOWED = re.compile(r"[.?!)»]\s+(\d+)\.\s+[A-ZÀ-Ý]")


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self):
        yield self
        for child in self.elements():
            yield from child.iter()


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):  # close up to the matching tag
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def article(html: str) -> Node:
    return next(node for node in parse(html).iter() if node.tag == "article")


def exercise_section(html: str, heading: str = SECTION) -> list[Node]:
    """The elements after the « À vous de jouer » heading, up to the next heading of its level or the footer's rule."""
    body = article(html)
    elements = body.elements()
    start = next((i for i, node in enumerate(elements) if node.tag == "h2" and node.attrs.get("id") == heading), None)
    if start is None:
        return []
    section = []
    for node in elements[start + 1:]:
        if node.tag in ("h1", "h2", "hr"):
            break
        section.append(node)
    return section


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Question:
    number: int  # as the reader sees it
    text: str
    after: list  # the elements that follow it, up to the next question: its answer boxes and notes


def questions(section: list[Node]) -> list[Question]:
    """The questions in reading order, either list items (<ol><li>) or paragraphs opening with « **N.** »."""
    found: list[Question] = []
    for node in section:
        if node.tag == "ol":
            start = int(node.attrs.get("start") or 1)
            for offset, item in enumerate(n for n in node.elements() if n.tag == "li"):
                found.append(Question(start + offset, _flat(item.text()), []))
                found[-1].after.append(item)  # its own content: paragraphs, then answer boxes
        elif _opening_number(node) is not None:
            found.append(Question(_opening_number(node), _flat(node.text()), []))
        elif found:
            found[-1].after.append(node)
    return found


def _opening_number(node: Node) -> int | None:
    """N for a paragraph that opens with « **N. …** », else None."""
    if node.tag != "p":
        return None
    first = next((c for c in node.children if not (isinstance(c, str) and not c.strip())), None)
    if isinstance(first, Node) and first.tag == "strong" and QUESTION_START.match(first.text()):
        return int(QUESTION_START.match(first.text())[1])
    return None


def answer_boxes(question: Question) -> list[Node]:
    boxes = []
    for node in question.after:
        boxes += [n for n in node.iter() if n.tag == "details"]
    return boxes


def problems(html: str, answered: bool, heading: str = SECTION) -> list[str]:
    """Everything wrong with a page's « À vous de jouer », in plain words for the assertion."""
    section = exercise_section(html, heading)
    found = questions(section)
    out = []
    if not found:
        return ["no question found"]
    numbers = [q.number for q in found]
    if numbers != list(range(1, len(found) + 1)):
        out.append(f"questions numbered {numbers}, not 1 to {len(found)}")
    for text in (_flat(n.text()) for n in section):
        for match in SWALLOWED.finditer(text):
            out.append(f"« …{text[max(0, match.start() - 40):match.end() + 20]}… »: a question runs on in a paragraph")
    for q in found:
        head = q.text[:60]
        for node in q.after:
            for inner in node.iter():
                if inner is not node and inner.tag == "ol":
                    out.append(f"question {q.number} ({head}…) holds a numbered list: a question swallowed")
                if inner.tag == "strong" and QUESTION_START.match(inner.text()) and inner is not node:
                    out.append(f"question {q.number} ({head}…) holds « {_flat(inner.text())} »")
        if not answered:
            continue
        boxes = answer_boxes(q)
        if not boxes:
            out.append(f"question {q.number} ({head}…) has no folded answer")
            continue
        # After its first answer box, a question is followed only by boxes and italic notes: any other
        # paragraph is answer text that fell out of its box.
        items = q.after[0].elements() if q.after and q.after[0].tag == "li" else q.after
        seen_box = False
        for node in items:
            if node.tag == "details":
                seen_box = True
            elif seen_box and node.tag == "p" and not _is_note(node):
                out.append(f"question {q.number}: « {_flat(node.text())[:80]}… » follows its answer box, outside it")
    return sorted(set(out))


def _is_note(paragraph: Node) -> bool:
    """A paragraph that is only an italic sentence (« *Cette réponse demande d'autres entraînements…* »)."""
    elements = paragraph.elements()
    loose = "".join(c for c in paragraph.children if isinstance(c, str)).strip()
    return len(elements) == 1 and elements[0].tag == "em" and not loose


def seed_line_problems(html: str) -> list[str]:
    """« *Dans l'énoncé : …* » must be a paragraph of its own (not run into the download line)."""
    out = []
    for node in article(html).iter():
        if node.tag == "p" and "Dans l'énoncé" in node.text():
            ems = [e for e in node.elements() if e.tag == "em" and _flat(e.text()).startswith("Dans l'énoncé")]
            if ems and _flat(node.text()) != _flat(ems[0].text()):
                out.append(f"« {_flat(node.text())[:120]}… » is one paragraph")
    return out


# --- On hand-written HTML: each check fails on the mistake it is for -----------------------------

GOOD = """<article><h2 id="a-vous-de-jouer">À vous de jouer</h2>
<ol><li><p>Première question ?</p><details class="success"><summary>Réponse</summary><p>Oui.</p></details></li>
<li><p>Deuxième question ?</p><details class="success"><summary>Réponse</summary><p>Non.</p></details></li></ol>
<hr /></article>"""


def test_a_well_formed_list_of_questions_has_no_problem():
    assert problems(GOOD, answered=True) == []


def test_an_answer_that_spills_out_of_its_box_and_swallows_the_next_question_is_caught():
    spilled = GOOD.replace("<p>Non.</p></details></li></ol>",
                           "<p>Non.</p></details><p>Suite de la réponse (étape 5).\n3. Appelez model.summary().</p></li></ol>")
    found = problems(spilled, answered=True)
    assert any("outside it" in p for p in found) and any("runs on" in p for p in found), found


def test_a_question_nested_in_the_previous_one_or_numbered_from_1_again_is_caught():
    nested = GOOD.replace("</details></li></ol>", "</details><ol><li>Troisième.</li></ol></li></ol>")
    assert any("swallowed" in p for p in problems(nested, answered=True))
    restarted = GOOD.replace("</details></li>\n<li>", "</details></li></ol>\n<ol><li>")
    assert any("numbered [1, 1]" in p for p in problems(restarted, answered=True))


def test_a_question_without_a_folded_answer_is_caught_and_an_italic_note_is_allowed():
    bare = GOOD.replace('<details class="success"><summary>Réponse</summary><p>Non.</p></details>', "")
    assert any("no folded answer" in p for p in problems(bare, answered=True))
    assert problems(bare, answered=False) == []
    paragraphs = ("<article><h2 id=\"a-vous-de-jouer\">À vous</h2><p><strong>1. Une.</strong> Question ?</p>"
                  "<details><summary>Réponse</summary><p>Oui.</p></details><p><em>Mesurable : make experiences.</em></p>"
                  "<p><strong>2. Deux.</strong> Question ?</p><details><summary>Réponse</summary><p>Non.</p></details>"
                  "<hr /></article>")
    assert problems(paragraphs, answered=True) == []
    stray = paragraphs.replace("<p><em>Mesurable : make experiences.</em></p>", "<p>Texte de la réponse.</p>")
    assert any("outside it" in p for p in problems(stray, answered=True))


def test_the_seed_line_run_into_the_download_line_is_caught():
    page = ("<article><p><em>Dans l'énoncé : Étape 1, « EarlyStopping ».</em>\n<strong>Faire l'exercice "
            "vous-même :</strong> <a>Télécharger le carnet</a></p></article>")
    assert seed_line_problems(page)
    assert not seed_line_problems(page.replace("</em>\n", "</em></p>\n<p>"))


# --- On the shared real build --------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("page", ANSWERED + OPEN)
def test_each_question_is_its_own_item_and_each_answer_whole_in_its_box(built_project, page):
    html = (built_project / "site" / f"{page}.html").read_text(encoding="utf-8")
    assert problems(html, answered=page in ANSWERED, heading=SECTIONS.get(page, SECTION)) == []


@pytest.mark.slow
@pytest.mark.parametrize("page", ("donnees", "modele", "entrainement", "performances", "evaluation", "rapport"))
def test_the_seed_line_is_a_paragraph_of_its_own(built_project, page):
    html = (built_project / "site" / f"{page}.html").read_text(encoding="utf-8")
    assert "Dans l'énoncé" in html
    assert seed_line_problems(html) == []
