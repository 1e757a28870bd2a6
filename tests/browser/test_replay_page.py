"""« Rejouer l'apprentissage » in Chromium: every snapshot's JavaScript probabilities are Keras's on its weights."""
import json

import numpy as np
import pytest

from pipeline.common import architecture
from pipeline.publish import demo, replay
from pipeline.training import trajectory

READY = "window.rejouer && window.rejouer.ready"
BOUND = 0.01  # the bound between the page's probabilities and Keras's on the float32 weights


@pytest.fixture(scope="module")
def run(built_project, site_dir):
    """The run's float32 trajectory, its architecture, the Démo's sample and the page's data, decoded."""
    (run_dir,) = [p for p in (built_project / "artifacts" / "runs").iterdir() if not p.name.startswith(".")]
    record = json.loads((run_dir / trajectory.FILE_JSON).read_text(encoding="utf-8"))
    stacked = dict(np.load(run_dir / trajectory.FILE_WEIGHTS))
    sample = demo.read_data_script(site_dir / "demo" / "data" / "images.js")
    payload = demo.read_data_script(site_dir / "rejouer" / "data" / replay.DATA_FILE)
    return {"record": record, "stacked": stacked, "arch": architecture.read(run_dir), "sample": sample,
            "payload": payload, "pixels": demo.decode_array(sample["images"]).reshape(100, -1).astype(np.float32) / 255}


def float32_forward(arch, stacked, k, pixels):
    """Keras's arithmetic in NumPy: float32 matrix products, ReLU and softmax (checked against Keras below)."""
    x = pixels
    for index, layer in enumerate(arch.dense, start=1):
        kernel, bias = architecture.weight_names(index)
        x = x @ stacked[kernel][k] + stacked[bias][k]
        x = np.maximum(x, 0) if layer.activation == "relu" else x
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def open_replay(page, url):
    page.goto(url)
    page.wait_for_function(READY, timeout=30_000)


def index_of(record, updates):
    return next(i for i, s in enumerate(record["snapshots"]) if s["updates"] == updates)


def test_every_snapshot_gives_keras_probabilities_within_one_hundredth(page, site_url, run):
    open_replay(page, site_url + "rejouer.html")
    count = page.evaluate("window.rejouer.count")
    assert count == len(run["payload"]["snapshots"]) >= 3
    worst = {}
    for k in range(count):
        updates = page.evaluate(f"window.rejouer.snapshot({k}).updates")
        ours = np.array(page.evaluate(f"window.rejouer.probabilities({k})"))
        reference = float32_forward(run["arch"], run["stacked"], index_of(run["record"], updates), run["pixels"])
        worst[updates] = float(np.abs(ours - reference).max())
        assert worst[updates] < BOUND, (updates, worst[updates])
        assert (ours.argmax(axis=1) == reference.argmax(axis=1)).sum() >= 99, updates
    print("max |JS − Keras| per snapshot:", {u: f"{d:.2g}" for u, d in worst.items()})
    assert page.errors == []


def test_the_numpy_reference_is_keras_itself(run):
    import tensorflow as tf

    arch, stacked = run["arch"], run["stacked"]
    k = index_of(run["record"], run["record"]["snapshots"][1]["updates"])  # a snapshot inside the first epoch
    model = tf.keras.Sequential([tf.keras.Input((arch.inputs,))] +
                                [tf.keras.layers.Dense(layer.units, activation=layer.activation) for layer in arch.dense])
    model.set_weights([stacked[name][k] for index in range(1, len(arch.dense) + 1)
                       for name in architecture.weight_names(index)])
    keras = model.predict(run["pixels"], verbose=0)
    assert np.abs(keras - float32_forward(arch, stacked, k, run["pixels"])).max() < 1e-5


def test_before_any_update_the_images_are_right_at_chance_level(page, site_url, run):
    open_replay(page, site_url + "rejouer.html")
    assert page.evaluate("window.rejouer.snapshot(0).updates") == 0
    right = int(page.get_attribute("#rejouer-phrase", "data-justes"))
    labels = np.array(run["sample"]["labels"])
    assert right == int((np.array(page.evaluate("window.rejouer.probabilities(0)")).argmax(axis=1) == labels).sum())
    assert right < 30
    assert page.locator("#rejouer-galerie .demo-vignette.rejouer-juste").count() == right
    assert page.locator("#rejouer-galerie .demo-vignette.demo-erreur").count() == 100 - right
    assert page.inner_text("#rejouer-phrase").startswith(f"Avant la première mise à jour des poids\u00a0: {right} des 100")


