"""The training stage: run the lesson's code, adding around it (here only) what the pipeline needs.

Every params.yaml value that changes the training reaches it one way only: as an argument of a lesson
function, by name (`lesson_arguments`), exactly as the notebook's parameters cell and the script's options
give it. What the pipeline adds to `pipeline/lesson.py`, in the order it happens:
1. a quiet TensorFlow, its thread pools sized, one seed for Python, NumPy and TensorFlow (training/tensorflow_runtime.py);
2. the lesson's network checked before any training (Flatten first, Dense and Dropout, 10 outputs:
   training/architecture_record.py), and any error of the lesson's code told with its line (training/lesson_errors.py);
3. speed without other arithmetic (SPEED_OPTIONS): `steps_per_execution` and XLA (`jit_compile`) set on
   the compiled model, so the `compile()` students read stays the lesson's;
4. `fit()` given a timer callback and a log-friendly progress mode, by wrapping the model's `fit`
   (the lesson's `callbacks=[early_stop]` stays as printed);
5. the model, its history, its weights and its architecture record saved as soon as `fit` returns
   (a later failure loses no training: the next attempt with the same key reuses it, no second fit);
   then the lesson's step 5 (the test probabilities from `model.predict`, its confusion matrix and
   probability bars) and every other output, plus a
   record of which lesson lines ran, so a test can prove that the pages show code that was executed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np

from pipeline.common import architecture, exercise_code
from pipeline.common.config import Params, lesson_parameter_key, params_from_dict, value_at
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, atomic_write_json, read_json
from pipeline.common.schema import Evaluation, Layer, Metrics, Sizes, TestScores, from_dict, read_metrics, write_metrics
from pipeline.training import evaluate, trajectory
from pipeline.training import architecture_record, background
from pipeline.training.tensorflow_runtime import prepare_tensorflow
from pipeline.training.capture import captured, lesson_figure, tee_stdout
from pipeline.training.lesson_errors import lesson_failures
from pipeline.training.trace import module_level_lines, trace_lines

LESSON = Path(__file__).resolve().parents[1] / "lesson.py"  # pipeline/lesson.py, where students see it
# The params.yaml keys that no lesson function takes: how fast and how exactly TensorFlow computes
# (same updates; jit_compile changes the rounding, which the pages say), and the pipeline's own extra run.
# Every other key must be a parameter of a lesson function (tests/test_parameter_route.py).
SPEED_OPTIONS = ("steps_per_execution", "jit_compile", "threads", "deterministic", "trajectory")


def lesson_arguments(function, params: Params, **overrides) -> dict:
    """{name: value} for every parameter with a default of the lesson `function`, read from params.yaml by
    the same name (config.params_key): the one route by which a parameter reaches the training.
    `overrides`: values the pipeline's own runs change (the trajectory's patience), by the same names."""
    values = params.to_dict()
    arguments = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.default is inspect.Parameter.empty:
            continue
        key = lesson_parameter_key(name, values, function.__name__)
        arguments[name] = overrides.get(name, value_at(values, key))
    return arguments


@dataclasses.dataclass
class Arrays:
    """The data once prepared: fit on X_fit, watch X_val after each epoch, judge on X_test once."""
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_train_raw: np.ndarray  # uint8, for the lesson's figures
    y_train: np.ndarray
    X_test_raw: np.ndarray | None = None  # uint8, as load_data returns it (the exercises' names after loading)


def load_and_split(params: Params, lesson) -> Arrays:
    """The lesson's loading and normalisation, then its validation set as params.yaml chooses it."""
    (X_train, y_train), (X_test, y_test) = lesson.load_data()
    X_raw, X_test_raw = X_train, X_test
    X_train, X_test = lesson.normalise(X_train, X_test)
    X_fit, y_fit, X_val, y_val = lesson.split_validation(X_train, y_train, X_test, y_test,
                                                         **lesson_arguments(lesson.split_validation, params))
    return Arrays(X_fit, y_fit, X_val, y_val, X_test, y_test, X_raw, y_train, X_test_raw)


