"""Any network the lesson builds: the architecture record, its forward pass, its pages, its Démo and its
notebook, checked on small generated data with two hidden layers (no TensorFlow, no real data)."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from factories import make_architecture, make_artifacts, make_weights
from pipeline.common import architecture, fr
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import answers, network_context
from pipeline.pages import render as rendering
from pipeline.pages.context import build_context
from pipeline.publish import demo, notebook
from pipeline.publish.lesson_source import lesson_parameters, parameter_values

ROOT = Path(__file__).resolve().parents[1]
NB = fr.NBSP
TWO_HIDDEN = (128, 64)  # the example: Dense(64, relu) added after the seed's Dense(128)


def by_hand(weights: dict, x: np.ndarray) -> np.ndarray:
    """Two ReLU layers then softmax, written out without the project's code."""
    h1 = np.maximum(0, x @ weights["W1"].astype(np.float64) + weights["b1"])
    h2 = np.maximum(0, h1 @ weights["W2"].astype(np.float64) + weights["b2"])
    z = h2 @ weights["W3"].astype(np.float64) + weights["b3"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_record_counts_parameters_and_multiplications_of_two_hidden_layers():
    arch = make_architecture(TWO_HIDDEN)
    assert arch.total_params == 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10 == 109_386
    assert arch.multiplications == 784 * 128 + 128 * 64 + 64 * 10 == 109_184
    assert [layer.units for layer in arch.hidden] == [128, 64] and arch.output.units == 10
    assert architecture.from_dict(json.loads(json.dumps(arch.to_dict()))) == arch  # what training writes, read back


def test_forward_pass_follows_every_layer_and_ignores_dropout_at_inference():
    arch = make_architecture(TWO_HIDDEN, dropout=0.2)
    weights = make_weights(arch)
    x = np.random.default_rng(3).random((5, 784))
    result = architecture.forward(arch, weights, x)
    assert [o.shape for o in result.outputs] == [(5, 128), (5, 64), (5, 10)]
    assert np.allclose(result.probabilities, by_hand(weights, x))
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize("layers, message", [
    ([{"kind": "Flatten", "name": "flatten"}, {"kind": "Conv2D", "name": "conv2d"},
      {"kind": "Dense", "name": "dense", "activation": "softmax"}], "la couche « Conv2D » (conv2d)"),
    ([{"kind": "Dense", "name": "dense", "activation": "gelu"}], "l'activation « gelu »"),
    ([{"kind": "Flatten", "name": "flatten"}, {"kind": "Dense", "name": "dense", "activation": "relu"}],
     "doit avoir l'activation softmax"),
])
def test_a_network_the_pages_cannot_explain_is_refused_with_a_french_message(layers, message):
    with pytest.raises(PipelineError) as info:
        architecture.check_layers(layers, where="pipeline/lesson.py, section « model »")
    assert message in info.value.what and "lesson.py" in info.value.where
    assert "relancez « make report »" in info.value.fix


def test_a_missing_record_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="description du réseau"):
        architecture.read(tmp_path)


def test_model_facts_for_two_hidden_layers():
    model = network_context.build(make_architecture(TWO_HIDDEN))
    assert model["count_word"] == "quatre" and model["hidden_count"] == 2
    assert model["total_params"] == f"109{NB}386" and model["multiplications"] == f"109{NB}184"
    assert [row["code"] for row in model["layers"]] == [
        "Flatten()", "Dense(128, activation='relu')", "Dense(64, activation='relu')", "Dense(10, activation='softmax')"]
    assert [row["params"] for row in model["layers"]] == ["0", f"100{NB}480", f"8{NB}256", "650"]
    # The exercise "64 neurons in the first hidden layer": 784×64+64, then 64×64+64, then 64×10+10.
    assert model["params_64"] == fr.integer(784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10)
    assert not model["is_seed_network"] and network_context.build(make_architecture())["is_seed_network"]


def test_the_model_page_gives_the_values_its_code_names_and_compares_them_with_the_seed_s():
    changed = " ".join(render_pages(make_architecture((256,), dropout=0.2), hidden_units=256,
                                    dropout=0.2)["docs/modele.md"].split())
    assert "`hidden_units = 256` au lieu des 128 neurones de l'énoncé" in changed
    assert "`dropout = 0.2` : une couche `Dropout`, que l'énoncé n'a pas, suit la couche cachée" in changed
    seed = " ".join(render_pages(make_architecture())["docs/modele.md"].split())
    assert "`hidden_units = 128`, le `Dense(128, activation='relu')` de l'énoncé" in seed
    assert "pas de couche `Dropout`, comme dans l'énoncé" in seed and "au lieu des 128" not in seed


def render_pages(arch, **params) -> dict[str, str]:
    context = build_context(dataclasses.replace(make_artifacts(arch=arch, **params), demo=demo_facts(arch)))
    return rendering.render_all(ROOT / "templates", ROOT, context, nav_pages(ROOT / "mkdocs.yml"))


def demo_facts(arch) -> dict:
    """The demo stage's facts for this network, from the real export on generated images."""
    weights = make_weights(arch)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 10)
    images = np.random.default_rng(0).integers(0, 255, (100, 28, 28)).astype(np.uint8)
    probabilities = demo.forward(arch, weights, images).probabilities.astype("float32")
    return demo.build_files(arch, weights, images, labels, probabilities, seed=0)[1]


@pytest.fixture(scope="module")
def two_layer_pages():
    return render_pages(make_architecture(TWO_HIDDEN))


