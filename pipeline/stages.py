"""The build's stages, each reading and writing files and reused when its inputs' key is unchanged."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline import cache, data
from pipeline.config import Params
from pipeline.io import atomic_write_bytes, atomic_write_json, read_json, write_error


@dataclass(frozen=True)
class Paths:
    """Every folder the build reads or writes, relative to one project root."""
    root: Path

    @property
    def artifacts(self) -> Path: return self.root / "artifacts"
    @property
    def runs(self) -> Path: return self.artifacts / "runs"
    @property
    def docs(self) -> Path: return self.root / "docs"
    @property
    def figures(self) -> Path: return self.docs / "figures"
    @property
    def templates(self) -> Path: return self.root / "templates"
    @property
    def site(self) -> Path: return self.root / "site"
    @property
    def readme(self) -> Path: return self.root / "README.md"
    @property
    def mkdocs(self) -> Path: return self.root / "mkdocs.yml"


@dataclass
class StageLog:
    """What each stage did: recomputed or reused, how long, and one line for the terminal."""
    records: list[dict] = field(default_factory=list)

    def add(self, stage: str, recomputed: bool, seconds: float, summary: str) -> None:
        self.records.append({"stage": stage, "recomputed": recomputed, "seconds": round(seconds, 3),
                             "summary": summary})
        state = "refait" if recomputed else "réutilisé"
        print(f"▸ {stage:<13} {state:<10} {seconds:6.1f} s  {summary}", flush=True)


def data_stage(paths: Paths, log: StageLog) -> dict:
    """Verified dataset in Keras's cache, and its description in artifacts/data.json."""
    start = time.perf_counter()
    checksums = data.ensure_dataset()
    key = cache.key_of({"checksums": checksums, "code": cache.sources_digest(["data", "idx"])})
    target = paths.artifacts / "data.json"
    recomputed = not _has_key(target, key)
    if recomputed:
        (x_train, y_train), (x_test, y_test) = data.load_numpy()
        atomic_write_json(target, {"key": key, "checksums": checksums,
                                   **data.describe(x_train, y_train, x_test, y_test)})
    log.add("données", recomputed, time.perf_counter() - start,
            f"4 fichiers vérifiés (SHA-256) dans {data.keras_cache_dir()}")
    return read_json(target)


def training_key(params: Params, checksums: dict) -> str:
    """Everything that changes a training run's numbers; a stale model can never match it."""
    from pipeline.training_run import TRAINING_MODULES
    return cache.key_of({"params": params.to_dict(), "checksums": checksums,
                         "code": cache.sources_digest(TRAINING_MODULES),
                         "versions": cache.package_versions()})


def training_stage(params: Params, paths: Paths, checksums: dict, log: StageLog) -> Path:
    """Reuse artifacts/runs/<key>/ if it is complete, else train into a temporary folder and rename it."""
    start = time.perf_counter()
    key = training_key(params, checksums)
    run_dir = paths.runs / key
    recomputed = not (run_dir / "metrics.json").exists()
    if recomputed:
        print(f"▸ entraînement  au plus {params.epochs} époques (clé {key}) …", flush=True)
        from pipeline.training_run import run_training  # imports TensorFlow: only when training

        tmp_dir = paths.runs / f".{key}.tmp"  # a killed run leaves only this, removed next time
        shutil.rmtree(tmp_dir, ignore_errors=True)
        try:
            run_training(params, tmp_dir)
            atomic_write_json(tmp_dir / "run.json", {"key": key, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                                     "seconds": round(time.perf_counter() - start, 2)})
            tmp_dir.replace(run_dir)  # one rename: the run appears whole or not at all
        except OSError as exc:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise write_error(run_dir, exc) from None
    metrics = read_json(run_dir / "metrics.json")
    log.add("entraînement", recomputed, time.perf_counter() - start,
            f"{metrics['epochs_run']} époques, meilleure {metrics['best_epoch']}, "
            f"précision de test {metrics['test']['accuracy']:.4f}")
    return run_dir


def figures_stage(params: Params, paths: Paths, run_dir: Path, data_info: dict, log: StageLog) -> dict:
    """Draw every figure into docs/figures/ (only files whose bytes changed are rewritten)."""
    start = time.perf_counter()
    key = cache.key_of({"run": run_dir.name, "data": data_info["key"], "seed": params.seed,
                        "code": cache.sources_digest(["figures", "figure_set", "fr"])})
    facts_path = paths.artifacts / "figures.json"
    recomputed = not (_has_key(facts_path, key) and _all_exist(paths.figures, read_json(facts_path)))
    if recomputed:
        from pipeline.figure_set import draw_all  # matplotlib: only when figures change

        (x_train, y_train), (x_test, y_test) = data.load_numpy()
        metrics = read_json(run_dir / "metrics.json")
        probabilities = np.load(run_dir / "predictions.npz")["probabilities"]
        weights = dict(np.load(run_dir / "weights.npz"))
        pngs, facts = draw_all(params.seed, x_train, y_train, x_test, y_test, metrics, probabilities, weights)
        for name, png in pngs.items():
            write_if_changed(paths.figures / f"{name}.png", png)
        atomic_write_json(facts_path, {"key": key, **facts})
    facts = read_json(facts_path)
    log.add("figures", recomputed, time.perf_counter() - start, f"{len(facts['files'])} figures dans docs/figures/")
    return facts


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomic write that leaves identical files alone, so rebuilds do not churn timestamps."""
    if path.exists() and path.read_bytes() == content:
        return False
    atomic_write_bytes(path, content)
    return True


def _has_key(path: Path, key: str) -> bool:
    try:
        return read_json(path).get("key") == key
    except (OSError, ValueError):
        return False


def _all_exist(folder: Path, facts: dict) -> bool:
    return all((folder / name).exists() for name in facts.get("files", []))

