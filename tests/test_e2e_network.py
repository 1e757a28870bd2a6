"""A teacher adds a layer: editing only pipeline/lesson.py gives a correct site (real data, slow)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from builds import E2E_EPOCHS, copy_project, run_report, set_param
from pipeline.common import architecture
from pipeline.data import dataset
from pipeline.publish import demo
from test_architecture import demo_js_probabilities

NB = "\u00a0"
SEED_LAYER = '        tf.keras.layers.Dense(hidden_units, activation="relu"),\n'


@pytest.fixture(scope="module")
def two_layer_project(tmp_path_factory, keras_home):
    root = copy_project(tmp_path_factory.mktemp("deux_couches"))
    lesson = root / "pipeline" / "lesson.py"
    text = lesson.read_text(encoding="utf-8")
    assert SEED_LAYER in text
    # A second hidden layer after the first (before the optional Dropout, which params.yaml leaves out).
    lesson.write_text(text.replace(SEED_LAYER, SEED_LAYER + '        tf.keras.layers.Dense(64, activation="relu"),\n'),
                      encoding="utf-8")
    set_param(root, "epochs: 20", f"epochs: {E2E_EPOCHS}")
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.mark.slow
def test_the_site_describes_the_trained_network_with_two_hidden_layers(two_layer_project):
    model_page = (two_layer_project / "docs" / "modele.md").read_text(encoding="utf-8")
    assert f"**109{NB}386**" in model_page and "quatre couches" in model_page
    for page in [*(two_layer_project / "docs").glob("*.md"), two_layer_project / "README.md",
                 *(two_layer_project / "docs" / "telechargements").glob("*")]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"101[\s\u00a0\u202f]770", text), page.name
        assert "trois couches" not in text, page.name


@pytest.mark.slow
def test_the_demo_equals_keras_on_test_images_it_never_exported(two_layer_project, keras_home, monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("KERAS_HOME", str(keras_home))  # where the build put the verified files

    run = next((two_layer_project / "artifacts" / "runs").iterdir())
    assert len(architecture.read(run).hidden) == 2
    images, labels = dataset.load_test_set()
    exported = set(demo.read_data_script(two_layer_project / "docs" / "demo" / "data" / "images.js")["indices"])
    unseen = np.array([i for i in range(0, len(labels), 97) if i not in exported][:50])
    keras = tf.keras.models.load_model(run / "model.keras").predict(images[unseen] / 255.0, verbose=0)
    ours = demo_js_probabilities(two_layer_project / "docs" / "demo" / "data" / "poids.js", images[unseen])
    assert np.abs(ours - keras).max() < 1e-4
    assert (ours.argmax(axis=1) == keras.argmax(axis=1)).all()
