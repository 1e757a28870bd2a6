"""Parameters: every value written is the value used, defaults for the rest, one clear error per bad input."""
from pathlib import Path

import pytest

from pipeline.common.config import load_params, params_from_dict
from pipeline.common.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]


def leaves(values: dict, prefix: str = "") -> dict:
    out = {}
    for name, value in values.items():
        out.update(leaves(value, f"{prefix}{name}.") if isinstance(value, dict) else {f"{prefix}{name}": value})
    return out


def test_every_value_written_in_params_yaml_is_the_value_the_build_uses():
    """Whatever the committed file says today: no key ignored, none read as another value."""
    import yaml

    written = leaves(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")))
    used = leaves(load_params(ROOT / "params.yaml").to_dict())
    assert written and {name: used.get(name, "(ignoré)") for name in written} == written


def test_a_file_that_sets_one_key_keeps_the_defaults_of_the_others(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("epochs: 7\nearly_stopping:\n  patience: 1\n", encoding="utf-8")
    params, defaults = leaves(load_params(path).to_dict()), leaves(params_from_dict({}).to_dict())
    assert params["epochs"] == 7 and params["early_stopping.patience"] == 1
    assert {k: v for k, v in params.items() if k not in ("epochs", "early_stopping.patience")} == \
           {k: v for k, v in defaults.items() if k not in ("epochs", "early_stopping.patience")}
    assert params_from_dict(load_params(path).to_dict()) == load_params(path)  # to_dict → load: same Params


def test_nested_early_stopping_values_are_read():
    params = params_from_dict({"early_stopping": {"patience": 2, "restore_best_weights": False}})
    assert params.early_stopping.patience == 2
    assert params.early_stopping.restore_best_weights is False


@pytest.mark.parametrize("raw, expected_in_message", [
    ({"epoch": 20}, "vouliez-vous dire « epochs »"),
    ({"early_stopping": {"patiense": 3}}, "early_stopping.patience"),
    ({"epochs": "vingt"}, "nombre entier"),
    ({"epochs": True}, "nombre entier"),
    ({"epochs": 0}, "entre 1 et 1000"),
    ({"epochs": 1001}, "entre 1 et 1000"),
    ({"early_stopping": {"patience": -1}}, "positive ou nulle"),
    ({"validation_fraction": 1.0}, "strictement entre 0 et 1"),
    ({"validation_fraction": 0}, "strictement entre 0 et 1"),
    ({"validation": "train"}, "« split » ou « test »"),
    ({"jit_compile": "oui"}, "true ou false"),
    ({"early_stopping": {"monitor": "loss"}}, "val_loss"),
    ({"early_stopping": 3}, "section"),
])
def test_bad_values_raise_one_clear_french_message(raw, expected_in_message):
    with pytest.raises(PipelineError) as info:
        params_from_dict(raw, source="params.yaml")
    message = info.value.message()
    assert expected_in_message in message
    assert "Où : params.yaml" in message
    assert "Correction :" in message


def test_malformed_yaml_names_the_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("epochs: 20\nearly_stopping:\n  patience: [3\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_params(path)
    assert "YAML" in info.value.what
    assert "ligne" in info.value.where


def test_missing_file_says_how_to_fix(tmp_path):
    with pytest.raises(PipelineError) as info:
        load_params(tmp_path / "absent.yaml")
    assert "introuvable" in info.value.what


def test_yaml_cannot_execute_python(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("epochs: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(PipelineError):
        load_params(path)


def test_a_list_instead_of_a_mapping_is_rejected(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("- epochs\n- 20\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_params(path)
    assert "clé: valeur" in info.value.what


def test_a_key_written_twice_is_refused_with_its_two_lines(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\nepochs: 5\nseed: 2\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_params(path)
    assert "« seed » est écrite deux fois" in info.value.what and "lignes 1 et 3" in info.value.where
    path.write_text("early_stopping:\n  patience: 2\n  patience: 4\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="patience"):
        load_params(path)


def test_an_empty_parameters_file_is_explained_not_run_with_the_defaults(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("# rien\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_params(path)
    assert "vide" in info.value.what and "git checkout params.yaml" in info.value.fix


def test_decimals_in_scientific_notation_are_read_as_numbers(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("learning_rate: 1e-3\ndropout: 2.5E-1\n", encoding="utf-8")  # YAML 1.1 reads both as text
    params = load_params(path)
    assert (params.learning_rate, params.dropout) == (0.001, 0.25)
    path.write_text("learning_rate: un peu\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="nombre décimal"):
        load_params(path)


def test_a_seed_beyond_numpy_s_and_tensorflow_s_range_is_refused_before_training():
    with pytest.raises(PipelineError, match="2³² − 1"):
        params_from_dict({"seed": 2**32})
    assert params_from_dict({"seed": 2**32 - 1}).seed == 2**32 - 1
