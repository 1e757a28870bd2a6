"""Run the stage table: compute each stage's key, skip fresh stages, promote outputs atomically, log, record."""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.workflow import deps, promotion
from pipeline.workflow.cache import file_digests, key_of, package_versions
from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, read_json, write_error

MANIFEST = Path("artifacts") / "manifest.json"
STAGING = Path("artifacts") / ".staging"


@dataclass(frozen=True)
class Stage:
    """One step of the build and everything that decides whether its outputs are still right."""
    name: str  # identifier, also the key in the manifest
    label: str  # French word printed on the stage's line
    run: str  # "module:function" that writes the outputs; imported only when the stage runs
    summary: str  # "module:function" that describes the outputs in one French line
    params: tuple[str, ...] = ()  # parameter keys ("early_stopping.patience") that change the outputs; "*": all
    after: tuple[str, ...] = ()  # earlier stages whose outputs it reads
    files: tuple[str, ...] = ()  # project files or folders it reads (their contents enter the key)
    inputs: tuple[str, ...] = ()  # named values computed before the run (dataset checksums, git state)
    versions: tuple[str, ...] = ()  # packages whose versions change the outputs
    outputs: tuple[str, ...] = ()  # relative paths; "x/" is a folder; "{key}" makes a cache of runs

    @property
    def module(self) -> str:
        return self.run.split(":")[0]

    @property
    def keyed(self) -> bool:
        """Outputs named by the key stay side by side: going back to old inputs reuses them."""
        return any("{key}" in out for out in self.outputs)


@dataclass
class Job:
    """What a stage function receives: its inputs' values and where to write each declared output."""
    stage: Stage
    key: str
    root: Path
    params: Params
    inputs: dict[str, Any]
    upstream: dict[str, "Job"] = field(default_factory=dict)
    resumed: bool = False  # the staging folder holds what an earlier, failed attempt with this key wrote

    def final(self, output: str) -> Path:
        """Where a declared output lives once promoted (what later stages read)."""
        return self.root / output.format(key=self.key)

    def out(self, output: str) -> Path:
        """Where the stage writes a declared output; the runner moves it into place on success."""
        if output not in self.stage.outputs:
            raise KeyError(f"{self.stage.name} does not declare the output {output!r}")
        return self.staging / output.format(key=self.key)

    @property
    def staging(self) -> Path:
        """Where the outputs are written before promotion; one folder per key for keyed stages, so
        that runs trained side by side (pipeline/experiments/sweep.py) never share one."""
        return self.root / STAGING / (f"{self.stage.name}-{self.key}" if self.stage.keyed else self.stage.name)

    def execute(self) -> None:
        """Call the stage's function, which writes its outputs into the staging folder."""
        _call(self.stage.run, self)

    def promote(self) -> None:
        """Move every staged output into place together, all or none (workflow/promotion.py); a keyed
        folder first records the checksums of its files."""
        for output in self.stage.outputs:
            if self.stage.keyed and output.endswith("/") and self.out(output).is_dir():
                promotion.write_checksums(self.out(output))
        promotion.promote([(self.out(o), self.final(o)) for o in self.stage.outputs], self.journal, self.root)

    @property
    def journal(self) -> Path:
        """The promotion's journal: present only while the outputs are being swapped."""
        return self.staging.with_name(self.staging.name + ".promotion.json")

    def recover(self) -> None:
        """Undo a promotion a killed build left half done, and a finished one's leftovers (x.old)."""
        promotion.recover(self.journal, self.root)
        for output in self.stage.outputs:
            promotion.leftover(self.final(output))

    def damaged(self) -> str | None:
        """The first output file whose bytes no longer match its checksum (keyed folders), or None."""
        for output in self.stage.outputs:
            path = self.final(output)
            name = promotion.damaged(path) if self.stage.keyed and path.is_dir() else None
            if name:
                return f"{output.format(key=self.key)}{name}"
        return None

    def input(self, stage: str, output: str) -> Path:
        """A declared output of an earlier stage of this build."""
        return self.upstream[stage].final(output)


