"""Claims a student can trust: every comparison and verdict is chosen from computed facts, and flips
when the facts go the other way (synthetic results, no training)."""
from __future__ import annotations

import re

import pytest

from factories import BASE_HISTORY, make_context
from pipeline.common import fr
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import answers, results
from pipeline.pages import render as rendering
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NB = fr.NBSP


def flat(text: str) -> str:
    return re.sub(r"[ \n]+", " ", text)


def placement(*args) -> str:
    """The placement's sentences as the pages write them (templates/_comparaison.md.jinja)."""
    macros = rendering.make_environment(ROOT / "templates", ROOT, "site").get_template("_comparaison.md.jinja")
    return str(macros.module.placement(results.comparison(*args))).replace(NB, " ")


def test_one_run_is_compared_with_the_test_set_s_own_margin_and_says_so():
    text = placement(0.8764, 10_000)
    assert text.startswith("Dans cette exécution (une seule graine, 87,64 %), ce réseau fait mieux que")
    # 87,1 % is within 2 × sqrt(0,876 × 0,124 / 10 000) = 0,66 point: « du même ordre », not « fait mieux ».
    assert "perceptron multicouche" in text and "fait mieux que les humains" in text
    same = text.split("Il est du même ordre que", 1)[1]
    assert "perceptron multicouche" in same and "l'incertitude due au seul jeu de test, 0,66" in same


def test_several_seeds_compare_the_mean_and_the_seed_spread_moves_the_verdict():
    tight = placement(0.8764, 10_000, {"mean": 0.885, "std": 0.001, "n": 5})
    wide = placement(0.8764, 10_000, {"mean": 0.885, "std": 0.008, "n": 5})
    assert tight.startswith("En moyenne sur 5 graines (88,50 %, écart-type 0,10 point), ce réseau fait mieux que")
    assert "perceptron multicouche" in tight.split("Il est du même ordre", 1)[0]  # beyond 2 × 0,1 point
    assert "perceptron multicouche" in wide.split("Il est du même ordre", 1)[1]  # within 2 × 0,8 point
    assert "2 écarts-types d'une graine à l'autre, soit 1,60 point" in wide


def test_one_seed_is_not_a_mean():
    assert placement(0.8764, 10_000, {"mean": 0.88, "std": 0.0, "n": 1}).startswith("Dans cette exécution")


def rows(pairs):
    """Calibration slices (confidence, exactitude) of 100 images each."""
    return [{"low": i / 10, "high": (i + 1) / 10, "count": 100, "confidence": c, "accuracy": a}
            for i, (c, a) in enumerate(pairs, start=5)]


@pytest.mark.parametrize("pairs, verdict", [
    ([(0.55, 0.55), (0.65, 0.64), (0.75, 0.76), (0.95, 0.95)], "close"),
    ([(0.55, 0.52), (0.65, 0.62), (0.75, 0.72), (0.95, 0.92)], "middle"),
    ([(0.55, 0.40), (0.65, 0.50), (0.75, 0.60), (0.95, 0.80)], "far"),
])
def test_the_calibration_verdict_follows_the_measured_ece(pairs, verdict):
    c = answers.calibration(rows(pairs))
    assert c["verdict"] == verdict
    expected = sum(abs(conf - acc) for conf, acc in pairs) / len(pairs)
    assert c["ece"] == fr.points(100 * expected, 1)


def render(name: str, **overrides) -> str:
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    return flat(rendering.render_template(env, f"{name}.md.jinja", make_context(**overrides))).replace(NB, " ")


def test_the_training_page_says_the_seed_gives_no_early_stopping_parameter_and_replays_keras_defaults():
    page = render("entrainement")
    # The exercise names EarlyStopping and gives none of its parameters: Keras's defaults are replayed, as such.
    assert ("L'énoncé dit seulement : « Tu utilises EarlyStopping pour arrêter automatiquement l’entraînement "
            "quand le modèle ne s’améliore plus ». Il ne donne aucun de ses paramètres.") in page
    assert "`EarlyStopping()` sans argument" not in page and "règle de l'énoncé" not in page
    assert 'il revient à écrire `EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)`' in page
    # BASE_HISTORY's val_loss: 0.43 0.38 0.36 0.35 0.34 0.35 … patience 0 stops after epoch 6, keeps its weights.
    assert "la règle par défaut de Keras aurait arrêté l'entraînement après l'époque 6" in page
    assert "perte de validation 0,3500" in page
    # A loss that falls at every one of 8 recorded epochs out of 20: the bare rule's stop is unknown,
    # and the page says so instead of guessing.
    falling = dict(BASE_HISTORY, val_loss=[0.43, 0.42, 0.41, 0.40, 0.39, 0.38, 0.37, 0.36])
    page = render("entrainement", history=falling, best_epoch=8, stopped_early=False)
    assert "pas assez d'époques enregistrées pour rejouer la règle par défaut de Keras" in page


def test_no_page_says_calibrated_or_not_without_the_measure():
    pages = rendering.render_all(ROOT / "templates", ROOT, make_context(), nav_pages(ROOT / "mkdocs.yml"))
    for name, text in pages.items():
        assert "ne sont pas **calibrées**" not in text, name
        assert "plus sûr de lui quand il se trompe" not in text, name


def variant(vid, acc, std=0.002, epochs_min=8, reference=False, epochs=20, patience=3):
    def stat(mean, spread=std):
        return {"mean": mean, "std": spread, "min": mean - spread, "max": mean + spread}
    return {"id": vid, "label": vid, "reference": reference, "changes": {},
            "params": {"epochs": epochs, "early_stopping": {"patience": patience}},
            "val_accuracy": stat(acc), "val_loss": stat(0.33, 0.0001), "test_accuracy": stat(acc - 0.01),
            "epochs_run": {"mean": epochs_min, "std": 0, "min": epochs_min, "max": epochs_min}}


def conclusion(variants):
    from pipeline.experiments import experiments_page as context

    q = {"id": "taux_synthetique", "seeds": [42, 43, 44], "variants": variants}
    return context._conclusion(q, context.compare(variants), "val_accuracy").replace(NB, " ")


def test_a_variant_clearly_worse_than_params_yaml_is_named_and_a_close_one_is_not():
    text = conclusion([variant("x0.1", 0.8880, epochs_min=20), variant("x1", 0.8875, reference=True),
                       variant("x10", 0.8600)])
    assert "x10 » fait nettement moins bien que le réglage de `params.yaml` (86,00 %" in text
    assert "« x0.1 » a joué les 20 époques sans qu'EarlyStopping n'arrête l'entraînement" in text
    close = conclusion([variant("x0.1", 0.8880), variant("x1", 0.8875, reference=True), variant("x10", 0.8860)])
    assert "nettement moins bien" not in close and "a joué les 20 époques" not in close


def test_a_spread_below_the_printed_precision_is_not_printed_as_zero():
    from pipeline.experiments import experiments_page as context

    assert context._loss({"mean": 0.3131, "std": 0.00002}) == f"0,313 ± <{NB}0,001"
    assert context._loss({"mean": 0.3131, "std": 0.0042}) == "0,313 ± 0,004"
