"""The lesson program and what the training stage adds around it, on a few dozen synthetic images."""
import ast
import os
from pathlib import Path

import numpy as np
import pytest

from pipeline.data import dataset
from pipeline.training import trace
from pipeline.training import tensorflow_runtime as setup, train
from pipeline.common.config import params_from_dict
from pipeline.pages.render import code_section

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "pipeline" / "lesson.py"


@pytest.fixture(scope="module")
def lesson():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import pipeline.lesson
    return pipeline.lesson


def test_lesson_and_numpy_modules_name_the_classes_alike(lesson):
    assert lesson.class_names == list(dataset.CLASS_NAMES)


def test_layers_and_parameter_counts_are_the_seeds(lesson):
    model = lesson.build_model()
    lesson.compile_model(model)
    rows = train.layer_summary(model)
    assert [r.kind for r in rows] == ["Flatten", "Dense", "Dense"]
    assert [r.params for r in rows] == [0, 784 * 128 + 128, 128 * 10 + 10]
    assert model.layers[1].activation.__name__ == "relu"
    assert model.layers[2].activation.__name__ == "softmax"
    assert model.loss == "sparse_categorical_crossentropy"


def test_split_keeps_class_proportions_and_is_seeded(lesson):
    labels = np.repeat(np.arange(10), 100)
    images = np.arange(1000)
    split = lambda seed: lesson.split_validation(images, labels, images[:5], labels[:5], "split", 0.1, seed=seed)
    fit_x, fit_y, val_x, val_y = split(3)
    assert len(val_y) == 100 and len(fit_y) == 900
    assert set(np.bincount(val_y)) == {10} and not set(fit_x) & set(val_x)
    assert np.array_equal(val_x, split(3)[2])
    assert not np.array_equal(np.sort(val_x), np.sort(split(4)[2]))


def test_validation_test_is_the_seed_s_validation_data_and_trains_on_every_image(lesson):
    labels = np.repeat(np.arange(10), 10)
    images, test_images, test_labels = np.arange(100), np.arange(100, 120), labels[:20]
    fit_x, fit_y, val_x, val_y = lesson.split_validation(images, labels, test_images, test_labels, "test")
    assert np.array_equal(fit_x, images) and np.array_equal(val_x, test_images) and np.array_equal(val_y, test_labels)


def test_normalise_maps_0_255_to_float32_0_1(lesson, tiny_images):
    images, _ = tiny_images
    out, _ = lesson.normalise(images, images[:2])
    assert out.dtype == np.float32 and out.min() >= 0.0 and out.max() == pytest.approx(images.max() / 255)


def fit_tiny(lesson, tiny_images, **overrides):
    images, labels = tiny_images
    x, _ = lesson.normalise(images, images[:1])
    raw = {"epochs": 4, "batch_size": 8, "steps_per_execution": 1, "jit_compile": False,
           "early_stopping": {"patience": 10}, **overrides}
    params = params_from_dict(raw)
    arrays = train.Arrays(x, labels, overrides.pop("X_val", x[:20]), labels[:20], x, labels, images, labels)
    setup.prepare_tensorflow(params)
    return train.fit_lesson(params, arrays, lesson, verbose=0)


def test_fit_keeps_the_lessons_call_and_adds_the_timer_and_speed_options(lesson, tiny_images):
    fit = fit_tiny(lesson, tiny_images, steps_per_execution=4)
    assert len(fit.history.history["loss"]) == 4 and len(fit.epoch_seconds) == 4
    assert all(s > 0 for s in fit.epoch_seconds)  # one wall time per epoch (its speed: make bench)
    assert fit.model.steps_per_execution == 4 and fit.model.jit_compile is False
    curves = fit.curves()
    assert curves["loss"][-1] < curves["loss"][0]  # it learns the bright bands
    assert set(curves) >= {"loss", "val_loss", "accuracy", "val_accuracy"}