class Runner:
    """Runs stages in order for one project root, keeping the manifest of what each one produced."""

    def __init__(self, root: Path, inputs: dict[str, Any]):
        self.root = root
        self.inputs = inputs
        self.done: dict[str, Job] = {}
        self.records: dict[str, dict] = _read_records(root / MANIFEST)

    def key(self, stage: Stage, params: Params) -> str:
        return key_of(self.parts(stage, params))

    def parts(self, stage: Stage, params: Params, upstream: dict[str, str] | None = None) -> dict:
        """Everything the stage's key is made of, part by part (recorded in the manifest, as dvc.lock does).

        `upstream` gives the earlier stages' keys (default: the stages this runner already ran).
        """
        values = params.to_dict()
        upstream = upstream if upstream is not None else {name: job.key for name, job in self.done.items()}
        return {
            "stage": stage.name,
            "params": values if stage.params == ("*",) else {name: _lookup(values, name) for name in stage.params},
            "code": deps.code_digest(stage.module),
            "after": {name: upstream[name] for name in stage.after},
            "files": {name: file_digests(self.root / name) for name in stage.files},
            "inputs": {name: self.inputs[name] for name in stage.inputs},
            "versions": package_versions(stage.versions) if stage.versions else {},
        }

    def run(self, stage: Stage, params: Params) -> Job:
        """Run `stage` unless its outputs are fresh; print one line; record its key, its parts and outputs."""
        start = time.perf_counter()
        parts = self.parts(stage, params)
        job = Job(stage, key_of(parts), self.root, params, self.inputs,
                  {name: self.done[name] for name in stage.after})
        job.recover()
        damaged = job.damaged()
        if damaged:  # reused, it would fail later or publish wrong numbers: said, then built again
            print(f"▸ {stage.label:<13} {damaged} endommagé (empreinte SHA-256 différente) : refait", flush=True)
        fresh = self._fresh(job)
        if not fresh:
            self._execute(job)
        summary = _call(stage.summary, job)
        seconds = time.perf_counter() - start
        self.records[stage.name] = {"key": job.key, "recomputed": not fresh, "seconds": round(seconds, 3),
                                    "summary": summary, "outputs": self._fingerprints(job),
                                    "parts": {name: value for name, value in parts.items() if name != "stage"}}
        if not fresh:  # recorded at once: a later failure must not make this stage run again
            self.write_manifest()
        state = "refait" if not fresh else "réutilisé"
        print(f"▸ {stage.label:<13} {state:<10} {f'{seconds:6.1f}'.replace('.', ',')} s  {summary}", flush=True)
        self.done[stage.name] = job
        return job

    def _execute(self, job: Job) -> None:
        """Run the stage into its staging folder, then promote; on failure the previous outputs stay.

        A keyed stage's staging folder is named by its key, so what a failed attempt wrote there was
        computed from these very inputs: it is kept (a finished training, say, when a later export
        step failed) and handed to the next attempt with the same key (`Job.resumed`), never promoted
        half-done. Any other stage starts from an empty folder.
        """
        staging = job.staging
        if not job.stage.keyed:
            shutil.rmtree(staging, ignore_errors=True)  # a killed stage left only this behind
        job.resumed = _has_files(staging)
        try:
            _call(job.stage.run, job)
            job.promote()
        except BaseException as exc:
            if job.stage.keyed and _has_files(staging):
                print(f"▸ {job.stage.label:<13} en échec : ce qu'il a déjà écrit est gardé dans "
                      f"{staging.relative_to(self.root)}/ et repris à la prochaine exécution.", flush=True)
            else:
                _remove_staging(staging)
            if isinstance(exc, OSError):  # a write the stage did not wrap itself: still one clear message
                raise write_error(Path(getattr(exc, "filename", None) or staging), exc) from None
            raise
        _remove_staging(staging)

    def write_manifest(self, **extra: Any) -> None:
        """artifacts/manifest.json: each stage's key, outputs and timing, plus what the caller adds."""
        atomic_write_json(self.root / MANIFEST, {**_read_json_or_empty(self.root / MANIFEST), **extra,
                                                 "stages": self.records})

    def _fresh(self, job: Job) -> bool:
        if job.damaged():
            return False
        record = self.records.get(job.stage.name)
        recorded = record.get("outputs", {}) if record and record.get("key") == job.key else None
        if recorded is None and not job.stage.keyed:
            return False
        for output in job.stage.outputs:
            path = job.final(output)
            if not path.exists():
                return False
            if recorded is not None and recorded.get(output) != _fingerprint(path):
                return False  # an output edited or damaged by hand is rebuilt
        return True

    def _fingerprints(self, job: Job) -> dict[str, str]:
        return {output: _fingerprint(job.final(output)) for output in job.stage.outputs}


def _fingerprint(path: Path) -> str:
    """SHA-256 of a file; for a folder, of its files' names and SHA-256: a byte changed anywhere is seen."""
    if path.is_dir():
        listing = sorted(f"{p.relative_to(path)}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
                         for p in path.rglob("*") if p.is_file())
        return "dir:" + hashlib.sha256("\n".join(listing).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def _remove_staging(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()  # only when no other stage left anything there


def _call(target: str, job: Job) -> Any:
    """Call "module:function": a module of this package, or any importable module (tests)."""
    module, function = target.split(":")
    name = f"{deps.PACKAGE}.{module}" if deps.module_path(module) else module
    return getattr(importlib.import_module(name), function)(job)


def _lookup(values: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        values = values[part]
    return values


def _read_json_or_empty(path: Path) -> dict:
    try:
        value = read_json(path)
        return value if isinstance(value, dict) else {}
    except (OSError, PipelineError):  # a damaged manifest only means: rebuild what it described
        return {}


def _read_records(path: Path) -> dict[str, dict]:
    stages = _read_json_or_empty(path).get("stages", {})
    return stages if isinstance(stages, dict) else {}
