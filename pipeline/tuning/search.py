"""The settings search: Optuna proposes, the training stage trains (cached, in parallel), validation decides.

Honest protocol (issue 24), in the order it runs:
1. `rounds` rounds of `round_size` trials: Optuna (TPE, seeded) proposes a round, the runs the cache
   lacks are trained in parallel like the sweep's (same stage, same keys, joblib or Dask), then every
   trial of the round is told its score in trial order. A rebuild therefore proposes the same trials
   and finds them in the cache; an interrupted search resumes where its runs stop.
2. A trial's score: validation exactitude at the epoch its EarlyStopping rule keeps, the rule replayed
   on one uninterrupted fit (tuning/space.py). The test set is never read by the search.
3. The best trial's settings, and params.yaml's for comparison, retrained on seeds never used before
   (1000 and up) with their real EarlyStopping; validation and test reported whatever they are.
Result: artifacts/tuning.json. No TensorFlow in this process: the workers train.
"""
from __future__ import annotations

import statistics
import time
from typing import Callable

from pipeline.workflow.runner import Runner, Stage
from pipeline.common import architecture, fr
from pipeline.common.config import Params
from pipeline.common.early_stopping import replay_run
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_json
from pipeline.experiments import sweep
from pipeline.experiments.questions import PlannedRun, read_run, rounded, with_changes
from pipeline.tuning import space

TUNING = "artifacts/tuning.json"
SCHEMA = 1  # bump when the file's shape changes: an older file is then ignored, never misread
ROUNDS, ROUND_SIZE = 3, 8  # 24 trials; the first round is random (TPE's start), the others learn from it
FRESH_SEEDS = 5  # the confirmation: seeds 1000, 1001, … never used by the search nor by the sweep
FIRST_FRESH_SEED = 1000


def run_search(runner: Runner, train: Stage, base: Params, rounds: int = ROUNDS, round_size: int = ROUND_SIZE,
               fresh_seeds: int = FRESH_SEEDS, workers: int | None = None, scheduler: str | None = None,
               log: Callable[[str], None] | None = None, prepare: Callable[[], None] | None = sweep.ensure_data) -> dict:
    """Search, confirm on fresh seeds, write artifacts/tuning.json (when it changed).

    Returns {"trained", "failed": [messages], "seconds", "summary"}. `prepare` runs in each worker before
    its first run (the sweep's: the data in the worker's own Keras cache).
    """
    import optuna

    log = log or (lambda line: print(line, flush=True))
    started = time.perf_counter()
    runner.run(train, base)  # params.yaml's run: the trials' keys share its data
    train_runs = lambda planned: sweep.train_missing(runner, train, base, sweep.tasks_of(runner, train, planned),
                                                     workers, scheduler, log, prepare)
    log(f"▸ réglage      {rounds * round_size} essais en {rounds} tours (Optuna {optuna.__version__}, TPE), "
        f"{base.epochs} époques chacun sans arrêt, choix sur la validation")
    trials, trained, failed = search_rounds(runner, train, base, rounds, round_size, train_runs, log)
    scored = [t for t in trials if t["value"] is not None]
    if not scored:
        raise PipelineError("aucun essai du réglage n'a abouti.", where=TUNING,
                            fix="lisez les échecs ci-dessus, puis relancez la même commande.",
                            detail=" | ".join(failed[:3]))
    chosen = max(scored, key=lambda t: (t["value"], -t["number"]))  # ties: the earlier trial
    runs, done = confirm(runner, train, base, chosen, fresh_seeds, train_runs, log)
    result = summary(base, runner.key(train, base), optuna.__version__, rounds, round_size, trials, chosen,
                     space.seed_settings(base), runs, seed_run(runner, train, base))
    sweep.write_json_if_changed(runner.root / TUNING, result)
    trained += done
    log(f"▸ réglage      {len(scored)} essais notés, {sweep.count(trained, 'entraînement fait', 'entraînements faits')}, "
        f"{sweep.count(len(failed), 'échec', 'échecs')} ; "
        f"graines neuves : test {fr.percent(result['test']['mean'], 2)} (réglages choisis) contre "
        f"{fr.percent(result['reference']['test']['mean'], 2)} (params.yaml), {fr.seconds(time.perf_counter() - started)}")
    return {"trained": trained, "failed": failed, "seconds": time.perf_counter() - started, "summary": result}


