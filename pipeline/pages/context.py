"""Turn the run's artifacts into ready-to-print French values and facts for the templates (no TensorFlow)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.common import architecture, fr
from pipeline.pages import learning_context, network_context
from pipeline.pages.answers import build_answers
from pipeline.common.early_stopping import replay_all
from pipeline.build.deps import closure
from pipeline.data.dataset import CLASS_NAMES
from pipeline.pages.results import (comparison, limits, references, softmax_demo, results_on_test, weights,
                                      worked)
from pipeline.figures.style import percent_floor
from pipeline.common.io import read_json
from pipeline.experiments.context import build as build_experiments, test_accuracy_over_seeds
from pipeline.pages.run_context import build_run_context
from pipeline.pages.live_training import build as build_live
from pipeline.pages import complete_build, replay_context
from pipeline.tuning.context import build as build_tuning
from pipeline.common.schema import Metrics, read_metrics

BALANCE_TOLERANCE = 1.5  # max/min class count above which we call the training set unbalanced
OVERFIT_MIN_RISE = 0.01  # validation loss must rise this much above its minimum to call it overfitting

# The seed (the user's exercise) has two steps: « Étape 1 » is all the code, « Étape 2 » is the report.
# Each page says which part of the seed it covers; the home page lists them all.
SEED_STEPS = {
    "donnees.md": ("Étape 1", "« Importation des modèles et chargement du dataset » (chargement, formes, "
                              "affichage des articles, répartition des classes, perte d'entraînement et "
                              "perte de validation)"),
    "modele.md": ("Étape 1", "« Création du modèle (Sequential) »"),
    "entrainement.md": ("Étape 1", "« Compilation du modèle », « EarlyStopping » et "
                                   "« Entraînement du modèle »"),
    "performances.md": ("Étape 1", "« Visualisation des performances du modèle » (les deux graphiques)"),
    "evaluation.md": ("Étape 1", "l'évaluation, annoncée dans l'introduction sans être détaillée"),
    "rapport.md": ("Étape 2", "« Rédiger le rapport (README.md) »"),
}


@dataclass(frozen=True)
class Artifacts:
    """Every file the pages read, parsed: what build_context turns into French values and facts."""
    data_info: dict  # artifacts/data.json
    metrics: Metrics  # runs/<key>/metrics.json
    architecture: architecture.Architecture  # runs/<key>/architecture.json: the trained network's layers
    figures: dict  # artifacts/figures.json
    demo: dict  # artifacts/demo.json
    run: dict  # runs/<key>/run.json: key, date and duration of the training
    timings: dict  # runs/<key>/timings.json
    outputs: dict  # runs/<key>/outputs.json: what the lesson's sections printed
    provenance: dict  # git state, package versions, machine (computed before the build)
    bench: dict | None = None  # bench/results/latest.json, if measured
    experiments: dict | None = None  # artifacts/experiments.json (make experiences), if measured
    tuning: dict | None = None  # artifacts/tuning.json (make reglage), if searched
    sweep_bench: dict | None = None  # bench/records/complete-build.json (committed, by bench.sweep --full), if any
    demo_asset_bytes: int = 0  # docs/assets/demo.{js,css}, downloaded with the Démo
    stages: tuple = ()  # the stage table (pipeline/build/stages.py), shown on the maintainers' page
    carnet: dict | None = None  # artifacts/carnet.json: the notebook and script to download, Colab link
    trajectory: dict | None = None  # runs/<key>/trajectory.json: the same seed to `epochs`, never stopped
    rejouer: dict | None = None  # artifacts/rejouer.json: the replay page's snapshots and sizes
    rejouer_asset_bytes: int = 0  # docs/assets/{reseau,rejouer}.{js,css}, downloaded with the replay
    live: dict | None = None  # artifacts/entrainer.json: the subset exported for « Entraîner dans le navigateur »
    tfjs: dict | None = None  # artifacts/tfjs.json: the TensorFlow.js files copied into the site


def load_artifacts(job) -> Artifacts:
    """Read what the earlier stages of this build wrote (the one place pages read files)."""
    from pipeline.build.stages import table as stages_table

    run_dir = job.input("train", "artifacts/runs/{key}/")
    assets = [job.root / "docs" / "assets" / name for name in ("reseau.js", "demo.js", "demo.css")]
    return Artifacts(
        data_info=read_json(job.input("data", "artifacts/data.json")),
        metrics=read_metrics(run_dir / "metrics.json"),
        architecture=architecture.read(run_dir),
        figures=read_json(job.input("figures", "artifacts/figures.json")),
        demo=read_json(job.input("demo", "artifacts/demo.json")),
        run=read_json(run_dir / "run.json"),
        timings=read_json(run_dir / "timings.json"),
        outputs=read_json(run_dir / "outputs.json"),
        provenance=job.inputs["provenance"],
        bench=_optional_json(job.root / "bench" / "results" / "latest.json"),
        experiments=_optional_json(job.root / "artifacts" / "experiments.json"),
        tuning=_optional_json(job.root / "artifacts" / "tuning.json"),
        sweep_bench=_optional_json(job.root / "bench" / "records" / "complete-build.json"),
        demo_asset_bytes=sum(path.stat().st_size for path in assets if path.exists()),
        stages=tuple(stages_table(job.root)),
        carnet=read_json(job.input("carnet", "artifacts/carnet.json")),
        trajectory=_optional_json(run_dir / "trajectory.json"),
        rejouer=read_json(job.input("rejouer", "artifacts/rejouer.json")),
        rejouer_asset_bytes=sum(path.stat().st_size for path in (
            job.root / "docs" / "assets" / name for name in ("reseau.js", "rejouer.js", "rejouer.css"))
            if path.exists()),
        live=read_json(job.input("navigateur", "artifacts/entrainer.json")),
        tfjs=read_json(job.input("tfjs", "artifacts/tfjs.json")),
    )


def build_context(a: Artifacts) -> dict:
    """Everything the templates print, formatted in French, plus boolean facts to choose explanations."""
    names = CLASS_NAMES
    metrics = a.metrics.to_dict()
    training = _training(metrics)
    provenance = {**a.provenance, "params": metrics["params"], "trained": a.run.get("finished", ""),
                  "training_seconds": a.run.get("seconds", 0.0), "dataset_sha256": a.data_info["checksums"]}
    return {
        "names": names,
        "run": _run(metrics, a.run),
        "data": _data(a.data_info, names),
        "model": network_context.build(a.architecture),
        "training": training,
        "test": results_on_test(metrics, names),
        "figures": a.figures["alt"],  # figures[name]: the alt text, written by pipeline/figures/catalogue.py
        "references": references(metrics),
        "comparison": comparison(metrics["test"]["accuracy"], metrics["sizes"]["test"],
                                 test_accuracy_over_seeds(a.experiments, metrics["params"], a.run["key"])),
        "figure_examples": [{"index": str(x["index"]), "true": names[x["true"]],
                             "predicted": names[x["predicted"]], "probability": percent_floor(x["probability"])}
                            for x in a.figures["examples"]],
        "worked": worked(a.figures["worked"], names),
        "softmax_demo": softmax_demo(len(names)),
        "limits": limits(a.figures),
        "weights": weights(a.figures),
        "curve_colours": a.figures["curve_colours"],  # the words for the learning curves' colours
        "seed_steps": {page: {"step": step, "part": part} for page, (step, part) in SEED_STEPS.items()},
        "readme": {"folder": a.figures["readme_folder"], "figures": a.figures["readme_figures"]},
        "outputs": {**a.outputs, "fit_log": _without_durations(a.outputs.get("fit_log", ""))},
        "demo": _demo(a.demo, a.demo_asset_bytes),
        "rejouer": replay_context.build(a.rejouer, metrics["params"], a.rejouer_asset_bytes),
        "stages": [_stage(stage, {s.name: s.label for s in a.stages}) for stage in a.stages],
        "downloads": _downloads(a.carnet),  # « Télécharger le carnet » (macro telecharger)
        # Measured answers (make experiences); None unless measured with these parameters and this code.
        "experiments": build_experiments(a.experiments, metrics["params"], a.run["key"]),
        # The settings search (make reglage); None unless searched with these parameters and this code.
        "reglage": build_tuning(a.tuning, metrics["params"], a.run["key"]),
        "complete_build": complete_build.build(metrics["params"], a.sweep_bench),  # the README's « site complet »
        "answers": build_answers(metrics, a.figures, a.trajectory),  # the exercises' answers, from this run
        # Every EarlyStopping rule on the whole trajectory (None without one: older runs, variants).
        "regles": a.trajectory and replay_all(a.trajectory, metrics["params"], metrics),
        # « Entraîner dans le navigateur »; None (page not published) without the exported subset.
        "live": build_live(a.live, a.tfjs, metrics, a.experiments, a.run["key"]),
        "learning": learning_context.build(a.figures, names, len(a.architecture.dense), metrics["history"]),  # step 3: slice and one step
        **build_run_context(a.timings, provenance, a.bench),
    }


_DURATIONS = re.compile(r" - \d+s - \d+(?:\.\d+)?(?:s|ms|us)/step")


def _without_durations(log: str) -> str:
    """Keras's log with each epoch's wall time and time per step replaced by « … »: they change from one
    run to the next, and a rebuild must give the same pages (the Reproductibilité page gives them)."""
    return _DURATIONS.sub(" - …", log)


def _optional_json(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _downloads(carnet: dict | None) -> dict | None:
    """The notebook and the script (link, file name, size « 16 ko »), and the Colab link or None."""
    if not carnet:
        return None
    files = {kind: {**f, "size": fr.kilobytes(f["bytes"])} for kind, f in carnet["files"].items()}
    return {**files, "colab": carnet.get("colab")}


def _stage(stage, labels: dict[str, str]) -> dict:
    """One row of the maintainers' table: what a stage reads (params, stages, files, code) and writes."""
    reads = ["tous les paramètres"] if stage.params == ("*",) else [f"`{p}`" for p in stage.params]
    reads += [f"étape « {labels[name]} »" for name in stage.after] + [f"`{name}`" for name in stage.files]
    reads += [{"dataset": "les 4 fichiers vérifiés", "provenance": "l'état git et les versions"}[name]
              for name in stage.inputs]
    pages = [out for out in stage.outputs if out.startswith("docs/") and out.endswith(".md")]
    writes = ([f"{len(pages)} pages `docs/*.md`"] if pages else []) + [
        f"`{out}`" for out in stage.outputs if out not in pages]
    module, function = stage.run.split(":")
    return {"name": stage.name, "label": stage.label, "function": f"`{function}` (`pipeline/{module.replace('.', '/')}.py`)",
            "reads": ", ".join(reads) or "—", "writes": ", ".join(writes),
            "code": ", ".join(f"`{name}`" for name in closure(stage.module))}


