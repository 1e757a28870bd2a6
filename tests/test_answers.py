"""Answers computed from a run's history: EarlyStopping replayed, and the pages that print them."""
import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pytest

from factories import BASE_HISTORY, make_artifacts, make_context, make_figure_facts, make_metrics
from pipeline.pages import answers
from pipeline.common import fr
from pipeline.pages import render as rendering
from pipeline.common.early_stopping import Replay, replay_early_stopping
from pipeline.pages.context import build_context

ROOT = Path(__file__).resolve().parents[1]
NB = "\u00a0"


# --- The replay of EarlyStopping ---------------------------------------------------------------

def test_a_run_that_gets_worse_at_once_stops_after_epoch_2_and_keeps_epoch_1():
    rising = [0.50, 0.55, 0.60, 0.65]
    assert replay_early_stopping(rising, 1, True, 20) == Replay(True, 2, True, 1, 1)
    assert replay_early_stopping(rising, 0, True, 20) == Replay(True, 2, True, 1, 1)  # Keras: same as 1
    assert replay_early_stopping(rising, 1, False, 20).evaluated_epoch == 2  # last epoch's weights


def test_a_run_that_never_improves_after_epoch_1_stops_after_patience_more_epochs():
    flat = [0.40, 0.45, 0.41, 0.42, 0.40, 0.43]  # 0.40 again at epoch 5: equal is not better
    replay = replay_early_stopping(flat, 4, True, 20)
    assert (replay.epochs_run, replay.best_epoch, replay.evaluated_epoch) == (5, 1, 1)
    assert replay_early_stopping(flat, 2, True, 20).epochs_run == 3


def test_improvement_must_be_strict_and_direction_follows_the_monitor():
    accuracy = [0.80, 0.85, 0.85, 0.85, 0.86]  # epochs 3 and 4 only equal the best: no improvement
    assert replay_early_stopping(accuracy, 2, True, 20, mode="max") == Replay(True, 4, True, 2, 2)
    assert replay_early_stopping(accuracy, 3, True, 5, mode="max") == Replay(True, 5, False, 5, 5)
    assert replay_early_stopping(accuracy, 2, True, 20, mode="min") == Replay(True, 3, True, 1, 1)


def test_reaching_the_epoch_limit_is_not_an_early_stop_but_still_restores_the_best_epoch():
    values = [0.5, 0.4, 0.3, 0.35, 0.36]
    assert replay_early_stopping(values, 5, True, 5) == Replay(True, 5, False, 3, 3)
    assert replay_early_stopping(values, 5, False, 5) == Replay(True, 5, False, 3, 5)
    assert replay_early_stopping(values, 5, True, 4).epochs_run == 4  # fewer epochs: cut the record


def test_a_replay_that_needs_unrecorded_epochs_is_unknown():
    values = [0.5, 0.4, 0.3, 0.35, 0.36]  # best at 3, then 2 epochs without improvement
    replay = replay_early_stopping(values, 3, True, 20)
    assert not replay.known and replay.needs == 6
    assert (replay.best_epoch, replay.wait, replay.epochs_run) == (3, 2, None)
    assert replay_early_stopping(values, 2, True, 20).known  # patience 2 stops inside the record


def test_min_delta_makes_small_gains_count_as_no_improvement():
    values = [0.50, 0.495, 0.49, 0.485]
    assert replay_early_stopping(values, 1, True, 20).epochs_run is None  # keeps improving: unknown
    assert replay_early_stopping(values, 1, True, 20, min_delta=0.01).epochs_run == 2


def test_unknown_monitor_or_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="val_loss ou val_accuracy"):
        answers.direction("val_precision")
    with pytest.raises(ValueError, match="min ou max"):
        replay_early_stopping([0.1], 1, True, 1, mode="auto")


class _Model:
    """What EarlyStopping touches on a model: weights (here, the epoch they come from) and stop_training."""

    def __init__(self):
        self.epoch, self.restored, self.stop_training = None, None, False

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.restored = weights[0]


