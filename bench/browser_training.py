"""Benchmark (not a test): seconds per epoch of the « Entraîner » page in headless Chromium, default settings.

Serves the built site (run `make report` first), opens entrainer.html in Debian's Chromium and
trains the page's own code with its default settings (lots of 32, Adam, the run's network) on
10 000 training images (the exported subset repeated: speed does not depend on which images),
plus the usual 10 % for validation. Writes bench/results/entrainer.json and prints one line per
epoch; the issue's target is at most 3 s per epoch on a 2-core machine.

    .venv/bin/python -m bench.browser_training [--epochs 3] [--images 10000] [--cpu]
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import statistics
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = "/usr/bin/chromium"
TARGET_SECONDS = 3.0  # the target for 10 000 images per epoch


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# Repeat the exported images (blocks of ten, one per class) until `total` images, then train on them.
TILE = """(total) => {
  const t = window.entrainer.state.data.train, pixels = t.images.length / t.count;
  const images = new Uint8Array(total * pixels), labels = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const j = i % t.count;
    images.set(t.images.subarray(j * pixels, (j + 1) * pixels), i * pixels);
    labels[i] = t.labels[j];
  }
  window.entrainer.state.data.train = { images, labels, count: total };
}"""


def with_validation(images: int, fraction: float) -> int:
    """The smallest count, in blocks of ten, whose training part (validation blocks aside) is `images`."""
    def val(n: int) -> int:
        return 10 * sum(1 for k in range(n // 10) if int((k + 1) * fraction + 1e-9) > int(k * fraction + 1e-9))
    return next(n for n in range(images, 3 * images, 10) if n - val(n) >= images)


def measure(epochs: int, images: int, cpu: bool) -> dict:
    from playwright.sync_api import sync_playwright

    site = ROOT / "site"
    if not (site / "entrainer.html").exists():
        raise SystemExit("site/entrainer.html absent : lancez d'abord « make report ».")
    server, url = serve(site)
    load_before = os.getloadavg()[0]  # a shared machine: the load says how much to trust the figure
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            if cpu:
                page.route("**/tfjs-backend-wasm-simd.wasm.js", lambda route: route.abort())
            page.goto(url + "entrainer.html")
            page.wait_for_function("window.entrainer && window.entrainer.state.ready", timeout=120_000)
            fraction = page.evaluate("window.entrainer.state.network.validation_fraction")
            total = with_validation(images, fraction)
            page.evaluate(TILE, total)
            page.fill("#entrainer-epoques-max", str(epochs))
            page.fill("#entrainer-patience", str(epochs))  # no early stop: every epoch is measured
            started = time.perf_counter()
            page.evaluate(f"window.entrainer.start({{ trainImages: {total} }})")
            page.wait_for_function("window.entrainer.state.attempts.length === 1", timeout=epochs * 120_000)
            wall = time.perf_counter() - started
            run = page.evaluate("(() => { const r = window.entrainer.state.attempts[0]; return { epochs: r.epochs, "
                                "train: r.trainCount, val: r.valCount, backend: r.backend, settings: r.settings, "
                                "test: r.test }; })()")
            browser.close()
    finally:
        server.shutdown()
    seconds = [e["seconds"] for e in run["epochs"]]
    steady = seconds[1:] or seconds  # the first epoch includes the WebAssembly warm-up
    return {"backend": run["backend"], "train_images": run["train"], "validation_images": run["val"],
            "batch_size": run["settings"]["batchSize"], "learning_rate": run["settings"]["learningRate"],
            "hidden_units": run["settings"]["hiddenUnits"], "epoch_seconds": seconds,
            "seconds_per_epoch": statistics.median(steady), "wall_seconds": wall,
            "val_accuracy": [e["val_acc"] for e in run["epochs"]], "target_seconds": TARGET_SECONDS,
            "chromium": CHROMIUM, "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)], "cores": os.cpu_count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--images", type=int, default=10_000, help="images d'entraînement (hors validation)")
    parser.add_argument("--cpu", action="store_true", help="sans le moteur WebAssembly (JavaScript pur)")
    args = parser.parse_args()
    result = measure(args.epochs, args.images, args.cpu)
    for k, s in enumerate(result["epoch_seconds"], start=1):
        print(f"époque {k} : {s:.2f} s (exactitude de validation {result['val_accuracy'][k - 1]:.3f})")
    verdict = "atteint" if result["seconds_per_epoch"] <= TARGET_SECONDS else "manqué"
    print(f"{result['backend']} : {result['seconds_per_epoch']:.2f} s par époque pour {result['train_images']} images "
          f"(lots de {result['batch_size']}) ; objectif ≤ {TARGET_SECONDS:g} s : {verdict} "
          f"(charge de la machine {result['load_average'][0]:.1f} → {result['load_average'][1]:.1f}, {result['cores']} cœurs)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "entrainer-cpu.json" if args.cpu else "entrainer.json"
    (RESULTS / name).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
