"""One route for every parameter: each params.yaml value that changes the training is an argument of a lesson
function, so the site's run, the downloaded script and the notebook train the same network."""
from __future__ import annotations

import ast
import dataclasses
import json
import re
import subprocess
import sys
import types
import zipfile
from pathlib import Path

import pytest

from bench.measure import source_files
from builds import copy_project, run_report, set_param
from pipeline.common.config import EarlyStoppingParams, Params
from pipeline.common.errors import PipelineError
from pipeline.publish.lesson_source import LESSON, NOT_PARAMETERS, lesson_parameters
from pipeline.training import train

ROOT = Path(__file__).resolve().parents[1]


def flat_keys(values: dict, prefix: str = "") -> set[str]:
    keys = set()
    for name, value in values.items():
        keys |= flat_keys(value, f"{prefix}{name}.") if isinstance(value, dict) else {prefix + name}
    return keys


def lesson_defaults(root: Path) -> dict[str, dict[str, object]]:
    """{function: {parameter: default}} of the lesson's top-level functions, read without importing TensorFlow."""
    tree = ast.parse((root / LESSON).read_text(encoding="utf-8"))
    found = {}
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        args = function.args.args[len(function.args.args) - len(function.args.defaults):]
        found[function.name] = {a.arg: ast.literal_eval(d) for a, d in zip(args, function.args.defaults)}
    return found


def test_every_key_that_changes_the_training_is_a_lesson_parameter_and_the_rest_are_speed_options():
    params = Params().to_dict()
    through_lesson = {p.key for p in lesson_parameters(ROOT, params)}
    assert through_lesson | set(train.SPEED_OPTIONS) == flat_keys(params)
    assert not through_lesson & set(train.SPEED_OPTIONS)
    assert {"hidden_units", "dropout", "learning_rate", "validation"} <= through_lesson


def test_the_lesson_s_defaults_are_params_yaml_s_defaults_and_main_takes_them_all():
    """`python -m pipeline.lesson` and the functions alone train what Params() describes."""
    params = Params().to_dict()
    defaults = lesson_defaults(ROOT)
    for function, arguments in defaults.items():
        for name, default in arguments.items():
            key = next(p.key for p in lesson_parameters(ROOT, params) if p.name == name)
            value = params
            for part in key.split("."):
                value = value[part]
            assert default == value, (function, name, default, value)
    from_functions = {name for f, args in defaults.items() if f not in NOT_PARAMETERS for name in args}
    assert set(defaults["main"]) == from_functions


def test_lesson_arguments_passes_params_by_name_and_refuses_a_name_params_yaml_lacks():
    def compile_model(model, learning_rate=0.001):
        return learning_rate

    def make_early_stopping(monitor="val_loss", patience=3, restore_best_weights=True):
        return monitor

    params = Params(learning_rate=0.02)
    assert train.lesson_arguments(compile_model, params) == {"learning_rate": 0.02}
    assert train.lesson_arguments(make_early_stopping, params, patience=20) == {
        "monitor": "val_loss", "patience": 20, "restore_best_weights": True}

    def build_model(width=12):
        return width

    with pytest.raises(PipelineError, match="width"):
        train.lesson_arguments(build_model, params)


