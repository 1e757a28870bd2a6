"""The lesson file checked like input, before any training: one French message naming pipeline/lesson.py and the line."""
import shutil
from pathlib import Path

import pytest

from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.pages.sections import sections
from pipeline.workflow import lesson_check

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "pipeline" / "lesson.py"


@pytest.fixture
def root(tmp_path):
    """The lesson and the templates that show it, in a folder of their own, to be damaged."""
    (tmp_path / "pipeline").mkdir()
    shutil.copy2(LESSON, tmp_path / "pipeline" / "lesson.py")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "pipeline" / "training", tmp_path / "pipeline" / "training")
    return tmp_path


def edit(root, old, new, count=1):
    path = root / "pipeline" / "lesson.py"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(fragment):
    return next(n for n, line in enumerate(LESSON.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def refused(root):
    with pytest.raises(PipelineError) as info:
        lesson_check.check(root, Params())
    assert "pipeline/lesson.py" in info.value.where + info.value.what
    return info.value


def test_the_lesson_as_committed_passes(root):
    lesson_check.check(root, Params())
    assert {"model", "fit", "split"} <= {s.name for s in sections(LESSON.read_text(encoding="utf-8"), "x")}


def test_a_deleted_end_marker_is_refused_with_the_line_of_its_start(root):
    edit(root, "    # --8<-- [end:model]\n", "")
    error = refused(root)
    assert "« model » (ouverte ligne {})".format(line_of("[start:model]")) in error.what
    assert f"ligne {line_of('[start:compile]') - 1}" in error.where and "[end:model]" in error.fix


def test_an_end_marker_without_its_start_and_a_section_opened_twice_are_refused(root):
    edit(root, "    # --8<-- [start:fit]\n", "")
    assert "[end:fit]" in refused(root).what
    (root / "pipeline" / "lesson.py").write_text(LESSON.read_text(encoding="utf-8").replace(
        "# --8<-- [start:curves]", "# --8<-- [start:fit]").replace("# --8<-- [end:curves]", "# --8<-- [end:fit]"),
        encoding="utf-8")
    assert "ouverte deux fois" in refused(root).what


def test_a_syntax_error_names_the_line(root):
    edit(root, "    model = tf.keras.Sequential(layers)\n", "    model = tf.keras.Sequential(layers\n")
    error = refused(root)
    assert "erreur de syntaxe" in error.what and "ligne" in error.where and "py_compile" in error.fix
    edit(root, "    model = tf.keras.Sequential(layers\n", "model = tf.keras.Sequential(layers)\n")  # indentation
    error = refused(root)  # Python stops at the next line: the message says to look there or just before
    assert f"ligne {line_of('return model')}" in error.where and "juste avant" in error.fix


def test_a_section_a_page_shows_must_exist(root):
    edit(root, "    # --8<-- [start:compile]\n", "")
    edit(root, "    # --8<-- [end:compile]\n", "")
    error = refused(root)
    assert "« compile »" in error.what and ".md.jinja" in error.what


def test_a_function_the_training_calls_must_exist(root):
    edit(root, "def make_early_stopping(", "def early_stopping(")
    error = refused(root)
    assert "« make_early_stopping »" in error.what and "pipeline/training/train.py" in error.what


def test_a_lesson_parameter_absent_from_params_yaml_names_its_line(root):
    edit(root, "def build_model(hidden_units=128, dropout=0.0):", "def build_model(hidden_units=128, width=3):")
    error = refused(root)
    assert "« width »" in error.what and f"ligne {line_of('def build_model')}" in error.where


def test_the_pages_never_show_a_section_past_a_lost_marker(tmp_path):
    from pipeline.pages.render import code_section

    source = tmp_path / "lecon.py"
    source.write_text("# --8<-- [start:a]\nx = 1\n# --8<-- [start:b]\ny = 2\n# --8<-- [end:b]\n", encoding="utf-8")
    with pytest.raises(PipelineError, match="commence avant la fin de la section « a »"):
        code_section(tmp_path, "lecon.py", "b")
    source.write_text('"""Sections: `# --8<-- [start:name]`."""\n# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n',
                      encoding="utf-8")
    assert code_section(tmp_path, "lecon.py", "a") == "x = 1"  # a mention in a docstring is no marker


# -- What only Keras can judge: checked by the training stage before fit ----------------------------

def lesson_module(old, new):
    """The lesson's code with one edit, compiled under pipeline/lesson.py's own path (so frames name it)."""
    import types

    text = LESSON.read_text(encoding="utf-8")
    assert old in text, old
    module = types.ModuleType("lecon_modifiee")
    exec(compile(text.replace(old, new), str(LESSON), "exec"), module.__dict__)
    return module


@pytest.mark.parametrize("old, new, expected, line", [
    ('tf.keras.layers.Dense(hidden_units, activation="relu")', 'tf.keras.layers.Dense(0, activation="relu")',
     "ValueError", 'tf.keras.layers.Dense(hidden_units, activation="relu")'),
    ("        tf.keras.layers.Flatten(input_shape=(28, 28)),\n", "", "ne dit pas la forme de ses entrées",
     "def build_model"),
    ("        tf.keras.layers.Flatten(input_shape=(28, 28)),\n",
     "        tf.keras.Input(shape=(28, 28)),\n", "doit commencer par une couche Flatten", "def build_model"),
    ('layers.append(tf.keras.layers.Dense(10, activation="softmax"))',
     'layers.append(tf.keras.layers.Dense(7, activation="softmax"))', "sorties de forme (7,)", "def build_model"),
])
def test_a_network_keras_refuses_or_the_run_cannot_use_is_refused_before_fit(old, new, expected, line, tiny_images):
    from pipeline.training import train

    lesson = lesson_module(old, new)
    fitted = []
    lesson.train = lambda *args, **kwargs: fitted.append(1)
    images, labels = tiny_images
    arrays = train.Arrays(images, labels, images, labels, images, labels, images, labels)
    with pytest.raises(PipelineError) as info:
        train.fit_lesson(Params(epochs=1), arrays, lesson, verbose=0)
    assert expected in info.value.what + info.value.detail and not fitted
    assert info.value.where.startswith(f"pipeline/lesson.py, ligne {line_of(line)} (fonction build_model)")


def test_any_other_error_of_the_lesson_s_code_names_its_line_and_keeps_the_traceback():
    from pipeline.training.lesson_errors import lesson_failures

    lesson = lesson_module("    counts = np.bincount(y_train, minlength=10)\n",
                           "    counts = np.bincount(y_trian, minlength=10)\n")
    with pytest.raises(PipelineError) as info, lesson_failures("pendant l'exécution de la leçon"):
        lesson.show_class_distribution([0, 1])
    assert "NameError" in info.value.what and "y_trian" in info.value.detail
    assert info.value.where == f"pipeline/lesson.py, ligne {line_of('np.bincount(y_train')} (fonction show_class_distribution)"
    assert isinstance(info.value.__cause__, NameError) and "erreur.log" in info.value.fix
    with pytest.raises(OSError), lesson_failures("…"):  # a full disk is not the lesson's fault: worded elsewhere
        raise OSError(28, "No space left on device")
