"""French values and conclusions for the Expériences and Variabilité pages, from artifacts/experiments.json.

Every conclusion is chosen from computed facts (which variant is best on the validation set, whether
the difference exceeds the seed-to-seed spread) and quotes the measured numbers; none is typed.
The test set is shown apart, "pour information", except for the protocol question, which is about it.
"""
from __future__ import annotations

from pipeline.common import fr
from pipeline.experiments.extras import EXTRAS, mean as _m
from pipeline.experiments.questions import VARIABILITY, is_current

BETTER = {"val_accuracy": max, "test_accuracy": max, "val_loss": min}  # the comparison criterion's direction


def build(raw: dict | None, params: dict, run_key: str) -> dict | None:
    """The pages' `experiments` value, or None when not measured for these parameters and this code."""
    if not is_current(raw, params, run_key):
        return None
    questions = {q["id"]: _question(q, params) for q in raw["questions"]}
    runs = {r["key"]: r["seconds"] for q in raw["questions"] for v in q["variants"] for r in v["runs"]}
    seeds = sorted({r["seed"] for q in raw["questions"] for v in q["variants"] for r in v["runs"]})
    return {
        "questions": questions,
        "order": [q for q in questions if q != VARIABILITY],
        "seeds": ", ".join(str(s) for s in seeds),
        "runs": len(runs), "training_seconds": fr.seconds(sum(runs.values())),
        "variability": _variability(raw, params),
        "defaults": _defaults(raw, params),
    }


def test_accuracy_over_seeds(raw: dict | None, params: dict, run_key: str) -> dict | None:
    """The default parameters' test exactitude over the Variabilité seeds (mean, std, n), when measured
    for these parameters and this code; None otherwise (the pages then compare one run, and say so)."""
    if not is_current(raw, params, run_key):
        return None
    q = next((q for q in raw["questions"] if q["id"] == VARIABILITY), None)
    if q is None:
        return None
    v = q["variants"][0]
    return {"mean": v["test_accuracy"]["mean"], "std": v["test_accuracy"]["std"], "n": len(v["runs"])}


def _spread(value: float, digits: int) -> str:
    """A spread as printed: « < 0,001 » rather than a « ± 0,000 » that reads as « identical »."""
    return fr.decimal(value, digits) if round(value, digits) > 0 else f"<{fr.NBSP}{fr.decimal(10 ** -digits, digits)}"


def _acc(s: dict) -> str:
    spread = _spread(100 * s["std"], 2)
    return f"{fr.percent(s['mean'], 2)} ± {spread}{fr.NBSP}point{'s' if 100 * s['std'] >= 2 else ''}"


def _cell(s: dict) -> str:
    """Table cells: the spread without its unit (the page says it is in points)."""
    return f"{fr.percent(s['mean'], 2)} ± {_spread(100 * s['std'], 2)}"


def _loss(s: dict) -> str:
    return f"{fr.decimal(s['mean'], 3)} ± {_spread(s['std'], 3)}"


def distinct(a: dict, b: dict, metric: str = "val_accuracy") -> bool:
    """The seed-to-seed spread does not explain the difference: mean ± std intervals do not overlap."""
    return abs(a[metric]["mean"] - b[metric]["mean"]) > a[metric]["std"] + b[metric]["std"]


def same(a: dict, b: dict) -> bool:
    """Same kept weights on every seed, as far as the measures tell (e.g. patience 5 and 10 when training
    stops before the larger patience matters): equal means of validation exactitude and loss."""
    return all(abs(a[m]["mean"] - b[m]["mean"]) < 1e-9 for m in ("val_accuracy", "val_loss", "test_accuracy"))


def compare(variants: list[dict], metric: str = "val_accuracy") -> dict:
    """Best variant on `metric` (with those that tie with it exactly), the one it is compared with
    (params.yaml's, or the runner-up when params.yaml's is among the best), the gap of their means,
    and whether it exceeds the seed-to-seed spread (`distinct`)."""
    sign = 1 if BETTER[metric] is max else -1
    reference = next((v for v in variants if v["reference"]), variants[0])
    # A tie goes to params.yaml's variant (then to the first listed): no change without a measured gain.
    best = max(variants, key=lambda v: (sign * v[metric]["mean"], v is reference, -variants.index(v)))
    tied = [v for v in variants if same(v, best)]
    rest = [v for v in variants if v not in tied]
    other = (reference if reference not in tied else
             max(rest, key=lambda v: (sign * v[metric]["mean"], -variants.index(v))) if rest else None)
    gap = abs(best[metric]["mean"] - other[metric]["mean"]) if other else 0.0
    return {"best": best, "tied": tied, "other": other, "best_is_reference": reference in tied, "gap": gap,
            "exceeds": bool(other) and distinct(best, other, metric)}