def _demo(raw: dict, asset_bytes: int) -> dict:
    """The Démo's export facts plus the same numbers written in French."""
    total = sum(raw["sizes"].values()) + asset_bytes
    return {**raw,
            "count_fr": fr.integer(raw["count"]), "params_fr": fr.integer(raw["params"]),
            "weights_kb": fr.kilobytes(raw["sizes"]["poids.js"]), "images_kb": fr.kilobytes(raw["sizes"]["images.js"]),
            "raw_weights_kb": fr.kilobytes(raw["raw_weights_bytes"]), "assets_kb": fr.kilobytes(asset_bytes),
            "total_bytes": total, "total_kb": fr.kilobytes(total),
            "multiplications": fr.integer(raw["multiplications"]),
            "heavy": total > raw["budget_bytes"], "budget_kb": fr.kilobytes(raw["budget_bytes"]),  # a wider network than the seed's: the page says what it costs
            "max_difference_fr": fr.scientific(raw["max_difference"]),
            "keras_correct_fr": fr.integer(raw["keras_correct"])}


def _run(metrics: dict, run_info: dict) -> dict:
    p = metrics["params"]
    return {
        "key": run_info["key"],
        "params": p,
        "seed": p["seed"],
        "validation_split": p["validation"] == "split",
        "validation_percent": fr.percent(p["validation_fraction"], 0),
        "sizes": {k: fr.integer(v) for k, v in metrics["sizes"].items()},
    }


