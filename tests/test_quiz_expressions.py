"""The quiz files' expression language: what it computes, and everything it refuses before computing anything."""
import numpy as np
import pytest

from pipeline.quiz.expressions import FUNCTIONS, MAX_ITEMS, ExpressionError, evaluate, parse

NAMES = {
    "metrics": {"history": {"val_loss": [0.43, 0.38, 0.36, 0.35, 0.34, 0.35], "loss": [0.5, 0.3]},
                "sizes": {"fit": 54000}, "params": {"batch_size": 32}},
    "weights": {"W1": np.ones((784, 128), dtype="float32"), "b1": np.zeros(128, dtype="float32")},
    "classes": ["T-shirt/haut", "Pantalon", "Pull-over"],
}


@pytest.mark.parametrize("expression, value", [
    ("argmin(metrics.history.val_loss) + 1", 5),
    ("metrics['history']['loss'][-1]", 0.3),
    ("ceil(metrics.sizes.fit / metrics.params.batch_size)", 1688),
    ("size(weights.W1) + size(weights.b1)", 100480),
    ("shape(weights.W1)[1]", 128),
    ("sum(weights.W1[0])", 128.0),
    ("[x for x in metrics.history.val_loss if x < 0.36]", [0.35, 0.34, 0.35]),
    ("[classes[k] for k in argsort([3, 1, 2])]", ["Pantalon", "Pull-over", "T-shirt/haut"]),
    ("metrics.history.val_loss[1:3]", [0.38, 0.36]),
    ("'oui' if min(metrics.history.val_loss) < metrics.history.val_loss[-1] else 'non'", "oui"),
    ("1 < 2 <= 2 and not False", True),
    ("'Pantalon' in classes", True),
    ("decimal(2.302585, 2)", "2,30"),
    ("percent(0.8853, 1)", "88,5\u00a0%"),
    ("integer(60000)", "60\u00a0000"),
    ("round(sqrt(2), 2)", 1.41),
    ("str(2240)", "2240"),
    ("range(1, 4)", [1, 2, 3]),
])
def test_an_expression_computes_over_the_run_s_values(expression, value):
    assert evaluate(expression, NAMES) == value


def test_values_come_back_as_plain_python_never_numpy():
    value = evaluate("weights.b1[0:2]", NAMES)
    assert value == [0.0, 0.0] and type(value) is list and type(value[0]) is float
    assert type(evaluate("max(weights.W1)", NAMES)) is float


def test_the_caller_adds_its_own_functions():
    assert evaluate("twice(21)", NAMES, {"twice": lambda x: 2 * x}) == 42


@pytest.mark.parametrize("expression, message", [
    ("__import__('os')", "« __import__ »"),
    ("metrics.__class__", "« __class__ »"),
    ("metrics['_x']", "clé non permise"),
    ("(lambda: 1)()", "seule une fonction nommée"),
    ("lambda: 1", "n'est pas permis"),
    ("{'a': 1}", "n'est pas permis"),
    ("{1, 2}", "n'est pas permis"),
    ("f'{metrics}'", "n'est pas permis"),
    ("open('params.yaml')", "fonction inconnue : « open »"),
    ("eval('1')", "fonction inconnue : « eval »"),
    ("len(x=1)", "sans nom"),
    ("classes.count('Sac')", "seule une fonction nommée"),
    ("classes.index", "ne s'applique qu'à un dictionnaire"),
    ("2 ** 1000", "exposant trop grand"),
    ("'a' * 10 ** 9", "répétition"),
    ("[x for x in classes for y in classes]", "un « for »"),
    ("x = 1", "illisible"),
    ("", "vide"),
    ("inconnu + 1", "nom inconnu : « inconnu »"),
    ("metrics.history.absente", "clé absente : « absente »"),
    ("classes[10]", "hors de la liste"),
    ("1 / 0", "division par zéro"),
    ("range(10 ** 9)", f"plus de {MAX_ITEMS}"),
])
def test_anything_outside_the_language_is_refused_with_a_french_message(expression, message):
    with pytest.raises(ExpressionError) as info:
        evaluate(expression, NAMES)
    assert message in str(info.value)


def test_a_refused_node_is_found_before_anything_is_evaluated():
    calls = []
    with pytest.raises(ExpressionError):
        evaluate("[spy(1), (lambda: 0)]", NAMES, {"spy": calls.append})
    assert calls == []


def test_parse_checks_once_and_the_tree_evaluates_again():
    tree = parse("len(classes)")
    assert evaluate(tree, NAMES) == 3 and evaluate(tree, {"classes": []}) == 0


def test_every_function_is_documented_on_the_maintainers_page():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "templates" / "mainteneurs.md.jinja").read_text(encoding="utf-8")
    section = page.split("## Les questions de fin d'étape", 1)[1].split("\n## ", 1)[0]
    from pipeline.quiz.run_values import functions

    missing = [name for name in (*FUNCTIONS, *functions()) if f"`{name}(" not in section]
    assert not missing, missing