def test_early_stopping_stops_when_validation_stops_improving(lesson, tiny_images):
    images, labels = tiny_images
    x, _ = lesson.normalise(images, images[:1])
    noise = np.random.default_rng(1).random(x.shape).astype("float32")  # validation the net cannot learn
    params = params_from_dict({"epochs": 30, "batch_size": 8, "steps_per_execution": 1, "jit_compile": False,
                               "early_stopping": {"patience": 0}})
    setup.prepare_tensorflow(params)
    arrays = train.Arrays(x, labels, noise, labels[::-1].copy(), x, labels, images, labels)
    fit = train.fit_lesson(params, arrays, lesson, verbose=0)
    assert fit.early_stop.stopped_epoch > 0 and len(fit.history.history["loss"]) < 30


def test_every_section_is_top_level_code_that_runs_in_order():
    """Sections become notebook cells: none may `return`, and names flow from one to the next."""
    source = LESSON.read_text(encoding="utf-8")
    names = [line.split("[start:")[1].rstrip("]") for line in source.splitlines()
             if line.strip().startswith("# --8<-- [start:")]
    assert names[:3] == ["imports", "class_names", "load"] and names[-4:] == ["evaluate", "predict", "confusion",
                                                                              "probabilities"]
    for name in names:
        tree = ast.parse(code_section(ROOT, "pipeline/lesson.py", name))
        assert not any(isinstance(node, ast.Return) for node in ast.walk(tree)), name


def test_trace_records_the_lines_that_ran_and_only_those(tmp_path):
    module = tmp_path / "traced.py"
    module.write_text("def f(x):\n    if x:\n        return 1\n    return 2\n", encoding="utf-8")
    namespace = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    with trace.trace_lines(module) as executed:
        namespace["f"](True)
    assert executed == {2, 3}


def test_step_five_predicts_counts_the_confusions_and_draws_what_it_counted(lesson, tiny_images):
    """The lesson's step 5 on a trained tiny network: argmax of model.predict, a confusion matrix equal to
    an independent count, and the two figures captured as PNG (as training saves them in lecon/)."""
    import matplotlib.pyplot as plt

    images, labels = tiny_images
    fit = fit_tiny(lesson, tiny_images)
    x, _ = lesson.normalise(images, images[:1])
    printed, (probabilities, y_pred) = train.captured(lesson.predict, fit.model, x, labels)
    assert probabilities.shape == (len(labels), 10) and list(y_pred) == list(probabilities.argmax(axis=1))
    assert "Probabilités : (40, 10)" in printed
    seen = {}
    real_show = plt.show
    plt.show = lambda *a, **k: seen.setdefault("axes", []).append(plt.gcf().axes)
    try:
        confusion = lesson.show_confusion(labels, y_pred)
        expected = np.zeros((10, 10), dtype=int)
        np.add.at(expected, (labels, y_pred), 1)
        assert (confusion == expected).all()
        texts = [t.get_text() for t in seen["axes"][0][0].texts]
        assert texts == [str(v) for v in expected.ravel()]  # every count written in its cell
        lesson.show_probabilities(x, labels, probabilities)
        bars = seen["axes"][1][1].patches
        assert [b.get_width() for b in bars] == pytest.approx(list(probabilities[0]))
    finally:
        plt.show = real_show
        plt.close("all")
    png = train.lesson_figure(lesson.show_confusion, labels, y_pred)
    assert png.startswith(b"\x89PNG")


def test_tensorflow_s_import_notices_never_reach_the_terminal_but_other_lines_do(tmp_path):
    """The oneDNN notice is written by TensorFlow's C++ side at import (file descriptor 2), whatever
    TF_CPP_MIN_LOG_LEVEL says: in a fresh process, nothing of it is left on stderr."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.training.tensorflow_runtime import import_tensorflow; tf = import_tensorflow(); "
            "print('prêt', tf.__version__); print('une vraie erreur', file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0 and done.stdout.startswith("prêt ")
    assert done.stderr.strip() == "une vraie erreur", done.stderr
    # Without the capture, the same import writes the notice: the test above can fail.
    bare = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True, text=True,
                          timeout=300, env=env)
    assert "oneDNN" in bare.stderr
