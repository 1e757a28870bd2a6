"""Before anything is trained: params.yaml, every run the later stages derive from it, and the lesson file.

A value is refused here, in the words of the user's own file, or never: the Expériences variants (the
learning rate × 10, the next seeds…) and the settings search's trials pass the same checks as params.yaml
(common/checks.py), so none of them can stop a build after its training.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Callable, Iterator

from pipeline.common.config import ParameterError, Params, load_params, params_from_dict, value_at
from pipeline.common.errors import PipelineError
from pipeline.workflow import lesson_check


def load(root: Path, params_path: Path) -> Params:
    """params.yaml, read and checked with every run it leads to, and the lesson file checked: or a PipelineError."""
    params = load_params(params_path)
    check_derived(params, str(params_path))
    lesson_check.check(root, params)
    return params


def derived_runs(base: Params) -> Iterator[tuple[str, Callable[[Params], Params]]]:
    """(where the run comes from, in French; how it is built from the base parameters), for every run that
    `make experiences` and `make reglage` may train from params.yaml."""
    from pipeline.experiments import questions
    from pipeline.tuning import search, space

    for q in questions.questions(base):
        for v in q.variants:
            for index, seed in enumerate(questions.seeds_of(base, q)):
                yield (f"la page Expériences (question « {q.title} », variante « {v.label} », graine {seed})",
                       _variant_run(q.id, v.id, index))
    trained = [dim for dim in space.SPACE if not dim.replayed]
    for values in itertools.product(*(dim.values for dim in trained)):
        settings = {dim.name: value for dim, value in zip(trained, values)}
        yield "la page Réglage (un essai de la recherche)", lambda b, s=settings: space.training_params(b, s)
    for seed in range(search.FIRST_FRESH_SEED, search.FIRST_FRESH_SEED + search.FRESH_SEEDS):
        yield (f"la page Réglage (la confirmation sur la graine {seed})",
               lambda b, s=seed: space.confirmation_params(b, space.seed_settings(b), s))


def _variant_run(question: str, variant: str, index: int) -> Callable[[Params], Params]:
    def build(base: Params) -> Params:
        from pipeline.experiments import questions

        q = next(q for q in questions.questions(base) if q.id == question)
        v = next(v for v in q.variants if v.id == variant)
        seed = questions.seeds_of(base, q)[index]
        return questions.with_changes(base, {} if questions.replays(base, q) else questions.run_changes(base, q, v),
                                      seed)
    return build


def check_derived(base: Params, source: str) -> None:
    """Every derived run passes the checks, or one French message naming params.yaml's key and its limit."""
    failed = _first_refused(base)
    if failed:
        raise _refused(base, source, *failed) from None


def _first_refused(base: Params) -> tuple[str, Callable, ParameterError] | None:
    for origin, build in derived_runs(base):
        try:
            build(base)
        except ParameterError as exc:
            return origin, build, exc
    return None


def _refused(base: Params, source: str, origin: str, build, exc: ParameterError) -> PipelineError:
    key = exc.key
    mine, default = value_at(base.to_dict(), key), value_at(Params().to_dict(), key)
    limit = _limit(base, key, build)
    if limit is None:
        fix = f"donnez à « {key} » une autre valeur dans {source} (la valeur par défaut, {_show(default)}, convient)"
    else:
        fix = f"donnez à « {key} » une valeur d'{'au plus' if mine > limit else 'au moins'} {_show(limit)} dans {source}"
    return PipelineError(
        f"paramètre « {key} » : {_show(mine)} convient à un entraînement, mais {origin} en entraîne aussi un "
        f"autre à partir de cette valeur, que la même vérification refuse : là, « {key} » {exc.why}.",
        where=f"{source}, clé « {key} »", fix=fix + ", puis relancez la commande.")


def _limit(base: Params, key: str, build) -> float | int | None:
    """The value of `key` nearest to params.yaml's for which every derived run passes, searched between it and
    the default (which passes), written simply (0.1, not 0.10000000000000002); None for a key that is no number."""
    mine, default = value_at(base.to_dict(), key), value_at(Params().to_dict(), key)
    if isinstance(mine, bool) or not isinstance(mine, (int, float)):
        return None
    limit = mine
    while build is not None:  # the run refused first sets a limit; another run may refuse that one too
        if not _passes(base, key, default, build):
            return None
        limit = _bisect(base, key, default, limit, build)
        refused = _first_refused(_with(base, key, limit))
        build = refused[1] if refused else None
    return limit


def _bisect(base: Params, key: str, good, bad, build):
    while True:
        middle = (good + bad) / 2 if isinstance(bad, float) else (good + bad) // 2
        if middle in (good, bad):
            break
        good, bad = (middle, bad) if _passes(base, key, middle, build) else (good, middle)
    if isinstance(bad, float):
        return next(s for s in (float(f"{good:.{d}g}") for d in range(1, 18)) if _passes(base, key, s, build))
    return good


def _with(base: Params, key: str, value) -> Params:
    values = base.to_dict()
    *path, last = key.split(".")
    target = values
    for part in path:
        target = target[part]
    target[last] = value
    return params_from_dict(values, source="params.yaml")


def _passes(base: Params, key: str, value, build) -> bool:
    """Does params.yaml with `key` set to `value` pass the checks, for itself and for `build`'s run?"""
    try:
        build(_with(base, key, value))
    except PipelineError:
        return False
    return True


def _show(value) -> str:
    return f"{value:.12f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