def _question(q: dict, params: dict) -> dict:
    variants = q["variants"]
    metric = "test_accuracy" if q["id"] == "protocole" else "val_accuracy"
    facts = compare(variants, metric) if len(variants) > 1 else None
    return {
        "id": q["id"], "title": q["title"], "beyond_seed": q["beyond_seed"], "seeds": len(q["seeds"]),
        "replayed": q.get("replayed", False),
        "common": ", ".join(f"`{k}: {_yaml(v)}`" for k, v in q["common"].items()),
        "changes": _and([f"« {v['label']} » ("
                         + (", ".join(f"`{k}: {_yaml(x)}`" for k, x in v["changes"].items()) or "rien à changer") + ")"
                         for v in variants]),
        "figure": f"experiences/{q['id']}.png",
        "rows": [_row(v) for v in variants],
        "best": facts and facts["best"]["label"], "exceeds": bool(facts and facts["exceeds"]),
        "conclusion": _conclusion(q, facts, metric) if facts else EXTRAS[q["id"]]({v["id"]: v for v in variants}),
        "labels": [v["label"] for v in variants],  # the figure's curves, named in its alt text
    }


def _yaml(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _row(v: dict) -> dict:
    return {"label": v["label"], "reference": v["reference"],
            "changes": ", ".join(f"`{k}: {_yaml(x)}`" for k, x in v["changes"].items()) or "—",
            "val_accuracy": _cell(v["val_accuracy"]), "val_loss": _loss(v["val_loss"]),
            "kept_epoch": fr.decimal(v["kept_epoch"]["mean"], 1), "epochs_run": fr.decimal(v["epochs_run"]["mean"], 1),
            "seconds": fr.seconds(v["seconds"]["mean"]), "test_accuracy": _cell(v["test_accuracy"]),
            "params": fr.integer(v["total_params"]), "updates": fr.integer(v["updates_per_epoch"])}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1] if items else "—"


def _labels(variants: list[dict]) -> str:
    return _and([f"« {v['label']} »" for v in variants])


def _conclusion(q: dict, facts: dict, metric: str) -> str:
    best, other, tied, n = facts["best"], facts["other"], facts["tied"], len(q["seeds"])
    where = "le jeu de test" if metric == "test_accuracy" else "le jeu de validation"
    extra = EXTRAS.get(q["id"])
    extra = " " + extra({v["id"]: v for v in q["variants"]}) if extra else ""
    if q["id"] == "protocole":
        return _protocol(q, facts) + extra
    if len(tied) > 1:
        first = (f"Sur {where}, {_labels(tied)} gardent exactement les mêmes poids : {_acc(best[metric])} "
                 f"sur {n} graines.")
        if other is None:
            return first + extra
        first += f" {_labels([other])} obtient {_acc(other[metric])}"
    elif facts["best_is_reference"]:
        first = (f"Sur {where}, le réglage de `params.yaml` (« {best['label']} ») donne la meilleure exactitude "
                 f"moyenne : {_acc(best[metric])} sur {n} graines, contre {_acc(other[metric])} pour "
                 f"« {other['label']} »")
    else:
        first = (f"Sur {where}, « {best['label']} » donne la meilleure exactitude moyenne : {_acc(best[metric])} "
                 f"sur {n} graines, contre {_acc(other[metric])} pour « {other['label']} »"
                 + (" (le réglage de `params.yaml`)" if other["reference"] else ""))
    gap = fr.points(100 * facts["gap"])
    verdict = (f" : l'écart, {gap}, dépasse la variation d'une graine à l'autre." if facts["exceeds"] else
               f" : l'écart, {gap}, reste dans la variation d'une graine à l'autre, ces réglages ne se "
               f"distinguent pas avec {n} graines.")
    return first + verdict + _clearly_worse(q["variants"], facts, metric) + _capped(q["variants"]) + extra


def _clearly_worse(variants: list[dict], facts: dict, metric: str) -> str:
    """Variants beaten by params.yaml's beyond the seed spread: a finding too, said even when it is not
    the best variant's comparison (« × 10 » clearly worse while « × 0,1 » and « × 1 » tie)."""
    reference = next((v for v in variants if v["reference"]), None)
    if reference is None:
        return ""
    sign = 1 if BETTER[metric] is max else -1
    worse = [v for v in variants if v is not reference and v is not facts["other"] and v not in facts["tied"]
             and sign * (v[metric]["mean"] - reference[metric]["mean"]) < 0 and distinct(v, reference, metric)]
    if not worse:
        return ""
    return (f" {_labels(worse)} {'fait' if len(worse) == 1 else 'font'} nettement moins bien que le réglage de "
            f"`params.yaml` ({_and([_acc(v[metric]) for v in worse])}, au-delà de la variation d'une graine à "
            "l'autre).")


