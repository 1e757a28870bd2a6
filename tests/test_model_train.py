"""The seed's network and its training loop, on a few dozen synthetic images."""
import numpy as np
import pytest

from pipeline.config import params_from_dict
from pipeline.data import normalise


@pytest.fixture(scope="module")
def tf():
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow
    return tensorflow


def test_layers_and_parameter_counts_are_the_seeds(tf):
    from pipeline.model import build_model, layer_summary

    model = build_model(params_from_dict({"jit_compile": False}))
    rows = layer_summary(model)
    assert [r["kind"] for r in rows] == ["Flatten", "Dense", "Dense"]
    assert [r["params"] for r in rows] == [0, 784 * 128 + 128, 128 * 10 + 10]
    assert model.count_params() == 101770
    assert model.layers[1].activation.__name__ == "relu"
    assert model.layers[2].activation.__name__ == "softmax"
    assert model.loss == "sparse_categorical_crossentropy"


def test_training_returns_history_and_where_it_stopped(tf, tiny_images):
    from pipeline.model import build_model
    from pipeline.train import train

    images, labels = tiny_images
    x = normalise(images)
    params = params_from_dict({"epochs": 4, "batch_size": 8, "steps_per_execution": 1, "jit_compile": False,
                               "early_stopping": {"patience": 10}})
    tf.keras.utils.set_random_seed(0)
    result = train(build_model(params), x, labels, x[:20], labels[:20], params)
    assert set(result["history"]) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert result["epochs_run"] == 4 and not result["stopped_early"]
    assert len(result["epoch_seconds"]) == 4
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]  # it learns the bright bands
    assert 1 <= result["best_epoch"] <= 4


def test_early_stopping_stops_when_validation_stops_improving(tf, tiny_images):
    from pipeline.model import build_model
    from pipeline.train import train

    images, labels = tiny_images
    x = normalise(images)
    noise = np.random.default_rng(1).random(x.shape).astype("float32")  # validation the net cannot learn
    params = params_from_dict({"epochs": 30, "batch_size": 8, "steps_per_execution": 1, "jit_compile": False,
                               "early_stopping": {"patience": 0}})
    tf.keras.utils.set_random_seed(0)
    result = train(build_model(params), x, labels, noise, labels[::-1].copy(), params)
    assert result["stopped_early"] and result["epochs_run"] < 30
