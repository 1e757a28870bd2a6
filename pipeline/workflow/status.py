"""`make status`: say which stages the next build would run again and why, running and writing nothing.

Each stage's key is computed as the runner computes it (pipeline/workflow/runner.py), then compared part
by part with what artifacts/manifest.json recorded for the last build: parameters, code files,
project files, inputs, package versions, and the keys of the stages it reads. A stage whose key
changed only because an earlier stage's did is said to follow it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.workflow import deps, provenance, stages
from pipeline.workflow.cache import key_of
from pipeline.workflow.runner import MANIFEST, Job, Runner, _fingerprint
from pipeline.common.config import Params
from pipeline.data import dataset


SEP = "\u00a0; "  # between the reasons of one stage
INPUTS = {"dataset": "empreinte des données", "provenance": "provenance (état git, versions, machine)"}


def explain(root: Path, params: Params) -> list[str]:
    """One line per stage (« à jour », or « refaite » with its reasons), then a conclusion."""
    runner = Runner(root, {"dataset": dataset.checksums(), "provenance": provenance.describe(root)})
    table = stages.table(root)
    labels = {stage.name: stage.label for stage in table}
    keys: dict[str, str] = {}
    lines, rerun = [], []
    for stage in table:
        parts = runner.parts(stage, params, keys)
        key = keys[stage.name] = key_of(parts)
        job = Job(stage, key, root, params, runner.inputs)
        record = runner.records.get(stage.name)
        reasons = [] if record is None else reasons_for(parts, record.get("parts"), record.get("key"), key, labels)
        if record is None:
            reasons = [f"jamais construite (rien dans {MANIFEST.as_posix()})"]
        elif not reasons:
            reasons = _damaged_outputs(runner, job)
        if job.stage.keyed and job.damaged() and not any("endommagée" in r for r in reasons):
            reasons.append(f"sortie {job.damaged()} endommagée (empreinte SHA-256 différente)")
        if not reasons:
            lines.append(f"✓ {stage.label}\u00a0: à jour")
        elif runner._fresh(job):  # a keyed stage: an earlier build already made these very outputs
            lines.append(f"✓ {stage.label}\u00a0: {SEP.join(reasons)}\u00a0; déjà en cache "
                         f"({', '.join(job.final(o).relative_to(root).as_posix() for o in stage.outputs)}), réutilisé")
        else:
            rerun.append(stage.label)
            lines.append(f"↻ {stage.label}\u00a0: {SEP.join(reasons)}")
    if rerun:
        lines.append(f"{len(rerun)} étape{'s' if len(rerun) > 1 else ''} à refaire ({', '.join(rerun)})\u00a0: "
                     "«\u00a0make report\u00a0» le fera.")
    else:
        lines.append("Tout est à jour\u00a0: «\u00a0make report\u00a0» ne referait rien.")
    return lines


def reasons_for(parts: dict, recorded: dict | None, recorded_key: str | None, key: str,
                labels: dict[str, str]) -> list[str]:
    """Why a stage's key differs from the recorded one, in French (empty when it does not differ)."""
    if recorded_key == key:
        return []
    if not isinstance(recorded, dict):
        return ["clé changée (le manifeste, écrit par une version précédente, n'en garde pas le détail)"]
    reasons = []
    reasons += [f"paramètre {name} {_show(old)} → {_show(new)}"
                for name, old, new in _changes(_flat(recorded.get("params", {})), _flat(parts["params"]))]
    reasons += [f"code {_module_file(name)} {'ajouté' if old is None else 'supprimé' if new is None else 'modifié'}"
                for name, old, new in _changes(recorded.get("code", {}), parts["code"])]
    for declared, files in parts["files"].items():
        before = recorded.get("files", {}).get(declared, {})
        if not isinstance(before, dict):  # a manifest written before per-file digests
            reasons.append(f"fichier {declared}\u00a0: empreinte d'une version précédente")
            continue
        for name, old, new in _changes(before, files):
            path = declared if declared.endswith(name) else f"{declared.rstrip('/')}/{name}"
            kind = "le gabarit" if path.startswith("templates/") else "le fichier"
            reasons.append(f"{kind} {path} {'est nouveau' if old is None else 'a disparu' if new is None else 'a changé'}")
    reasons += [f"{INPUTS.get(name, name)} changée{_provenance_detail(old, new)}"
                for name, old, new in _changes(recorded.get("inputs", {}), parts["inputs"])]
    reasons += [f"version de {name} {_show(old)} → {_show(new)}"
                for name, old, new in _changes(recorded.get("versions", {}), parts["versions"])]
    reasons += [f"suit l'étape {labels.get(name, name)}, qui change"
                for name, old, new in _changes(recorded.get("after", {}), parts["after"])]
    return reasons or ["clé changée sans différence visible (manifeste incomplet)"]


def _damaged_outputs(runner: Runner, job: Job) -> list[str]:
    """Same key, but an output missing or edited by hand: the runner rebuilds it too."""
    recorded = runner.records[job.stage.name].get("outputs", {})
    damaged = job.damaged()
    reasons = [f"sortie {damaged} endommagée (empreinte SHA-256 différente)"] if damaged else []
    for output in job.stage.outputs:
        path = job.final(output)
        shown = path.relative_to(runner.root).as_posix()
        if not path.exists():
            reasons.append(f"sortie {shown} absente")
        elif recorded.get(output) not in (None, _fingerprint(path)):
            reasons.append(f"sortie {shown} modifiée depuis la dernière construction")
    return reasons


def _changes(old: dict, new: dict) -> list[tuple[str, Any, Any]]:
    """(name, old value, new value) for every name whose value differs; None stands for « absent »."""
    return [(name, old.get(name), new.get(name)) for name in sorted(set(old) | set(new))
            if old.get(name) != new.get(name)]


def _flat(values: Any, prefix: str = "") -> dict:
    if not isinstance(values, dict):
        return {prefix.rstrip("."): values}
    out = {}
    for name, value in values.items():
        out.update(_flat(value, f"{prefix}{name}.") if isinstance(value, dict) else {f"{prefix}{name}": value})
    return out


def _show(value: Any) -> str:
    return "(absent)" if value is None else str(value)


def _module_file(name: str) -> str:
    path = deps.module_path(name)
    return (path.relative_to(deps.PACKAGE_DIR.parent).as_posix() if path
            else f"{deps.PACKAGE}/{name.replace('.', '/')}.py")


def _provenance_detail(old: Any, new: Any) -> str:
    """For the git state and versions: which of their values changed (« commit 4fb5622 → 1a2b3c4 »)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ""
    changed = [f"{name} {_short(a)} → {_short(b)}" for name, a, b in _changes(_flat(old), _flat(new))]
    return f" ({', '.join(changed)})" if changed else ""


def _short(value: Any) -> str:
    text = _show(value)
    return text[:7] if len(text) == 40 and all(c in "0123456789abcdef" for c in text) else text
