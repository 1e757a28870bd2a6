"""Step 3's learning loop on the page: every number comes from the figure facts, every verdict follows them."""
import copy
import dataclasses
from pathlib import Path

from factories import make_artifacts
from pipeline.common import fr
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import render as rendering
from pipeline.pages.context import build_context

ROOT = Path(__file__).resolve().parents[1]
PAGES = nav_pages(ROOT / "mkdocs.yml")


def training_page(edit=None) -> tuple[str, dict]:
    artifacts = make_artifacts()
    if edit:
        artifacts = dataclasses.replace(artifacts, figures=copy.deepcopy(artifacts.figures))
        edit(artifacts.figures)
    pages = rendering.render_all(ROOT / "templates", ROOT, build_context(artifacts), PAGES)
    return pages["docs/entrainement.md"].replace(fr.NBSP, " "), artifacts.figures


def test_the_one_step_example_cites_the_facts_of_the_figure():
    page, facts = training_page()
    step = facts["step"]
    label = step["label"]
    assert f"`X_train[{step['index']}]`" in page
    assert f"la perte de {fr.decimal(step['loss_before'], 3)} à\n{fr.decimal(step['loss_after'], 3)}" in page \
        or f"la perte de {fr.decimal(step['loss_before'], 3)} à {fr.decimal(step['loss_after'], 3)}" in page
    assert f"Ici : {fr.decimal(step['delta'][label], 3)}" in page
    rows = [line for line in page.splitlines() if line.lstrip().startswith("| le ")]  # in a folded box
    assert len(rows) == len(step["top"])
    assert all(fr.decimal(w["gradient"], 3) in row for w, row in zip(step["top"], rows))



def test_a_weight_of_the_first_layer_and_a_hidden_bias_are_named_in_correct_french():
    def edit(facts):
        move = facts["step"]["top"][0]
        facts["step"]["top"] = [dict(move, name="W1", index=[12, 4]), dict(move, name="b1", index=[4])]
    page, _ = training_page(edit)
    # Numbered from 0 like the images: W1[12, 4] is pixel 12 (row 0, column 12) to hidden neuron 4.
    assert "| le poids qui relie le pixel 12 (ligne 0, colonne 12) au neurone caché 4 |" in page
    assert "| le biais du neurone 4 de la couche cachée 1 |" in page

def rate_items(page: str) -> list[str]:
    """The bullets of the learning rates, each with its continuation line."""
    block = page[page.index("- **η = "):page.index("Le fond de cette tranche")]
    return ["- **η = " + item for item in block.split("- **η = ")[1:]]


def test_each_learning_rate_s_verdict_follows_its_path():
    def only_the_large_climbs(figures):
        for rate in figures["descent"]["rates"]:
            rate["climbed"] = rate["descended"] = rate["crossed"] = rate["word"] == "grand"
            rate["descended"] = not rate["climbed"]

    items = rate_items(training_page(only_the_large_climbs)[0])
    assert len(items) == 3
    assert ["plus qu'au départ" in item for item in items] == [False, False, True]
    assert "sautent par-dessus le fond" in items[2] and "chaque pas fait baisser la perte" in items[0]
    calm = rate_items(training_page(lambda f: [r.update(climbed=False) for r in f["descent"]["rates"]])[0])
    assert not any("plus qu'au départ" in item for item in calm)