def search_rounds(runner: Runner, train: Stage, base: Params, rounds: int, round_size: int,
                  train_runs, log) -> tuple[list[dict], int, list[str]]:
    """Optuna's rounds: ask a whole round, train what the cache lacks, tell the scores in trial order
    (so that the next round's proposals never depend on which run finished first). A failed trial is told
    as failed; the next build trains it again. Returns (trial records, runs trained, failures)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the build prints its own lines
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(
        seed=base.seed, n_startup_trials=round_size))  # seeded: a rebuild proposes the same trials
    distributions = {dim.name: optuna.distributions.CategoricalDistribution(dim.values) for dim in space.SPACE}
    trials, trained, failed = [], 0, []
    for round_number in range(1, rounds + 1):
        asked = [study.ask(distributions) for _ in range(round_size)]
        params = [space.training_params(base, t.params) for t in asked]
        planned = [PlannedRun("réglage", f"essai {t.number + 1}", f"essai {t.number + 1}", base.seed, p)
                   for t, p in zip(asked, params)]
        todo = len(sweep.missing(runner.root, sweep.tasks_of(runner, train, planned)))
        log(f"▸ réglage      tour {round_number}/{rounds} : {round_size} essais, "
            f"{todo} entraînement{'s' if todo > 1 else ''} à faire")
        done, errors = train_runs(planned)
        trained, failed = trained + done, failed + errors
        for trial, p in zip(asked, params):
            record = score_trial(runner, train, base, trial, p, round_number)
            trials.append(record)
            if record["value"] is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, record["value"])
    return trials, trained, failed


def confirm(runner: Runner, train: Stage, base: Params, chosen: dict, fresh_seeds: int, train_runs,
            log) -> tuple[dict, int]:
    """The chosen settings and params.yaml's, each trained on the fresh seeds with its real EarlyStopping:
    ({"choisis": [run summaries], "params.yaml": [...]}, runs trained). Every run must succeed."""
    seeds = list(range(FIRST_FRESH_SEED, FIRST_FRESH_SEED + fresh_seeds))
    by_side = {"choisis": {s: space.confirmation_params(base, chosen["settings"], s) for s in seeds},
               "params.yaml": {s: with_changes(base, {"trajectory": False}, s) for s in seeds}}
    log(f"▸ réglage      choisi : essai {chosen['number']} ; confirmation sur les graines "
        f"{seeds[0]} à {seeds[-1]} (réglages choisis et params.yaml)")
    done, errors = train_runs([PlannedRun("réglage", side, f"confirmation · {side}", s, p)
                               for side, by_seed in by_side.items() for s, p in by_seed.items()])
    if errors:
        raise PipelineError("la confirmation du réglage n'a pas abouti.", where=TUNING,
                            fix="relancez la même commande : les entraînements finis sont gardés.",
                            detail=" | ".join(errors[:3]))
    runs = {side: [read_run(sweep.run_folder(runner.root, runner.key(train, p))) for p in by_seed.values()]
            for side, by_seed in by_side.items()}
    return runs, done


def score_trial(runner: Runner, train: Stage, base: Params, trial, params: Params, round_number: int) -> dict:
    """One trial's record: its settings, its run, and the replayed rule's kept epoch and validation scores
    (value None when its run failed). Its run's test score exists on disk and is never read here."""
    key = runner.key(train, params)
    record = {"number": trial.number + 1, "round": round_number, "settings": dict(trial.params), "key": key,
              "value": None}
    folder = sweep.run_folder(runner.root, key)
    if folder is None:
        return record
    history = read_json(folder / "metrics.json")["history"]
    replay = replay_run(history, space.rule(base, trial.params))
    if not replay.known:  # a history shorter than `epochs`: not a trial's run (trials never stop)
        raise PipelineError(f"l'historique de l'essai {record['number']} est trop court pour rejouer sa règle.",
                            where=f"artifacts/runs/{key}/metrics.json",
                            fix="supprimez ce dossier, puis relancez la même commande.")
    kept = replay.evaluated_epoch
    return {**record, "value": history[space.OBJECTIVE][kept - 1], "val_loss": history["val_loss"][kept - 1],
            "kept_epoch": kept, "epochs_run": replay.epochs_run,
            # The epochs this rule would have trained (the trial trained them all, once, for every rule).
            "seconds": sum(read_json(folder / "timings.json")["epoch_seconds"][:replay.epochs_run])}


def seed_run(runner: Runner, train: Stage, base: Params) -> dict:
    """params.yaml's own run (seed of params.yaml): its validation exactitude at the kept epoch."""
    return read_run(runner.root / f"artifacts/runs/{runner.key(train, base)}")


def spread(values: list[float]) -> dict:
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "n": len(values)}


def confirmation(runs: list[dict]) -> dict:
    """Validation and test exactitude over the fresh seeds, and each run's numbers."""
    return {"validation": spread([r["val_accuracy"] for r in runs]), "test": spread([r["test_accuracy"] for r in runs]),
            "runs": [{k: r[k] for k in ("seed", "key", "val_accuracy", "val_loss", "test_accuracy", "kept_epoch",
                                        "epochs_run", "seconds")} for r in runs]}


def summary(base: Params, base_key: str, version: str, rounds: int, round_size: int, trials: list[dict],
            chosen: dict, reference_settings: dict, runs: dict, seed: dict) -> dict:
    """artifacts/tuning.json: the trials, the choice, and the fresh-seed confirmation of both settings."""
    chosen_side, reference_side = confirmation(runs["choisis"]), confirmation(runs["params.yaml"])
    # Six significant digits, as experiments.json; base_params exact (is_current compares it with params.yaml).
    return {"schema": SCHEMA, "base_params": base.to_dict(), "base_key": base_key, **rounded({
        "search": {"library": f"optuna {version}", "sampler": "TPE", "sampler_seed": base.seed,
                   "rounds": rounds, "round_size": round_size, "epochs": base.epochs, "trial_seed": base.seed,
                   "objective": space.OBJECTIVE,
                   "space": [{"name": d.name, "label": d.label, "short": d.short, "values": list(d.values),
                              "replayed": d.replayed,
                              "beyond_seed": d.beyond_seed} for d in space.SPACE]},
        "trials": trials,
        "chosen": {"number": chosen["number"], "settings": chosen["settings"], "value": chosen["value"]},
        "seed_settings": reference_settings,
        "seed_run": {"seed": seed["seed"], "val_accuracy": seed["val_accuracy"], "test_accuracy": seed["test_accuracy"]},
        "fresh_seeds": [r["seed"] for r in runs["choisis"]],
        # The confirmation of the chosen settings, the numbers to quote: {"validation": {mean, std, n}, "test": …}.
        "validation": chosen_side["validation"], "test": chosen_side["test"], "runs": chosen_side["runs"],
        "reference": reference_side,
    })}


def is_current(raw: dict | None, base: dict, base_key: str) -> bool:
    """Searched with these base parameters and this code (the `make report` run's key)."""
    return (isinstance(raw, dict) and raw.get("schema") == SCHEMA and raw.get("base_params") == base
            and raw.get("base_key") == base_key and bool(raw.get("trials")))