def test_the_training_calls_every_lesson_function_with_params_yaml_s_values(tiny_images, monkeypatch):
    """fit_lesson on a stand-in lesson with the lesson's signatures: each function receives its parameters
    from params.yaml by name, and nothing else reaches the training."""
    calls = {}

    class Model:
        def fit(self, *args, **kwargs):
            return types.SimpleNamespace(history={"loss": [1.0]})

    def build_model(hidden_units=128, dropout=0.0):
        calls["build_model"] = {"hidden_units": hidden_units, "dropout": dropout}
        return Model()

    def compile_model(model, learning_rate=0.001):
        calls["compile_model"] = {"learning_rate": learning_rate}

    def make_early_stopping(monitor="val_loss", patience=3, restore_best_weights=True):
        calls["make_early_stopping"] = {"monitor": monitor, "patience": patience,
                                        "restore_best_weights": restore_best_weights}

    def train_(model, X_train, y_train, X_val, y_val, early_stop, epochs=20, batch_size=32):
        calls["train"] = {"epochs": epochs, "batch_size": batch_size}
        return model.fit()

    train_.__name__ = "train"
    lesson = types.SimpleNamespace(build_model=build_model, compile_model=compile_model,
                                   make_early_stopping=make_early_stopping, train=train_)
    monkeypatch.setattr(train.architecture_record, "check_supported", lambda *args: None)
    monkeypatch.setattr(train.architecture_record, "describe_model", lambda model: None)
    monkeypatch.setattr(train, "epoch_timer", lambda durations: None)  # TensorFlow's callback, not needed here
    params = dataclasses.replace(Params(hidden_units=64, dropout=0.2, learning_rate=0.003, batch_size=64, epochs=2),
                                 early_stopping=EarlyStoppingParams(patience=2))
    images, labels = tiny_images
    train.fit_lesson(params, train.Arrays(images, labels, images, labels, images, labels, images, labels),
                     lesson, verbose=0)
    assert calls == {"build_model": {"hidden_units": 64, "dropout": 0.2}, "compile_model": {"learning_rate": 0.003},
                     "make_early_stopping": {"monitor": "val_loss", "patience": 2, "restore_best_weights": True},
                     "train": {"epochs": 2, "batch_size": 64}}


# -- The maintainers' recipe, followed in a copy, and the student's downloads (slow: trains) ----------

RECIPE_FILES = ("pipeline/lesson.py", "params.yaml", "pipeline/common/config.py")
# The settings: none is the lesson's default, so a download that ignored one would differ.
SETTINGS = {"learning_rate": "0.003", "hidden_units": "64", "dropout": "0.2", "batch_size": "64"}


def recipe_files() -> set[str]:
    """The files the maintainers' page says to edit to add a parameter (first sentence of its row)."""
    page = (ROOT / "templates" / "mainteneurs.md.jinja").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| **ajouter un paramètre** |"))
    cell = row.split("|")[2].split(". ")[0]
    return set(re.findall(r"`([\w/.-]+\.(?:py|yaml|yml|jinja))`", cell))


def add_beta_1(root: Path) -> None:
    """The recipe, as a maintainer follows it: Adam's beta_1 becomes a parameter of compile_model."""
    lesson = root / "pipeline" / "lesson.py"
    text = lesson.read_text(encoding="utf-8")
    text = text.replace("def compile_model(model, learning_rate=0.001):", "def compile_model(model, learning_rate=0.001, beta_1=0.9):")
    text = text.replace("tf.keras.optimizers.Adam(learning_rate=learning_rate)",
                        "tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1)")
    text = text.replace("learning_rate=0.001, monitor=", "learning_rate=0.001, beta_1=0.9, monitor=")
    text = text.replace("compile_model(model, learning_rate=learning_rate)", "compile_model(model, learning_rate=learning_rate, beta_1=beta_1)")
    lesson.write_text(text, encoding="utf-8")
    set_param(root, "learning_rate: 0.001", "learning_rate: 0.001\nbeta_1: 0.85          # décroissance de la moyenne des gradients d'Adam")
    config = root / "pipeline" / "common" / "config.py"
    text = config.read_text(encoding="utf-8")
    text = text.replace("    learning_rate: float = 0.001", "    beta_1: float = 0.9  # Adam's first-moment decay, its default\n    learning_rate: float = 0.001")
    text = text.replace("    if p.validation not in VALIDATION_MODES:",
                        "    if not 0.0 < p.beta_1 < 1.0:\n        _fail(source, \"beta_1\", f\"doit être entre 0 et 1, pas {p.beta_1}\")\n"
                        "    if p.validation not in VALIDATION_MODES:")
    config.write_text(text, encoding="utf-8")


