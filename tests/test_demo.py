"""The Démo page's export: small synthetic network and images, no TensorFlow, no real data."""
import base64
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.publish import demo
from pipeline.pages import render
from pipeline.common.config import Params
from pipeline.data.dataset import CLASS_NAMES
from pipeline.common.errors import PipelineError
from pipeline.workflow.runner import Job, Runner
from pipeline.workflow.stages import table
from pipeline.common import architecture
from factories import make_architecture, make_context, make_weights

ROOT = Path(__file__).resolve().parents[1]
NB = "\u00a0"


def make_network(hidden=(16,), seed: int = 0):
    """A record and weights of that shape (factories.make_architecture / make_weights)."""
    arch = make_architecture(hidden)
    return arch, make_weights(arch, seed)


def make_images(per_class: int = 20, seed: int = 1):
    """Noisy uint8 images with a class-specific bright band, `per_class` of each class, shuffled."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(10, dtype=np.uint8), per_class))
    images = rng.integers(0, 60, size=(len(labels), 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        image[label * 2: label * 2 + 6, :] = 220
    return images, labels


def keras_like(weights: dict, images: np.ndarray) -> np.ndarray:
    """The probabilities Keras would give: float32 arithmetic, ReLU hidden layers and a softmax output,
    written independently of pipeline.common.architecture."""
    x = images.reshape(len(images), 784).astype("float32") / np.float32(255)
    count = len(weights) // 2
    for index in range(1, count + 1):
        x = x @ weights[f"W{index}"] + weights[f"b{index}"]
        if index < count:
            x = np.maximum(x, 0)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype("float32")


def export(folder: Path, arch, weights, images, labels, probabilities, seed: int) -> dict:
    files, facts = demo.build_files(arch, weights, images, labels, probabilities, seed)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return facts


@pytest.fixture(params=[(16,), (24, 12)], ids=["one hidden layer", "two hidden layers"])
def exported(tmp_path, request):
    (arch, weights), (images, labels) = make_network(request.param), make_images()
    facts = export(tmp_path, arch, weights, images, labels, keras_like(weights, images), seed=7)
    return tmp_path, weights, images, labels, facts


def test_selection_is_stratified_seeded_and_grouped_by_class():
    _, labels = make_images(per_class=20)
    chosen = demo.select_images(labels, per_class=10, seed=3)
    assert len(chosen) == 100 and len(set(chosen.tolist())) == 100
    assert labels[chosen].tolist() == [k for k in range(10) for _ in range(10)]
    assert np.array_equal(chosen, demo.select_images(labels, 10, seed=3))
    assert not np.array_equal(chosen, demo.select_images(labels, 10, seed=4))


def test_files_hold_float32_little_endian_weights_and_the_chosen_images(exported):
    folder, weights, images, labels, facts = exported
    assert sorted(p.name for p in folder.iterdir()) == ["images.js", "poids.js"]
    layers = demo.read_data_script(folder / "poids.js")["layers"]
    assert len(layers) == len(weights) // 2
    assert [layer["activation"] for layer in layers] == ["relu"] * (len(layers) - 1) + ["softmax"]
    for index, layer in enumerate(layers, start=1):
        for part, name in (("W", f"W{index}"), ("b", f"b{index}")):
            assert layer[part]["dtype"] == "float32" and layer[part]["shape"] == list(weights[name].shape)
            assert base64.b64decode(layer[part]["base64"]) == weights[name].astype("<f4").tobytes()
    sample = demo.read_data_script(folder / "images.js")
    chosen = demo.select_images(labels, demo.PER_CLASS, seed=7)
    assert sample["indices"] == chosen.tolist() and sample["labels"] == labels[chosen].tolist()
    assert sample["classes"] == list(CLASS_NAMES)
    assert np.array_equal(demo.decode_array(sample["images"]), images[chosen])
    assert demo.decode_array(sample["images"]).dtype == np.uint8
    assert np.array_equal(demo.decode_array(sample["keras"]), keras_like(weights, images)[chosen])
    assert facts["count"] == 100 and facts["sizes"] == {n: (folder / n).stat().st_size for n in facts["sizes"]}


def test_files_are_scripts_setting_one_global_each(exported):
    folder = exported[0]
    for name, global_name in [("poids.js", "DEMO_POIDS"), ("images.js", "DEMO_IMAGES")]:
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        assert lines[0].startswith("// ") and lines[1].startswith(f"window.{global_name} = {{")
        assert lines[1].endswith("};") and lines[2:] == [""]


def test_numpy_forward_on_exported_data_reproduces_the_given_probabilities(exported):
    folder, weights, images, labels, facts = exported
    arch, net = demo.network_from_payload(demo.read_data_script(folder / "poids.js"))
    sample = demo.read_data_script(folder / "images.js")
    given = demo.decode_array(sample["keras"])
    result = demo.forward(arch, net, demo.decode_array(sample["images"]))
    ours = result.probabilities
    assert [o.shape[1] for o in result.outputs] == [w.shape[1] for name, w in weights.items() if name[0] == "W"]
    assert ours.shape == (100, 10)
    kernels = [weights[f"W{i}"] for i in range(1, len(weights) // 2 + 1)]
    assert [(layer["inputs"], layer["units"]) for layer in facts["layers"]] == [k.shape for k in kernels]
    assert facts["multiplications"] == sum(w.size for name, w in weights.items() if name[0] == "W")
    assert np.abs(ours - given).max() < 1e-6
    assert np.array_equal(ours.argmax(axis=1), given.argmax(axis=1))
    assert facts["max_difference"] < 1e-6 and facts["same_class"] == 100


def test_export_refuses_probabilities_the_weights_do_not_give(tmp_path):
    (arch, weights), (images, labels) = make_network(), make_images()
    wrong = keras_like(make_network(seed=5)[1], images)  # another network's predictions
    with pytest.raises(PipelineError, match="ne redonnent pas"):
        export(tmp_path, arch, weights, images, labels, wrong, seed=7)
    assert not list(tmp_path.iterdir())  # nothing published


def test_a_network_of_the_real_size_fits_the_pages_one_megabyte_budget():
    (arch, weights), (images, labels) = make_network((128,)), make_images()
    files, facts = demo.build_files(arch, weights, images, labels, keras_like(weights, images), seed=0)
    assert facts["params"] == 101_770 and facts["raw_weights_bytes"] == 407_080
    assert len(files["poids.js"]) < 407_080 * 4 / 3 + 2_000  # base64 overhead only
    assets = sum((ROOT / "docs" / "assets" / name).stat().st_size for name in ("reseau.js", "demo.js", "demo.css"))
    assert sum(facts["sizes"].values()) + assets < demo.MAX_TOTAL_BYTES


def test_stage_exports_once_logs_one_line_and_is_then_reused(tmp_path, monkeypatch, capsys):
    (arch, weights), (images, labels) = make_network(), make_images()
    (tmp_path / "mkdocs.yml").write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    stages = {stage.name: stage for stage in table(tmp_path)}
    runner = Runner(tmp_path, {})
    train = stages["train"]
    run_dir = tmp_path / "artifacts" / "runs" / "abc"
    run_dir.mkdir(parents=True)
    np.savez(run_dir / "weights.npz", **weights)
    architecture.write(run_dir, arch)
    np.savez(run_dir / "predictions.npz", probabilities=keras_like(weights, images))
    runner.done["train"] = Job(train, "abc", tmp_path, Params(), {})  # as if training had just run
    monkeypatch.setattr(demo.dataset, "load_test_set", lambda: (images, labels))
    runner.run(stages["demo"], Params(seed=7))
    assert (tmp_path / "docs" / "demo" / "data" / "poids.js").exists()
    line = capsys.readouterr().out
    assert line.startswith("▸ démo") and "refait" in line and "100 images" in line
    monkeypatch.setattr(demo.dataset, "load_test_set", lambda: pytest.fail("reused stage must not reload data"))
    runner.run(stages["demo"], Params(seed=7))
    assert "réutilisé" in capsys.readouterr().out
    (tmp_path / "docs" / "demo" / "data" / "images.js").unlink()  # a missing file forces a new export
    monkeypatch.setattr(demo.dataset, "load_test_set", lambda: (images, labels))
    runner.run(stages["demo"], Params(seed=7))
    assert "refait" in capsys.readouterr().out and (tmp_path / "docs" / "demo" / "data" / "images.js").exists()


def test_demo_module_never_imports_tensorflow():
    code = "import sys, pipeline.publish.demo; sys.exit('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


@pytest.fixture(scope="module")
def page_text():
    env = render.make_environment(ROOT / "templates", ROOT, "site")
    return render.render_template(env, "demo.md.jinja", make_context())


def test_page_loads_only_relative_local_scripts_in_order(page_text):
    scripts = re.findall(r'<script src="([^"]+)"', page_text)
    assert scripts == ["demo/data/poids.js", "demo/data/images.js", "assets/reseau.js", "assets/demo.js"]
    assert '<link rel="stylesheet" href="assets/demo.css">' in page_text
    assert "http" not in " ".join(scripts)


def test_page_shows_the_code_that_runs_and_the_facts_of_the_export(page_text):
    assert "function forward(net, pixels)" in page_text and "for (const layer of net.layers)" in page_text
    assert "--8<--" not in page_text
    assert f"101{NB}770 nombres" in page_text and f"soit 407{NB}ko" in page_text
    assert "100 images de test" in page_text and "(10 par classe)" in page_text
    for element in ["demo-grille", "demo-barres", "demo-galerie", "demo-dense-1", "demo-dense-2", "demo-verification",
                    "demo-fichier"]:
        assert f'id="{element}"' in page_text


def test_page_prose_has_non_breaking_spaces_before_high_punctuation(page_text):
    text = re.sub(r"```.*?```", "", page_text, flags=re.S)
    text = re.sub(r"`[^`]*`|<[^>]+>|\]\([^)]*\)", "", text)
    assert not re.findall(r"\w [:;!?%]", text)