def keras_early_stopping(values, patience, restore, epochs, mode):
    """Drive Keras's own EarlyStopping through a fit loop over `values`: (epochs run, weights' epoch)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    callback = keras.callbacks.EarlyStopping(monitor="val_x", patience=patience, mode=mode,
                                             restore_best_weights=restore)
    model = _Model()
    callback.set_model(model)
    callback.on_train_begin()
    run = 0
    for epoch in range(epochs):
        model.epoch, run = epoch + 1, epoch + 1
        callback.on_epoch_end(epoch, {"val_x": float(values[epoch])})
        if model.stop_training:
            break
    callback.on_train_end()
    return run, model.restored if model.restored is not None else model.epoch


def test_the_replay_does_what_keras_early_stopping_does_on_random_histories():
    rng = np.random.default_rng(0)
    for _ in range(150):
        epochs = int(rng.integers(1, 12))
        values = np.round(rng.random(epochs), 1)  # coarse values: ties happen, as with val_accuracy
        patience, restore, mode = int(rng.integers(0, 5)), bool(rng.integers(0, 2)), ("min", "max")[rng.integers(0, 2)]
        replay = replay_early_stopping(values, patience, restore, epochs, mode)
        assert (replay.epochs_run, replay.evaluated_epoch) == keras_early_stopping(values, patience, restore,
                                                                                    epochs, mode), (values, patience)


# --- Answers for the pages ------------------------------------------------------------------------

def build(history=None, facts=None, **overrides):
    metrics = make_metrics(history=history, **overrides)
    return answers.build_answers(metrics, facts or make_figure_facts())


def test_patience_1_on_the_base_history_stops_after_epoch_6_with_the_same_weights():
    a = build()["patience"]  # val_loss best at 5, worse at 6: patience 1 stops after 6, restores 5
    assert (a["known"], a["epochs_run"], a["evaluated_epoch"], a["compare"]["same"]) == (True, 6, 5, True)


def test_patience_1_that_misses_a_later_best_epoch_compares_validation_scores():
    history = dict(BASE_HISTORY, val_loss=[0.43, 0.38, 0.39, 0.35, 0.34, 0.35, 0.36, 0.38])
    a = build(history)["patience"]  # a dip at epoch 3: patience 1 stops there and keeps epoch 2
    assert (a["epochs_run"], a["evaluated_epoch"], a["compare"]["same"]) == (3, 2, False)
    assert a["compare"]["val_loss"] == "0,380" and a["compare"]["now_val_loss"] == "0,340"
    assert a["compare"]["loss_worse"] and a["compare"]["loss_change"] == f"+11,8{NB}%"


def test_restore_false_evaluates_the_last_epoch_and_compares_it_with_the_best():
    a = build()["restauration"]
    assert (a["value"], a["epochs_run"], a["evaluated_epoch"]) == (False, 8, 8)
    assert (a["compare"]["val_loss"], a["compare"]["now_val_loss"]) == ("0,380", "0,340")
    assert a["compare"]["accuracy_points"] == f"−1,00{NB}point" and a["compare"]["loss_moves_more"]
    restored_false = build(restored_best=False)["restauration"]  # the run kept the last weights
    assert restored_false["value"] is True and restored_false["evaluated_epoch"] == 5


def test_loss_and_accuracy_that_disagree_make_the_monitor_choose_another_epoch():
    history = dict(BASE_HISTORY, val_accuracy=[0.85, 0.86, 0.87, 0.87, 0.87, 0.89, 0.88, 0.88])
    out = build(history)
    s = out["surveillance"]  # val_accuracy: best at 6, then 7 and 8 no better: patience 3 needs epoch 9
    assert out["meilleures"]["loss_epoch"] == 5 and out["meilleures"]["accuracy_epoch"] == 6
    assert not out["meilleures"]["same"]
    assert (s["known"], s["needs"], s["best_so_far"], s["wait"]) == (False, 9, 6, 2)


def test_a_monitor_replay_that_fits_in_the_record_is_answered_with_epochs():
    history = dict(BASE_HISTORY, val_accuracy=[0.85, 0.86, 0.89, 0.87, 0.88, 0.88, 0.87, 0.87])
    s = build(history)["surveillance"]  # best accuracy at 3, three epochs without: stops after 6
    assert (s["known"], s["epochs_run"], s["evaluated_epoch"]) == (True, 6, 3)
    assert s["compare"]["val_accuracy"] == f"89,00{NB}%" and s["compare"]["accuracy_better"]


def test_a_record_that_keras_would_not_have_produced_gives_no_replayed_answer():
    out = build(early_stopping={"patience": 5})  # 8 epochs, best 5, "stopped early" with patience 5: impossible
    assert not out["faithful"]
    assert not build(early_stopping={"patience": 2})["faithful"]  # patience 2 would have stopped after 7
    assert build()["faithful"]
    assert not any(out[q]["known"] for q in ("patience", "surveillance", "restauration", "sans_arret"))


def test_more_epochs_without_early_stop_is_unknown_beyond_the_record_but_known_within():
    assert build()["sans_arret"]["known"] is False and build()["sans_arret"]["needs"] == 9
    history = {k: (v * 5)[:40] for k, v in BASE_HISTORY.items()}  # 40 recorded epochs, run to the limit
    history["val_loss"] = [1 - i / 100 for i in range(40)]  # always improving: best is the last
    metrics = make_metrics(history=history, best_epoch=40, stopped_early=False)
    metrics["params"]["epochs"] = 40
    a = answers.build_answers(metrics, make_figure_facts())["sans_arret"]
    assert (a["known"], a["epochs_run"], a["evaluated_epoch"]) == (True, 40, 40)


def test_batch_answer_is_the_number_of_updates_per_epoch():
    lot = build()["lot"]
    assert (lot["updates"], lot["updates_variant"], lot["ratio"]) == (f"1{NB}688", "422", "4,0")
    assert lot["last_batch"] == "16" and lot["total_updates"] == f"13{NB}504"
    assert answers.updates_per_epoch(54000, 128) == 422 and answers.updates_per_epoch(128, 128) == 1


def test_first_epoch_validation_below_training_is_only_a_fact_when_it_happens():
    assert build()["first_epoch"]["val_below"]  # 0.43 < 0.50
    history = dict(BASE_HISTORY, val_loss=[0.55] + BASE_HISTORY["val_loss"][1:])
    assert not build(history)["first_epoch"]["val_below"]


def test_calibration_quotes_the_most_populated_slice():
    facts = make_figure_facts()
    c = build()["calibration"]
    assert (c["low"], c["high"], c["count"]) == (f"90{NB}%", f"100{NB}%", f"6{NB}400")
    assert c["confidence"] == f"98,5{NB}%" and c["accuracy"] == f"97,0{NB}%" and c["overconfident"]
    facts["calibration"] = [dict(r, count=9000, confidence=0.75, accuracy=0.80) if r["low"] == 0.7 else r
                            for r in facts["calibration"]]
    c = build(facts=facts)["calibration"]
    assert (c["low"], c["count"], c["overconfident"]) == (f"70{NB}%", f"9{NB}000", False)


# --- The pages ----------------------------------------------------------------------------------

def render(name: str, context: dict) -> str:
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    return rendering.render_template(env, f"{name}.md.jinja", context)


def flat(text: str) -> str:
    return re.sub(r"[ \n]+", " ", text)


def test_training_page_prints_the_replayed_patience_and_restore_answers():
    page = flat(render("entrainement", make_context()))
    assert "arrêterait l'entraînement après l'époque 6 (au lieu de 8), et le modèle évalué serait celui de l'époque 5" in page
    assert "Le modèle évalué serait celui de l'époque 8 (la dernière) au lieu de celui de l'époque 5" in page
    assert f"422 mises à jour des poids (`math.ceil(len(X_train) / 128)`, après `import math`), au lieu de 1{NB}688" in page
    history = dict(BASE_HISTORY, val_loss=[0.43, 0.38, 0.39, 0.35, 0.34, 0.35, 0.36, 0.38])
    page = flat(render("entrainement", make_context(history=history)))
    assert "après l'époque 3 (au lieu de 8), et le modèle évalué serait celui de l'époque 2" in page
    assert "perte passerait de 0,340 à 0,380" in page


def test_what_the_curves_page_says_of_the_training_loss_is_what_the_run_did():
    """« à chaque époque » only when no epoch went up; « n'a pas baissé » when the last is not lower."""
    page = flat(render("performances", make_context()))  # BASE_HISTORY: the loss falls every epoch
    assert "La perte d'entraînement a baissé à chaque époque, de 0,500 à 0,250" in page
    bumpy = dict(BASE_HISTORY, loss=[0.50, 0.38, 0.40, 0.31, 0.29, 0.28, 0.26, 0.25])
    page = flat(render("performances", make_context(history=bumpy)))
    assert "La perte d'entraînement a baissé au fil des époques, de 0,500 à 0,250" in page
    assert "à chaque époque, de" not in page
    stuck = dict(BASE_HISTORY, loss=[0.50, 0.52, 0.51, 0.53, 0.50, 0.55, 0.54, 0.56])
    page = flat(render("performances", make_context(history=stuck)))
    assert "La perte d'entraînement n'a pas baissé (0,500 puis 0,560)" in page and "a baissé" not in page


