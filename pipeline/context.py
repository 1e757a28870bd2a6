"""Turn the run's artifacts into ready-to-print French values and facts for the templates (no TensorFlow)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline import fr
from pipeline.deps import closure
from pipeline.data import CLASS_NAMES
from pipeline.io import read_json
from pipeline.run_context import build_run_context
from pipeline.schema import Metrics, read_metrics

BALANCE_TOLERANCE = 1.5  # max/min class count above which we call the training set unbalanced
OVERFIT_MIN_RISE = 0.01  # validation loss must rise this much above its minimum to call it overfitting

# Published results, cited, never presented as measured here.
REFERENCES = [
    {"name": "Humains (évaluation participative)", "accuracy": 0.835,
     "source": "Fashion-MNIST, README du dépôt zalandoresearch/fashion-mnist",
     "url": "https://github.com/zalandoresearch/fashion-mnist#benchmark"},
    {"name": "MLP 256-128-100 (scikit-learn)", "accuracy": 0.8833,
     "source": "Fashion-MNIST, tableau de référence (benchmark)",
     "url": "https://github.com/zalandoresearch/fashion-mnist#benchmark"},
]


@dataclass(frozen=True)
class Artifacts:
    """Every file the pages read, parsed: what build_context turns into French values and facts."""
    data_info: dict  # artifacts/data.json
    metrics: Metrics  # runs/<key>/metrics.json
    figures: dict  # artifacts/figures.json
    demo: dict  # artifacts/demo.json
    run: dict  # runs/<key>/run.json: key, date and duration of the training
    timings: dict  # runs/<key>/timings.json
    outputs: dict  # runs/<key>/outputs.json: what the lesson's sections printed
    provenance: dict  # git state, package versions, machine (computed before the build)
    variability: dict | None = None  # artifacts/variability.json, if measured
    bench: dict | None = None  # bench/results/latest.json, if measured
    demo_asset_bytes: int = 0  # docs/assets/demo.{js,css}, downloaded with the Démo
    stages: tuple = ()  # the stage table (pipeline/stages.py), shown on the maintainers' page


def load_artifacts(job) -> Artifacts:
    """Read what the earlier stages of this build wrote (the one place pages read files)."""
    from pipeline.stages import table as stages_table

    run_dir = job.input("train", "artifacts/runs/{key}/")
    assets = [job.root / "docs" / "assets" / name for name in ("demo.js", "demo.css")]
    return Artifacts(
        data_info=read_json(job.input("data", "artifacts/data.json")),
        metrics=read_metrics(run_dir / "metrics.json"),
        figures=read_json(job.input("figures", "artifacts/figures.json")),
        demo=read_json(job.input("demo", "artifacts/demo.json")),
        run=read_json(run_dir / "run.json"),
        timings=read_json(run_dir / "timings.json"),
        outputs=read_json(run_dir / "outputs.json"),
        provenance=job.inputs["provenance"],
        variability=_optional_json(job.root / "artifacts" / "variability.json"),
        bench=_optional_json(job.root / "bench" / "results" / "latest.json"),
        demo_asset_bytes=sum(path.stat().st_size for path in assets if path.exists()),
        stages=tuple(stages_table(job.root)),
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
        "model": _model(metrics),
        "training": training,
        "test": _test(metrics, names),
        "figures": _figures(a.figures, metrics, training, a.data_info, names),
        "references": _references(metrics),
        "comparison": _comparison(metrics["test"]["accuracy"]),
        "figure_examples": [{"index": str(x["index"]), "true": names[x["true"]],
                             "predicted": names[x["predicted"]], "probability": fr.percent(x["probability"], 0)}
                            for x in a.figures["examples"]],
        "outputs": a.outputs,
        "demo": _demo(a.demo, a.demo_asset_bytes),
        "stages": [_stage(stage) for stage in a.stages],
        "experiments": None,  # filled from artifacts/experiments.json by the experiments work (issue 13)
        **build_run_context(a.timings, provenance, a.variability, a.bench),
    }


def _optional_json(path: Path):
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def _stage(stage) -> dict:
    """One row of the maintainers' table: what a stage reads (params, stages, files, code) and writes."""
    reads = ["tous les paramètres"] if stage.params == ("*",) else [f"`{p}`" for p in stage.params]
    reads += [f"étape « {name} »" for name in stage.after] + [f"`{name}`" for name in stage.files]
    reads += [{"dataset": "les 4 fichiers vérifiés", "provenance": "l'état git et les versions"}[name]
              for name in stage.inputs]
    pages = [out for out in stage.outputs if out.startswith("docs/") and out.endswith(".md")]
    writes = ([f"{len(pages)} pages `docs/*.md`"] if pages else []) + [
        f"`{out}`" for out in stage.outputs if out not in pages]
    module, function = stage.run.split(":")
    return {"name": stage.name, "label": stage.label, "function": f"`{function}` (`pipeline/{module}.py`)",
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
            "multiplications": fr.integer(raw["inputs"] * raw["hidden"] + raw["hidden"] * raw["outputs"]),
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
        "train_labels_shape": fr.integer(info["train_labels_shape"][0]),
        "test_labels_shape": fr.integer(info["test_labels_shape"][0]),
        "height": info["train_shape"][1], "width": info["train_shape"][2],
        "pixels": fr.integer(info["train_shape"][1] * info["train_shape"][2]),
        "dtype": info["dtype"],
        "pixel_min": info["pixel_min"], "pixel_max": info["pixel_max"],
        "pixel_mean": fr.decimal(info["pixel_mean"], 1),
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


def _model(metrics: dict) -> dict:
    layers = metrics["layers"]
    dense = [layer for layer in layers if layer["kind"] == "Dense"]
    inputs = layers[0]["output_shape"][-1]  # Flatten: 28 × 28 = 784 values
    rows, previous = [], inputs
    for layer in layers:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in layer["output_shape"]) + ")"
        formula = (f"{fr.integer(previous)} × {fr.integer(layer['units'])} + {fr.integer(layer['units'])}"
                   if layer["kind"] == "Dense" else "aucun poids")
        rows.append({"kind": layer["kind"], "name": layer["name"], "shape": shape,
                     "params": fr.integer(layer["params"]), "formula": formula})
        previous = layer["units"] or previous
    return {
        "layers": rows,
        "total_params": fr.integer(metrics["total_params"]),
        "hidden_units": dense[0]["units"], "output_units": dense[-1]["units"],
        "hidden_params": fr.integer(dense[0]["params"]), "output_params": fr.integer(dense[-1]["params"]),
        "weights_kb": fr.integer(metrics["total_params"] * 4 / 1000),
        # The exercise "use 64 hidden units": same formula, computed rather than typed.
        "params_64": fr.integer(inputs * 64 + 64 + 64 * dense[-1]["units"] + dense[-1]["units"]),
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
        "monitor_fr": "la perte de validation" if p["monitor"] == "val_loss" else "la précision de validation",
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
        "gap_grew": gap_last > gap_first + OVERFIT_MIN_RISE,
        "overfitting": overfitting,
        "train_loss_fell": h["loss"][-1] < h["loss"][0],
        "rows": [{"epoch": i + 1, "loss": fr.decimal(h["loss"][i], 4), "val_loss": fr.decimal(val_loss[i], 4),
                  "accuracy": fr.percent(h["accuracy"][i], 2), "val_accuracy": fr.percent(h["val_accuracy"][i], 2)}
                 for i in range(run)],
        "batches_per_epoch": fr.integer(-(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"])),
        "batches_128": fr.integer(-(-metrics["sizes"]["fit"] // 128)),  # for the batch-size exercise
    }


def _test(metrics: dict, names) -> dict:
    t = metrics["test"]
    e = metrics["evaluation"]
    per_class = [{"name": names[k], "precision": fr.percent(s["precision"]), "recall": fr.percent(s["recall"]),
                  "f1": fr.decimal(s["f1"], 3), "support": fr.integer(s["support"]), "raw_f1": s["f1"]}
                 for k, s in enumerate(e["per_class"])]
    ranked = sorted(per_class, key=lambda row: row["raw_f1"])
    pairs = [{"a": names[p["a"]], "b": names[p["b"]], "total": fr.integer(p["total"]),
              "a_as_b": fr.integer(p["a_as_b"]), "b_as_a": fr.integer(p["b_as_a"])} for p in e["confused_pairs"]]
    return {
        "loss": fr.decimal(t["loss"], 3), "accuracy": fr.percent(t["accuracy"]),
        "errors": fr.integer(e["errors"]), "count": fr.integer(metrics["sizes"]["test"]),
        "per_class": per_class, "hardest": ranked[0]["name"], "easiest": ranked[-1]["name"],
        "hardest_f1": ranked[0]["f1"], "easiest_f1": ranked[-1]["f1"],
        "pairs": pairs,
        "mistakes": [{"true": names[m["true"]], "predicted": names[m["predicted"]],
                      "probability": fr.percent(m["probability"], 0)} for m in e["confident_mistakes"]],
    }


def _figures(facts: dict, metrics: dict, t: dict, info: dict, names) -> dict:
    """Alt text of every figure, written from the numbers it draws."""
    counts = info["class_counts"]
    same = len(set(counts)) == 1
    count_text = (f"{fr.integer(counts[0])} images par classe" if same else
                  "de " + fr.integer(min(counts)) + " à " + fr.integer(max(counts)) + " images par classe")
    grid_names = sorted({names[k] for k in facts["grid_labels"]})
    examples = "; ".join(f"{names[x['true']]} prédit {names[x['predicted']]} à {fr.percent(x['probability'], 0)}"
                         for x in facts["examples"])
    ev = metrics["evaluation"]
    return {
        "exemples": f"Grille de {len(facts['grid_labels'])} images d'entraînement en niveaux de gris, "
                    f"titrées par leur classe : {', '.join(grid_names)}.",
        "repartition": f"Diagramme en barres du nombre d'images d'entraînement par classe : {count_text}.",
        "pixels": f"Histogrammes des valeurs de pixels : de {info['pixel_min']} à {info['pixel_max']} avant "
                  "normalisation, de 0 à 1 après ; la forme est identique.",
        "moyennes": "Image moyenne de chacune des dix classes : " + ", ".join(names) + ".",
        "courbes": f"Deux graphiques sur {t['epochs_run']} époques. À gauche, la précision d'entraînement passe "
                   f"de {t['first']['accuracy']} à {t['last']['accuracy']} et celle de validation de "
                   f"{t['first']['val_accuracy']} à {t['last']['val_accuracy']}. À droite, la perte "
                   f"d'entraînement passe de {t['first']['loss']} à {t['last']['loss']} et celle de validation "
                   f"de {t['first']['val_loss']} à {t['last']['val_loss']}. Meilleure époque : {t['best_epoch']}.",
        "confusion": f"Matrice de confusion sur {fr.integer(metrics['sizes']['test'])} images de test, en nombres "
                     f"et en proportions par classe réelle ; {fr.integer(ev['errors'])} erreurs hors diagonale.",
        "erreurs": f"{len(ev['confident_mistakes'])} erreurs les plus sûres d'elles : " + "; ".join(
            f"{names[m['true']]} prise pour {names[m['predicted']]} à {fr.percent(m['probability'], 0)}"
            for m in ev["confident_mistakes"][:4]) + " …",
        "predictions": f"{len(facts['examples'])} images de test et leurs dix probabilités : {examples}.",
        "neurones": f"Les {facts['neurons']} vecteurs de poids de la première couche Dense, chacun dessiné comme "
                    "une image 28 × 28 (bleu : poids positifs, orange : poids négatifs).",
    }


def _comparison(accuracy: float) -> dict:
    """Where this run stands against the cited MLP and humans, for the sentence that says so."""
    mlp, humans = REFERENCES[1]["accuracy"], REFERENCES[0]["accuracy"]
    gap = accuracy - mlp
    return {"vs_mlp": "above" if gap > 0.005 else "close" if gap > -0.01 else "below",
            "mlp_gap": fr.points(abs(gap) * 100, 1),
            "above_humans": accuracy > humans}


def _references(metrics: dict) -> list[dict]:
    rows = [dict(r, accuracy_fr=fr.percent(r["accuracy"]), measured=False) for r in REFERENCES]
    rows.append({"name": "Ce réseau, cette exécution", "accuracy": metrics["test"]["accuracy"],
                 "accuracy_fr": fr.percent(metrics["test"]["accuracy"]), "measured": True,
                 "source": "mesuré ici, sur le jeu de test", "url": ""})
    return sorted(rows, key=lambda r: r["accuracy"])