def split_positions(params: Params, lesson, arrays: Arrays) -> np.ndarray:
    """For each image of X_train after the split, its position in X_train as loaded: the lesson's own split
    applied to the positions 0, 1, 2… instead of the images (the same seed draws the same permutation)."""
    positions = np.arange(len(arrays.y_train))
    fit_positions, y_fit, _, _ = lesson.split_validation(positions, arrays.y_train, arrays.X_test, arrays.y_test,
                                                         **lesson_arguments(lesson.split_validation, params))
    if not np.array_equal(y_fit, arrays.y_fit):
        raise PipelineError("le découpage rejoué sur les positions ne redonne pas les étiquettes d'entraînement.",
                            where="pipeline/lesson.py (split)",
                            fix="le découpage doit dépendre seulement des étiquettes et de la graine.")
    return fit_positions


def lesson_names(params: Params, lesson, arrays: Arrays, fit: "Fit") -> dict[str, dict]:
    """The names a student's notebook holds after each section a probe follows (exercise_code.POINTS),
    rebuilt from what the lesson's functions returned: `X_train` is the loaded array after « load »,
    divided by 255 after « normalise », the images left for fit() after « split »."""
    import matplotlib.pyplot as plt
    import tensorflow as tf

    base = {"np": np, "tf": tf, "plt": plt, "class_names": lesson.class_names}
    for name, function in inspect.getmembers(lesson, inspect.isfunction):
        if function.__module__ == lesson.__name__ and name != "main":
            base.update(lesson_arguments(function, params))  # the notebook's parameters cell
    loaded = {**base, "X_train": arrays.X_train_raw, "y_train": arrays.y_train,
              "X_test": arrays.X_test_raw, "y_test": arrays.y_test}
    X_train, X_test = lesson.normalise(arrays.X_train_raw, arrays.X_test_raw)
    normalised = {**loaded, "X_train": X_train, "X_test": X_test}
    split = {**normalised, "X_train": arrays.X_fit, "y_train": arrays.y_fit, "X_val": arrays.X_val, "y_val": arrays.y_val}
    return {"load": loaded, "distribution": {**loaded, "counts": np.bincount(arrays.y_train, minlength=10)},
            "normalise": normalised, "split": split, "model": split,
            "fit": {**split, "model": fit.model, "history": fit.history, "early_stop": fit.early_stop}}


def exercise_answers(params: Params, lesson, names: dict[str, dict]) -> dict:
    """Every probe of pipeline/common/exercise_code.py run at its point: {id: {code, after, value}}.

    After « model », the model is the lesson's build_model with the probe's parameters (a fresh one,
    as the notebook's cell builds it, untrained: a parameter count does not depend on training)."""
    answers = {}
    for probe in exercise_code.PROBES:
        if probe.after not in names:
            raise PipelineError(f"l'exercice « {probe.id} » suit la section « {probe.after} », inconnue.",
                                where="pipeline/common/exercise_code.py",
                                fix=f"choisissez l'une de : {', '.join(exercise_code.POINTS)}.")
        at = dict(names[probe.after])
        if probe.after == "model":
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*input_shape.*", category=UserWarning)
                at["model"] = lesson.build_model(**lesson_arguments(lesson.build_model, params, **dict(probe.parameters)))
        elif probe.parameters:
            raise PipelineError(f"l'exercice « {probe.id} » change des paramètres après « {probe.after} ».",
                                where="pipeline/common/exercise_code.py",
                                fix="seuls les exercices qui suivent « model » changent des paramètres.")
        answers[probe.id] = {"code": probe.code, "after": probe.after, "parameters": dict(probe.parameters),
                             "value": exercise_code.run(probe, at)}
    return answers


def add_fit_options(model, verbose: int, callbacks: list) -> None:
    """Give the model's fit() extra callbacks and a progress mode without changing the lesson's call."""
    original_fit = model.fit

    def fit(*args, **kwargs):
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), *callbacks]
        kwargs.setdefault("verbose", verbose)
        return original_fit(*args, **kwargs)

    model.fit = fit


