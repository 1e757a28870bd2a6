"""Build the static site with MkDocs into a temporary folder, then swap it in place of site/."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.io import write_error


def recover_interrupted_swap(site: Path) -> None:
    """A build killed between the two renames leaves site.old/ and no site/: put it back."""
    old = site.with_name(site.name + ".old")
    if old.exists() and not site.exists():
        old.replace(site)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)


def build_site(root: Path, site: Path) -> None:
    """`mkdocs build --strict` into site.tmp/; on success it replaces site/, on failure site/ is untouched."""
    recover_interrupted_swap(site)
    tmp = site.with_name(site.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    command = [sys.executable, "-m", "mkdocs", "build", "--strict",
               "--config-file", str(root / "mkdocs.yml"), "--site-dir", str(tmp)]
    # Material's banner about MkDocs 2.0 is advice for site authors, not a problem of this site.
    env = dict(os.environ, PYTHONWARNINGS="ignore", NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        details = (result.stderr or result.stdout).strip().splitlines()
        raise PipelineError(
            "MkDocs n'a pas pu construire le site (mode strict) ; le site précédent est conservé.",
            where=str(root / "mkdocs.yml"),
            fix="lisez le détail ci-dessous (lien cassé, page absente de la navigation…), corrigez, relancez.",
            detail="\n".join(details[-15:]),
        )
    swap_into_place(tmp, site)


def swap_into_place(new: Path, site: Path) -> None:
    """Replace site/ by `new` with two renames; if either fails, the previous site/ is put back."""
    old = site.with_name(site.name + ".old")
    try:
        if site.exists():
            site.replace(old)
        new.replace(site)
    except OSError as exc:
        if old.exists() and not site.exists():
            old.replace(site)
        shutil.rmtree(new, ignore_errors=True)
        raise write_error(site, exc) from None
    shutil.rmtree(old, ignore_errors=True)
