"""Shared fixtures: a small synthetic dataset and one real end-to-end build in a temporary folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from builds import E2E_EPOCHS, add_recorded_experiments, copy_project, run_report, set_param  # noqa: E402


@pytest.fixture(scope="session")
def keras_home(tmp_path_factory) -> Path:
    """An empty Keras cache: the first build fills it from the local mirror (Debian's package)."""
    return tmp_path_factory.mktemp("keras")


@pytest.fixture(scope="session")
def built_project(tmp_path_factory, keras_home) -> Path:
    """One real build (real Fashion-MNIST, few epochs) shared by the end-to-end and browser tests.

    With a recorded sweep in artifacts/ (tests/fixtures/), so that every page of the nav is built,
    Expériences and Variabilité included, and checked by the browser and accessibility tests.
    """
    root = copy_project(tmp_path_factory.mktemp("projet"))
    set_param(root, "epochs: 20", f"epochs: {E2E_EPOCHS}")
    add_recorded_experiments(root)
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture
def tiny_images():
    """Forty 28x28 uint8 images, four per class, each class with its own brightness pattern."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 4)
    images = rng.integers(0, 40, size=(40, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, label * 2: label * 2 + 6, :] = 200  # a class-specific bright band
    return images, labels
