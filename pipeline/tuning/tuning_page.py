"""French values and conclusions for the Réglage page, from artifacts/tuning.json (no TensorFlow, no Optuna).

Every sentence that judges is chosen from computed facts (is the gap larger than the seeds' spread? was
the winning trial's score optimistic, and by how much more than params.yaml's own seed?) and quotes them.
"""
from __future__ import annotations

from pipeline.common import fr
from pipeline.tuning.figures import value_label
from pipeline.tuning.search import is_current

NUMBERS = {2: "Deux", 3: "Trois", 4: "Quatre", 5: "Cinq", 6: "Six", 7: "Sept", 8: "Huit"}
TOP = 5  # trials listed before the folded table of all of them


def build(raw: dict | None, params: dict, run_key: str) -> dict | None:
    """The page's `reglage` value, or None when not searched with these parameters and this code."""
    if not is_current(raw, params, run_key):
        return None
    search, trials = raw["search"], raw["trials"]
    scored = sorted((t for t in trials if t["value"] is not None), key=lambda t: (-t["value"], t["number"]))
    space = search["space"]
    chosen, seed = raw["chosen"]["settings"], raw["seed_settings"]
    trainings = len({t["key"] for t in trials})
    combinations = 1
    for d in space:
        combinations *= len(d["values"])
    return {
        "trials": len(trials), "scored": len(scored), "failed": len(trials) - len(scored),
        "rounds": search["rounds"], "round_size": search["round_size"], "library": _library(search["library"]),
        "epochs": search["epochs"], "trial_seed": search["trial_seed"], "trainings": trainings,
        "shared": len(trials) - trainings, "combinations": fr.integer(combinations),
        "space": [_dimension(d, seed[d["name"]]) for d in space],
        "columns": [_short(d) for d in space],
        "top": [_trial(t, space) for t in scored[:TOP]],
        "all": [_trial(t, space) for t in sorted(trials, key=lambda t: t["number"])],
        "chosen_number": raw["chosen"]["number"], "chosen_value": fr.percent(raw["chosen"]["value"], 2),
        "choice": [{"label": d["label"], "seed": _value(seed[d["name"]]), "chosen": _value(chosen[d["name"]]),
                    "changed": seed[d["name"]] != chosen[d["name"]], "beyond_seed": d["beyond_seed"]} for d in space],
        "unchanged": all(seed[d["name"]] == chosen[d["name"]] for d in space),
        "yaml": _yaml(chosen, seed, space),
        "confirmation": _confirmation(raw),
        "curse": _curse(raw),
        "figures": {"essais": "reglage/essais.png", "effets": "reglage/effets.png"},
        "plot": _plot(raw, scored),
    }


def _library(text: str) -> str:
    name, _, version = text.partition(" ")
    return f"{name.capitalize()} {version}".strip()


def _value(value) -> str:
    return f"`{value}`" if isinstance(value, str) else value_label(value)


def _dimension(d: dict, seed_value) -> dict:
    values = [f"**{_value(v)}**" if v == seed_value else _value(v) for v in d["values"]]
    return {"label": d["label"], "name": d["name"], "choices": ", ".join(values), "replayed": d["replayed"],
            "beyond_seed": d["beyond_seed"]}


def _short(d: dict) -> str:
    """A column title for the trials' table (older records: the params.yaml key without its group)."""
    return d.get("short") or d["name"].rsplit(".", 1)[-1]


def _trial(t: dict, space: list[dict]) -> dict:
    ok = t["value"] is not None
    return {"number": t["number"], "round": t["round"], "settings": [_value(t["settings"][d["name"]]) for d in space],
            "value": fr.percent(t["value"], 2) if ok else "échec",
            "kept_epoch": str(t["kept_epoch"]) if ok else "—", "epochs_run": str(t["epochs_run"]) if ok else "—"}


def _yaml(chosen: dict, seed: dict, space: list[dict]) -> str:
    """The lines to copy into params.yaml: only the settings that depart from it, nested as the file is."""
    top, nested = [], []
    for d in space:
        name, value = d["name"], chosen[d["name"]]
        if value == seed[name]:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if "." in name:
            nested.append(f"  {name.split('.', 1)[1]}: {text}")
        else:
            top.append(f"{name}: {text}")
    return "\n".join(top + (["early_stopping:", *nested] if nested else []))