def test_every_page_describes_the_two_hidden_layer_network_and_none_the_seeds(two_layer_pages):
    text = {page: re.sub(r"[ \n]+", " ", content) for page, content in two_layer_pages.items()}  # NBSP kept
    model = text["docs/modele.md"]
    assert "un réseau dense à quatre couches" in model and "## Les quatre couches" in two_layer_pages["docs/modele.md"]
    assert f"`Dense(64, activation='relu')`{NB}: la deuxième couche cachée" in model
    assert f"| **Total** | | | | **109{NB}386** |" in model
    assert f"109{NB}184 multiplications (784 × 128, 128 × 64, 64 × 10" in text["docs/demo.md"]
    for page, content in text.items():
        assert f"101{NB}770" not in content and "101 770" not in content, page
        assert "trois couches" not in content, page
    for layer in ("Dense(128, activation='relu')", "Dense(64, activation='relu')"):
        assert f"`{layer}`" in text["README.md"] and f"`{layer}`" in text["docs/demo.md"]


def test_demo_page_has_one_live_line_per_dense_layer(two_layer_pages):
    page = two_layer_pages["docs/demo.md"]
    assert re.findall(r'id="(demo-dense-\d)"', page) == ["demo-dense-1", "demo-dense-2", "demo-dense-3"]


def test_notebook_text_describes_the_trained_layers():
    layers = make_architecture(TWO_HIDDEN).to_dict()["layers"]
    nb = notebook.build_notebook(ROOT, parameter_values(ROOT, Params().to_dict()), layers)
    text = " ".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    assert "en 4 couches" in text and "une couche `Dense` de 64 neurones relu" in text
    assert "128 neurones ReLU et une couche `Dense` de 10" not in text  # the old fixed sentence


def test_demo_javascript_computes_what_numpy_computes_for_two_hidden_layers(tmp_path):
    """The Démo's forward pass (assets/reseau.js), run by Node.js on the exported poids.js, against NumPy's."""
    arch = make_architecture(TWO_HIDDEN)
    weights = make_weights(arch, seed=4)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 10)
    images = np.random.default_rng(1).integers(0, 255, (100, 28, 28)).astype(np.uint8)
    expected = demo.forward(arch, weights, images).probabilities
    files, _ = demo.build_files(arch, weights, images, labels, expected.astype("float32"), seed=0)
    (tmp_path / "poids.js").write_bytes(files["poids.js"])
    ours = demo_js_probabilities(tmp_path / "poids.js", images[:20])
    assert np.abs(ours - expected[:20]).max() < 1e-6


def demo_js_probabilities(weights_script: Path, images: np.ndarray) -> np.ndarray:
    """Probabilities computed by docs/assets/reseau.js, which demo.js uses (Node.js), for uint8 `images`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js absent: the browser tests check demo.js in Chromium")
    pixels = weights_script.with_name("pixels.json")
    pixels.write_text(json.dumps((images.reshape(len(images), -1) / 255.0).tolist()), encoding="utf-8")
    script = weights_script.with_name("run_demo.js")
    script.write_text(
        "globalThis.window = globalThis; globalThis.document = {readyState: 'loading', addEventListener() {}};\n"
        f"require({json.dumps(str(weights_script))});\n"
        f"require({json.dumps(str(ROOT / 'docs/assets/reseau.js'))});\n"
        "const api = window.Reseau;\n"
        "const net = api.loadNetwork(window.DEMO_POIDS);\n"
        f"const images = JSON.parse(require('fs').readFileSync({json.dumps(str(pixels))}, 'utf8'));\n"
        "console.log(JSON.stringify(images.map((x) => Array.from(api.forward(net, x).probabilities))));\n",
        encoding="utf-8")
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return np.array(json.loads(result.stdout))


def test_every_early_stopping_field_reaches_the_replay():
    """min_delta (and any field Keras's EarlyStopping takes) changes the replayed stop; an unknown one fails."""
    history = {"val_loss": [0.50, 0.45, 0.44, 0.435, 0.43, 0.429], "loss": [0.6] * 6}
    params = {"epochs": 6, "early_stopping": {"monitor": "val_loss", "patience": 2, "restore_best_weights": True}}
    plain = answers.replay_run(history, params)
    assert plain.known and not plain.stopped_early
    strict = answers.replay_run(history, {**params, "early_stopping": {**params["early_stopping"], "min_delta": 0.02}})
    assert strict.stopped_early and strict.epochs_run == 4 and strict.best_epoch == 2
    late = answers.replay_run(history, params, start_from_epoch=5, patience=0)
    assert late.best_epoch == 6
    with pytest.raises(TypeError):
        answers.replay_run(history, {**params, "early_stopping": {**params["early_stopping"], "cooldown": 1}})


def test_a_parameter_added_to_a_lesson_function_reaches_the_notebook_without_other_edits(tmp_path):
    (tmp_path / "pipeline").mkdir()
    lesson = (ROOT / "pipeline" / "lesson.py").read_text(encoding="utf-8")
    lesson = lesson.replace('def make_early_stopping(monitor="val_loss", patience=3, restore_best_weights=True):',
                            'def make_early_stopping(monitor="val_loss", patience=3, restore_best_weights=True, '
                            'min_delta=0.0):')
    (tmp_path / "pipeline" / "lesson.py").write_text(lesson, encoding="utf-8")
    params = Params().to_dict()
    params["early_stopping"]["min_delta"] = 0.01
    found = {p.name: p.key for p in lesson_parameters(tmp_path, params)}
    assert found["min_delta"] == "early_stopping.min_delta"
    assert parameter_values(tmp_path, params)["min_delta"] == 0.01
    del params["early_stopping"]["min_delta"]
    with pytest.raises(PipelineError, match="min_delta"):
        lesson_parameters(tmp_path, params)
