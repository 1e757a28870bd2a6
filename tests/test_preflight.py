"""Before anything is trained: params.yaml checked against what the run and its derived runs can do."""
from pathlib import Path

import pytest

from pipeline.common import checks
from pipeline.common.config import Params, params_from_dict
from pipeline.common.errors import PipelineError
from pipeline.workflow import preflight

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("raw, expected", [
    ({"batch_size": 100000}, "ne peut pas dépasser les 54\u00a0000 images"),
    ({"batch_size": 54001}, "54\u00a0000"),
    ({"validation": "test", "batch_size": 60001}, "60\u00a0000 images"),
    ({"validation_fraction": 0.9999}, "au plus 0.5"),
    ({"validation_fraction": 0.00005}, "au moins une image de chaque classe"),
    ({"hidden_units": 100000}, "entre 1 et 4096"),
    ({"threads": 100000}, "entre 0 (TensorFlow choisit) et 256"),
    ({"learning_rate": float("nan")}, "strictement positif"),
    ({"learning_rate": "0,001"}, "écrivez 0.001"),
])
def test_values_the_run_cannot_use_are_refused_at_loading(raw, expected):
    with pytest.raises(PipelineError) as info:
        params_from_dict(raw, source="params.yaml")
    assert expected in info.value.what and "params.yaml" in info.value.where


def test_the_limits_follow_from_the_data_and_the_other_keys():
    assert checks.fit_size(Params()) == 54000 and checks.fit_size(Params(validation="test")) == 60000
    smallest = checks.smallest_fraction()
    assert min(checks.validation_per_class(smallest)) == 1
    params_from_dict({"validation_fraction": smallest, "batch_size": checks.fit_size(Params(validation_fraction=smallest))})
    params_from_dict({"validation_fraction": 0.5, "batch_size": 30000})
    with pytest.raises(PipelineError):
        params_from_dict({"validation_fraction": 0.5, "batch_size": 30001})
    assert params_from_dict({"epochs": "1e2", "batch_size": 64.0}).epochs == 100  # usual ways to write numbers


def test_the_checks_split_the_training_set_as_the_lesson_does(tiny_images):
    """checks.validation_per_class is the lesson's own rule (round(class size × fraction)), on its real code."""
    import numpy as np

    from pipeline import lesson

    labels = np.repeat(np.arange(10), 6000)
    for fraction in (checks.smallest_fraction(), 0.1, 0.25, 0.5):
        X = np.zeros((len(labels), 1), dtype=np.uint8)
        fit, y_fit, val, y_val = lesson.split_validation(X, labels, X, labels, "split", fraction, 0)
        assert list(np.bincount(y_val, minlength=10)) == checks.validation_per_class(fraction)
        assert len(y_fit) == checks.fit_size(Params(validation_fraction=fraction))


@pytest.mark.parametrize("raw, key, limit, origin", [
    ({"learning_rate": 0.5}, "learning_rate", "au plus 0.1", "× 10"),
    ({"seed": 2**32 - 1}, "seed", f"au plus {2**32 - 5}", "graine 4294967296"),
    ({"validation": "test", "batch_size": 58000}, "batch_size", "au plus 54000", "jeu de validation à part"),
])
def test_a_value_a_derived_run_would_refuse_is_refused_in_params_yaml_s_words(raw, key, limit, origin):
    params = params_from_dict(raw, source="params.yaml")  # fine for one run…
    with pytest.raises(PipelineError) as info:
        preflight.check_derived(params, "params.yaml")  # …not for the runs the later stages derive from it
    message = info.value.message()
    assert f"paramètre « {key} »" in info.value.what and origin in info.value.what
    assert info.value.where == f"params.yaml, clé « {key} »" and limit in info.value.fix
    fixed = {**raw, key: type(params.to_dict()[key])(limit.split()[-1])}
    preflight.check_derived(params_from_dict(fixed), "params.yaml")  # the fix it gives is enough
    assert "expériences" not in message  # no place the user's file does not have


def test_every_value_accepted_at_loading_gives_runs_the_later_stages_accept():
    """At each limit of the checks, the experiments' and the settings search's runs are built without error."""
    from pipeline.experiments import questions
    from pipeline.tuning import space

    for raw in ({}, {"learning_rate": 0.1}, {"learning_rate": 1e-7}, {"seed": 2**32 - 5}, {"seed": 0},
                {"epochs": 1}, {"epochs": 1000}, {"hidden_units": 1}, {"hidden_units": 4096},
                {"validation_fraction": 0.5}, {"validation_fraction": checks.smallest_fraction()},
                {"validation": "test", "batch_size": 54000}, {"dropout": 0.99}, {"trajectory": False}):
        params = params_from_dict(raw)
        preflight.check_derived(params, "params.yaml")
        assert questions.plan(params)
        assert space.training_params(params, space.seed_settings(params))