def _spread(s: dict) -> str:
    return f"{fr.percent(s['mean'], 2)} ± {fr.decimal(100 * s['std'], 2)}"


def _confirmation(raw: dict) -> dict:
    """The two settings on the same fresh seeds: their numbers and whether the gap exceeds the spread."""
    chosen, reference = {"validation": raw["validation"], "test": raw["test"]}, raw["reference"]
    rows = []
    for which, side, runs in (("réglages choisis", chosen, raw["runs"]), ("params.yaml", reference, reference["runs"])):
        rows.append({"label": which, "validation": _spread(side["validation"]), "test": _spread(side["test"]),
                     "kept": fr.decimal(sum(r["kept_epoch"] for r in runs) / len(runs), 1),
                     "epochs_run": fr.decimal(sum(r["epochs_run"] for r in runs) / len(runs), 1),
                     "seconds": fr.seconds(sum(r["seconds"] for r in runs) / len(runs))})
    gap = {name: chosen[name]["mean"] - reference[name]["mean"] for name in ("validation", "test")}
    exceeds = {name: abs(gap[name]) > chosen[name]["std"] + reference[name]["std"] for name in gap}
    seeds = raw["fresh_seeds"]
    return {"rows": rows, "n": len(seeds), "seeds": ", ".join(str(s) for s in seeds),
            "first_seed": seeds[0], "last_seed": seeds[-1],
            "test_gap": fr.points(100 * abs(gap["test"])), "validation_gap": fr.points(100 * abs(gap["validation"])),
            "test_better": gap["test"] > 0, "validation_better": gap["validation"] > 0,
            "test_exceeds": exceeds["test"], "validation_exceeds": exceeds["validation"],
            "test": fr.percent(raw["test"]["mean"], 2), "test_std": fr.points(100 * raw["test"]["std"]),
            "per_seed": [{"seed": a["seed"], "chosen": fr.percent(a["test_accuracy"], 2),
                          "reference": fr.percent(b["test_accuracy"], 2),
                          "chosen_better": a["test_accuracy"] > b["test_accuracy"]}
                         for a, b in zip(raw["runs"], reference["runs"])],
            "wins": sum(a["test_accuracy"] > b["test_accuracy"] for a, b in zip(raw["runs"], reference["runs"]))}


def _curse(raw: dict) -> dict:
    """The winner's curse in numbers: how much the best trial's validation score promised beyond what its
    settings give on fresh seeds, next to the same difference for params.yaml's single run (chance alone,
    no choice). The choice's own optimism is the excess of the first over the second; it is called
    measured only when it exceeds the two fresh-seed means' spreads (the page's usual rule)."""
    promised, kept = raw["chosen"]["value"], raw["validation"]["mean"]
    seed_promised, seed_kept = raw["seed_run"]["val_accuracy"], raw["reference"]["validation"]["mean"]
    drop, seed_drop = promised - kept, seed_promised - seed_kept
    excess, noise = drop - seed_drop, raw["validation"]["std"] + raw["reference"]["validation"]["std"]
    return {"promised": fr.percent(promised, 2), "kept": fr.percent(kept, 2),
            "drop": fr.points(100 * abs(drop)), "dropped": drop > 0,
            "seed_promised": fr.percent(seed_promised, 2), "seed_kept": fr.percent(seed_kept, 2),
            "seed_drop": fr.points(100 * abs(seed_drop)), "seed_dropped": seed_drop > 0,
            "excess": fr.points(100 * abs(excess)), "noise": fr.points(100 * noise),
            "measured": excess > noise}


def _plot(raw: dict, scored: list[dict]) -> dict:
    """What the two figures show, for their alt texts (written in templates/reglage.md.jinja)."""
    best, worst, panels = scored[0], scored[-1], len(raw["search"]["space"])
    return {"points": len(scored), "best": fr.percent(best["value"], 2), "best_number": best["number"],
            "worst": fr.percent(worst["value"], 2), "worst_number": worst["number"],
            "seed": fr.percent(raw["seed_run"]["val_accuracy"], 2), "panels": NUMBERS.get(panels, panels)}