def test_an_unknown_replay_calls_the_measured_answer_instead_of_a_fact():
    history = dict(BASE_HISTORY, val_accuracy=[0.85, 0.86, 0.87, 0.87, 0.87, 0.89, 0.88, 0.88])
    page = flat(render("performances", make_context(history=history)))
    assert "il faudrait connaître l'époque 9, qui n'a pas été entraînée" in page
    assert measured_answer("surveillance", make_context(history=history)) in page
    measured = make_context(history=history)
    measured["experiments"] = {"questions": {"surveillance": {"conclusion": "Mesuré sur trois graines X.",
                                                              "seeds": 3}}}
    page = render("performances", measured)
    assert "Mesuré sur trois graines X." in page and measured_answer("surveillance", measured) in flat(page)


def measured_answer(question: str, context: dict) -> str:
    """What templates/_experiences.md.jinja prints for `question` in this context, as it reads on a page."""
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    macro = env.from_string('{% from "_experiences.md.jinja" import reponse_mesuree with context %}'
                            '{{ reponse_mesuree("' + question + '") }}')
    return flat(fr.typography(macro.render(**context))).strip()


def test_curves_page_explains_epoch_1_only_when_validation_is_below_training():
    assert "À la première époque, la perte de validation (0,430) est plus basse" in flat(
        render("performances", make_context()))
    history = dict(BASE_HISTORY, val_loss=[0.55] + BASE_HISTORY["val_loss"][1:])
    assert "À la première époque" not in render("performances", make_context(history=history))