def epoch_timer(durations: list[float]):
    """A Keras callback appending the wall time of each epoch (training + validation pass)."""
    import tensorflow as tf

    return tf.keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: durations.append(-time.perf_counter()),
        on_epoch_end=lambda epoch, logs: durations.__setitem__(-1, durations[-1] + time.perf_counter()))


@dataclasses.dataclass
class Fit:
    model: object
    history: object  # Keras's History, as the lesson's plot_history expects it
    early_stop: object
    epoch_seconds: list
    architecture: architecture.Architecture

    def curves(self) -> dict[str, list[float]]:
        return {k: [float(v) for v in values] for k, values in self.history.history.items()}


def fit_lesson(params: Params, arrays: Arrays, lesson, verbose: int | None = None, early_stop=None,
               callbacks: tuple = ()) -> Fit:
    """Build, compile and fit with the lesson's own functions, with the speed options applied.

    `early_stop`: the lesson's EarlyStopping from params.yaml by default; `callbacks`: added to fit's.
    """
    with warnings.catch_warnings():
        # Keras 3 advises keras.Input over the seed's Flatten(input_shape=...): keep the seed's code.
        warnings.filterwarnings("ignore", message=".*input_shape.*", category=UserWarning)
        with lesson_failures("en construisant le réseau"):  # Dense(0): Keras's refusal, with the lesson's line
            model = lesson.build_model(**lesson_arguments(lesson.build_model, params))
    architecture_record.check_supported(model, lesson.build_model)
    lesson.compile_model(model, **lesson_arguments(lesson.compile_model, params))
    model.steps_per_execution = params.steps_per_execution  # several batches per call: same updates
    # XLA fuses this network's small operations; not with Dropout, whose random numbers make XLA on
    # CPU about 4× slower per epoch (measured: 4,5 s against 1,2 s without XLA), for the same arithmetic.
    model.jit_compile = params.jit_compile and not params.dropout
    durations: list[float] = []
    progress = verbose if verbose is not None else (1 if sys.stdout.isatty() else 2)  # bar, or a line per epoch
    add_fit_options(model, progress, [epoch_timer(durations), *callbacks])
    if early_stop is None:
        early_stop = lesson.make_early_stopping(**lesson_arguments(lesson.make_early_stopping, params))
    history = lesson.train(model, arrays.X_fit, arrays.y_fit, arrays.X_val, arrays.y_val, early_stop,
                           **lesson_arguments(lesson.train, params))
    return Fit(model, history, early_stop, durations, architecture_record.describe_model(model))


def run_lesson(params: Params, out_dir: Path, verbose: int | None = None, resume: bool = False) -> Metrics:
    """One complete run of the lesson into out_dir: model, weights, predictions, metrics, figures, trace.

    `resume`: out_dir holds what a failed attempt with the same key wrote; a complete training there is
    reused (no second fit), anything else is trained again.
    """
    tf = prepare_tensorflow(params)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The trajectory trains beside this run, on the other core (training/background.py).
    side = background.start(params, out_dir) if params.trajectory else None
    try:
        with lesson_failures("pendant l'exécution de la leçon"):
            metrics = _run_lesson(params, out_dir, tf, verbose, resume)
    except BaseException:
        if side:
            background.stop(side)
        raise
    if side:
        print(f"▸ trajectoire   {params.epochs} époques sans arrêt, entraînées en parallèle : attente de la fin …",
              flush=True)
        background.finish(side)
    return metrics