def _data(info: dict, names) -> dict:
    counts = info["class_counts"]
    ratio = max(counts) / max(min(counts), 1)
    return {
        "train_shape": " × ".join(fr.integer(d) for d in info["train_shape"]),
        "test_shape": " × ".join(fr.integer(d) for d in info["test_shape"]),
        "train_count": fr.integer(info["train_shape"][0]),
        "test_count": fr.integer(info["test_shape"][0]),
        # as Python prints them (identifiers of code, no thousands space): (60000, 28, 28)
        "shapes_py": {name: "(" + ", ".join(str(d) for d in info[f"{name}_shape"]) + ("," if len(
            info[f"{name}_shape"]) == 1 else "") + ")" for name in ("train", "test", "train_labels", "test_labels")},
        "height": info["train_shape"][1], "width": info["train_shape"][2],
        "pixels": fr.integer(info["train_shape"][1] * info["train_shape"][2]),
        "dtype": info["dtype"],
        "pixel_min": info["pixel_min"], "pixel_max": info["pixel_max"],
        "pixel_mean": fr.decimal(info["pixel_mean"], 1),
        "pixel_zero_share": fr.percent(info["pixel_zero_share"], 1),
        "pixel_mean_normalised": fr.decimal(info["pixel_mean"] / 255, 3),
        "counts": [{"name": n, "count": fr.integer(c), "share": fr.percent(c / sum(counts))}
                   for n, c in zip(names, counts)],
        "balanced": ratio <= BALANCE_TOLERANCE,
        "all_equal": len(set(counts)) == 1,
        "count_min": fr.integer(min(counts)), "count_max": fr.integer(max(counts)),
        "class_min": names[counts.index(min(counts))], "class_max": names[counts.index(max(counts))],
        "ratio": fr.decimal(ratio, 1),
        "checksums": info["checksums"],
    }


