"""Pages rendered from hand-made metrics: the text follows the facts, in correct French."""
import re
from pathlib import Path

import pytest

from factories import BASE_HISTORY, make_context
from pipeline.pages import render as rendering
from pipeline.common.mkdocs_config import nav_pages
from pipeline.common.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]
NB = "\u00a0"


PAGES = nav_pages(ROOT / "mkdocs.yml")


def render(**overrides) -> dict[str, str]:
    return rendering.render_all(ROOT / "templates", ROOT, make_context(**overrides), PAGES)


@pytest.fixture(scope="module")
def pages():
    return render()


def prose(markdown: str) -> str:
    """Text outside code blocks, inline code, HTML tags and link targets: what typography applies to."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"<[^>]+>|\]\([^)]*\)|https?://\S+", "", text)
    return text


def test_every_page_and_the_readme_are_rendered(pages):
    assert set(pages) == {f"docs/{page.output}" for page in PAGES} | {"README.md"}


def test_stopped_early_and_restored_is_told_with_the_epochs():
    text = render(best_epoch=5, stopped_early=True)["docs/entrainement.md"]
    assert "a arrêté l'entraînement après l'époque 8" in text
    assert "poids de l'époque 5 ont ensuite été restaurés" in text


def test_a_run_that_never_stopped_early_says_so():
    history = {k: v[:6] for k, v in BASE_HISTORY.items()}
    history["val_loss"] = [loss + 0.01 for loss in history["loss"]]  # both fall together
    pages = render(history=history, best_epoch=6, stopped_early=False)
    assert "n'a pas eu à arrêter l'entraînement" in pages["docs/entrainement.md"]
    assert "a tout de même restauré les poids de la meilleure époque" in pages["docs/entrainement.md"]
    assert "arrêté l'entraînement après" not in pages["docs/entrainement.md"]
    assert "Pas de surapprentissage" in pages["docs/performances.md"]


def test_overfitting_is_named_with_the_epoch_where_validation_loss_stopped_improving():
    text = render()["docs/performances.md"]  # val_loss minimum 0.34 at epoch 5, then rises to 0.38
    assert "Du surapprentissage" in text
    assert "À partir de l'époque 5" in text
    assert "0,340" in text


def test_a_large_gap_without_a_rise_gets_the_middle_explanation():
    history = dict(BASE_HISTORY, val_loss=[0.43, 0.41, 0.40, 0.395, 0.39, 0.388, 0.387, 0.386],
                   loss=[0.40, 0.33, 0.30, 0.27, 0.24, 0.21, 0.19, 0.17])
    text = render(history=history, best_epoch=8, stopped_early=False)["docs/performances.md"]
    assert "Un écart qui se creuse" in text


def test_balanced_and_unbalanced_counts_change_the_verdict(pages):
    assert "parfaitement équilibré" in pages["docs/donnees.md"]
    unbalanced = render(counts=[9000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 1000])["docs/donnees.md"]
    assert "est déséquilibré" in unbalanced
    assert f"9{NB}000 images contre 1{NB}000 pour Bottine" in unbalanced


def test_validation_on_the_test_set_warns_that_the_score_is_optimistic():
    pages = render(validation="test")
    assert "on suit l'énoncé à la lettre" in pages["docs/donnees.md"]
    assert "légèrement optimiste" in pages["docs/evaluation.md"]


def test_numbers_use_french_formatting(pages):
    assert f"87,7{NB}%" in pages["docs/index.md"]  # accuracy 0.8772
    assert f"101{NB}770" in pages["docs/modele.md"]
    for name, text in pages.items():
        body = prose(text)
        assert not re.search(r"\d\.\d+\s?%", body), f"{name}: decimal point in a percentage"
        assert not re.search(r" [%;:!?](\s|$)", body), f"{name}: breaking space before punctuation"


def test_vocabulary_avoids_known_mistranslations(pages):
    for name, text in pages.items():
        assert not re.search(r"\bcalques?\b", text, re.I), name
        assert not re.search(r"\bformer (le|un) mod[eè]le", text, re.I), name
        assert "accuracy" not in prose(text).replace("(*accuracy*)", ""), name


def test_each_step_page_ends_with_exercises(pages):
    for out in ["donnees.md", "modele.md", "entrainement.md", "performances.md", "evaluation.md"]:
        assert "## À vous de jouer" in pages[f"docs/{out}"]


def test_code_shown_is_read_from_the_source():
    code = rendering.code_section(ROOT, "pipeline/lesson.py", "model")
    assert 'tf.keras.layers.Dense(hidden_units, activation="relu")' in code
    assert "--8<--" not in code
    page = render()["docs/modele.md"]
    assert code in page


def test_missing_code_section_is_a_clear_error():
    with pytest.raises(PipelineError) as info:
        rendering.code_section(ROOT, "pipeline/lesson.py", "absent")
    assert "absent" in info.value.what


def test_formulas_are_mathml_on_the_site_and_latex_in_the_readme(pages):
    assert "<math" in pages["docs/modele.md"] and "$" not in prose(pages["docs/modele.md"])


def write_template(tmp_path, text):
    (tmp_path / "bad.md.jinja").write_text(text, encoding="utf-8")
    return rendering.make_environment(tmp_path, ROOT, "site")


def test_undefined_variable_names_template_line_and_variable(tmp_path):
    env = write_template(tmp_path, "ligne 1\nligne 2 {{ test.precisoin }}\n")
    with pytest.raises(PipelineError) as info:
        rendering.render_template(env, "bad.md.jinja", {"test": {}})
    assert "bad.md.jinja, ligne 2" in info.value.where
    assert "precisoin" in info.value.what


def test_template_syntax_error_names_template_and_line(tmp_path):
    env = write_template(tmp_path, "a\nb\n{% if x %}\n")
    with pytest.raises(PipelineError) as info:
        rendering.render_template(env, "bad.md.jinja", {"x": 1})
    assert "ligne" in info.value.where and "bad.md.jinja" in info.value.where


def test_inline_formulas_never_start_a_line_where_markdown_would_make_them_a_block(pages):
    for name, text in pages.items():
        for line in text.splitlines():
            assert not line.lstrip().startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"'), \
                f"{name}: {line[:80]}"


def test_reproducibility_page_shows_the_last_benchmark_and_survives_a_malformed_one():
    bench = {"machine": {"cpu_model": "CPU X", "cpu_count": 2, "date": "2026-11-26T06:01:21+0000"},
             "settings": {"runs": 3, "epochs": 5},
             "candidates": [{"label": "seed (énoncé)", "peak_rss_mb": 1606.2, "ratio_to_seed_steady": 1.0,
                             "epoch_seconds_steady": {"median": 2.0, "min": 1.9, "max": 2.2},
                             "wall_seconds": {"median": 31.0}}],
             "targets": [{"target": "s/époque projet ÷ énoncé", "value": 0.35, "limit": 0.4, "unit": "×",
                          "verdict": "OK"}]}
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    page = rendering.render_template(env, "reproductibilite.md.jinja", make_context(bench=bench))
    assert "CPU X" in page and f"2,0{NB}s" in page and "| 0,35×" in page
    assert make_context(bench={"machine": 3})["bench"] is None


# The Variabilité page comes from the experiments (question "graines"): tests/test_experiments.py.


# --- Issue 12: exactitude, references, agreement --------------------------------------------------------

PRECISION = re.compile(r"pr[ée]cision", re.I)


def _section(markdown: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next heading of the same level."""
    start = markdown.index(f"## {heading}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end if end != -1 else len(markdown)]


def _admonitions(markdown: str) -> list[str]:
    """Every `!!!` block, and every folded `???` one: its title line and its indented lines."""
    return re.findall(r"^(?:!!!|\?\?\?) .*\n(?:(?:    .*)?\n)*", markdown, flags=re.M)


def test_the_home_page_says_once_that_the_seed_says_precision_and_why_the_site_says_exactitude(pages):
    home = pages["docs/index.md"]
    explained = [block for block in _admonitions(home) if PRECISION.search(block)]
    assert len(explained) == 1
    note = explained[0]
    assert "exactitude" in note and "énoncé" in note
    assert "evaluation.md#precision-rappel-et-f1-par-classe" in note  # points to the per-class precision
    assert not PRECISION.search(prose(home.replace(note, ""))), "précision outside the one explanation"
    assert "**exactitude**" in home.split("!!!")[0].lower() or "**Exactitude**" in home


def test_no_page_says_precision_except_the_evaluation_page_s_per_class_table_and_the_home_note(pages):
    for name, text in pages.items():
        if name == "docs/index.md":
            continue  # its one explanation is checked above
        if name == "docs/evaluation.md":
            text = text.replace(_section(text, "Précision, rappel et F1 par classe"), "")
        if name == "docs/entrainement.md":  # one reminder beside the seed's metrics=['accuracy'], back to the home note
            reminders = [block for block in _admonitions(text) if PRECISION.search(block)]
            assert len(reminders) == 1 and "énoncé" in reminders[0] and "index.md" in reminders[0], reminders
            text = text.replace(reminders[0], "")
        assert not PRECISION.search(prose(text)), f"{name}: « précision » where the site means exactitude"
    table = _section(pages["docs/evaluation.md"], "Précision, rappel et F1 par classe")
    assert "| Classe | Précision | Rappel | F1 | Support |" in table


def test_each_published_reference_is_cited_as_its_source_names_it_with_its_links(pages):
    from pipeline.pages.results import REFERENCES

    evaluation, readme = pages["docs/evaluation.md"], pages["README.md"]
    for ref in REFERENCES:
        for text in (evaluation, readme):
            assert f"`{ref['label']}`" in text and all(f"`{p}`" in text for p in ref['params'].split())
            assert f"]({ref['url']})" in text
            if ref["code"]:
                assert f"[code]({ref['code']})" in text
    assert "MLP 256-128-100 (scikit-learn)" not in evaluation  # it is a Keras model
    assert "pas mesurés ici" in evaluation and "non mesurés ici" in readme
    assert "Ce réseau, cette exécution" in evaluation
    for text in (evaluation, readme):  # every published row says so; only this run's row is measured
        rows = [line for line in text.splitlines()
                if any(line.startswith(f"| `{ref['label']}`") for ref in REFERENCES)]
        assert len(rows) == len(REFERENCES) and all(f"| publié{NB}: [" in row for row in rows)
        assert text.count("mesuré ici, sur le jeu de test") == 1


def test_the_placement_among_published_results_follows_this_run_s_accuracy():
    low, high = render(accuracy=0.80), render(accuracy=0.95)
    low_text = " ".join(low["docs/evaluation.md"].split())
    high_text = " ".join(high["docs/evaluation.md"].split())
    assert "ce réseau ne dépasse nettement aucun des résultats cités." in low_text
    assert "Il reste en dessous des humains de l'évaluation participative" in low_text
    assert "Dans cette exécution (une seule graine, 95,00 %), ce réseau fait mieux que les humains" in high_text
    assert "Il reste en dessous" not in high_text


def _predictions_with_confusions():
    """2 000 test images, 200 per class, right except for chosen confusions and one sure mistake."""
    import numpy as np

    labels = np.repeat(np.arange(10), 200)
    predicted = labels.copy()
    swaps = [(0, 6, 68), (6, 0, 12), (3, 4, 30), (4, 3, 1), (5, 7, 1), (7, 5, 9)]  # (true, predicted, count)
    for true, guess, count in swaps:
        predicted[np.flatnonzero((labels == true) & (predicted == true))[:count]] = guess
    probs = np.full((len(labels), 10), 0.01 / 9)
    probs[np.arange(len(labels)), predicted] = 0.99
    sure = int(np.flatnonzero((labels == 9) & (predicted == 9))[-1])  # index 1999: four digits
    predicted[sure] = 7
    probs[sure] = 0.00004 / 9
    probs[sure, 7] = 0.99996
    return probs, labels, sure


def test_confused_classes_agree_with_the_gender_and_number_of_the_class_name():
    probs, labels, _ = _predictions_with_confusions()
    text = " ".join(render(predictions=(probs, labels))["docs/evaluation.md"].split())
    assert "68 T-shirt/haut pris pour Chemise" in text  # masculine
    assert "30 Robe prises pour Manteau" in text  # feminine, plural
    assert "9 Baskets prises pour Sandale" in text  # the larger direction first (9 against 1)
    assert "1 Sandale prise pour Baskets" not in text
    assert "prises pour Chemise" not in text and "Robe pris " not in text


def test_sure_mistakes_are_truncated_never_rounded_to_100_and_identifiers_have_no_thousands_space():
    probs, labels, sure = _predictions_with_confusions()
    text = render(predictions=(probs, labels))["docs/evaluation.md"]
    assert f"Image {sure}{NB}: Bottine prise pour Baskets à 99,9{NB}%" in text
    assert f"100{NB}%" not in _section(text, "Les erreurs les plus sûres d'elles")
    assert not re.search(r"Image \d{1,3}[\s\u00a0]\d{3}\b", text)


def test_the_weight_colours_named_on_the_page_are_the_figure_s_own():
    from pipeline.figures import style

    text = " ".join(render()["docs/evaluation.md"].split())
    positive, negative = (style.WEIGHT_COLOURS[side][0] for side in ("positive", "negative"))
    assert f"En **{positive}**, les pixels qui activent" in text and f"en **{negative}**, ceux qui" in text
    assert "99ᵉ **centile**" in text  # where the colour bar saturates


def test_every_page_but_the_annexes_says_which_step_of_the_seed_it_covers(pages):
    from pipeline.pages.context import SEED_STEPS

    for page, (step, part) in SEED_STEPS.items():
        if page in ("entrainement.md", "performances.md"):
            continue  # pages of the training work: they adopt {{ seed_step(...) }} on their side
        assert f"*Dans l'énoncé : {step}, {part}.*" in " ".join(pages[f"docs/{page}"].split()), page
    home = pages["docs/index.md"]
    assert "l'« Étape 2 — Modèle » du site n'est donc pas" in " ".join(home.split())
    for page in SEED_STEPS:
        assert f"]({page})" in home


def test_curve_colours_in_the_text_come_from_the_constant_the_figure_draws_with(monkeypatch):
    from pipeline.figures import style

    text = render()["docs/performances.md"]
    assert "l'entraînement est en bleu" in text and "validation en orange" in text
    monkeypatch.setitem(style.CURVE_COLOURS, "train", ("violet", "#CC79A7"))
    assert "l'entraînement est en violet" in render()["docs/performances.md"]
