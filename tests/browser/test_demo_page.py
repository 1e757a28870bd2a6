"""The Démo page in Chromium: its JavaScript is Keras's network, and picking, drawing and loading all predict."""
import io

import numpy as np
import pytest

from pipeline.publish import demo

NB = "\u00a0"
READY = "window.demo && window.demo.ready"


@pytest.fixture(scope="module")
def exported(site_dir):
    """What the page downloads, decoded in Python: the sample (with Keras's probabilities) and the weights."""
    data = site_dir / "demo" / "data"
    sample = demo.read_data_script(data / "images.js")
    return sample, demo.network_from_payload(demo.read_data_script(data / "poids.js"))


def open_demo(page, url):
    page.goto(url)
    page.wait_for_function(READY, timeout=20_000)


def shown_percentages(page) -> np.ndarray:
    """The ten values printed next to the bars ('85,7 %'), as numbers."""
    texts = page.locator("#demo-barres .demo-valeur").all_text_contents()
    assert len(texts) == 10 and all(t.endswith(f"{NB}%") for t in texts), texts
    return np.array([float(t.removesuffix(f"{NB}%").replace(",", ".")) for t in texts])


def page_pixels(page) -> np.ndarray:
    return np.array(page.evaluate("Array.from(window.demo.state.pixels)"))


def numpy_forward(net, pixels: np.ndarray):
    """Forward pass on pixels already in [0, 1] (drawn or loaded images, not uint8): the first hidden
    layer's outputs and the probabilities."""
    result = demo.forward(*net, pixels.reshape(1, 784) * 255.0)
    return result.outputs[0][0], result.probabilities[0]


def test_javascript_gives_keras_predictions_on_every_exported_image(page, site_url, built_project, exported):
    sample, _ = exported
    open_demo(page, site_url + "demo.html")
    ours = np.array(page.evaluate("window.demo.predictAll().map((p) => Array.from(p))"))
    keras = demo.decode_array(sample["keras"])
    assert ours.shape == keras.shape == (100, 10)
    assert np.array_equal(ours.argmax(axis=1), keras.argmax(axis=1))
    assert np.abs(ours - keras).max() < 1e-4
    # The exported probabilities are those Keras's model.predict wrote for this run's test set.
    (run_dir,) = [p for p in (built_project / "artifacts" / "runs").iterdir() if not p.name.startswith(".")]
    predicted = np.load(run_dir / "predictions.npz")["probabilities"]
    assert np.array_equal(keras, predicted[sample["indices"]])
    assert "même classe que Keras pour 100 sur 100" in page.inner_text("#demo-verification")
    assert page.errors == []


def test_picking_a_test_image_updates_the_bars_and_the_layer_explanation(page, site_url, exported):
    sample, net = exported
    open_demo(page, site_url + "demo.html")
    keras = demo.decode_array(sample["keras"])
    k = int(np.flatnonzero(keras.argmax(axis=1) != keras[0].argmax())[0])  # another answer than the first
    expected = sample["classes"][keras[k].argmax()]
    page.click(f'.demo-vignette[data-k="{k}"]')
    page.wait_for_function(f"document.querySelector('#demo-prediction').textContent.includes('{expected}')")
    assert np.abs(shown_percentages(page) - 100 * keras[k]).max() <= 0.051
    assert page.locator("#demo-barres li.demo-predite").get_attribute("data-classe") == str(keras[k].argmax())
    assert page.locator("#demo-barres li.demo-vraie").get_attribute("data-classe") == str(sample["labels"][k])
    assert page.get_attribute(f'.demo-vignette[data-k="{k}"]', "aria-pressed") == "true"
    hidden = demo.forward(*net, demo.decode_array(sample["images"])[k:k + 1]).outputs[0]
    active = int((hidden > 0).sum())
    assert page.get_attribute("#demo-dense-1", "data-actifs") == str(active)
    assert page.inner_text("#demo-dense-1").startswith(f"{active} neurones sur 128")
    assert f"n°{NB}{sample['indices'][k]} " in page.inner_text("#demo-source")  # an identifier: no thousands space
    assert page.errors == []


def draw(page, strokes):
    """Drag the mouse along each stroke, given in grid cells (0 to 28) of the 28 × 28 canvas."""
    box = page.locator("#demo-grille").bounding_box()
    cell = box["width"] / 28
    for (x0, y0), (x1, y1) in strokes:
        page.mouse.move(box["x"] + x0 * cell, box["y"] + y0 * cell)
        page.mouse.down()
        page.mouse.move(box["x"] + x1 * cell, box["y"] + y1 * cell, steps=15)
        page.mouse.up()