def _training(metrics: dict) -> dict:
    h = metrics["history"]
    p = metrics["params"]["early_stopping"]
    best = metrics["best_epoch"]
    run = metrics["epochs_run"]
    val_loss = h["val_loss"]
    best_val_loss_epoch = val_loss.index(min(val_loss)) + 1
    gap_first = val_loss[0] - h["loss"][0]
    gap_last = val_loss[-1] - h["loss"][-1]
    overfitting = run > best_val_loss_epoch and val_loss[-1] > min(val_loss) + OVERFIT_MIN_RISE
    b = best - 1
    return {
        "epochs_max": metrics["params"]["epochs"],
        "learning_rate": fr.decimal(metrics["learning_rate"], 3),
        "epochs_run": run,
        "best_epoch": best,
        "stopped_early": metrics["stopped_early"],
        "restored": metrics["restored_best"],
        "monitor": p["monitor"], "patience": p["patience"],
        "monitor_fr": "la perte de validation" if p["monitor"] == "val_loss" else "l'exactitude de validation",
        "epochs_after_best": run - best,
        "first": {"loss": fr.decimal(h["loss"][0], 3), "val_loss": fr.decimal(val_loss[0], 3),
                  "accuracy": fr.percent(h["accuracy"][0]), "val_accuracy": fr.percent(h["val_accuracy"][0])},
        "best": {"loss": fr.decimal(h["loss"][b], 3), "val_loss": fr.decimal(val_loss[b], 3),
                 "accuracy": fr.percent(h["accuracy"][b]), "val_accuracy": fr.percent(h["val_accuracy"][b])},
        "last": {"loss": fr.decimal(h["loss"][-1], 3), "val_loss": fr.decimal(val_loss[-1], 3),
                 "accuracy": fr.percent(h["accuracy"][-1]), "val_accuracy": fr.percent(h["val_accuracy"][-1])},
        "min_val_loss": fr.decimal(min(val_loss), 3),
        "min_val_loss_epoch": best_val_loss_epoch,
        "gap_first": fr.decimal(gap_first, 3), "gap_last": fr.decimal(gap_last, 3),
        "gap_first_abs": fr.decimal(abs(gap_first), 3), "gap_last_abs": fr.decimal(abs(gap_last), 3),
        "gap_first_negative": gap_first < 0, "gap_last_negative": gap_last < 0,
        "gap_grew": gap_last > gap_first + OVERFIT_MIN_RISE,
        "overfitting": overfitting,
        "train_loss_fell": h["loss"][-1] < h["loss"][0],
        "rows": [{"epoch": i + 1, "loss": fr.decimal(h["loss"][i], 4), "val_loss": fr.decimal(val_loss[i], 4),
                  "accuracy": fr.percent(h["accuracy"][i], 2), "val_accuracy": fr.percent(h["val_accuracy"][i], 2)}
                 for i in range(run)],
        "batches_per_epoch": fr.integer(-(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"])),
        "batches_raw": -(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"]),  # as Keras prints it
        "batches_128": fr.integer(-(-metrics["sizes"]["fit"] // 128)),  # for the batch-size exercise
    }
