"""The run's whole trajectory: what it records, and every EarlyStopping question answered from it."""
from __future__ import annotations

import dataclasses
import json
import re

import pytest

from factories import BASE_HISTORY, make_artifacts, make_figure_facts, with_alt_texts
from pipeline.common.early_stopping import replay_all
from pipeline.pages import render as rendering
from pipeline.pages.context import build_context
from pipeline.training.trajectory import first_epoch_updates
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_first_epoch_snapshots_double_from_steps_per_execution():
    assert first_epoch_updates(1688, 64) == [64, 128, 256, 512, 1024]
    assert first_epoch_updates(1688, 1) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    assert first_epoch_updates(50, 64) == []


def trajectory_from(history: dict) -> dict:
    """A trajectory.json for a run whose 20 epochs continue BASE_HISTORY's 8."""
    more = {k: v + [v[-1]] * (20 - len(v)) for k, v in history.items()}
    more["val_loss"] = history["val_loss"] + [0.38 + 0.01 * i for i in range(1, 13)]
    snapshots = [{"epoch": float(e), "updates": e * 1688, "val_loss": more["val_loss"][e - 1],
                  "val_accuracy": more["val_accuracy"][e - 1], "test_accuracy": 0.80 + e / 1000}
                 for e in range(1, 21)]
    return {"history": more, "snapshots": [{"epoch": 0.0, "updates": 0}, *snapshots], "updates_per_epoch": 1688}


PARAMS = {"epochs": 20, "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}}
RUN = {"epochs_run": 8, "best_epoch": 5, "stopped_early": True}


def test_every_rule_is_replayed_on_the_whole_trajectory_with_the_kept_epoch_s_scores():
    table = replay_all(trajectory_from(BASE_HISTORY), PARAMS, RUN)
    rows = {r["id"]: r for r in table["rows"]}
    # BASE_HISTORY's val_loss 0.43 0.38 0.36 0.35 0.34 0.35 0.36 0.38, then rising to 0.50 at epoch 20.
    assert (rows["defaut"]["epochs_run"], rows["defaut"]["kept_epoch"]) == (6, 6)  # Keras's defaults: patience 0, no restore
    assert (rows["p10"]["epochs_run"], rows["p10"]["kept_epoch"]) == (15, 5)  # needs epochs the run never trained
    assert (rows["sans_arret"]["epochs_run"], rows["sans_arret"]["kept_epoch"]) == (20, 20)
    assert rows["p3"]["current"] and not rows["p5"]["current"]
    assert rows["p10"]["test_accuracy"] == "80,50\u00a0%"  # the kept epoch's test score, from the trajectory


def test_a_trajectory_that_does_not_replay_the_run_answers_nothing():
    assert replay_all(trajectory_from(BASE_HISTORY), PARAMS, {**RUN, "best_epoch": 4}) is None


@pytest.fixture(scope="module")
def pages_with_trajectory():
    trajectory, base = trajectory_from(BASE_HISTORY), make_artifacts()
    metrics = base.metrics.to_dict()
    facts = make_figure_facts()  # as the figures stage writes them when the run has a trajectory
    rows = replay_all(trajectory, metrics["params"], metrics)["rows"]
    facts.update(regles=[{"label": r["plain_label"], **r["raw"]} for r in rows], regles_epochs=20)
    artifacts = dataclasses.replace(base, trajectory=trajectory,
                                    figures=with_alt_texts(facts, metrics, base.data_info))
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    context = build_context(artifacts)
    return {name: re.sub(r"\s+", " ", rendering.render_template(env, f"{name}.md.jinja", context))
            for name in ("entrainement", "performances")}


def test_no_early_stopping_answer_defers_to_another_build(pages_with_trajectory):
    for name, text in pages_with_trajectory.items():
        for question in ("patience", "restauration", "surveillance", "sans_arret"):
            assert f'ONLY="{question}"' not in text, (name, question)
    training = pages_with_trajectory["entrainement"]
    assert "Avec une patience de 1, EarlyStopping arrêterait l'entraînement après l'époque 6" in training
    assert 'make experiments ONLY="lot"' in training and 'make experiments ONLY="taux"' in training


def test_the_no_stop_question_is_answered_on_the_limit_the_run_was_given(pages_with_trajectory):
    curves = pages_with_trajectory["performances"]
    assert "Changez `epochs` en 20 et `patience` en 20" in curves
    assert "le modèle évalué celui de l'époque 5" in curves  # restore_best_weights: the best of the 20


def test_the_training_page_shows_every_rule_and_its_figure(pages_with_trajectory):
    training = pages_with_trajectory["entrainement"]
    assert "Pour aller plus loin : toutes les règles d'EarlyStopping sur la même trajectoire" in training
    assert "figures/regles.png" in training and "| patience 3 (**cette exécution**) | 8 | 5 |" in training


@pytest.mark.slow
def test_the_lessons_run_is_a_prefix_of_the_trajectory(built_project):
    run = next((built_project / "artifacts" / "runs").iterdir())
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    trajectory = json.loads((run / "trajectory.json").read_text(encoding="utf-8"))
    for key, values in metrics["history"].items():
        assert trajectory["history"][key][:len(values)] == values, key
    # NumPy's scores of each epoch's recorded weights are Keras's own (float32 against float64).
    ends = [s for s in trajectory["snapshots"] if s["updates"] and s["updates"] % trajectory["updates_per_epoch"] == 0]
    assert [round(s["val_loss"], 4) for s in ends] == [round(v, 4) for v in trajectory["history"]["val_loss"]]
    assert trajectory["snapshots"][0]["updates"] == 0 and trajectory["snapshots"][0]["val_accuracy"] < 0.3
