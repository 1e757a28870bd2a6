"""Put a stage's outputs in place together, all of them or none, even across a kill; and check a run folder's checksums.

A stage writes its outputs into its staging folder. Promotion first writes a journal naming them, then
moves each previous output aside (x.old) and the new one in, then deletes the journal, then the x.old: a
failure on the way (a refused rename, Ctrl-C) puts every previous output back at once, and a build killed
on the way is rolled back by the next one (`recover`). So the README, its figures (rapport/) and the site
always come from the same build.

A folder named by its key (a run, artifacts/runs/<key>/) carries the SHA-256 of each of its files
(CHECKSUMS): a run damaged on disk, even at the same size and with the manifest lost, is found when it
is about to be reused (`damaged`), said so, and trained again.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, write_error

CHECKSUMS = ".sha256.json"  # inside a keyed output folder: {file: SHA-256} of every other file in it


def promote(pairs: list[tuple[Path, Path]], journal: Path, root: Path) -> None:
    """Move each (staged, final) into place; on any failure every final is as it was before."""
    missing = [staged for staged, _ in pairs if not staged.exists()]
    if missing:
        raise FileNotFoundError(f"stage output missing: {missing[0]}")
    pairs = [(s, f) for s, f in pairs if not (s.is_file() and f.is_file() and _same_bytes(s, f))]  # no churn
    if not pairs:
        return
    recover(journal, root)
    for _, final in pairs:
        leftover(final)  # an x.old left by an earlier build must not be taken for this one's
    atomic_write_json(journal, {"outputs": [{"final": str(f.relative_to(root)), "existed": f.exists()}
                                            for _, f in pairs]})
    try:
        for staged, final in pairs:
            _swap(staged, final)
    except BaseException as exc:
        recover(journal, root)
        if isinstance(exc, OSError):
            raise write_error(final, exc) from None
        raise
    journal.unlink()  # from here on the new outputs are the build's: only the old copies remain to delete
    for _, final in pairs:
        remove_tree(_old(final), missing_ok=True)


def _swap(staged: Path, final: Path) -> None:
    old = _old(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_tree(old, missing_ok=True)
    if final.exists():
        final.replace(old)
    if staged.is_file():
        os.chmod(staged, 0o644)  # as common/io writes them: published files are world-readable
    staged.replace(final)


def recover(journal: Path, root: Path) -> None:
    """After a promotion that did not finish (failed, interrupted or killed): every previous output back."""
    if not journal.exists():
        return
    try:
        outputs = json.loads(journal.read_text(encoding="utf-8"))["outputs"]
    except (OSError, ValueError, KeyError):  # cut short while being written: nothing was moved yet
        journal.unlink(missing_ok=True)
        return
    for output in outputs:
        final = root / output["final"]
        old = _old(final)
        if old.exists():
            remove_tree(final, missing_ok=True)
            old.replace(final)
        elif not output["existed"]:
            remove_tree(final, missing_ok=True)  # new in this build: it did not exist before
    journal.unlink()


def leftover(final: Path) -> None:
    """An x.old with no journal: a finished promotion killed before deleting it, or an older version's swap."""
    old = _old(final)
    if old.exists() and not final.exists():
        old.replace(final)
    elif old.exists():
        remove_tree(old)


def _old(final: Path) -> Path:
    return final.with_name(final.name + ".old")


def _same_bytes(a: Path, b: Path) -> bool:
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def remove_tree(path: Path, missing_ok: bool = False) -> None:
    """Delete a file or a folder, even one made read-only by its owner (chmod -R a-w site): its folders are
    made writable first. A folder that still cannot be deleted is one French message."""
    if not path.exists() and not path.is_symlink():
        if missing_ok:
            return
        raise FileNotFoundError(path)

    def writable_and_again(function, name, _):
        parent = os.path.dirname(name)
        with contextlib.suppress(OSError):
            os.chmod(parent, os.stat(parent).st_mode | stat.S_IWUSR | stat.S_IXUSR)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, os.stat(name).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
        function(name)

    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, onerror=writable_and_again)
        else:
            path.unlink()
    except OSError as exc:
        raise PipelineError(f"impossible de supprimer {path.name}, copie précédente d'une sortie.", where=str(path),
                            fix=f"supprimez-le : « chmod -R u+w {path} && rm -rf {path} » (sudo s'il appartient à "
                                "un autre utilisateur), puis relancez « make report ».",
                            detail=f"{type(exc).__name__}: {exc}") from None


def write_checksums(folder: Path) -> None:
    """Record the SHA-256 of every file of a keyed output folder, inside it."""
    atomic_write_json(folder / CHECKSUMS, _digests(folder))


def damaged(folder: Path) -> str | None:
    """The first file of `folder` whose bytes no longer match its recorded SHA-256 (or that disappeared, or
    appeared), or None when all match. A folder without a record (an older build's) is taken as it is."""
    record = folder / CHECKSUMS
    if not record.is_file():
        return None
    try:
        expected = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return CHECKSUMS
    actual = _digests(folder)
    return next((name for name in sorted(set(expected) | set(actual)) if expected.get(name) != actual.get(name)),
                None)


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != CHECKSUMS}
