"""Pages rendered from hand-made metrics: the text follows the facts, in correct French."""
import re
from pathlib import Path

import pytest

from factories import BASE_HISTORY, make_context
from pipeline import report
from pipeline.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]
NB = "\u00a0"


PAGES = report.nav_pages(ROOT / "mkdocs.yml")


def render(**overrides) -> dict[str, str]:
    return report.render_all(ROOT / "templates", ROOT, make_context(**overrides), PAGES)


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
    assert "n'a pas eu à intervenir" in pages["docs/entrainement.md"]
    assert "arrêté l'entraînement après" not in pages["docs/entrainement.md"]
    assert "Pas de surapprentissage" in pages["docs/performances.md"]


def test_overfitting_is_named_with_the_epoch_where_validation_loss_stopped_improving():
    text = render()["docs/performances.md"]  # val_loss minimum 0.34 at epoch 5, then rises to 0.38
    assert "Du surapprentissage" in text
    assert "À partir de l'époque 5" in text
    assert f"0,340" in text


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
    code = report.code_section(ROOT, "pipeline/lesson.py", "model")
    assert 'tf.keras.layers.Dense(128, activation="relu")' in code
    assert "--8<--" not in code
    page = render()["docs/modele.md"]
    assert code in page


def test_missing_code_section_is_a_clear_error():
    with pytest.raises(PipelineError) as info:
        report.code_section(ROOT, "pipeline/lesson.py", "absent")
    assert "absent" in info.value.what


def test_formulas_are_mathml_on_the_site_and_latex_in_the_readme(pages):
    assert "<math" in pages["docs/modele.md"] and "$" not in prose(pages["docs/modele.md"])


def write_template(tmp_path, text):
    (tmp_path / "bad.md.jinja").write_text(text, encoding="utf-8")
    return report.make_environment(tmp_path, ROOT, "site")


def test_undefined_variable_names_template_line_and_variable(tmp_path):
    env = write_template(tmp_path, "ligne 1\nligne 2 {{ test.precisoin }}\n")
    with pytest.raises(PipelineError) as info:
        report.render_template(env, "bad.md.jinja", {"test": {}})
    assert "bad.md.jinja, ligne 2" in info.value.where
    assert "precisoin" in info.value.what


def test_template_syntax_error_names_template_and_line(tmp_path):
    env = write_template(tmp_path, "a\nb\n{% if x %}\n")
    with pytest.raises(PipelineError) as info:
        report.render_template(env, "bad.md.jinja", {"x": 1})
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
    env = report.make_environment(ROOT / "templates", ROOT, "site")
    page = report.render_template(env, "reproductibilite.md.jinja", make_context(bench=bench))
    assert "CPU X" in page and f"2,0{NB}s" in page and "| 0,35×" in page
    assert make_context(bench={"machine": 3})["bench"] is None


def test_variability_page_shows_fresh_runs_and_flags_runs_made_with_other_parameters():
    same = {k: v for k, v in make_context()["repro"]["params"].items() if k != "seed"}
    runs = [{"seed": s, "accuracy": a, "epochs_run": e, "best_epoch": e - 5, "training_seconds": 12.0}
            for s, a, e in [(1, 0.871, 12), (2, 0.879, 14), (3, 0.868, 11)]]
    env = report.make_environment(ROOT / "templates", ROOT, "site")
    context = make_context(variability={"params": same, "runs": runs})
    page = report.render_template(env, "variabilite.md.jinja", context)
    assert f"87,27{NB}%" in page and f"1,10{NB}point" in page and "il faut la comparer sur plusieurs graines" in page.replace("\n", " ")
    context = make_context(variability={"params": dict(same, epochs=40), "runs": runs})
    page = report.render_template(env, "variabilite.md.jinja", context)
    assert "avec d'autres paramètres" in page and "87,27" not in page
