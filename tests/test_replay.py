"""The replay's export (pipeline/publish/replay.py): quantisation, the size budget, what each snapshot carries."""
import numpy as np
import pytest

from pipeline.common import architecture
from pipeline.common.errors import PipelineError
from pipeline.pages import replay_context
from pipeline.publish import demo, replay

PER_EPOCH = 100


def small_network():
    layers = (architecture.Layer("Flatten", "flatten", 784),
              architecture.Layer("Dense", "dense", 16, "relu", inputs=784, params=784 * 16 + 16),
              architecture.Layer("Dense", "dense_1", 10, "softmax", inputs=16, params=16 * 10 + 10))
    return architecture.Architecture((28, 28), layers)


def small_trajectory(epochs=4, seed=0):
    """A made-up trajectory: weights drifting from random towards a fixed direction, scores per snapshot."""
    rng = np.random.default_rng(seed)
    updates = [0, 8, 16, 32, 64] + [PER_EPOCH * e for e in range(1, epochs + 1)]
    start = {"W1": rng.normal(0, 0.05, (784, 16)), "b1": np.zeros(16), "W2": rng.normal(0, 0.3, (16, 10)),
             "b2": np.zeros(10)}
    end = {name: value + rng.normal(0, 0.1, value.shape) for name, value in start.items()}
    stacked = {name: np.stack([(start[name] + (end[name] - start[name]) * min(1, u / (PER_EPOCH * epochs)))
                               .astype(np.float32) for u in updates]) for name in start}
    snapshots = [{"updates": u, "epoch": round(u / PER_EPOCH, 4), "val_loss": 2.0 / (1 + u / 50),
                  "val_accuracy": min(0.9, 0.1 + u / 200)} for u in updates]
    for s in snapshots:
        if s["updates"] and s["updates"] % PER_EPOCH == 0:
            s.update(test_loss=s["val_loss"] + 0.01, test_accuracy=s["val_accuracy"] - 0.01)
    history = {key: [0.5] * epochs for key in ("loss", "val_loss", "accuracy", "val_accuracy")}
    record = {"history": history, "snapshots": snapshots, "updates_per_epoch": PER_EPOCH}
    images = rng.integers(0, 256, (100, 28, 28)).astype(np.uint8)
    labels = np.repeat(np.arange(10), 10)
    return stacked, record, images, labels


@pytest.mark.parametrize("bits, dtype, size", [(8, "int8", 1), (16, "int16", 2)])
def test_quantising_round_trips_within_half_a_step(bits, dtype, size):
    array = np.random.default_rng(1).normal(0, 0.2, (784, 16)).astype(np.float32)
    entry = replay.quantise(array, bits)
    assert entry["dtype"] == dtype and entry["shape"] == [784, 16]
    assert len(demo.decode_array(entry).tobytes()) == array.size * size
    back = replay.dequantise(entry)
    assert back.dtype == np.float32
    assert np.abs(back - array).max() <= entry["scale"] / 2 + np.abs(array).max() * 1e-6  # + float32 rounding
    assert entry["scale"] == pytest.approx(np.abs(array).max() / (2 ** (bits - 1) - 1))


def test_an_all_zero_tensor_stays_zero():
    assert not replay.dequantise(replay.quantise(np.zeros((3, 2), np.float32), 8)).any()


def test_every_snapshot_fits_the_budget_and_keeps_its_classes():
    stacked, record, images, labels = small_trajectory()
    payload, facts = replay.build_payload(small_network(), stacked, record, 2, images, labels)
    assert facts["shipped"] == facts["recorded"] == len(record["snapshots"]) and facts["dropped"] == 0
    assert facts["max_quantisation_error"] <= replay.TOLERANCE
    pixels = images.reshape(100, -1) / 255.0
    content = demo.data_script(replay.DATA_GLOBAL, "test", payload)
    for k, snapshot in enumerate(replay.decode_payload(content)["snapshots"]):
        exact = architecture.forward(small_network(), {n: stacked[n][k] for n in stacked}, pixels).probabilities
        ours = architecture.forward(small_network(), snapshot["weights"], pixels).probabilities
        assert np.abs(ours - exact).max() <= replay.TOLERANCE
        assert np.array_equal(ours.argmax(axis=1), exact.argmax(axis=1))
        assert snapshot["right"] == int((exact.argmax(axis=1) == labels).sum())