def test_the_kept_epoch_gives_exactly_the_demo_classes(page, site_url, run):
    open_replay(page, site_url + "rejouer.html")
    payload = run["payload"]
    kept = payload["kept_epoch"] * payload["updates_per_epoch"]
    k = next(i for i, s in enumerate(payload["snapshots"]) if s["updates"] == kept)
    ours = np.array(page.evaluate(f"window.rejouer.probabilities({k})"))
    keras = demo.decode_array(run["sample"]["keras"])  # model.predict of the lesson's run, as the Démo shows
    assert np.array_equal(ours.argmax(axis=1), keras.argmax(axis=1))
    assert np.abs(ours - keras).max() < BOUND
    # The test score only there; validation scores everywhere.
    assert [("test_accuracy" in s) for s in payload["snapshots"]] == [s["updates"] == kept for s in payload["snapshots"]]
    assert all("val_loss" in s and "val_accuracy" in s for s in payload["snapshots"])
    page.evaluate(f"window.rejouer.show({k})")
    assert "dont le rapport et la Démo utilisent les poids" in page.inner_text("#rejouer-phrase")


def test_keyboard_play_and_pause_without_autoplay(page, site_url):
    page.emulate_media(reduced_motion="reduce")
    open_replay(page, site_url + "rejouer.html")
    page.wait_for_timeout(1500)
    assert page.evaluate("window.rejouer.state.k") == 0, "la page ne doit pas se lancer seule"
    assert page.get_attribute("#rejouer-phrase", "aria-live") == "polite"
    assert page.evaluate("getComputedStyle(document.querySelector('.demo-barre')).transitionDuration") in ("0s", "1e-05s")
    page.focus("#rejouer-curseur")
    first = page.inner_text("#rejouer-moment")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("window.rejouer.state.k === 1")
    assert page.inner_text("#rejouer-moment") != first
    assert page.get_attribute("#rejouer-curseur", "aria-valuetext") == page.inner_text("#rejouer-moment")
    page.keyboard.press("End")
    page.wait_for_function("window.rejouer.state.k === window.rejouer.count - 1")
    page.click("#rejouer-lecture")  # from the last snapshot, playing starts again at the first
    assert page.get_attribute("#rejouer-lecture", "aria-pressed") == "true"
    assert page.get_attribute("#rejouer-phrase", "aria-live") == "off"
    page.wait_for_function("window.rejouer.state.k === 1", timeout=10_000)
    page.keyboard.press("Tab")
    page.click("#rejouer-lecture")
    assert page.get_attribute("#rejouer-lecture", "aria-pressed") == "false"
    assert page.inner_text("#rejouer-lecture") == "Lecture"
    assert page.get_attribute("#rejouer-phrase", "aria-live") == "polite"
    assert page.errors == []


def test_choosing_an_image_shows_its_bars(page, site_url):
    open_replay(page, site_url + "rejouer.html")
    page.evaluate("window.rejouer.show(window.rejouer.count - 1)")
    page.click('#rejouer-galerie .demo-vignette[data-i="42"]')
    p = np.array(page.evaluate("window.rejouer.probabilities(window.rejouer.count - 1)[42]"))
    texts = page.locator("#rejouer-barres .demo-valeur").all_text_contents()
    shown = np.array([float(t.removesuffix("\u00a0%").replace(",", ".")) for t in texts])
    assert np.abs(shown - 100 * p).max() <= 0.051
    assert page.locator("#rejouer-barres li.demo-predite").get_attribute("data-classe") == str(p.argmax())


def test_the_page_works_from_the_disk_and_prints_fixed_frames(page, site_dir):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((site_dir / "rejouer.html").as_uri())
    page.wait_for_function(READY, timeout=30_000)
    assert page.locator("#rejouer-galerie .demo-vignette").count() == 100
    assert [url for url in failed if "/search/" not in url] == []
    assert [e for e in page.errors if "/search/" not in e and "Failed to load resource" not in e] == []
    assert not page.is_visible(".rejouer-impression img")
    page.emulate_media(media="print")
    assert page.is_visible(".rejouer-impression img") and not page.is_visible("#rejouer")
    assert page.evaluate("document.querySelector('.rejouer-impression img').naturalWidth") > 300


def test_the_page_adds_at_most_four_megabytes(site_dir):
    files = [f"rejouer/data/{replay.DATA_FILE}", f"rejouer/{replay.PRINT_FIGURE}", "rejouer.html",
             "assets/reseau.js", "assets/rejouer.js", "assets/rejouer.css"]
    assert sum((site_dir / name).stat().st_size for name in files) <= replay.SITE_BUDGET
