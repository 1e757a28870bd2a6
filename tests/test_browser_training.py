"""The « Entraîner » page's exports: architecture record or its fallback, stratified subset, TensorFlow.js pins, code from JS."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from pipeline.common.errors import PipelineError
from pipeline.pages.browser_training_context import _validation_count
from pipeline.pages.render import code_section
from pipeline.publish import browser_training, tfjs_vendor


def write_weights(folder, *shapes):
    """weights.npz with one (W, b) pair per Dense layer, as the training stage writes it."""
    arrays = {}
    for k, (n_in, n_out) in enumerate(shapes, start=1):
        arrays[f"W{k}"] = np.zeros((n_in, n_out), np.float32)
        arrays[f"b{k}"] = np.zeros(n_out, np.float32)
    np.savez(folder / "weights.npz", **arrays)


def test_the_page_reads_the_run_s_architecture_record(tmp_path):
    from factories import make_architecture
    from pipeline.common import architecture

    architecture.write(tmp_path, make_architecture((64, 32), dropout=0.2))
    arch = browser_training.read_architecture(tmp_path)
    assert arch["input_shape"] == [28, 28]
    assert [(l["kind"], l.get("units"), l.get("activation"), l.get("rate")) for l in arch["layers"]] == [
        ("Flatten", 784, None, None), ("Dense", 64, "relu", None), ("Dropout", 64, None, 0.2),
        ("Dense", 32, "relu", None), ("Dense", 10, "softmax", None)]
    assert browser_training.dense_layers(arch)[0]["params"] == 784 * 64 + 64


def test_a_run_without_record_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="description du réseau"):
        browser_training.read_architecture(tmp_path)


def test_every_prefix_of_ten_images_holds_one_image_of_each_class():
    labels = np.repeat(np.arange(10), 60)
    order = browser_training.interleaved(labels, 50, np.random.default_rng(0))
    assert len(order) == 500 and len(set(order.tolist())) == 500
    blocks = labels[order].reshape(-1, 10)
    assert all(sorted(block) == list(range(10)) for block in blocks)
    assert not all((block == np.arange(10)).all() for block in blocks)  # shuffled inside blocks


@pytest.mark.parametrize("blocks, fraction", [(500, 0.1), (230, 0.1), (100, 0.25), (7, 0.5)])
def test_validation_blocks_are_the_fraction_evenly_spread(blocks, fraction):
    chosen = browser_training.validation_blocks(blocks, fraction)
    assert chosen.sum() == int(blocks * fraction + 1e-9)
    gaps = np.diff(np.flatnonzero(chosen))
    assert gaps.size == 0 or gaps.max() - gaps.min() <= 1
    assert _validation_count(blocks * 10, fraction) == 10 * chosen.sum()  # the page's text counts the same


def test_the_subset_comes_from_its_own_official_sets_and_round_trips(tiny_images, monkeypatch):
    images, labels = tiny_images
    monkeypatch.setattr(browser_training, "TRAIN_PER_CLASS", 3)
    monkeypatch.setattr(browser_training, "TEST_PER_CLASS", 1)
    test_images = 255 - images  # another set: its images differ from every training image
    params = {"epochs": 20, "batch_size": 32, "learning_rate": 0.001, "validation_fraction": 0.1,
              "early_stopping": {"patience": 3, "restore_best_weights": True, "monitor": "val_loss"}}
    arch = {"input_shape": [28, 28], "layers": [{"kind": "Dense", "units": 128}, {"kind": "Dense", "units": 10}]}
    files, facts = browser_training.build_files((images, labels), (test_images, labels), arch, params, seed=1)
    data = json.loads(files["donnees.js"].decode().split("\n", 1)[1].split("=", 1)[1].strip().rstrip(";"))
    train_idx, test_idx = data["train"]["source_indices"], data["test"]["source_indices"]
    assert np.array_equal(browser_training.unpack_images(data["train"]["images"]), images[train_idx])
    assert np.array_equal(browser_training.unpack_images(data["test"]["images"]), test_images[test_idx])
    assert data["train"]["labels"] == labels[train_idx].tolist()
    assert np.bincount(data["test"]["labels"], minlength=10).tolist() == [1] * 10
    assert (facts["train_count"], facts["test_count"]) == (30, 10)
    assert facts["defaults"]["hidden_units"] == 128 and facts["defaults"]["train_images"] == 30
    # gzip with mtime 0: the same subset gives the same bytes (the site's key does not churn).
    again, _ = browser_training.build_files((images, labels), (test_images, labels), arch, params, seed=1)
    assert again == files


# ---- TensorFlow.js from npm ----------------------------------------------------------------------

def fake_tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def test_integrity_is_npm_sha512_in_base64():
    data = b"tfjs"
    assert tfjs_vendor.integrity_of(data) == "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    for pin in tfjs_vendor.PINS:
        assert pin.integrity.startswith("sha512-") and len(base64.b64decode(pin.integrity[7:])) == 64
        assert pin.url == f"https://registry.npmjs.org/{pin.name}/-/{pin.name.split('/')[1]}-{tfjs_vendor.VERSION}.tgz"


def test_a_cached_tarball_with_a_wrong_hash_is_downloaded_again_and_checked(tmp_path, monkeypatch):
    good = fake_tarball({"dist/a.js": b"ok"})
    pin = tfjs_vendor.NpmPin("@x/pkg", tfjs_vendor.integrity_of(good), ("dist/a.js",))
    (tmp_path / pin.tarball).write_bytes(b"truncated")
    downloads = []

    def fetch(url, target):
        downloads.append(url)
        target.write_bytes(good)

    monkeypatch.setattr("pipeline.data.dataset.fetch", fetch)
    assert tfjs_vendor.tarball_bytes(pin, tmp_path) == good
    assert downloads == [pin.url]
    assert tfjs_vendor.tarball_bytes(pin, tmp_path) == good and len(downloads) == 1  # cached now


def test_a_download_that_does_not_match_the_pin_is_refused(tmp_path, monkeypatch):
    pin = tfjs_vendor.NpmPin("@x/pkg", tfjs_vendor.integrity_of(b"expected"), ("dist/a.js",))
    monkeypatch.setattr("pipeline.data.dataset.fetch", lambda url, target: target.write_bytes(b"tampered"))
    with pytest.raises(PipelineError, match="empreinte"):
        tfjs_vendor.tarball_bytes(pin, tmp_path)
    assert not (tmp_path / pin.tarball).exists()


def test_without_the_registry_the_build_says_where_to_put_the_tarball(tmp_path, monkeypatch):
    pin = tfjs_vendor.NpmPin("@x/pkg", tfjs_vendor.integrity_of(b"expected"), ("dist/a.js",))

    def offline(url, target):
        raise OSError("Network is unreachable")

    monkeypatch.setattr("pipeline.data.dataset.fetch", offline)
    with pytest.raises(PipelineError, match="impossible de télécharger @x/pkg") as error:
        tfjs_vendor.tarball_bytes(pin, tmp_path)
    assert str(tmp_path) in error.value.fix and "TFJS_CACHE" in error.value.fix


def test_vendor_files_are_the_pinned_files_the_wasm_as_a_script_and_the_licence(tmp_path):
    tarball = fake_tarball({"dist/tf.min.js": b"var tf;", "dist/x-simd.wasm": b"\0asm\1\0\0\0"})
    pin = tfjs_vendor.NpmPin("@x/pkg", tfjs_vendor.integrity_of(tarball), ("dist/tf.min.js", "dist/x-simd.wasm"))
    (tmp_path / pin.tarball).write_bytes(tarball)
    files = tfjs_vendor.vendor_files(tmp_path, (pin,))
    assert files["tf.min.js"] == b"var tf;"
    script = files["x-simd.wasm.js"].decode()
    encoded = script.split(f"window.{tfjs_vendor.WASM_GLOBAL} = \"")[1].split('"')[0]
    assert base64.b64decode(encoded) == b"\0asm\1\0\0\0"
    assert b"Apache License" in files["LICENSE.txt"] and b"Version 2.0" in files["LICENSE.txt"]
    assert pin.integrity.encode() in files["NOTICE.txt"]


def test_code_sections_are_read_from_javascript_markers(tmp_path):
    (tmp_path / "a.js").write_text("x();\n  // --8<-- [start:fit]\n  await model.fit(x, y);\n  // --8<-- [end:fit]\n")
    assert code_section(tmp_path, "a.js", "fit") == "await model.fit(x, y);"


def test_the_page_shows_the_javascript_that_runs():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    template = (root / "templates" / "entrainer.md.jinja").read_text(encoding="utf-8")
    for section in ("model", "compile", "early_stopping", "fit"):
        assert f'code("docs/assets/entrainer.js", "{section}")' in template
        assert code_section(root, "docs/assets/entrainer.js", section)
    assert "restoreBestWeights" in code_section(root, "docs/assets/entrainer.js", "early_stopping")
    assert "model.fit(" in code_section(root, "docs/assets/entrainer.js", "fit")


# ---- The page's text ------------------------------------------------------------------------------

def page_text(experiments=None) -> str:
    """templates/entrainer.md.jinja rendered with hand-made facts, as the pages stage renders it."""
    from pathlib import Path

    from factories import make_context, make_metrics
    from pipeline.pages import browser_training_context as page
    from pipeline.pages import render

    root = Path(__file__).resolve().parents[1]
    metrics = make_metrics()
    arch = {"input_shape": [28, 28], "layers": [
        {"kind": "Flatten", "name": "flatten", "units": 784},
        {"kind": "Dense", "name": "dense", "units": 128, "activation": "relu", "weights": "W1", "bias": "b1"},
        {"kind": "Dense", "name": "dense_1", "units": 10, "activation": "softmax", "weights": "W2", "bias": "b2"}]}
    live = {"train_count": 5000, "test_count": 1000, "train_per_class": 500, "test_per_class": 100,
            "sizes": {"donnees.js": 3_500_000, "reseau.js": 900}, "raw_image_bytes": 4_704_000,
            "architecture": arch, "validation_fraction": 0.1, "architecture_record": False,
            "defaults": {"epochs": 20, "batch_size": 32, "learning_rate": 0.001, "hidden_units": 128, "patience": 3,
                         "restore_best_weights": True, "monitor": "val_loss", "train_images": 5000}}
    tfjs = {"version": "4.22.0", "packages": [{"name": "@tensorflow/tfjs", "integrity": "sha512-x", "url": "u"}],
            "sizes": {"tf.es2017.min.js": 1_105_894, "LICENSE.txt": 11_358}}
    context = make_context()
    raw = experiments(metrics["params"], context["run"]["key"]) if experiments else None
    context["browser_training"] = page.build(live, tfjs, metrics, raw, context["run"]["key"])
    env = render.make_environment(root / "templates", root, "site")
    return render.render_template(env, "entrainer.md.jinja", context)


def measured(params: dict, key: str) -> dict:
    """artifacts/experiments.json as `make experiences` writes it, for the three questions the page cites."""
    from pipeline.experiments.questions import SCHEMA

    def variant(vid, reference, test, val=0.88):
        return {"id": vid, "label": vid, "reference": reference, "test_accuracy": {"mean": test},
                "val_accuracy": {"mean": val}, "epochs_run": {"mean": 7.3}, "seconds": {"mean": 12.0}}
    questions = [{"id": q, "seeds": [1, 2, 3], "variants": [variant(ref, True, 0.876), variant(other, False, t)]}
                 for q, ref, other, t in (("taux", "x1", "x10", 0.851), ("lot", "b32", "b512", 0.869),
                                          ("largeur", "n128", "n32", 0.861))]
    return {"schema": SCHEMA, "base_params": params, "base_key": key, "questions": questions}


def test_without_experiments_the_page_says_make_experiences_measures_them():
    text = page_text()
    assert "`make experiments`" in text and "cette construction rapide du site ne l'a pas fait" in text
    assert "Mesuré avec Keras" not in text
    assert "5\u00a0000 images du jeu d'entraînement" in text and "**jeu de test** (100 par classe)" in text
    assert "apprend ici sur 4\u00a0500 images" in text
    assert "141 mises à jour par\népoque en lots de 32 et 9 en lots de 512" in text  # 4 500 images


def test_with_experiments_each_change_sits_beside_what_keras_measured():
    text = page_text(measured)
    assert "cette construction rapide" not in text
    assert "exactitude de test 85,1\u00a0% contre 87,6\u00a0%" in text  # learning rate × 10
    assert "exactitude de test 86,9\u00a0% contre 87,6\u00a0%" in text  # lots de 512
    assert "Keras n'a pas été essayé avec 16 neurones\u00a0: la mesure la plus proche est celle de 32 neurones" in text