def test_the_test_score_is_shipped_at_the_kept_epoch_only():
    stacked, record, images, labels = small_trajectory()
    payload, _ = replay.build_payload(small_network(), stacked, record, 3, images, labels)
    with_test = [s["updates"] for s in payload["snapshots"] if "test_accuracy" in s]
    assert with_test == [3 * PER_EPOCH]
    assert all("val_loss" in s and "val_accuracy" in s for s in payload["snapshots"])


def test_a_small_budget_keeps_fewer_snapshots_and_says_so():
    stacked, record, images, labels = small_trajectory(epochs=8)
    full, _ = replay.build_payload(small_network(), stacked, record, 3, images, labels)
    one = max(replay.encoded_bytes(s["layers"]) for s in full["snapshots"])
    payload, facts = replay.build_payload(small_network(), stacked, record, 3, images, labels, budget=10 * one)
    kept = [s["updates"] for s in payload["snapshots"]]
    assert facts["dropped"] > 0 and facts["shipped"] == len(kept)
    assert sum(replay.encoded_bytes(s["layers"]) for s in payload["snapshots"]) <= 10 * one
    # Update 0, the whole first epoch, the kept epoch and the last are always there.
    assert {0, 8, 16, 32, 64, PER_EPOCH, 3 * PER_EPOCH, 8 * PER_EPOCH} <= set(kept)
    assert kept == sorted(kept)
    with pytest.raises(PipelineError):
        replay.build_payload(small_network(), stacked, record, 3, images, labels, budget=one)


def test_the_page_context_says_what_was_dropped_and_is_absent_without_a_trajectory():
    params = {"batch_size": 32, "early_stopping": {"monitor": "val_loss", "restore_best_weights": True}}
    assert replay_context.build({"absent": True}, params, 0) is None
    facts = {"recorded": 26, "shipped": 13, "dropped": 13, "epochs": 20, "kept_epoch": 5, "units": 128,
             "updates_per_epoch": 1688, "first_epoch_updates": [64, 128, 256, 512, 1024], "bits": [8, 16],
             "max_quantisation_error": 0.0022, "raw_float32_bytes": 10_584_080, "data_bytes": 3_405_065,
             "figure_bytes": 90_000, "budget_bytes": 4_000_000, "right": {"0": 16}, "figure_alt": "x",
             "half_right": {"updates": 64, "right": 81}, "wrong_at_end": 12, "wrong_at_end_once_right": 7,
             "right_at_kept": 89, "train_loss_falls": True, "val_loss_kept": 0.33, "val_loss_last": 0.41,
             "val_loss_best_epoch": 5, "same_as_demo": 100}
    context = replay_context.build(facts, params, 20_000)
    assert context["first_updates"] == "64, 128, 256, 512 et 1\u00a0024"
    assert not context["all_shipped"] and context["bits_fr"] == "8 ou 16"
    assert context["updates_per_epoch"] == "1\u00a0688"
    assert context["half_right"]["first"] and context["val_loss_rises"] and context["restores_lowest_loss"]


def test_the_shared_javascript_decodes_quantised_weights_as_numpy_does(tmp_path):
    """assets/reseau.js (Node.js) rebuilds int8 and int16 tensors times their scale exactly as dequantise."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js absent: the browser tests check reseau.js in Chromium")
    array = np.random.default_rng(2).normal(0, 0.3, (50, 7)).astype(np.float32)
    entries = [replay.quantise(array, 8), replay.quantise(array, 16)]
    script = tmp_path / "decode.js"
    script.write_text(
        "globalThis.window = globalThis;\n"
        f"require({json.dumps(str(Path(__file__).parents[1] / 'docs/assets/reseau.js'))});\n"
        f"const entries = {json.dumps(entries)};\n"
        "console.log(JSON.stringify(entries.map((e) => Array.from(window.Reseau.decode(e)))));\n", encoding="utf-8")
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for entry, values in zip(entries, json.loads(result.stdout)):
        assert np.abs(np.array(values, dtype=np.float32) - replay.dequantise(entry).ravel()).max() < 1e-7
