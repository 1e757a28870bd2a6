"""The experiments: plan, parallel sweep through the run cache (loky and Dask), summaries, conclusions, pages."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import psutil
import pytest

import fake_training
from factories import make_artifacts, make_metrics
from pipeline.experiments import questions
from pipeline.common import fr
from pipeline.publish import mkdocs_hooks
from pipeline.pages import render as rendering
from pipeline.experiments import sweep, worker
from pipeline.common.config import Params, load_params
from pipeline.pages.context import build_context
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, read_json
from pipeline.workflow.runner import STAGING, Job, Runner, Stage
from pipeline.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
QUESTION_IDS = {"protocole", "sans_arret", "patience", "surveillance", "restauration", "lot", "largeur",
                "taux", "dropout", "graines"}
FAKE_DATA = Stage("data", "données", "fake_training:data_stage", "fake_training:data_summary",
                  outputs=("artifacts/data.json",))
FAKE_TRAIN = Stage("train", "entraînement", "fake_training:train_stage", "fake_training:summary",
                   params=("*",), after=("data",), outputs=("artifacts/runs/{key}/",))


# -- The plan ---------------------------------------------------------------------------------------

def test_every_question_the_pages_cite_is_planned_with_at_least_three_seeds_and_five_for_the_seeds_page():
    base = Params()
    planned = questions.plan(base)
    assert {run.question for run in planned} == QUESTION_IDS
    for q in questions.questions(base):
        assert len(q.variants) >= (1 if q.id == "graines" else 2), q.id
        five = q.id == "graines" or q.replayed  # replayed on the five seeds of Variabilité
        for v in q.variants:
            seeds = [r.seed for r in planned if (r.question, r.variant) == (q.id, v.id)]
            assert seeds == list(range(42, 42 + (5 if five else 3))), (q.id, v.id)


def test_the_early_stopping_questions_train_nothing_beyond_the_seeds_of_variabilite():
    """Their rules are replayed on the trajectories of the Variabilité seeds: no run per rule."""
    base = Params()
    runs = {(r.question, r.variant, r.seed): r.params for r in questions.plan(base)}
    seeds = {runs[("graines", "params", s)] for s in range(42, 47)}
    for question in ("patience", "surveillance", "restauration", "sans_arret"):
        assert {p for (q, _, _), p in runs.items() if q == question} == seeds, question
    distinct_runs = len(set(runs.values()))
    old_plan = len({r.params for r in questions.plan(dataclasses.replace(base, trajectory=False))})
    assert distinct_runs <= old_plan - 10, (distinct_runs, old_plan)


def test_variants_change_only_what_they_name_and_the_default_variant_is_the_make_report_run():
    base = Params(trajectory=False)  # every variant trained on its own, as without trajectories
    runs = {(r.question, r.variant, r.seed): r.params for r in questions.plan(base)}
    assert runs[("patience", "p1", 43)] == dataclasses.replace(
        base, seed=43, early_stopping=dataclasses.replace(base.early_stopping, patience=1))
    assert runs[("lot", "b512", 42)].batch_size == 512 and runs[("largeur", "n32", 42)].hidden_units == 32
    assert runs[("taux", "x10", 42)].learning_rate == pytest.approx(10 * base.learning_rate)
    no_stop = runs[("sans_arret", "sans", 42)].early_stopping
    assert no_stop.patience >= base.epochs and no_stop.restore_best_weights is False
    assert runs[("dropout", "d2", 42)].dropout == 0.2 and runs[("dropout", "d0", 42)] == runs[("sans_arret", "sans", 42)]
    # The seed's settings in every question are exactly params.yaml: the run `make report` trains.
    assert runs[("graines", "params", 42)] == base == runs[("lot", "b32", 42)] == runs[("protocole", "split", 42)]


def test_variants_follow_the_base_parameters():
    base = dataclasses.replace(Params(), epochs=12, learning_rate=0.002, seed=7, trajectory=False)
    runs = {(r.question, r.variant, r.seed): r.params for r in questions.plan(base, ["sans_arret", "taux"])}
    assert runs[("sans_arret", "sans", 7)].early_stopping.patience == 12
    assert runs[("taux", "x0.1", 9)].learning_rate == pytest.approx(0.0002)
    assert {q for q, _, _ in runs} == {"sans_arret", "taux"}


def test_an_unknown_question_is_refused_before_any_training():
    with pytest.raises(ValueError, match="inconnues : lots"):
        questions.plan(Params(), ["lots"])


def test_new_parameters_are_validated_like_the_others(tmp_path):
    for line, key in (("hidden_units: -1", "hidden_units"), ("dropout: 1.0", "dropout"),
                      ("learning_rate: 0", "learning_rate"), ("dropout: oui", "dropout")):
        (tmp_path / "p.yaml").write_text(line + "\n", encoding="utf-8")
        with pytest.raises(PipelineError, match=key):
            load_params(tmp_path / "p.yaml")


def test_the_default_width_is_the_seed_s_and_the_width_question_keeps_it_as_reference():
    """hidden_units: 128 is the seed's Dense(128); the "largeur" question's middle variant is that same
    run (the default run's key), not a copy."""
    assert load_params(ROOT / "params.yaml").hidden_units == Params().hidden_units == 128
    base = load_params(ROOT / "params.yaml")
    runs = {(r.variant, r.seed): r.params for r in questions.plan(base, ["largeur"])}
    assert runs[("n128", base.seed)] == base
    assert [runs[(v, base.seed)].hidden_units for v in ("n32", "n128", "n512")] == [32, 128, 512]


# -- Summaries and conclusions from hand-made run folders ---------------------------------------------

def write_run(folder: Path, params: Params, val_accuracy: float, val_loss: float = 0.34, seconds: float = 10.0,
              epochs: int = 8, best: int = 5) -> Path:
    history = {"loss": [0.5] * epochs, "val_loss": [0.4] * epochs, "accuracy": [0.9] * epochs,
               "val_accuracy": [0.8] * epochs}
    history["val_accuracy"][best - 1], history["val_loss"][best - 1] = val_accuracy, val_loss
    metrics = make_metrics(history=history, best_epoch=best)
    metrics["params"] = params.to_dict()
    metrics["restored_best"] = params.early_stopping.restore_best_weights
    atomic_write_json(folder / "metrics.json", metrics)
    atomic_write_json(folder / "run.json", {"seconds": seconds})
    return folder


# Variants trained one by one (no trajectory): their exactitudes can be set by hand to test the conclusions.
PATIENCE_5 = dataclasses.replace(Params(), trajectory=False,
                                 early_stopping=dataclasses.replace(Params().early_stopping, patience=5))


def summary_from(tmp_path, accuracy, only=None, missing=(), base: Params = PATIENCE_5) -> dict:
    """experiments.json from runs whose validation exactitude is accuracy(question, variant, seed)."""
    folders = {}
    for i, run in enumerate(questions.plan(base, only)):
        where = (run.question, run.variant, run.seed)
        folders[where] = None if run.question in missing else write_run(
            tmp_path / f"r{i}", run.params, accuracy(*where))
    return questions.summarise(base, "clé", folders)


def test_summary_has_mean_and_spread_over_seeds_and_skips_incomplete_questions(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: 0.85 + 0.01 * (s - 42), ["lot", "patience"], missing=("patience",))
    assert [q["id"] for q in raw["questions"]] == ["lot"]
    b32 = raw["questions"][0]["variants"][0]
    assert b32["val_accuracy"]["mean"] == pytest.approx(0.86) and b32["val_accuracy"]["std"] == pytest.approx(0.01)
    assert b32["kept_epoch"]["mean"] == 5 and b32["updates_per_epoch"] == 54000 // 32 + 1
    assert b32["reference"] and not raw["questions"][0]["variants"][1]["reference"]
    assert len(b32["curves"]["val_accuracy"]["mean"]) == 8


def test_kept_epoch_is_the_last_one_without_restoration(tmp_path):
    params = dataclasses.replace(Params(), early_stopping=dataclasses.replace(
        Params().early_stopping, restore_best_weights=False))
    run = questions.read_run(write_run(tmp_path, params, 0.9, epochs=8, best=5))
    assert run["kept_epoch"] == 8 and run["val_accuracy"] == 0.8


def context_of(raw: dict) -> dict:
    """The pages' context for a run measured with the experiments' base parameters and key."""
    artifacts = make_artifacts()
    metrics = dataclasses.replace(artifacts.metrics, params=raw["base_params"])
    return build_context(dataclasses.replace(artifacts, metrics=metrics, experiments=raw,
                                             run={**artifacts.run, "key": raw["base_key"]}))


def test_conclusion_names_the_best_variant_on_validation_and_changes_with_the_measurements(tmp_path):
    lot_wins = summary_from(tmp_path / "a", lambda q, v, s: 0.87 + 0.003 * (s - 43) if v == "b128" else 0.85,
                            ["lot"])
    text = context_of(lot_wins)["experiments"]["questions"]["lot"]["conclusion"]
    assert "« lots de 128 » donne la meilleure exactitude moyenne : 87,00" in text and "dépasse la variation" in text
    assert "« lots de 32 » (le réglage de `params.yaml`)" in text
    close = summary_from(tmp_path / "b", lambda q, v, s: 0.85 + 0.004 * (s - 43) + (0.001 if v == "b512" else 0),
                         ["lot"])
    text = context_of(close)["experiments"]["questions"]["lot"]["conclusion"]
    assert "« lots de 512 » donne" in text and "ne se distinguent pas avec 3 graines" in text
    default_best = summary_from(tmp_path / "c", lambda q, v, s: 0.88 if v == "b32" else 0.86, ["lot"])
    text = context_of(default_best)["experiments"]["questions"]["lot"]["conclusion"]
    assert text.startswith("Sur le jeu de validation, le réglage de `params.yaml` (« lots de 32 »)")


def test_protocol_question_compares_test_scores_and_other_answers_quote_their_own_facts(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: 0.87, ["protocole", "lot", "largeur", "graines"])
    questions = context_of(raw)["experiments"]["questions"]
    assert questions["protocole"]["conclusion"].startswith("Mesurée sur le jeu de test (3 graines)")
    assert "l'écart mêle les deux effets" in questions["protocole"]["conclusion"]
    assert "1\u00a0688 avec des lots de 32" in questions["lot"]["conclusion"]
    assert "101\u00a0770 paramètres" in questions["largeur"]["conclusion"]  # from the runs' metrics.json
    assert "va de 87,00\u00a0% à 87,00\u00a0% et l'entraînement s'arrête toujours à l'époque 8" in questions["graines"]["conclusion"]


def test_variants_that_keep_the_same_weights_are_named_together_and_compared_with_the_rest(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: (0.855 if v == "p1" else 0.86) + 0.001 * (s - 42), ["patience"])
    text = context_of(raw)["experiments"]["questions"]["patience"]["conclusion"]
    assert text.startswith("Sur le jeu de validation, « patience 3 », « patience 5 » et « patience 10 » gardent "
                           "exactement les mêmes poids : 86,10")
    assert "« patience 1 » obtient 85,60" in text and "0,50\u00a0point, dépasse la variation" in text


def test_defaults_say_which_question_decided_them_and_flag_a_disagreement(tmp_path):
    # patience 3, 5 and 10 keep the same weights, patience 1 is lower: the rule takes 3, params.yaml says 5.
    ties = summary_from(tmp_path / "a", lambda q, v, s: (0.84 if v == "p1" else 0.87) + 0.001 * (s - 43),
                        ["patience", "surveillance"])
    patience, monitor = context_of(ties)["experiments"]["defaults"]
    assert (patience["key"], patience["question"], patience["chosen"], patience["agrees"]) == (
        "early_stopping.patience", "patience", "3", False)
    assert patience["best_label"] == "patience 3, patience 5, patience 10"
    three = dataclasses.replace(PATIENCE_5, early_stopping=dataclasses.replace(PATIENCE_5.early_stopping, patience=3))
    same = summary_from(tmp_path / "d", lambda q, v, s: (0.84 if v == "p1" else 0.87) + 0.001 * (s - 43),
                        ["patience"], base=three)
    assert [(r["value"], r["chosen"], r["agrees"]) for r in context_of(same)["experiments"]["defaults"]] == [
        ("3", "3", True)]
    assert (monitor["chosen"], monitor["agrees"]) == ("val_loss", True)  # all equal: the seed's val_loss stays
    # A variant better beyond the seed spread wins; within the spread, params.yaml's value stays.
    better = summary_from(tmp_path / "b", lambda q, v, s: 0.87 if v == "p10" else 0.84, ["patience"])
    assert [(r["chosen"], r["agrees"]) for r in context_of(better)["experiments"]["defaults"]] == [("10", False)]
    noisy = summary_from(tmp_path / "c", lambda q, v, s: {"p10": 0.862, "p1": 0.858, "p3": 0.859}.get(v, 0.86) + 0.003 * (s - 43),
                         ["patience"])
    assert [(r["chosen"], r["agrees"]) for r in context_of(noisy)["experiments"]["defaults"]] == [("5", True)]


def test_experiments_measured_with_other_parameters_or_code_are_not_shown(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: 0.87, ["graines"])
    assert context_of(raw)["experiments"]["variability"]["count"] == 5
    fresh = context_of(raw)
    assert fresh["experiments"] is not None
    artifacts = make_artifacts()
    other_key = dataclasses.replace(artifacts, experiments=raw,  # run key "abc123" ≠ "clé"
                                    metrics=dataclasses.replace(artifacts.metrics, params=raw["base_params"]))
    assert build_context(other_key)["experiments"] is None
    other_params = dataclasses.replace(artifacts, experiments=raw, run={**artifacts.run, "key": raw["base_key"]},
                                       metrics=dataclasses.replace(artifacts.metrics,
                                                                   params=dict(raw["base_params"], epochs=40)))
    assert build_context(other_params)["experiments"] is None


# -- Pages ---------------------------------------------------------------------------------------------

def render(name: str, context: dict) -> str:
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    return rendering.render_template(env, name, context)


def test_pages_are_empty_without_measurements_and_never_announce_a_missing_one():
    context = build_context(make_artifacts())
    assert context["experiments"] is None
    for page in questions.PAGES:
        assert render(page + ".jinja", context).strip() == ""


def test_experiences_page_shows_each_question_its_figure_table_and_conclusion(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: 0.86 + 0.001 * (s - 42))
    context = context_of(raw)
    page = render("experiences.md.jinja", context)
    for q in QUESTION_IDS - {"graines"}:
        assert f"{{ #{q} }}" in page and f"(experiences/{q}.png)" in page, q
        assert fr.typography(context["experiments"]["questions"][q]["conclusion"]) in page
    assert "Au-delà du réseau de l'énoncé" in page and "pour information" in page
    assert "[Patience ?" not in page and "| `early_stopping.patience` | `5` |" in page
    variability = render("variabilite.md.jinja", context)
    assert "| **42** | 86,00" in variability and "pas encore" not in variability
    for text in (page, variability):  # French typography: no breaking space before : ; ! ? % in prose
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        assert not re.search(r" [%;:!?](\s|$)", prose), re.findall(r".{30} [%;:!?](?:\s|$)", prose)


def test_measured_answer_macro_quotes_the_conclusion_and_links_to_its_section(tmp_path):
    raw = summary_from(tmp_path, lambda q, v, s: 0.86, ["patience"])
    env = rendering.make_environment(ROOT / "templates", ROOT, "site")
    macro = env.get_template("_experiences.md.jinja").make_module(context_of(raw)).reponse_mesuree
    text = str(macro("patience"))
    assert '??? success "Réponse (mesurée sur 3 graines)"' in text and "experiences.md#patience" in text
    assert "patience 1" in text
    assert "experiences.md" not in str(macro("lot"))  # not measured: no link to a missing section


def test_mkdocs_hook_leaves_out_empty_pages_their_nav_entries_and_links(tmp_path):
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    (tmp_path / "experiences.md").write_text("\n\n", encoding="utf-8")
    dropped = mkdocs_hooks.empty_pages(tmp_path)
    assert dropped == {"experiences.md"}
    nav = [{"Accueil": "a.md"}, {"Expériences": "experiences.md"}, {"Plus": [{"E": "experiences.md"}]}]
    assert mkdocs_hooks.without_pages(nav, dropped) == [{"Accueil": "a.md"}]
    text = "Voir [les expériences](experiences.md#lot) et [A](a.md)."
    assert mkdocs_hooks.unlink(text, dropped) == "Voir les expériences et [A](a.md)."


# -- The sweep through the run cache (fake training, real runner and workers) ---------------------------

def project(tmp_path, trajectory: bool = False) -> tuple[Runner, Params]:
    runner = Runner(tmp_path, {})
    params = Params(trajectory=trajectory)
    runner.run(FAKE_DATA, params)
    return runner, params


def test_keyed_stages_stage_each_key_in_its_own_folder(tmp_path):
    a = Job(FAKE_TRAIN, "aaaa", tmp_path, Params(), {})
    b = Job(FAKE_TRAIN, "bbbb", tmp_path, Params(), {})
    assert a.staging != b.staging and a.staging.name == "train-aaaa"
    assert Job(FAKE_DATA, "k", tmp_path, Params(), {}).staging.name == "data"


def test_sweep_trains_in_parallel_reports_failures_goes_on_and_reuses_every_run(tmp_path):
    runner, params = project(tmp_path)
    lines = []
    result = run_sweep(runner, FAKE_TRAIN, params, ["patience", "lot"], workers=2, log=lines.append, prepare=None)
    # patience 1 fails on its 3 seeds; the 3 variants × 3 seeds of "lot" and the other patiences are trained.
    assert len(result["failed"]) == 3 and all("early_stopping.patience" in f and "échec voulu" in f
                                                for f in result["failed"])
    assert result["trained"] == 9 + 9 - 3  # the default variant is shared by both questions
    progress = [line for line in lines if re.match(r"  \[\d+/18\] ", line)]  # one line per finished run
    assert len(progress) == 18 and all("écoulé" in line and "reste" in line for line in progress)
    assert sum("✗ échec" in line and "graine" in line for line in progress) == 3
    raw = read_json(tmp_path / questions.EXPERIMENTS)
    assert [q["id"] for q in raw["questions"]] == ["lot"]  # patience is incomplete: not summarised
    pids = {read_json(tmp_path / f"artifacts/runs/{r['key']}/run.json")["pid"]
            for v in raw["questions"][0]["variants"] for r in v["runs"]}
    assert len(pids) == 9  # each run in a process of its own: a loky worker never grows run after run (issue 21)
    assert not any((tmp_path / STAGING).iterdir())  # nothing left half-written
    again = run_sweep(runner, FAKE_TRAIN, params, ["lot"], workers=2, log=lines.append, prepare=None)
    assert (again["trained"], again["reused"], again["failed"]) == (0, 9, [])
    # The sweep's default run is the one `make report` would train: the runner reuses it.
    job = runner.run(FAKE_TRAIN, params)
    assert runner.records["train"]["recomputed"] is False and job.key == raw["base_key"]


def test_the_early_stopping_questions_are_replayed_on_the_seeds_trajectories_without_training(tmp_path):
    runner, params = project(tmp_path, trajectory=True)
    result = run_sweep(runner, FAKE_TRAIN, params, ["graines", "patience", "sans_arret"], workers=1,
                       log=lambda _: None, prepare=None)
    assert result["trained"] == 5 and result["failed"] == []  # the five seeds, nothing per rule
    raw = read_json(tmp_path / questions.EXPERIMENTS)
    by_id = {q["id"]: q for q in raw["questions"]}
    assert by_id["patience"]["replayed"] and by_id["patience"]["seeds"] == [42, 43, 44, 45, 46]
    p10 = next(v for v in by_id["patience"]["variants"] if v["id"] == "p10")
    # fake_training: best val_loss at epoch 2, then it only rises: patience 10 stops after epoch 12.
    assert p10["epochs_run"]["mean"] == 12 and p10["kept_epoch"]["mean"] == 2
    no_stop = next(v for v in by_id["sans_arret"]["variants"] if v["id"] == "sans")
    assert no_stop["epochs_run"]["mean"] == 20 and no_stop["kept_epoch"]["mean"] == 20
    assert all(r["replayed"] for v in by_id["patience"]["variants"] for r in v["runs"])


def test_each_run_trains_in_a_new_process_that_ends_with_it_and_a_failure_comes_back_as_text(tmp_path):
    # Issue 21: TensorFlow keeps native memory from run to run; a loky worker training several runs grew
    # past loky's 300 MB and was restarted with a warning. Run in the worker itself, this test fails.
    params = load_params(ROOT / "params.yaml")
    results = [worker.train_in_worker(FAKE_TRAIN, key, p, {}, str(tmp_path), None, fresh_process=True)
               for key, p in (("a", params), ("b", dataclasses.replace(params, seed=43)))]
    pids = {json.loads(r["files"]["run.json"])["pid"] for r in results}
    assert len(pids) == 2 and os.getpid() not in pids
    assert not any(psutil.pid_exists(pid) for pid in pids)
    failing = dataclasses.replace(params, early_stopping=dataclasses.replace(params.early_stopping, patience=1))
    failed = worker.train_in_worker(FAKE_TRAIN, "c", failing, {}, str(tmp_path), None, fresh_process=True)
    assert failed["key"] == "c" and "échec voulu" in failed["error"]


def test_a_run_killed_in_flight_leaves_nothing_that_counts_as_done(tmp_path):
    runner, params = project(tmp_path)
    key = runner.key(FAKE_TRAIN, params)
    half = Job(FAKE_TRAIN, key, tmp_path, params, {}).out("artifacts/runs/{key}/")
    half.mkdir(parents=True)
    (half / "metrics.json").write_text("{", encoding="utf-8")  # killed while writing
    (tmp_path / STAGING / f"travail-{key}-x").mkdir()
    result = run_sweep(runner, FAKE_TRAIN, params, ["graines"], workers=1, log=lambda _: None, prepare=None)
    assert result["trained"] == 5 and json.loads((tmp_path / f"artifacts/runs/{key}/metrics.json").read_text())
    assert not any((tmp_path / STAGING).iterdir())


def test_an_interrupted_sweep_keeps_its_finished_runs_and_resumes_where_it_stopped(tmp_path):
    runner, params = project(tmp_path)
    finished = []

    def interrupt_after_two(line):
        if line.startswith("  ["):
            finished.append(line)
            if len(finished) == 2:
                raise KeyboardInterrupt  # Ctrl-C while other runs are in flight

    with pytest.raises(KeyboardInterrupt):
        run_sweep(runner, FAKE_TRAIN, params, ["lot"], workers=2, log=interrupt_after_two, prepare=None)
    kept = [p for p in (tmp_path / "artifacts" / "runs").iterdir() if (p / "metrics.json").is_file()]
    assert 2 <= len(kept) < 9
    assert not (tmp_path / questions.EXPERIMENTS).exists()
    again = run_sweep(runner, FAKE_TRAIN, params, ["lot"], workers=2, log=lambda _: None, prepare=None)
    assert (again["reused"], again["trained"]) == (len(kept), 9 - len(kept))
    assert not any((tmp_path / STAGING).iterdir())


def test_sweep_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    runner, params = project(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  local_directory=str(tmp_path / "dask")) as cluster:
        result = run_sweep(runner, FAKE_TRAIN, params, ["lot"], scheduler=cluster.scheduler_address,
                           log=lambda _: None, prepare=None)
    assert (result["trained"], result["failed"]) == (9, [])
    raw = read_json(tmp_path / questions.EXPERIMENTS)
    b128 = raw["questions"][0]["variants"][1]
    assert b128["val_accuracy"]["mean"] == pytest.approx(fake_training.accuracy_of(
        dataclasses.replace(params, batch_size=128, seed=43)))


def test_an_unreachable_dask_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(sweep, "CONNECT_TIMEOUT", "1s")
    runner, params = project(tmp_path)
    with pytest.raises(PipelineError, match="ordonnanceur Dask"):
        run_sweep(runner, FAKE_TRAIN, params, ["lot"], scheduler="tcp://127.0.0.1:9", log=lambda _: None,
                  prepare=None)


# -- The real training stage, on a Dask LocalCluster (slow) -------------------------------------------------

@pytest.mark.slow
def test_real_training_on_a_dask_cluster_is_reused_by_the_report_runner(tmp_path, monkeypatch, keras_home):
    """Two real runs (1 epoch, full data) on two Dask worker processes; `make report`'s runner reuses one."""
    distributed = pytest.importorskip("dask.distributed")
    from pipeline.data import dataset
    from pipeline.workflow.stages import table

    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    stages = {s.name: s for s in table(ROOT)}
    runner = Runner(tmp_path, {"dataset": dataset.ensure_dataset()})
    params = dataclasses.replace(Params(), epochs=1)
    runner.run(stages["data"], params)
    # Two "largeur" variants of one seed: the width and Dropout reach the real network.
    wide = dataclasses.replace(params, hidden_units=32, dropout=0.2, learning_rate=0.01)
    from pipeline.experiments.sweep import Task, _execute

    tasks = [Task(runner.key(stages["train"], p), p, []) for p in (params, wide)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  local_directory=str(tmp_path / "dask")) as cluster:
        failed = _execute(runner, stages["train"], params, tasks, 2, cluster.scheduler_address, lambda _: None, None)
    assert failed == []
    metrics = read_json(tmp_path / f"artifacts/runs/{tasks[1].key}/metrics.json")
    assert [(layer["kind"], layer["units"]) for layer in metrics["layers"]] == [
        ("Flatten", 0), ("Dense", 32), ("Dropout", 0), ("Dense", 10)]
    assert metrics["learning_rate"] == pytest.approx(0.01) and metrics["epochs_run"] == 1
    default = read_json(tmp_path / f"artifacts/runs/{tasks[0].key}/metrics.json")
    assert [layer["units"] for layer in default["layers"]] == [0, 128, 10]
    runner.run(stages["train"], params)
    assert runner.records["train"]["recomputed"] is False


def test_variability_page_says_whether_the_seed_spread_is_wide(tmp_path):
    wide = summary_from(tmp_path / "a", lambda q, v, s: 0.86 + 0.004 * (s - 42), ["graines"])  # 1,6 points
    page = render("variabilite.md.jinja", context_of(wide)).replace("\n", " ")
    assert f"varie de 1,60{fr.NBSP}point" in page and "il faut la comparer sur plusieurs graines" in page
    narrow = summary_from(tmp_path / "b", lambda q, v, s: 0.86 + 0.001 * (s - 42), ["graines"])
    page = render("variabilite.md.jinja", context_of(narrow)).replace("\n", " ")
    assert f"ne varie que de 0,40{fr.NBSP}point" in page


@pytest.mark.slow
def test_the_complete_build_publishes_the_measured_pages_and_reruns_nothing(built_project, tmp_path, keras_home):
    """`python -m pipeline variability` (the "graines" question) on a copy of the end-to-end build."""
    import os
    import shutil
    import subprocess
    import sys

    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)
    env = dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3", KERAS_HOME=str(keras_home))
    command = [sys.executable, "-m", "pipeline", "variability", "--root", str(root)]
    first = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "4 à faire" in first.stdout  # the make report run (seed 42) is one of the 5 and is reused
    assert len(re.findall(r"^  \[\d/4\] .* · graine 4[3-6] : ", first.stdout, re.M)) == 4  # one line per run
    for page in ("variabilite.html", "experiences.html"):
        html = (root / "site" / page).read_text(encoding="utf-8")
        assert "pas encore" not in html and "graine" in html
    assert 'href="variabilite.html"' in (root / "site" / "index.html").read_text(encoding="utf-8")
    again = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0 and "0 à faire" in again.stdout and "refait" not in again.stdout


def test_experiment_figure_draws_each_variant_solid_while_all_seeds_train_then_dotted(tmp_path):
    import matplotlib

    from pipeline.figures import network

    raw = summary_from(tmp_path, lambda q, v, s: 0.86, ["lot"])
    variants = raw["questions"][0]["variants"]
    short = variants[1]["curves"]["val_loss"]  # pretend one seed of "lots de 128" stopped after 6 epochs
    short["count"] = [3] * 6 + [2, 2]
    fig = network.experiment_curves(variants)
    ax_acc, ax_loss = fig.axes
    styles = [(line.get_linestyle(), len(line.get_xdata())) for line in ax_loss.get_lines()]
    assert styles == [("-", 8), ("-", 6), (":", 3), ("-", 8)]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["lots de 32 (params.yaml)", "lots de 128", "lots de 512"]
    fig.canvas.draw()
    assert all("%" in t.get_text() for t in ax_acc.get_yticklabels() if t.get_text())
    matplotlib.pyplot.close(fig)
