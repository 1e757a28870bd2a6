"""Issue 33 on copies of a real build: each bad input or fault gives its French message and exit code, leaves the
README, its figures and the site as they were, and the next run succeeds once the message's fix is applied."""
import errno
import os
import shutil

import pytest

from builds import run_report, set_param
from pipeline.workflow import cli
from test_faults import build, published, snapshot, touch_template

pytestmark = pytest.mark.slow  # a real build (TensorFlow) to start from


@pytest.fixture
def project(built_project, tmp_path, keras_home, monkeypatch):
    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    return root


@pytest.mark.parametrize("old, new, expected, bound", [
    ("batch_size: 32", "batch_size: 100000", "ne peut pas dépasser les 54\u00a0000 images", ("≤", 54000)),
    ("validation_fraction: 0.1", "validation_fraction: 0.9999", "au plus 0.5", ("≤", 0.5)),
    ("validation_fraction: 0.1", "validation_fraction: 0.00001", "au moins 0.00009", ("≥", 0.00009)),
    ("learning_rate: 0.001 ", "learning_rate: 0.5 ", "au plus 0.1", ("≤", 0.1)),
    ("seed: 42", "seed: 4294967295", "au plus 4294967291", ("≤", 4294967291)),
])
def test_a_value_the_run_cannot_use_is_refused_before_training_and_its_fix_builds(project, capsys, old, new,
                                                                                   expected, bound):
    before = snapshot(project)
    set_param(project, old, new)
    code, out = build(project, capsys)
    assert code == 2 and out.err.startswith("Erreur : paramètre ") and expected in out.err, out.err
    assert "params.yaml" in out.err and "expériences, clé" not in out.err and "▸ entraînement" not in out.out
    assert snapshot(project) == before
    value = float(old.split(":")[1])  # the committed value, which the message's fix allows…
    assert value <= bound[1] if bound[0] == "≤" else value >= bound[1]
    set_param(project, new, old)
    code, out = build(project, capsys)  # …builds again, reusing everything
    assert code == 0, out.err


@pytest.mark.parametrize("old, new, expected", [
    ("    # --8<-- [end:model]\n", "", "marqueurs de section de pipeline/lesson.py : la section « compile » commence "
                                     "avant la fin de la section « model »"),
    ("    model = tf.keras.Sequential(layers)\n", "    model = tf.keras.Sequential(layers\n", "erreur de syntaxe"),
])
def test_a_damaged_lesson_file_is_refused_before_the_data_is_read(project, capsys, old, new, expected):
    lesson = project / "pipeline" / "lesson.py"
    kept = lesson.read_text(encoding="utf-8")
    before = snapshot(project)
    lesson.write_text(kept.replace(old, new), encoding="utf-8")
    code, out = build(project, capsys)
    assert code == 2 and expected in out.err and "Où : pipeline/lesson.py, ligne" in out.err, out.err
    assert "▸" not in out.out and snapshot(project) == before
    lesson.write_text(kept, encoding="utf-8")
    assert build(project, capsys)[0] == 0


@pytest.mark.parametrize("old, new, expected", [
    ('tf.keras.layers.Dense(hidden_units, activation="relu")', 'tf.keras.layers.Dense(0, activation="relu")',
     "le programme de la leçon s'est arrêté sur une erreur en construisant le réseau (ValueError)"),
    ("        tf.keras.layers.Flatten(input_shape=(28, 28)),\n", "", "ne dit pas la forme de ses entrées"),
    ('plt.title(class_names[y_train[i]])', 'plt.title(class_name[y_train[i]])', "(NameError)"),
])
def test_a_lesson_keras_or_python_refuses_names_its_line_before_fit_and_keeps_everything(project, old, new,
                                                                                        expected):
    """In processes of their own: the training imports the copy's pipeline/lesson.py."""
    lesson = project / "pipeline" / "lesson.py"
    kept = lesson.read_text(encoding="utf-8")
    before = snapshot(project)
    lesson.write_text(kept.replace(old, new), encoding="utf-8")
    result = run_report(project, env={"KERAS_HOME": os.environ["KERAS_HOME"]})
    assert result.returncode == 2 and expected in result.stderr, result.stdout + result.stderr
    assert "Où : pipeline/lesson.py, ligne" in result.stderr and "Traceback" not in result.stderr
    assert "Epoch 1" not in result.stdout and "val_loss" not in result.stdout  # never fitted
    assert snapshot(project) == before
    if "NameError" in expected:
        assert "Journal : artifacts/erreur.log" in result.stderr
        assert "NameError" in (project / "artifacts" / "erreur.log").read_text(encoding="utf-8")
    lesson.write_text(kept, encoding="utf-8")
    result = run_report(project, env={"KERAS_HOME": os.environ["KERAS_HOME"]})
    assert result.returncode == 0, result.stderr


def test_a_late_failure_leaves_the_readme_and_its_figures_of_one_same_build(project, monkeypatch, capsys):
    """The issue: after a failure late in the build, rapport/*.png were the new run's under the old README."""
    for png in (project / "rapport").glob("*.png"):
        png.write_bytes(b"figure du README precedent")  # the previous build's figures, as its README shows them
    (project / "README.md").write_text("README précédent\n", encoding="utf-8")
    touch_template(project)
    before = snapshot(project)

    def refused(*args):
        raise KeyboardInterrupt  # Ctrl-C during the site stage

    monkeypatch.setattr("pipeline.publish.site.build_site", refused)
    assert build(project, capsys)[0] == 130
    assert published(snapshot(project)) == published(before)  # docs/ is the pages' stage's, which succeeded
    monkeypatch.undo()
    code, out = build(project, capsys)
    assert code == 0, out.err
    figures = project / "docs" / "figures"
    assert all(png.read_bytes() == (figures / png.name).read_bytes() for png in (project / "rapport").glob("*.png"))
    assert "README précédent" not in (project / "README.md").read_text(encoding="utf-8")


def test_a_read_only_artifacts_folder_is_one_french_message(project, monkeypatch, capsys):
    before = snapshot(project)

    def refused(path, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(cli, "open", refused, raising=False)
    code, out = build(project, capsys)
    assert code == 2 and "écriture refusée" in out.err and "artifacts" in out.err and "chmod u+w" in out.err
    assert "Erreur inattendue" not in out.err and snapshot(project) == before
    monkeypatch.undo()
    assert build(project, capsys)[0] == 0


def test_weights_damaged_at_the_same_size_are_named_by_make_status_and_trained_again(project, capsys):
    from pipeline.common.config import load_params
    from pipeline.workflow.status import explain

    run = next((project / "artifacts" / "runs").glob("*/weights.npz")).parent
    weights = bytearray((run / "weights.npz").read_bytes())
    weights[len(weights) // 2] ^= 0xFF
    (run / "weights.npz").write_bytes(bytes(weights))
    (project / "artifacts" / "manifest.json").write_text("{", encoding="utf-8")  # and the manifest lost
    lines = explain(project, load_params(project / "params.yaml"))
    assert any("entraînement" in line and "weights.npz endommagée" in line for line in lines), lines
    result = run_report(project, env={"KERAS_HOME": os.environ["KERAS_HOME"]})
    assert result.returncode == 0, result.stderr
    assert "weights.npz endommagé (empreinte SHA-256 différente) : refait" in result.stdout
    assert cli.main(["status", "--root", str(project)]) == 0 and "weights.npz" not in capsys.readouterr().out
