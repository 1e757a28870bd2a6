"""The « Entraîner dans le navigateur » page in Chromium: TensorFlow.js trains the run's network, offline, and can stop."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.publish import browser_training, demo

NB = "\u00a0"
READY = "window.entrainer && window.entrainer.state.ready"
DONE = "window.entrainer.state.attempts.length >= {n} && !window.entrainer.state.running"


@pytest.fixture(scope="module")
def exported(site_dir):
    """The page's data as Python reads it: the network file and the subset's labels."""
    data = site_dir / "entrainer" / "data"
    return browser_training.read_script(data / "reseau.js"), browser_training.read_script(data / "donnees.js")


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, timeout=60_000)


def train(page, n: int, **fields) -> dict:
    """Fill the settings (field id suffix → text), click Démarrer, wait for attempt n; its record."""
    for suffix, text in fields.items():
        page.fill(f"#entrainer-{suffix}", str(text))
    page.click("#entrainer-demarrer")
    page.wait_for_function(DONE.format(n=n), timeout=240_000)
    return page.evaluate(f"(() => {{ const r = window.entrainer.state.attempts[{n - 1}]; return {{"
                         "epochs: r.epochs, test: r.test, stopped: r.stopped, trainCount: r.trainCount, "
                         "valCount: r.valCount, totalUpdates: r.totalUpdates, trainPoints: r.trainPoints.length, "
                         "backend: r.backend }; })()")


def expected_split(fraction: float, images: int) -> tuple[int, int]:
    """Training and validation counts by the Python rule (pipeline/publish/browser_training.py)."""
    val = 10 * int(browser_training.validation_blocks(images // 10, fraction).sum())
    return images - val, val


def test_one_epoch_on_the_default_subset_learns_and_counts_one_update_per_batch(page, site_url, site_dir, exported):
    network, data = exported
    open_page(page, site_url + "entrainer.html")
    assert page.get_attribute("#entrainer-moteur", "data-moteur") == "wasm"
    images = network["defaults"]["train_images"]
    n_train, n_val = expected_split(network["validation_fraction"], images)
    assert (n_train, n_val) == (4500, 500)

    run = train(page, 1, **{"epoques-max": 1, "lot": 32})
    (epoch,) = run["epochs"]
    assert (run["trainCount"], run["valCount"]) == (n_train, n_val)
    assert epoch["val_acc"] > 0.70, epoch
    assert epoch["updates"] == math.ceil(n_train / 32) == 141
    assert run["trainPoints"] > 1  # the training curve moved during the first epoch, not only at its end
    assert 0.6 < run["test"]["accuracy"] <= 1.0
    # The epoch table and the attempts table show this run, in French.
    row = page.locator("#entrainer-epoques tbody tr").first.inner_text()
    assert "141" in row and f"{NB}%" in row
    attempts = page.locator("#entrainer-essais tbody tr")
    assert attempts.count() == 2 and "Keras" in attempts.nth(0).inner_text()
    assert f"{NB}s par époque)" in page.inner_text("#entrainer-keras-duree")  # from entrainer/data/duree.js
    assert "lots de 32" in attempts.nth(1).inner_text()
    assert "WebAssembly" in attempts.nth(1).inner_text()

    # The network just trained answers on the Démo's 100 images, beside Keras's (counted here in Python).
    sample = demo.read_data_script(site_dir / "demo" / "data" / "images.js")
    keras_correct = int((demo.decode_array(sample["keras"]).argmax(axis=1) == np.array(sample["labels"])).sum())
    counts = page.evaluate("window.entrainer.state.attempts[0].demo")
    assert counts["keras"] == keras_correct and 50 <= counts["ours"] <= 100
    assert f"classe correctement {counts['ours']} des 100 images de la Démo" in page.inner_text("#entrainer-demo-resultat")
    assert page.locator("#entrainer-demo-classes tbody tr").count() == 10

    run = train(page, 2, **{"lot": 512})
    assert [e["updates"] for e in run["epochs"]] == [math.ceil(n_train / 512)] == [9]
    assert page.locator("#entrainer-essais tbody tr").count() == 3  # every attempt kept
    assert page.errors == []


def test_javascript_split_keeps_classes_balanced_and_matches_python(page, site_url, exported):
    network, data = exported
    open_page(page, site_url + "entrainer.html")
    labels = np.array(data["train"]["labels"])
    for images in (1000, 2300, 5000):
        split = page.evaluate(f"(() => {{ const s = window.entrainer.split(window.entrainer.state.data.train, {images}, "
                              f"{network['validation_fraction']}); return [Array.from(s.train.labels), "
                              "Array.from(s.val.labels)]; })()")
        n_train, n_val = expected_split(network["validation_fraction"], images)
        assert (len(split[0]), len(split[1])) == (n_train, n_val)
        assert np.bincount(split[1], minlength=10).tolist() == [n_val // 10] * 10
        assert sorted(split[0] + split[1]) == sorted(labels[:images].tolist())


def test_keras_weights_in_tensorflow_js_give_keras_probabilities(page, site_url, site_dir):
    open_page(page, site_url + "entrainer.html")
    ours = np.array(page.evaluate("window.entrainer.kerasProbabilities()"))
    sample = demo.read_data_script(site_dir / "demo" / "data" / "images.js")
    keras = demo.decode_array(sample["keras"])
    assert ours.shape == keras.shape == (100, 10)
    assert np.abs(ours - keras).max() < 1e-4
    page.click("#entrainer-keras")
    page.wait_for_function("document.querySelector('#entrainer-keras-resultat').textContent.includes('exactitude')")
    text = page.inner_text("#entrainer-keras-resultat")
    assert "100 images de la Démo" in text and f"1{NB}000 images de test" in text
    assert page.errors == []


def test_stop_interrupts_within_one_batch_and_the_page_stays_usable(page, site_url):
    open_page(page, site_url + "entrainer.html")
    page.fill("#entrainer-epoques-max", "50")
    page.fill("#entrainer-patience", "50")
    page.click("#entrainer-demarrer")
    page.wait_for_function("window.entrainer.state.run && window.entrainer.state.run.totalUpdates > 30", timeout=60_000)
    assert page.is_enabled("#entrainer-arreter") and not page.is_enabled("#entrainer-demarrer")
    page.click("#entrainer-arreter")
    page.wait_for_function(DONE.format(n=1), timeout=30_000)
    state = page.evaluate("(() => { const s = window.entrainer.state; const r = s.attempts[0]; return "
                          "{ stopped: r.stopped, epochs: r.epochs.length, total: r.totalUpdates, at: s.stopRequestedAt }; })()")
    assert state["stopped"] and state["epochs"] < 50
    assert state["total"] - state["at"] <= 1  # at most the batch that was running when Stop was handled
    assert "arrêté à votre demande" in page.inner_text("#entrainer-etat")
    assert "(arrêté)" in page.locator("#entrainer-essais tbody tr").nth(1).inner_text()
    # Usable again: a new attempt runs to its end.
    run = train(page, 2, **{"epoques-max": 1})
    assert len(run["epochs"]) == 1 and not run["stopped"]
    assert page.errors == []


def test_a_setting_out_of_range_is_explained_in_french_and_nothing_starts(page, site_url):
    open_page(page, site_url + "entrainer.html")
    page.fill("#entrainer-lot", "0")
    page.fill("#entrainer-taux", "0,5x")
    page.click("#entrainer-demarrer")
    summary = page.locator("#entrainer-erreurs")
    assert summary.is_visible()
    text = summary.inner_text()
    assert f"La taille de lot doit être compris entre 1 et 1{NB}024" in text
    assert "Le taux d'apprentissage n'est pas un nombre" in text
    assert page.get_attribute("#entrainer-lot", "aria-invalid") == "true"
    assert page.evaluate("window.entrainer.state.running") is False
    assert page.evaluate("window.entrainer.state.run") is None
    page.fill("#entrainer-lot", "32")
    page.fill("#entrainer-taux", "0,001")
    page.fill("#entrainer-epoques-max", "1")
    page.click("#entrainer-demarrer")
    page.wait_for_function(DONE.format(n=1), timeout=120_000)
    assert not summary.is_visible() and page.get_attribute("#entrainer-lot", "aria-invalid") is None


def test_from_file_the_page_trains_and_names_its_backend(page, site_dir):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((site_dir / "entrainer.html").as_uri())
    page.wait_for_function(READY, timeout=60_000)
    assert "WebAssembly" in page.inner_text("#entrainer-moteur")
    run = train(page, 1, **{"epoques-max": 1})
    assert run["backend"].startswith("WebAssembly") and run["epochs"][0]["val_acc"] > 0.7
    # Only Material's search index is out of reach under file://; every file of the page loaded.
    assert [url for url in failed if "/search/" not in url] == []
    assert [e for e in page.errors if "/search/" not in e and "Failed to load resource" not in e] == []


def test_no_request_leaves_the_site(page, site_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_page(page, site_url + "entrainer.html")
    train(page, 1, **{"epoques-max": 1, "lot": 512})
    assert requests, "aucune requête observée"
    outside = [url for url in requests if not url.startswith((site_url, "blob:", "data:"))]
    assert outside == []
    assert any(url.endswith("vendor/tfjs/tf.es2017.min.js") for url in requests)


def test_without_the_webassembly_file_the_page_falls_back_to_the_cpu_and_says_so(page, site_url):
    page.route("**/tfjs-backend-wasm-simd.wasm.js", lambda route: route.abort())
    page.goto(site_url + "entrainer.html")
    page.wait_for_function(READY, timeout=60_000)
    assert page.get_attribute("#entrainer-moteur", "data-moteur") == "cpu"
    text = page.inner_text("#entrainer-moteur")
    assert "JavaScript pur (CPU)" in text and "moteur rapide n'a pas pu se charger" in text


def test_without_its_data_the_page_says_so_and_cannot_start(page, site_url):
    page.route("**/entrainer/data/donnees.js", lambda route: route.abort())
    page.goto(site_url + "entrainer.html")
    page.wait_for_function("document.querySelector('#entrainer-moteur').classList.contains('entrainer-probleme')")
    assert "données d'entraînement n'ont pas pu être chargées" in page.inner_text("#entrainer-moteur")
    assert not page.is_enabled("#entrainer-demarrer")


def test_the_model_follows_the_architecture_record_with_two_hidden_layers(page, site_url):
    open_page(page, site_url + "entrainer.html")
    layers = page.evaluate("""(() => {
      const arch = { input_shape: [28, 28], layers: [
        { kind: "Flatten", name: "flatten", units: 784 },
        { kind: "Dense", name: "dense", units: 64, activation: "relu" },
        { kind: "Dense", name: "dense_1", units: 32, activation: "relu" },
        { kind: "Dropout", name: "dropout", rate: 0.2 },
        { kind: "Dense", name: "dense_2", units: 10, activation: "softmax" }] };
      const model = window.entrainer.buildModel(arch, 16);  // 16 replaces the first hidden layer's 64
      const out = model.layers.map((l) => [l.getClassName(), l.units || null,
                                           l.activation ? l.activation.getClassName() : null, l.rate ?? null]);
      model.dispose();
      return out;
    })()""")
    assert layers == [["Flatten", None, None, None], ["Dense", 16, "relu", None], ["Dense", 32, "relu", None],
                      ["Dropout", None, None, 0.2], ["Dense", 10, "softmax", None]]
