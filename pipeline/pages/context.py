"""Which values each page receives: one list per template, each value declaring the artifacts it reads.

VALUES holds every value a template can print, under the name the templates use, with the artifacts
it reads and the function that turns them into French (numbers already formatted by
pipeline/common/fr.py, and facts that choose among the template's sentences). PAGES lists, for each
template of the nav (and rapport.md.jinja, rendered a second time as the README), the values it uses
and nothing more; tests/test_page_contexts.py parses the templates and checks that both agree.
COMMON is what every page gets on top of its list. A value is built only when a page being rendered
asks for it, and an artifact read only when a value needs it (pipeline/pages/artifacts.py). No TensorFlow.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pipeline.common.early_stopping import replay_all
from pipeline.common.errors import PipelineError
from pipeline.data.dataset import CLASS_NAMES
from pipeline.experiments.experiments_page import build as build_experiments, test_accuracy_over_seeds
from pipeline.figures.style import percent_floor
from pipeline.pages import (complete_build, exercise_context, learning_context, network_context, quiz_context,
                            replay_context, run_context, values)
from pipeline.pages.answers import build_answers
from pipeline.pages.artifacts import Artifacts, Declared
from pipeline.pages.browser_training_context import build as build_browser_training
from pipeline.pages.results import comparison, limits, references, results_on_test, softmax_demo, weights, worked
from pipeline.tuning.tuning_page import build as build_tuning

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
class Value:
    """One value the templates print: the artifacts it reads (fields of Artifacts) and how it is built."""
    reads: tuple[str, ...]
    build: Callable[[Any], Any]


def _metrics(a) -> dict:
    return a.metrics.to_dict()


def _comparison(a) -> dict:
    m = _metrics(a)
    seeds = test_accuracy_over_seeds(a.experiments, m["params"], a.run["key"])
    return comparison(m["test"]["accuracy"], m["sizes"]["test"], seeds)


def _figure_examples(a) -> list[dict]:
    return [{"index": str(x["index"]), "true": CLASS_NAMES[x["true"]], "predicted": CLASS_NAMES[x["predicted"]],
             "probability": percent_floor(x["probability"])} for x in a.figures["examples"]]


def _rules(a) -> dict | None:
    """Every EarlyStopping rule on the whole trajectory (None without one: older runs, variants)."""
    m = _metrics(a)
    return a.trajectory and replay_all(a.trajectory, m["params"], m)


def _learning(a) -> dict:
    """Step 3's slice and one step, and the curves' zoom on the validation loss."""
    return learning_context.build(a.figures, CLASS_NAMES, len(a.architecture.dense), _metrics(a)["history"])


def _repro(a) -> dict:
    return run_context.repro(a.timings, a.provenance, _metrics(a)["params"], a.run, a.data_info["checksums"])


def _stages(a) -> list[dict]:
    labels = {stage.name: stage.label for stage in a.stages}
    return [values.stage_row(stage, labels) for stage in a.stages]


RUN = ("metrics", "run")  # a value that depends on this run's parameters and key (stale measurements are None)
VALUES: dict[str, Value] = {
    "run": Value(RUN, lambda a: values.run(_metrics(a), a.run)),
    "names": Value((), lambda a: CLASS_NAMES),
    "seed_steps": Value((), lambda a: {page: {"step": step, "part": part}
                                       for page, (step, part) in SEED_STEPS.items()}),
    "data": Value(("data_info",), lambda a: values.data(a.data_info, CLASS_NAMES)),
    "model": Value(("architecture",), lambda a: network_context.build(a.architecture)),
    "training": Value(("metrics",), lambda a: values.training(_metrics(a))),
    "test": Value(("metrics",), lambda a: results_on_test(_metrics(a), CLASS_NAMES)),
    "references": Value(("metrics",), lambda a: references(_metrics(a))),
    "comparison": Value((*RUN, "experiments"), _comparison),
    # figures[name]: the alt text, written with the figure by pipeline/figures/catalogue.py
    "figures": Value(("figures",), lambda a: a.figures["alt"]),
    "readme": Value(("figures",), lambda a: {"folder": a.figures["readme_folder"],
                                             "figures": a.figures["readme_figures"]}),
    "figure_examples": Value(("figures",), _figure_examples),
    "worked": Value(("figures",), lambda a: worked(a.figures["worked"], CLASS_NAMES)),
    "softmax_demo": Value((), lambda a: softmax_demo(len(CLASS_NAMES))),
    "limits": Value(("figures",), lambda a: limits(a.figures)),
    "weights": Value(("figures",), lambda a: weights(a.figures)),
    "curve_colours": Value(("figures",), lambda a: a.figures["curve_colours"]),  # the curves' colour words
    "learning": Value(("figures", "architecture", "metrics"), _learning),
    "outputs": Value(("outputs",), lambda a: {**a.outputs,
                                              "fit_log": values.without_durations(a.outputs.get("fit_log", ""))}),
    # The exercises' answers, from this run (and its trajectory, when recorded).
    "answers": Value(("metrics", "figures", "trajectory"),
                     lambda a: build_answers(_metrics(a), a.figures, a.trajectory)),
    "rules": Value(("metrics", "trajectory"), _rules),
    # Each exercise's code and what it gave, run by the training after its lesson section (exercises.json).
    "exercises": Value(("exercises",), lambda a: exercise_context.build(a.exercises, CLASS_NAMES)),
    "downloads": Value(("notebook",), lambda a: values.downloads(a.notebook)),  # « Télécharger le carnet »
    "demo": Value(("demo", "demo_asset_bytes"), lambda a: values.demo(a.demo, a.demo_asset_bytes)),
    "replay": Value(("metrics", "replay", "replay_asset_bytes"),
                    lambda a: replay_context.build(a.replay, _metrics(a)["params"], a.replay_asset_bytes)),
    # « Entraîner dans le navigateur »; None (page not published) without the exported subset.
    "browser_training": Value((*RUN, "browser_training", "tfjs", "experiments"),
                              lambda a: build_browser_training(a.browser_training, a.tfjs, _metrics(a), a.experiments,
                                                               a.run["key"])),
    # Measured answers (make experiences); None unless measured with these parameters and this code.
    "experiments": Value((*RUN, "experiments"),
                         lambda a: build_experiments(a.experiments, _metrics(a)["params"], a.run["key"])),
    # The settings search (make reglage); None unless searched with these parameters and this code.
    "tuning": Value((*RUN, "tuning"), lambda a: build_tuning(a.tuning, _metrics(a)["params"], a.run["key"])),
    # The README's « site complet »: runs counted from the plans, durations from bench.sweep --full.
    "complete_build": Value(("metrics", "sweep_bench"), lambda a: complete_build.build(_metrics(a)["params"],
                                                                                       a.sweep_bench)),
    "repro": Value((*RUN, "timings", "provenance", "data_info"), _repro),
    "bench": Value(("bench",), lambda a: run_context.bench(a.bench)),
    "stages": Value(("stages",), _stages),
    # The end-of-step questions (quiz/*.yaml), their keys computed on this run by the stage "quiz".
    "quiz": Value(("quiz",), lambda a: quiz_context.build(a.quiz)),
}

# Every page gets `run`: the footer macro (templates/_macros.md.jinja) names the run's key and seed on each.
COMMON = ("run",)
# The values each template uses beyond COMMON, in the nav's order (the macros it imports included).
PAGES: dict[str, tuple[str, ...]] = {
    "index.md.jinja": ("model", "training", "test", "experiments", "tuning", "downloads", "seed_steps", "quiz"),
    "donnees.md.jinja": ("names", "data", "training", "outputs", "exercises", "figures", "readme", "downloads",
                         "seed_steps", "quiz"),
    "modele.md.jinja": ("data", "model", "training", "test", "comparison", "worked", "softmax_demo", "exercises",
                        "figures", "readme", "downloads", "seed_steps", "quiz"),
    "entrainement.md.jinja": ("data", "model", "training", "outputs", "answers", "rules", "learning",
                              "experiments", "exercises", "figures", "readme", "downloads", "seed_steps", "quiz"),
    "performances.md.jinja": ("training", "answers", "learning", "curve_colours", "experiments", "exercises",
                              "figures", "readme", "downloads", "seed_steps", "quiz"),
    "evaluation.md.jinja": ("data", "model", "outputs", "test", "references", "comparison", "figure_examples",
                            "limits", "weights", "experiments", "figures", "readme", "downloads", "seed_steps", "quiz"),
    "demo.md.jinja": ("data", "model", "demo"),
    "rejouer.md.jinja": ("replay",),
    "entrainer.md.jinja": ("data", "demo", "browser_training"),
    "rapport.md.jinja": ("data", "model", "training", "test", "references", "comparison", "limits",
                         "complete_build", "figures", "readme", "seed_steps"),
    "experiences.md.jinja": ("experiments", "tuning"),
    "variabilite.md.jinja": ("experiments",),
    "reglage.md.jinja": ("tuning",),
    "reproductibilite.md.jinja": ("repro", "bench", "experiments"),
    "mainteneurs.md.jinja": ("stages",),
}


def page_values(template: str) -> tuple[str, ...]:
    """The values a template receives: COMMON, then its own list in PAGES."""
    if template not in PAGES:
        raise PipelineError(f"aucune liste de valeurs pour le gabarit templates/{template}.",
                            where="pipeline/pages/context.py",
                            fix=f"ajoutez « \"{template}\": (…) » à PAGES, avec les valeurs que le gabarit "
                                "utilise (tests/test_page_contexts.py les trouve dans le gabarit).")
    return (*COMMON, *PAGES[template])


def page_reads(template: str) -> set[str]:
    """The artifacts a page's values read: what rendering only this page reads from disk."""
    return {name for key in page_values(template) for name in VALUES[key].reads}


def builder_of(template: str) -> str:
    """Where a page's values are chosen, for the message of an undefined variable in its template."""
    return f"PAGES[\"{template}\"] (pipeline/pages/context.py)"


class PageContexts:
    """Each page's values from one build's artifacts: a value several pages share is built once."""

    def __init__(self, artifacts: Artifacts):
        self._artifacts, self._built = artifacts, {}

    def value(self, key: str):
        if key not in self._built:
            spec = VALUES[key]
            self._built[key] = spec.build(Declared(self._artifacts, spec.reads, key))
        return self._built[key]

    def __call__(self, template: str) -> dict:
        """The context one template is rendered with: its values and nothing else."""
        return {key: self.value(key) for key in page_values(template)}


def build_context(artifacts: Artifacts) -> dict:
    """Every value of every page in one dictionary (tests render any page with it)."""
    contexts = PageContexts(artifacts)
    return {key: contexts.value(key) for key in VALUES}
