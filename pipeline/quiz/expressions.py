"""The quiz files' expression language: a small, safe evaluator of Python-like expressions over a run's values.

An answer key in quiz/*.yaml is an expression such as `argmin(metrics.history.val_loss) + 1`. It is
parsed with Python's own parser (`ast`, mode "eval": one expression, no statement), every node is
checked against the short list below before anything is evaluated, and the evaluator walks the tree
itself: nothing reaches Python's `eval`, and no Python attribute is ever read.

What an expression may contain (the maintainers' page documents the same list, in French):
- constants: numbers, strings in quotes, True, False, None; lists `[a, b]` and tuples `(a, b)`;
- names: the values the caller gives (the run's artifacts, a question's own `let` values);
- `a.b` or `a["b"]`: the key b of a mapping (a Python attribute never); `a[0]`, `a[-1]`, `a[1:3]`:
  an item or a slice of a list, a tuple or a NumPy array;
- arithmetic `+ - * / // % **` (an exponent of at most MAX_POWER), comparisons `== != < <= > >= in`
  `not in` (chained too), `and`, `or`, `not`, and `x if condition else y`;
- one comprehension: `[expression for name in items if condition]` (any number of `if`, one `for`);
- calls of the functions of FUNCTIONS, or of those the caller adds, with positional arguments only.
Refused: any other node (lambda, dict or set literals, f-strings, walrus, keyword arguments, `*args`),
names and keys that start with "_", and calls of anything else.
"""
from __future__ import annotations

import ast
import math
import operator
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np

from pipeline.common import fr

MAX_LENGTH = 1000  # characters of one expression
MAX_POWER = 64  # largest exponent of **: no 10 ** 10 ** 10
MAX_ITEMS = 100_000  # items a range() or a comprehension may produce


class ExpressionError(ValueError):
    """An expression that cannot be read or computed; the message says why, in French."""


def _numbers(values) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


def _reduce(builtin: Callable, numpy_function: Callable) -> Callable:
    """min, max, sum: on a NumPy array over all its numbers, otherwise Python's own."""
    def function(*args):
        if len(args) == 1 and isinstance(args[0], np.ndarray):
            return numpy_function(args[0])
        return builtin(*args)
    return function


def _first_index(values, pick: Callable) -> int:
    numbers = list(_numbers(values))
    if not numbers:
        raise ExpressionError("liste vide : pas d'indice du minimum ni du maximum.")
    return numbers.index(pick(numbers))


def _range(start: int, stop: int | None = None) -> list[int]:
    start, stop = (0, start) if stop is None else (start, stop)
    if stop - start > MAX_ITEMS:
        raise ExpressionError(f"range() de plus de {MAX_ITEMS} nombres.")
    return list(range(int(start), int(stop)))


def _argsort(values) -> list[int]:
    numbers = list(_numbers(values))
    return sorted(range(len(numbers)), key=numbers.__getitem__)  # stable: ties keep their order


# The functions every expression may call, each with a one-line reason in the maintainers' page's list.
FUNCTIONS: dict[str, Callable] = {
    "len": len,
    "min": _reduce(min, np.min),
    "max": _reduce(max, np.max),
    "sum": _reduce(sum, np.sum),
    "mean": lambda values: float(np.mean(_numbers(values))),
    "abs": abs,
    "round": lambda value, digits=0: round(float(value), int(digits)) if digits else int(round(float(value))),
    "ceil": lambda value: math.ceil(value),
    "floor": lambda value: math.floor(value),
    "sqrt": lambda value: math.sqrt(value),
    "argmin": lambda values: _first_index(values, min),  # first index of the smallest (0-based)
    "argmax": lambda values: _first_index(values, max),
    "argsort": _argsort,  # indices from the smallest to the largest, ties in order
    "range": _range,
    "size": lambda array: int(np.size(array)),  # number of items of an array (all its dimensions)
    "shape": lambda array: [int(d) for d in np.shape(array)],
    "str": lambda value: str(plain(value)),  # 2240 -> « 2240 » (an identifier, no thousands space)
    "integer": fr.integer,  # 60000 -> « 60 000 »
    "decimal": lambda value, digits=2: fr.decimal(float(value), int(digits)),  # 0.347 -> « 0,347 »
    "percent": lambda ratio, digits=1: fr.percent(float(ratio), int(digits)),  # 0.885 -> « 88,5 % »
}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
            ast.NotIn: lambda a, b: a not in b}