def test_drawing_on_the_grid_feeds_the_network(page, site_url, exported):
    _, net = exported
    open_demo(page, site_url + "demo.html")
    page.click("#demo-effacer")
    page.wait_for_function("document.querySelector('#demo-source').textContent.startsWith('Grille vide')")
    assert page_pixels(page).sum() == 0
    _, empty = numpy_forward(net, np.zeros(784))  # only the biases speak
    assert np.abs(shown_percentages(page) - 100 * empty).max() <= 0.051

    draw(page, [((9.5, 3), (9.5, 25)), ((18.5, 3), (18.5, 25)), ((9.5, 3), (18.5, 3))])  # two legs and a waist
    page.wait_for_function("document.querySelector('#demo-source').textContent === 'Votre dessin'")
    pixels = page_pixels(page).reshape(28, 28)
    assert pixels.min() >= 0 and pixels.max() == 1
    assert pixels[14, 9] == 1 and pixels[14, 18] == 1 and pixels[3, 14] == 1  # on the strokes
    assert pixels[14, 14] == 0 and pixels[27, 0] == 0  # between the legs, in a corner
    hidden, probabilities = numpy_forward(net, pixels)
    result = page.evaluate("({p: Array.from(window.demo.state.result.probabilities),"
                           " h: Array.from(window.demo.state.result.outputs[0])})")
    assert np.abs(np.array(result["p"]) - probabilities).max() < 1e-6
    assert np.abs(np.array(result["h"]) - hidden).max() < 1e-5
    assert np.abs(shown_percentages(page) - 100 * probabilities).max() <= 0.051
    assert page.get_attribute("#demo-dense-1", "data-actifs") == str(int((hidden > 0).sum()))
    assert not np.allclose(probabilities, empty, atol=1e-3)  # the drawing changed the answer
    assert page.errors == []


def trouser_png(background: int, ink: int) -> bytes:
    """A 60 × 90 picture of a trouser (two legs and a waist) in the given gray levels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (60, 90), (background,) * 3)
    pen = ImageDraw.Draw(image)
    pen.rectangle([12, 4, 48, 14], fill=(ink,) * 3)
    pen.rectangle([12, 4, 26, 86], fill=(ink,) * 3)
    pen.rectangle([34, 4, 48, 86], fill=(ink,) * 3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("background, ink, inverted", [(250, 20, True), (5, 230, False)])
def test_an_image_from_the_disk_becomes_28x28_light_on_black(page, site_url, exported, background, ink, inverted):
    _, net = exported
    open_demo(page, site_url + "demo.html")
    with page.expect_file_chooser() as chooser:  # the visible button opens the browser's file dialog
        page.click(".demo-charger")
    chooser.value.set_files(files=[{"name": "pantalon.png", "mimeType": "image/png",
                                    "buffer": trouser_png(background, ink)}])
    page.wait_for_function("document.querySelector('#demo-source').textContent.startsWith('Image chargée')")
    source = page.inner_text("#demo-source")
    assert "60 × 90 px" in source.replace(NB, " ")
    assert ("couleurs inversées" in source) is inverted and ("couleurs gardées" in source) is not inverted
    pixels = page_pixels(page).reshape(28, 28)
    # Longest side (90 px) brought to 28 cells: the 60 px width becomes 18.7 cells, from 4.7 to 23.3;
    # the legs (x 12-26 and 34-48 px) land on cells 8.4-13.1 and 15.2-19.9.
    assert pixels[:, :4].max() < 0.1 and pixels[:, -4:].max() < 0.1  # side margins: black background
    assert pixels[14, 9:13].min() > 0.75 and pixels[14, 16:19].min() > 0.75  # both legs light
    assert pixels[20, 14] < 0.1  # the gap between the legs
    _, probabilities = numpy_forward(net, pixels)
    assert np.abs(shown_percentages(page) - 100 * probabilities).max() <= 0.051
    assert page.errors == []


def test_the_page_also_works_when_opened_from_the_disk(page, site_dir):
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto((site_dir / "demo.html").as_uri())
    page.wait_for_function(READY, timeout=20_000)
    assert "pour 100 sur 100" in page.inner_text("#demo-verification")
    assert page.inner_text("#demo-prediction").startswith("Le réseau répond")
    assert page.locator(".demo-vignette").count() == 100
    # Only Material's search index is out of reach under file://; every demo file loaded.
    assert [url for url in failed if "/search/" not in url] == []
    # (the console's "Failed to load resource" names no URL: the list above says which one it was)
    assert [e for e in page.errors if "/search/" not in e and "Failed to load resource" not in e] == []


def test_demo_assets_fit_one_megabyte_and_only_the_demo_page_loads_them(site_dir):
    files = ["demo/data/poids.js", "demo/data/images.js", "assets/reseau.js", "assets/demo.js", "assets/demo.css"]
    assert sum((site_dir / name).stat().st_size for name in files) <= 1_000_000
    for html in site_dir.glob("*.html"):
        assert ('<script src="assets/demo.js"' in html.read_text(encoding="utf-8")) is (html.name == "demo.html"), html.name