def changed_files(copy: Path, sources: dict[str, bytes]) -> set[str]:
    """The source files whose bytes differ in the copy from what it was copied from."""
    return {name for name, data in sources.items() if (copy / name).read_bytes() != data}


def printed_val_losses(text: str) -> list[str]:
    return re.findall(r"val_loss: (\d+\.\d{4})", text)


@pytest.fixture(scope="module")
def recipe_build(tmp_path_factory, keras_home):
    """A copy with the recipe's new parameter and the issue's non-default settings, built for real (2 epochs)."""
    root = copy_project(tmp_path_factory.mktemp("parametre"))
    sources = {name: (root / name).read_bytes() for name in source_files() if (root / name).is_file()}
    add_beta_1(root)
    edited = changed_files(root, sources)
    set_param(root, "epochs: 20", "epochs: 2")
    set_param(root, "patience: 3", "patience: 2")
    set_param(root, "trajectory: true", "trajectory: false")
    for name, value in SETTINGS.items():
        text = (root / "params.yaml").read_text(encoding="utf-8")
        (root / "params.yaml").write_text(re.sub(rf"^{name}: \S+", f"{name}: {value}", text, flags=re.M), encoding="utf-8")
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((root / "artifacts" / "manifest.json").read_text(encoding="utf-8"))
    metrics = json.loads((root / "artifacts" / "runs" / manifest["run"] / "metrics.json").read_text(encoding="utf-8"))
    return root, manifest["run"], [f"{v:.4f}" for v in metrics["history"]["val_loss"][:2]], edited


@pytest.mark.slow
def test_a_parameter_added_by_the_recipe_reaches_the_training_the_notebook_and_the_page(recipe_build):
    root, run, _, edited = recipe_build
    assert edited == set(RECIPE_FILES) == recipe_files()
    with zipfile.ZipFile(root / "artifacts" / "runs" / run / "model.keras") as saved:
        optimizer = json.loads(saved.read("config.json"))["compile_config"]["optimizer"]["config"]
    assert optimizer["beta_1"] == 0.85 and optimizer["learning_rate"] == pytest.approx(0.003)
    notebook = json.loads((root / "docs" / "telechargements" / "fashion_mnist.ipynb").read_text(encoding="utf-8"))
    parameters = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert re.search(r"^beta_1 = 0\.85 ", "".join(parameters["source"]), flags=re.M)
    script = (root / "docs" / "telechargements" / "fashion_mnist.py").read_text(encoding="utf-8")
    assert '"--beta-1", type=float, default=0.85' in script
    page = (root / "docs" / "entrainement.md").read_text(encoding="utf-8")
    assert "tf.keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1)" in page


@pytest.mark.slow
def test_the_downloaded_script_trains_the_site_s_network_with_non_default_settings(recipe_build, tmp_path):
    """The issue's case: the script run with its own defaults prints the site's validation losses."""
    from test_notebook import offline_env

    root, _, site, _ = recipe_build
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in offline_env(home).items() if k != "TF_ENABLE_ONEDNN_OPTS"}  # a student's defaults
    script = root / "docs" / "telechargements" / "fashion_mnist.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                            env={**env, "MPLBACKEND": "Agg"}, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert printed_val_losses(result.stdout)[-2:] == site


@pytest.mark.slow
def test_the_downloaded_notebook_trains_the_site_s_network_with_non_default_settings(recipe_build, tmp_path,
                                                                                     monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from test_notebook import offline_env, text_output

    root, _, site, _ = recipe_build
    home = tmp_path / "home"
    home.mkdir()
    spec = tmp_path / "jupyter" / "kernels" / "carnet"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Carnet (test)", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(spec.parents[1]))
    nb = nbformat.read(root / "docs" / "telechargements" / "fashion_mnist.ipynb", as_version=4)
    env = {k: v for k, v in offline_env(home).items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    NotebookClient(nb, kernel_name="carnet", timeout=300,
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env={**env, "MPLBACKEND": "Agg"})
    fit = next(c for c in nb.cells if c.get("id") == "fit")
    assert printed_val_losses(text_output(fit)) == site