def _capped(variants: list[dict]) -> str:
    """Variants that trained to the epoch limit on every seed: still learning, their score is not final."""
    capped = [v for v in variants if v["epochs_run"]["min"] >= v["params"]["epochs"]
              and v["params"]["early_stopping"]["patience"] < v["params"]["epochs"]]
    if not capped:
        return ""
    limit = capped[0]["params"]["epochs"]
    return (f" {_labels(capped)} {'a' if len(capped) == 1 else 'ont'} joué les {limit} époques sans qu'EarlyStopping "
            f"n'arrête l'entraînement, sur chaque graine : {'il apprenait' if len(capped) == 1 else 'ils apprenaient'} "
            "encore, et ce score n'est pas celui qu'on obtiendrait avec plus d'époques.")


def _protocol(q: dict, facts: dict) -> str:
    """The seed's protocol against the honest one: both measured on the test set, the question's point."""
    v = {x["id"]: x for x in q["variants"]}
    leak, honest, n = v["test"], v["split"], len(q["seeds"])
    gap = fr.points(100 * abs(_m(leak, "test_accuracy") - _m(honest, "test_accuracy")))
    higher = "plus haute" if _m(leak, "test_accuracy") > _m(honest, "test_accuracy") else "plus basse"
    return (f"Mesurée sur le jeu de test ({n} graines), l'exactitude vaut {_acc(leak['test_accuracy'])} quand ce "
            f"même jeu choisit l'époque gardée (`validation: test`, comme dans l'énoncé), et {_acc(honest['test_accuracy'])} "
            f"avec un jeu de validation à part : {gap} {higher}, un écart qui "
            + ("dépasse" if facts["exceeds"] else "reste dans") + " la variation d'une graine à l'autre. "
            f"Avec `validation: test`, ce score n'est plus une mesure indépendante, puisqu'il a servi à choisir "
            f"l'époque ; et ce réseau s'entraîne sur {fr.integer(leak['fit_size'])} images au lieu de "
            f"{fr.integer(honest['fit_size'])} : l'écart mêle les deux effets. Le protocole honnête annonçait "
            f"{fr.percent(_m(honest, 'val_accuracy'), 2)} sur son jeu de validation, avant de mesurer le test "
            f"une seule fois.")


def _variability(raw: dict, params: dict) -> dict | None:
    q = next((q for q in raw["questions"] if q["id"] == VARIABILITY), None)
    if q is None:
        return None
    v = q["variants"][0]
    return {
        "count": len(v["runs"]),
        "rows": [{"seed": r["seed"], "val_accuracy": fr.percent(r["val_accuracy"], 2),
                  "val_loss": fr.decimal(r["val_loss"], 3), "epochs_run": r["epochs_run"],
                  "kept_epoch": r["kept_epoch"], "seconds": fr.seconds(r["seconds"]),
                  "test_accuracy": fr.percent(r["test_accuracy"], 2), "current": r["seed"] == params["seed"]}
                 for r in v["runs"]],
        **{f"{name}_{stat}": (fr.percent(v[name][stat], 2) if stat != "std" else fr.points(100 * v[name]["std"]))
           for name in ("val_accuracy", "test_accuracy") for stat in ("mean", "std", "min", "max")},
        "spread": fr.points(100 * (v["val_accuracy"]["max"] - v["val_accuracy"]["min"])),
        "stop_mean": fr.decimal(v["epochs_run"]["mean"], 1), "stop_min": v["epochs_run"]["min"],
        "stop_max": v["epochs_run"]["max"], "seconds": fr.seconds(v["seconds"]["mean"]),
        "wide": v["val_accuracy"]["max"] - v["val_accuracy"]["min"] > 0.01,
    }


# -- Which question decided each default of params.yaml's early_stopping ------------------------------

def _defaults(raw: dict, params: dict) -> list[dict]:
    """For patience, monitor and restore_best_weights: params.yaml's value and what its question says.

    Rule, on the validation set only: keep params.yaml's value unless another is better beyond the seed
    spread; among values that keep exactly the same weights, take the simplest (the smallest patience,
    which trains least; the seed's val_loss; restoring the best weights)."""
    es = params["early_stopping"]
    by_id = {q["id"]: q for q in raw["questions"]}
    rows = []
    for question, key, simplest_first in (("patience", "patience", ("p1", "p3", "p5", "p10")),
                                          ("surveillance", "monitor", ("val_loss", "val_accuracy")),
                                          ("restauration", "restore_best_weights", ("oui", "non"))):
        q = by_id.get(question)
        if q is None:
            continue
        variants = {v["id"]: v for v in q["variants"]}
        facts = compare(q["variants"])
        current = next((v for v in q["variants"] if v["params"]["early_stopping"][key] == es[key]), None)
        chosen = facts["best"] if current is None or distinct(facts["best"], current) else current
        chosen = next(variants[i] for i in simplest_first if i in variants and same(variants[i], chosen))
        value = chosen["params"]["early_stopping"][key]
        rows.append({"key": f"early_stopping.{key}", "value": _yaml(es[key]), "question": question,
                     "title": q["title"], "chosen": _yaml(value), "agrees": value == es[key],
                     "best_label": ", ".join(v["label"] for v in facts["tied"])})
    return rows
