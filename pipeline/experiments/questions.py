"""The experiments: named questions, each a few variants of params.yaml, each trained over several seeds.

No TensorFlow here. This module says which runs answer which question (`plan`) and turns the run
folders they produced into artifacts/experiments.json (`summarise`): per variant, the mean ± standard
deviation over seeds of what the pages compare. `pipeline/experiments/sweep.py` trains the runs (the training
stage of `make report`, same keys, same cache); `pipeline/experiments/experiments_page.py` writes the French.
"""
from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.common.config import Params, params_from_dict
from pipeline.common.io import read_json, read_optional_json
from pipeline.experiments.replayed import REPLAYED, replayed_run

EXPERIMENTS = "artifacts/experiments.json"
RUN = "artifacts/runs/{key}/"
SCHEMA = 1  # bump when the file's shape changes: an older file is then ignored, never misread
SEEDS = 3  # seeds per variant: enough for a mean and a spread
SEEDS_VARIABILITY = 5  # the default parameters, for the Variabilité page
VARIABILITY = "graines"  # the question behind the Variabilité page
# Pages published only when measured (empty otherwise): the experiments' two, and the settings search's.
PAGES = ("experiences.md", "variabilite.md", "reglage.md")


@dataclass(frozen=True)
class Variant:
    id: str  # stable, ASCII (figure names, anchors)
    label: str  # French, as the table prints it
    changes: dict = field(default_factory=dict)  # dotted params.yaml keys -> values


@dataclass(frozen=True)
class Question:
    id: str  # fixed: step pages call reponse_mesuree("<id>")
    title: str  # the question, in French
    variants: tuple[Variant, ...]
    seeds: int = SEEDS
    common: dict = field(default_factory=dict)  # changes shared by every variant
    beyond_seed: bool = False  # not the seed's network: the page says so

    @property
    def replayed(self) -> bool:
        """Answered from the Variabilité seeds' trajectories, without training (experiments/replayed.py)."""
        return self.id in REPLAYED


@dataclass(frozen=True)
class PlannedRun:
    question: str
    variant: str
    label: str
    seed: int
    params: Params


def questions(base: Params) -> list[Question]:
    """Every question, its variants written against the base parameters (params.yaml)."""
    es = "early_stopping."
    no_stop = {es + "patience": base.epochs, es + "restore_best_weights": False}  # never stops, never restores
    rate = base.learning_rate
    return [
        Question("protocole", "Valider sur le jeu de test, comme l'énoncé : de combien le score est-il flatté ?", (
            Variant("split", "jeu de validation à part", {"validation": "split"}),
            Variant("test", "jeu de test (l'énoncé)", {"validation": "test"}))),
        Question("sans_arret", f"Sans EarlyStopping, que montrent {base.epochs} époques complètes ?", (
            Variant("avec", "EarlyStopping de params.yaml"),
            Variant("sans", f"sans arrêt ({base.epochs} époques)", no_stop))),
        Question("patience", "Quelle patience donner à EarlyStopping ?", tuple(
            Variant(f"p{p}", f"patience {p}", {es + "patience": p}) for p in (1, 3, 5, 10))),
        Question("surveillance", "Surveiller la perte ou l'exactitude de validation ?", (
            Variant("val_loss", "surveiller la perte (val_loss)", {es + "monitor": "val_loss"}),
            Variant("val_accuracy", "surveiller l'exactitude (val_accuracy)", {es + "monitor": "val_accuracy"}))),
        Question("restauration", "Revenir aux poids de la meilleure époque, ou garder les derniers ?", (
            Variant("oui", "revenir aux meilleurs poids", {es + "restore_best_weights": True}),
            Variant("non", "garder les derniers poids", {es + "restore_best_weights": False}))),
        Question("lot", "Quelle taille de lot ?", tuple(
            Variant(f"b{b}", f"lots de {b}", {"batch_size": b}) for b in (32, 128, 512))),
        Question("largeur", "Combien de neurones dans la première couche cachée ?", tuple(
            Variant(f"n{n}", f"{n} neurones", {"hidden_units": n})
            for n in sorted({32, base.hidden_units, 512}))),
        Question("taux", "Quel taux d'apprentissage pour Adam ?", tuple(
            Variant(name, f"{label} ({_plain(rate * factor)})", {"learning_rate": rate * factor})
            for name, label, factor in (("x0.1", "× 0,1", 0.1), ("x1", "× 1", 1.0), ("x10", "× 10", 10.0)))),
        Question("dropout", f"Une couche Dropout freine-t-elle le surapprentissage ({base.epochs} époques sans arrêt) ?",
                 tuple(Variant(f"d{int(r * 10)}", f"Dropout {_plain(r)}" if r else "sans Dropout", {"dropout": r})
                       for r in (0.0, 0.2, 0.5)), common=no_stop, beyond_seed=True),
        Question(VARIABILITY, "D'une graine à l'autre, de combien le résultat varie-t-il ?",
                 (Variant("params", "paramètres de params.yaml"),), seeds=SEEDS_VARIABILITY),
    ]