def test_curves_page_quotes_the_rise_and_the_calibration_numbers():
    page = flat(render("performances", make_context()))
    assert "la perte de validation est remontée de 0,340 à 0,380" in page
    assert f"rassemble 6{NB}400 images (64{NB}% des images de test)" in page
    assert f"erreur de calibration** (*ECE*), vaut 2,7{NB}points" in page and "légèrement mal calibré" in page
    assert "L'exactitude de validation est la plus haute à l'époque 5" in page
    history = dict(BASE_HISTORY, val_accuracy=[0.85, 0.86, 0.89, 0.87, 0.88, 0.88, 0.87, 0.87])
    page = flat(render("performances", make_context(history=history)))
    assert "Ce ne sont pas les mêmes époques" in page


def admonition_bodies(markdown: str):
    """(header, following lines up to the next blank line followed by an unindented line)."""
    lines = markdown.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(("!!! ", "??? ")):
            body = []
            for next_line in lines[i + 1:]:
                if next_line.strip() == "":
                    break
                body.append(next_line)
            yield line, body


@pytest.mark.parametrize("overrides", [{}, {"stopped_early": False, "best_epoch": 5},
                                       {"restored_best": False}])
def test_every_line_of_every_box_is_indented(overrides):
    context = make_context(**overrides)
    for name in ("entrainement", "performances"):
        for header, body in admonition_bodies(render(name, context)):
            assert body, f"{name}: empty box {header}"
            for line in body:
                assert line.startswith("    "), f"{name}: « {line} » falls outside « {header} »"


def test_no_precision_meaning_accuracy_on_the_training_and_curves_pages():
    for name in ("entrainement", "performances"):
        page = render(name, make_context())
        # The word appears only inside « … »: quoting the seed, or naming the per-class measure.
        unquoted = re.sub(r"«[^»]*»|\]\([^)]*\)", "", page)  # link targets are not read
        assert not re.search(r"pr[ée]cision", unquoted, re.I), (name, re.findall(r".{40}pr[ée]cision.{40}", unquoted))
        assert "Exactitude d'entraînement" in page if name == "performances" else "l'**exactitude**" in page


@pytest.mark.slow
def test_replay_of_the_recorded_run_matches_what_keras_did(built_project):
    """On a real run on Fashion-MNIST: the replay gives back the stop and best epoch Keras recorded."""
    import json
    runs = sorted((built_project / "artifacts" / "runs").glob("*/metrics.json"))
    assert runs
    for path in runs:
        metrics = json.loads(path.read_text(encoding="utf-8"))
        replay = answers.replay_run(metrics["history"], metrics["params"])
        assert (replay.epochs_run, replay.best_epoch, replay.stopped_early) == (
            metrics["epochs_run"], metrics["best_epoch"], metrics["stopped_early"]), path


def test_context_carries_the_answers_built_from_the_same_artifacts():
    artifacts = make_artifacts()
    facts = dict(artifacts.figures, calibration=[dict(r, count=1) for r in artifacts.figures["calibration"]])
    context = build_context(dataclasses.replace(artifacts, figures=facts))
    assert context["answers"]["calibration"]["total"] == "7"