def _run_lesson(params: Params, out_dir: Path, tf, verbose: int | None, resume: bool) -> Metrics:
    with trace_lines(LESSON) as executed:
        import pipeline.lesson as lesson

        outputs = {}
        arrays = load_and_split(params, lesson)
        outputs["shapes"], _ = captured(lesson.show_shapes, arrays.X_train_raw, arrays.y_train,
                                        arrays.X_test, arrays.y_test)
        figures = {"articles": lesson_figure(lesson.show_articles, arrays.X_train_raw, arrays.y_train),
                   "distribution": lesson_figure(lesson.show_class_distribution, arrays.y_train)}
        kept = load_trained(out_dir, params) if resume else None
        if kept:
            fit, outputs["fit_log"], fit_lines = kept
            executed |= fit_lines
        else:
            with tee_stdout() as log:  # the lines Keras prints, shown on the training page as students see them
                fit = fit_lesson(params, arrays, lesson, verbose)
            outputs["fit_log"] = log.getvalue()
            save_trained(out_dir, fit, outputs["fit_log"], executed)  # first: a later failure must not lose it
        figures["curves"] = lesson_figure(lesson.plot_history, fit.history)
        outputs["evaluate"], (test_loss, test_accuracy) = captured(lesson.evaluate, fit.model,
                                                                   arrays.X_test, arrays.y_test)
        outputs["predict"], (probabilities, y_pred) = captured(lesson.predict, fit.model, arrays.X_test,
                                                               arrays.y_test)
        figures["confusion"] = lesson_figure(lesson.show_confusion, arrays.y_test, y_pred)
        figures["probabilities"] = lesson_figure(lesson.show_probabilities, arrays.X_test, arrays.y_test,
                                                 probabilities)
    # The step pages' exercises, run where the notebook runs them; the split, for the figures' indices.
    atomic_write_json(out_dir / "exercises.json", exercise_answers(params, lesson, lesson_names(params, lesson, arrays, fit)))
    np.savez_compressed(out_dir / "split.npz", fit=split_positions(params, lesson, arrays).astype("int32"))
    probabilities = probabilities.astype("float32")
    # Step 4 reads its calibration on the validation images: the test set stays for step 5.
    val_probabilities = fit.model.predict(arrays.X_val, verbose=0).astype("float32")

    np.savez_compressed(out_dir / "predictions.npz", probabilities=probabilities,
                        validation=val_probabilities, validation_labels=arrays.y_val.astype("uint8"))
    for name, png in figures.items():
        atomic_write_bytes(out_dir / "lecon" / f"{name}.png", png)
    es = fit.early_stop
    metrics = Metrics(
        params=params.to_dict(),
        sizes=Sizes(fit=len(arrays.y_fit), validation=len(arrays.y_val), test=len(arrays.y_test)),
        layers=layer_summary(fit.model),
        total_params=int(fit.model.count_params()),
        learning_rate=float(tf.keras.ops.convert_to_numpy(fit.model.optimizer.learning_rate)),
        history=fit.curves(),
        epochs_run=len(fit.history.history["loss"]),
        stopped_early=es.stopped_epoch > 0,
        best_epoch=int(es.best_epoch) + 1,  # Keras counts from 0, its log from 1
        restored_best=bool(params.early_stopping.restore_best_weights),
        test=TestScores(loss=float(test_loss), accuracy=float(test_accuracy)),
        evaluation=from_dict(Evaluation, evaluate.summarise(probabilities, arrays.y_test)),
    )
    write_metrics(out_dir / "metrics.json", metrics)
    # Wall times never repeat run to run: apart from metrics.json, which a rebuild must reproduce.
    atomic_write_json(out_dir / "timings.json", {"epoch_seconds": fit.epoch_seconds})
    atomic_write_json(out_dir / "outputs.json", outputs)
    atomic_write_json(out_dir / "lesson_trace.json", {
        "sha256": hashlib.sha256(LESSON.read_bytes()).hexdigest(),
        "executed_lines": sorted(executed | module_level_lines(LESSON))})
    return metrics


def trajectory_child(argv: list[str]) -> int:
    """In the process training/background.py starts: the data, then the trajectory's fit and its record."""
    params, out_dir = params_from_dict(json.loads(argv[0]), source="trajectoire"), Path(argv[1])
    prepare_tensorflow(params)
    import pipeline.lesson as lesson

    record_trajectory(params, load_and_split(params, lesson), lesson, out_dir)
    return 0