def _plain(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def with_changes(base: Params, changes: dict[str, Any], seed: int | None = None) -> Params:
    """`base` with dotted keys replaced (validated as params.yaml is)."""
    values = base.to_dict()
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        target = values
        for part in path:
            target = target[part]
        target[last] = value
    if seed is not None:
        values["seed"] = seed
    return params_from_dict(values, source="expériences")


def seeds_of(base: Params, question: Question) -> list[int]:
    """The base seed first (the run `make report` trains is one of them), then the next ones; a replayed
    question uses every seed of Variabilité, whose trajectories it replays."""
    count = SEEDS_VARIABILITY if replays(base, question) else question.seeds
    return [base.seed + i for i in range(count)]


def replays(base: Params, question: Question) -> bool:
    return question.replayed and base.trajectory


def plan(base: Params, only: list[str] | None = None) -> list[PlannedRun]:
    """Every run of the chosen questions (all by default), in page order, variant by variant."""
    chosen = questions(base)
    unknown = set(only or ()) - {q.id for q in chosen}
    if unknown:
        raise ValueError(f"questions inconnues : {', '.join(sorted(unknown))} "
                         f"(possibles : {', '.join(q.id for q in chosen)})")
    return [PlannedRun(q.id, v.id, v.label, seed,
                       with_changes(base, {} if replays(base, q) else run_changes(base, q, v), seed))
            for q in chosen if not only or q.id in only for v in q.variants for seed in seeds_of(base, q)]


def run_changes(base: Params, question: Question, variant: Variant) -> dict[str, Any]:
    """What a run of this variant changes in params.yaml. A variant that changes something does not record
    the whole trajectory (20 more epochs each): its question reads its own history. params.yaml's own
    variant keeps it, so that it stays the run `make report` trains (same key, reused)."""
    changes = {**question.common, **variant.changes}
    if with_changes(base, changes) == base or not base.trajectory:
        return changes
    return {**changes, "trajectory": False}


# -- Summaries: the run folders -> artifacts/experiments.json ---------------------------------------

def read_run(folder: Path) -> dict:
    """What the pages compare, from one run folder (metrics.json and run.json of the training stage)."""
    metrics = read_json(folder / "metrics.json")
    history = metrics["history"]
    # The weights kept at the end: the best epoch's when restored, the last epoch's otherwise.
    kept = metrics["best_epoch"] if metrics["restored_best"] else metrics["epochs_run"]
    return {
        "key": Path(folder).name,
        "seed": metrics["params"]["seed"],
        "epochs_run": metrics["epochs_run"],
        "kept_epoch": kept,
        "val_accuracy": history["val_accuracy"][kept - 1],
        "val_loss": history["val_loss"][kept - 1],
        "test_accuracy": metrics["test"]["accuracy"],
        "seconds": read_json(folder / "run.json")["seconds"],
        "total_params": metrics["total_params"],
        "fit_size": metrics["sizes"]["fit"],
        "updates_per_epoch": -(-metrics["sizes"]["fit"] // metrics["params"]["batch_size"]),
        "curves": {name: history[name] for name in ("val_accuracy", "val_loss")},
    }


def spread(values: list[float]) -> dict:
    """Mean, standard deviation (n − 1), min and max."""
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def mean_curve(curves: list[list[float]]) -> dict:
    """Epoch by epoch, mean and spread over the runs that reached that epoch (early stops end sooner)."""
    out = {"mean": [], "std": [], "count": []}
    for epoch in range(max(len(c) for c in curves)):
        values = [c[epoch] for c in curves if len(c) > epoch]
        s = spread(values)
        out["mean"].append(s["mean"])
        out["std"].append(s["std"])
        out["count"].append(len(values))
    return out


def summarise_variant(variant: Variant, params: Params, runs: list[dict], reference: bool) -> dict:
    numbers = ("val_accuracy", "val_loss", "test_accuracy", "kept_epoch", "epochs_run", "seconds")
    return {
        "id": variant.id, "label": variant.label, "changes": variant.changes, "reference": reference,
        "params": params.to_dict(),
        **{name: spread([r[name] for r in runs]) for name in numbers},
        "total_params": runs[0]["total_params"], "updates_per_epoch": runs[0]["updates_per_epoch"],
        "fit_size": runs[0]["fit_size"],
        "curves": {name: mean_curve([r["curves"][name] for r in runs]) for name in ("val_accuracy", "val_loss")},
        "runs": [{k: v for k, v in r.items() if k != "curves"} for r in runs],
    }


def summarise(base: Params, base_key: str, folders: dict[tuple[str, str, int], Path | None]) -> dict:
    """artifacts/experiments.json: every question whose runs all exist; `folders` maps
    (question, variant, seed) to its run folder, or None when that run is missing (failed, not yet run)."""
    done = []
    for q in questions(base):
        seeds = seeds_of(base, q)
        if any(folders.get((q.id, v.id, s)) is None for v in q.variants for s in seeds):
            continue
        variants = []
        for v in q.variants:
            params = with_changes(base, {**q.common, **v.changes})
            try:
                runs = ([replayed_run(folders[(q.id, v.id, s)], with_changes(params, {}, s).to_dict())
                         for s in seeds] if replays(base, q) else [read_run(folders[(q.id, v.id, s)]) for s in seeds])
            except (FileNotFoundError, ValueError):  # a run recorded without its trajectory: not measured
                break
            variants.append(summarise_variant(v, params, runs, reference=params == base))
        if len(variants) < len(q.variants):
            continue
        done.append({"id": q.id, "title": q.title, "seeds": seeds, "common": q.common,
                     "beyond_seed": q.beyond_seed, "replayed": replays(base, q), "variants": variants})
    return {"schema": SCHEMA, "base_params": base.to_dict(), "base_key": base_key, "questions": rounded(done)}


def rounded(value):
    """Six significant digits: a stable, readable file (the runs keep full precision)."""
    if isinstance(value, float):
        return float(f"{value:.6g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return value


def is_current(raw: dict | None, base: dict, base_key: str) -> bool:
    """Measured with these base parameters and this code (the `make report` run is one of its runs)."""
    return (isinstance(raw, dict) and raw.get("schema") == SCHEMA and raw.get("base_params") == base
            and raw.get("base_key") == base_key and bool(raw.get("questions")))


def changed_fields(params: Params, base: Params) -> dict:
    """The dotted keys where `params` differs from `base` (seed aside), for failure messages."""
    a, b = _flat(dataclasses.asdict(params)), _flat(dataclasses.asdict(base))
    return {k: v for k, v in a.items() if b.get(k) != v and k != "seed"}


def _flat(values: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in values.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


# -- The figures stage: one overlay per question (no TensorFlow) -----------------------------------

def figures_stage(job) -> None:
    """Stage "experiments": docs/experiences/<question>.png when experiments.json is current, else nothing."""
    from pipeline.figures import network, style
    from pipeline.common.io import atomic_write_bytes

    folder = job.out("docs/experiences/")
    folder.mkdir(parents=True, exist_ok=True)
    raw = read_optional_json(job.root / EXPERIMENTS)
    if not is_current(raw, job.params.to_dict(), job.upstream["train"].key):
        return
    for q in raw["questions"]:
        atomic_write_bytes(folder / f"{q['id']}.png", style.to_png(network.experiment_curves(q["variants"])))


def figures_summary(job) -> str:
    count = len(list(job.final("docs/experiences/").glob("*.png")))
    return f"{count} figure{'s' if count > 1 else ''} d'expériences" if count else "pas d'expériences mesurées (make experiences)"