_STRUCTURE = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store, ast.Attribute, ast.Subscript,
              ast.Slice, ast.List, ast.Tuple, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.And, ast.Or,
              ast.Compare, ast.IfExp, ast.Call, ast.ListComp, ast.comprehension)
ALLOWED = (*_STRUCTURE, *_BINARY, *_UNARY, *_COMPARE)
_CONSTANTS = (int, float, str, bool, type(None))


def parse(source: str) -> ast.Expression:
    """The checked tree of one expression, or an ExpressionError saying what is not allowed."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("expression vide.")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression de plus de {MAX_LENGTH} caractères.")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"expression illisible ({exc.msg}).") from None
    for node in ast.walk(tree):
        _check(node)
    return tree


def _check(node: ast.AST) -> None:
    if not isinstance(node, ALLOWED):
        raise ExpressionError(f"« {_source_of(node)} » n'est pas permis dans une expression de questionnaire.")
    if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANTS):
        raise ExpressionError(f"constante non permise : {node.value!r}.")
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    if name.startswith("_"):
        raise ExpressionError(f"nom non permis : « {name} » (un nom ne commence pas par « _ »).")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError("seule une fonction nommée peut être appelée, par exemple « len(x) ».")
        if node.keywords:
            raise ExpressionError(f"« {node.func.id} » : les arguments se donnent dans l'ordre, sans nom.")
    if isinstance(node, ast.ListComp) and len(node.generators) != 1:
        raise ExpressionError("une liste en compréhension n'a qu'un « for ».")
    if isinstance(node, ast.comprehension) and (node.is_async or not isinstance(node.target, ast.Name)):
        raise ExpressionError("« for » prend un seul nom : « [x for x in liste] ».")


def _source_of(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 — only for the message
        return type(node).__name__


def evaluate(source: str | ast.Expression, names: Mapping[str, Any],
             functions: Mapping[str, Callable] | None = None) -> Any:
    """The value of an expression, with `names` as its variables and FUNCTIONS (plus `functions`) callable.

    The value comes back as plain Python (int, float, bool, str, None, lists and dicts): NumPy numbers
    and arrays are converted. Every failure is an ExpressionError with a French message.
    """
    tree = parse(source) if isinstance(source, str) else source
    try:
        return plain(_Evaluator(names, {**FUNCTIONS, **(functions or {})}).visit(tree.body))
    except ExpressionError:
        raise
    except KeyError as exc:
        raise ExpressionError(f"clé absente : {exc.args[0]!r}.") from None
    except IndexError:
        raise ExpressionError("indice hors de la liste.") from None
    except ZeroDivisionError:
        raise ExpressionError("division par zéro.") from None
    except (TypeError, ValueError, OverflowError) as exc:
        raise ExpressionError(f"calcul impossible ({type(exc).__name__} : {exc}).") from None


def plain(value: Any) -> Any:
    """NumPy numbers and arrays, tuples and mappings as plain Python values (JSON can hold them)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