def record_trajectory(params: Params, arrays: Arrays, lesson, out_dir: Path) -> None:
    """The same seed again, never stopped (the lesson's EarlyStopping with a patience it cannot exhaust),
    its weights recorded along the way (pipeline/training/trajectory.py). Run by training/background.py."""
    prepare_tensorflow(params)  # the same seed: the same initial weights and the same order of the lots
    updates = -(-len(arrays.y_fit) // params.batch_size)
    recorder = trajectory.Recorder(updates, params.steps_per_execution)
    never = lesson.make_early_stopping(**lesson_arguments(lesson.make_early_stopping, params, patience=params.epochs,
                                                          restore_best_weights=False))
    run = fit_lesson(params, arrays, lesson, verbose=0, early_stop=never, callbacks=(recorder.callback(),))
    trajectory.save(out_dir, recorder, run.curves(), run.architecture, arrays, run.epoch_seconds)


def save_trained(out_dir: Path, fit: Fit, fit_log: str = "", executed: set = frozenset()) -> None:
    """What training alone produced: the Keras model, its history, its weights and its architecture record,
    with what a resumed attempt needs to go on without fitting again (EarlyStopping's verdict, Keras's log,
    the lesson lines run so far)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fit.model.save(out_dir / "model.keras")
    atomic_write_json(out_dir / "history.json", {
        "history": fit.curves(), "epoch_seconds": fit.epoch_seconds, "fit_log": fit_log,
        "lesson_lines": sorted(executed), "early_stop": {"best_epoch": int(fit.early_stop.best_epoch),
                                                         "stopped_epoch": int(fit.early_stop.stopped_epoch)}})
    dense = [layer for layer in fit.model.layers if type(layer).__name__ == "Dense"]
    weights = {}
    for index, layer in enumerate(dense, start=1):
        kernel, bias = architecture.weight_names(index)
        weights[kernel], weights[bias] = (w.astype("float32") for w in layer.get_weights())
    np.savez_compressed(out_dir / "weights.npz", **weights)
    architecture.write(out_dir, fit.architecture)


@dataclasses.dataclass
class Verdict:
    """EarlyStopping's outcome, as metrics.json reads it, for a training reused from disk."""
    best_epoch: int
    stopped_epoch: int


def load_trained(out_dir: Path, params: Params) -> tuple[Fit, str, set] | None:
    """The training save_trained left in out_dir, with Keras's log and the lesson lines it ran; None when
    a file is missing or unreadable (the run is then trained again)."""
    import tensorflow as tf

    try:
        record = read_json(out_dir / "history.json")
        with np.load(out_dir / "weights.npz") as weights:
            weights.files  # noqa: B018 — a cut-short archive fails here
        model = tf.keras.models.load_model(out_dir / "model.keras")
        fit = Fit(model, tf.keras.callbacks.History(), Verdict(**record["early_stop"]), record["epoch_seconds"],
                  architecture.read(out_dir))
        fit.history.history = record["history"]
        log, lines = record["fit_log"], set(record["lesson_lines"])
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, PipelineError):
        return None
    model.jit_compile = params.jit_compile and not params.dropout  # evaluate and predict as after fit_lesson
    model.steps_per_execution = params.steps_per_execution
    return fit, log, lines


def layer_summary(model) -> list[Layer]:
    """Name, output shape and parameter count of each layer, read from the model itself."""
    return [Layer(name=layer.name, kind=type(layer).__name__, output_shape=list(layer.output.shape),
                  params=int(layer.count_params()), units=int(getattr(layer, "units", 0) or 0))
            for layer in model.layers]


def train_stage(job) -> None:
    """Stage "train": one run of the lesson into artifacts/runs/<key>/ (a new folder, renamed whole)."""
    out_dir = job.out("artifacts/runs/{key}/")
    print(f"▸ entraînement  au plus {job.params.epochs} époques (clé {job.key}) …", flush=True)
    started = time.perf_counter()
    run_lesson(job.params, out_dir, resume=job.resumed)  # a failed attempt's finished training is reused
    atomic_write_json(out_dir / "run.json", {"key": job.key, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                             "seconds": round(time.perf_counter() - started, 2)})


def summary(job) -> str:
    # Plain formatting: importing the French layer would make its edits retrain the network.
    metrics = read_metrics(job.final("artifacts/runs/{key}/") / "metrics.json")
    accuracy = f"{100 * metrics.test.accuracy:.2f}".replace(".", ",")
    return (f"{metrics.epochs_run} époques, meilleure {metrics.best_epoch}, "
            f"exactitude de test {accuracy}\u00a0% (exécution {job.key})")
