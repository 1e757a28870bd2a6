"""Nothing false about the exercise: what the pages attribute to « l'énoncé » is in the exercise file.

Read in every text the build publishes (the built Markdown pages, the README, the notebook and the
script): each fragment attributed to the exercise (code in backticks, or words in « », right next to
« l'énoncé ») must be found in the exercise file word for word, the seed's curly apostrophes and quotes
included; only whitespace and the seed's bold and italic markers are ignored. The exercise gives no
program, only fragments such as `Dense(128, activation='relu')`: the pages never speak of its code, its
program or its cells.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The exercise as the user gave it, kept with the tests so that a fresh clone checks the same text.
SEED_FILE = Path(__file__).with_name("fixtures") / "enonce.txt"
SHARED_SEED = Path("/work/shared/seed")  # where the user's file lives on the machines that build the course
ANCHOR = r"(?:l['’]|L['’])énoncé"
SAYING = r"(?:écrit|dit|passe|demande|propose|donne|nomme|indique|emploie|utilise|appelle)"
# What the exercise does not have: a program, code, cells, calls of its own (it gives fragments only).
NO_CODE = re.compile(r"\b(?:(?:le |du |au )?code|programme|script|cellule|appels?|celui|celle)\s+(?:de|du)\s+" + ANCHOR, re.I)


def seed_text() -> str:
    """The exercise file, its bold/italic markers and whitespace normalised away."""
    return normalise(SEED_FILE.read_text(encoding="utf-8").replace("*", ""))


def test_the_kept_copy_of_the_exercise_is_the_user_s_file_byte_for_byte():
    originals = sorted(SHARED_SEED.glob("*.txt")) if SHARED_SEED.is_dir() else []
    if not originals:
        pytest.skip(f"{SHARED_SEED} absent : la copie {SEED_FILE.name} fait foi")
    assert SEED_FILE.read_bytes() == b"".join(f.read_bytes() for f in originals)


def normalise(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def _masked(text: str) -> tuple[str, list[str]]:
    """The text with each `code` and « quote » replaced by ⟦n⟧, and the fragments in order."""
    fragments: list[str] = []

    def keep(match):
        fragments.append(normalise(match.group(1) if match.group(1) is not None else match.group(2)))
        return f"⟦{len(fragments) - 1}⟧"

    text = re.sub(r"```.*?```", " ", text, flags=re.S)  # fenced code is the lesson's, not prose
    return re.sub(r"`([^`\n]+)`|«([^»]*)»", keep, text), fragments


FRAGMENT = r"⟦(\d+)⟧"
BEFORE = re.compile(FRAGMENT + r"\s*(?:,\s*)?(?:(?:de|dans)\s+|\(\s*)?" + ANCHOR)
# « L'énoncé écrit `X` », « l'énoncé dit seulement : « X » », « Dans l'énoncé : Étape 1, « X » »
AFTER = re.compile(ANCHOR + r"\s*(?:" + SAYING + r"(?:\s+\w+){0,2}?\s*:?\s*|:\s*[^⟦.;]{0,14}?)" + FRAGMENT)
CHAIN = re.compile(FRAGMENT + r"((?:\s*(?:,|et|ou|sert|puis|→)\s*" + FRAGMENT + r")+)")


def attributed(text: str) -> list[str]:
    """The fragments a text attributes to the exercise (see the module's docstring)."""
    masked, fragments = _masked(text)
    masked = re.sub(r"[\s\u00a0\u202f]+", " ", masked)
    found = {int(m[1]) for m in BEFORE.finditer(masked)} | {int(m[1]) for m in AFTER.finditer(masked)}
    for chain in CHAIN.finditer(masked):  # « A », « B » et « C »: the list goes with its first item
        members = [int(n) for n in re.findall(FRAGMENT, chain.group(0))]
        if members[0] in found:
            found.update(members)
    return [fragments[i] for i in sorted(found)]


def code_claims(text: str) -> list[str]:
    """Sentences that give the exercise a program, code or cells it does not have."""
    flat = normalise(text)
    return [flat[max(0, m.start() - 50):m.end() + 10] for m in NO_CODE.finditer(flat)]


# --- The extraction, on sentences written for it: each check fails on the mistake it is for ----------

def test_the_fragments_next_to_l_enonce_are_extracted_and_the_others_are_not():
    text = ("L'énoncé écrit `EarlyStopping()` sans argument. Le `Dense(128, activation='relu')` de l'énoncé. "
            "L'énoncé dit seulement : « Tu utilises EarlyStopping ». "
            "*Dans l'énoncé : Étape 1, « Compilation du modèle », « EarlyStopping » et « Entraînement du modèle ».* "
            "L'énoncé dit « précision », ce site dit « exactitude ». Pas de couche `Dropout`, comme dans l'énoncé. "
            "| Dropout (`dropout`), au-delà de l'énoncé | Pour reproduire l'énoncé, écrivez `validation: test`.")
    assert attributed(text) == ["EarlyStopping()", "Dense(128, activation='relu')", "Tu utilises EarlyStopping",
                                "Compilation du modèle",
                                "EarlyStopping", "Entraînement du modèle", "précision"]


def test_a_fragment_the_exercise_does_not_hold_word_for_word_is_caught():
    seed = seed_text()
    assert "Dense(128, activation='relu')" in seed and "validation_data=(X_test, y_test)" in seed
    assert "EarlyStopping()" not in seed  # the exercise gives no call, and no parameter
    assert "l'entraînement quand le modèle ne s'améliore plus" not in seed  # its apostrophes are curly
    assert "l’entraînement quand le modèle ne s’améliore plus" in seed


def test_the_exercise_s_code_or_program_is_caught():
    assert code_claims("Voici le code de l'énoncé qui dessine ces deux graphiques.")
    assert code_claims("Ce `compile()` est exactement celui de l'énoncé.")
    assert not code_claims("Le réseau de l'énoncé a trois couches ; l'énoncé ne donne que des fragments de code.")


# --- On everything the shared build publishes ----------------------------------------------------------

def published_texts(root: Path) -> dict[str, str]:
    texts = {f"docs/{p.name}": p.read_text(encoding="utf-8") for p in sorted((root / "docs").glob("*.md"))}
    texts["README.md"] = (root / "README.md").read_text(encoding="utf-8")
    downloads = root / "docs" / "telechargements"
    for notebook in downloads.glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts[f"{notebook.name} (texte)"] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        texts[f"{notebook.name} (code)"] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for script in downloads.glob("*.py"):
        texts[script.name] = script.read_text(encoding="utf-8")
    return texts


@pytest.mark.slow
def test_every_fragment_attributed_to_the_exercise_is_in_the_exercise_file(built_project):
    seed = seed_text()
    texts = published_texts(built_project)
    assert len(texts) >= 10 and any("Dense(128, activation='relu')" in t for t in texts.values())
    missing = [(name, fragment) for name, text in texts.items() for fragment in attributed(text)
               if fragment not in seed]
    assert missing == []


@pytest.mark.slow
def test_no_page_gives_the_exercise_a_program_or_code_of_its_own(built_project):
    claims = [(name, claim) for name, text in published_texts(built_project).items() for claim in code_claims(text)]
    assert claims == []
