"""The code the step pages' exercises ask students to run, and the point of the lesson where it runs.

A probe is one expression a student types in the notebook after one of the lesson's sections (right
after loading, after the split, after `fit`…), exactly as the page prints it. The training stage runs
it there, in the lesson's names as they stand after that section (pipeline/training/train.py), and
records what it gave in the run's exercises.json; the pages print that value and this code. So
`y_train[0]` after the split is the label of the first image *after* the split, not of the file's first
image. tests/test_exercise_answers.py runs the lesson's sections again, each probe after its section,
and finds the same values on the built pages. No TensorFlow here (and no French: this module is part of
the training's key, and its edits retrain).
"""
from __future__ import annotations

from dataclasses import dataclass

# The sections a probe may follow, in the order the notebook runs them (the lesson file's order).
POINTS = ("load", "distribution", "normalise", "split", "model", "fit")
NARROW_WIDTH = 64  # the model page's exercise: the first hidden layer with 64 neurons


@dataclass(frozen=True)
class Probe:
    id: str  # the name the pages use: exercises[id]
    page: str  # the step page that asks it (mkdocs output name)
    after: str  # the lesson section after which the student runs it (one of POINTS)
    code: str  # a Python expression, as the page prints it
    parameters: tuple = ()  # (name, value) of the notebook's parameters cell changed for this probe


PROBES = (
    # Étape 1: the file's first image, then the first image once the split has shuffled the training set.
    Probe("first_label_loaded", "donnees.md", "load", "y_train[0]"),
    Probe("first_label", "donnees.md", "split", "y_train[0]"),
    Probe("mean_loaded", "donnees.md", "load", "X_train.mean()"),
    Probe("mean_normalised", "donnees.md", "normalise", "X_train.mean()"),
    Probe("counts_loaded", "donnees.md", "distribution", "np.bincount(y_train)"),
    Probe("counts", "donnees.md", "split", "np.bincount(y_train)"),
    Probe("counts_validation", "donnees.md", "split", "np.bincount(y_val)"),
    # Étape 2: the parameters, layer by layer, as model.summary() lists them, and with a narrower layer.
    Probe("params", "modele.md", "model", "model.count_params()"),
    Probe("layer_params", "modele.md", "model", "[layer.count_params() for layer in model.layers]"),
    Probe("params_narrow", "modele.md", "model", "model.count_params()", (("hidden_units", NARROW_WIDTH),)),
    # Étape 3: the images fit() learns from, once the validation set is set aside.
    Probe("fit_images", "entrainement.md", "split", "len(X_train)"),
    # Étape 4: the best epochs of the curves, counted from 1 as Keras's log counts them.
    Probe("best_loss_epoch", "performances.md", "fit", 'int(np.argmin(history.history["val_loss"])) + 1'),
    Probe("best_accuracy_epoch", "performances.md", "fit", 'int(np.argmax(history.history["val_accuracy"])) + 1'),
)


def by_id() -> dict[str, Probe]:
    return {probe.id: probe for probe in PROBES}


def plain(value):
    """A probe's value as JSON holds it: NumPy numbers and arrays become Python's."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def run(probe: Probe, names: dict):
    """Evaluate the probe's code in a copy of the lesson's names at its point (nothing is changed there)."""
    return plain(eval(probe.code, dict(names)))  # noqa: S307 — the project's own expressions, listed above