class _Evaluator:
    """Walks a checked tree: one method per kind of node, nothing else is ever reached."""

    def __init__(self, names: Mapping[str, Any], functions: Mapping[str, Callable]):
        self.names, self.functions = names, functions

    def visit(self, node: ast.AST) -> Any:
        return getattr(self, "_" + type(node).__name__)(node)

    def _Constant(self, node: ast.Constant):
        return node.value

    def _Name(self, node: ast.Name):
        if node.id in self.names:
            return self.names[node.id]
        known = ", ".join(sorted(self.names))
        raise ExpressionError(f"nom inconnu : « {node.id} » (noms connus : {known}).")

    def _Attribute(self, node: ast.Attribute):
        return _key(self.visit(node.value), node.attr)

    def _Subscript(self, node: ast.Subscript):
        value = self.visit(node.value)
        if isinstance(node.slice, ast.Slice):
            bounds = [None if part is None else self.visit(part)
                      for part in (node.slice.lower, node.slice.upper, node.slice.step)]
            if not all(b is None or _is_int(b) for b in bounds):
                raise ExpressionError("les bornes d'une tranche sont des entiers : « x[1:3] ».")
            return value[slice(*bounds)]
        index = self.visit(node.slice)
        if isinstance(index, str):
            return _key(value, index)
        if not _is_int(index):
            raise ExpressionError(f"indice non entier : {index!r}.")
        if isinstance(value, Mapping):
            raise ExpressionError("un dictionnaire se lit par sa clé : « x.cle » ou « x['cle'] ».")
        return value[int(index)]

    def _List(self, node: ast.List):
        return [self.visit(item) for item in node.elts]

    _Tuple = _List

    def _BinOp(self, node: ast.BinOp):
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.Pow) and (not isinstance(right, (int, float)) or abs(right) > MAX_POWER):
            raise ExpressionError(f"exposant trop grand (au plus {MAX_POWER}).")
        if isinstance(node.op, ast.Mult) and _is_repetition(left, right):
            raise ExpressionError(f"répétition de plus de {MAX_ITEMS} éléments.")
        return _BINARY[type(node.op)](left, right)

    def _UnaryOp(self, node: ast.UnaryOp):
        return _UNARY[type(node.op)](self.visit(node.operand))

    def _BoolOp(self, node: ast.BoolOp):
        value = None
        for item in node.values:
            value = self.visit(item)
            if isinstance(node.op, ast.And) and not value or isinstance(node.op, ast.Or) and value:
                return value
        return value

    def _Compare(self, node: ast.Compare):
        left = self.visit(node.left)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.visit(comparator)
            if not bool(_COMPARE[type(op)](left, right)):
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp):
        return self.visit(node.body) if self.visit(node.test) else self.visit(node.orelse)

    def _Call(self, node: ast.Call):
        name = node.func.id
        if name not in self.functions:
            known = ", ".join(sorted(self.functions))
            raise ExpressionError(f"fonction inconnue : « {name} » (fonctions permises : {known}).")
        return self.functions[name](*(self.visit(arg) for arg in node.args))

    def _ListComp(self, node: ast.ListComp):
        (generator,) = node.generators
        items, results = self.visit(generator.iter), []
        if len(items) > MAX_ITEMS:
            raise ExpressionError(f"liste de plus de {MAX_ITEMS} éléments.")
        for item in items:
            inner = _Evaluator({**self.names, generator.target.id: item}, self.functions)
            if all(inner.visit(condition) for condition in generator.ifs):
                results.append(inner.visit(node.elt))
        return results


def _is_repetition(left: Any, right: Any) -> bool:
    """A text or a list multiplied by a large number: refused before it fills the memory."""
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list)) and _is_int(count) and count * max(len(sequence), 1) > MAX_ITEMS:
            return True
    return False


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _key(value: Any, key: str):
    """`value.key` and `value["key"]`: a key of a mapping, never an attribute of a Python object."""
    if key.startswith("_"):
        raise ExpressionError(f"clé non permise : « {key} ».")
    if not isinstance(value, Mapping):
        raise ExpressionError(f"« .{key} » ne s'applique qu'à un dictionnaire, pas à {type(value).__name__}.")
    if key not in value:
        known = ", ".join(sorted(map(str, value))[:20])
        raise ExpressionError(f"clé absente : « {key} » (clés présentes : {known}).")
    return value[key]
