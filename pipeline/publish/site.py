"""Stage "site": build the static site with MkDocs (strict) and publish the README with it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_bytes, read_json
from pipeline.publish.mkdocs_hooks import empty_page_message, unexpected_empty_pages


README_FOLDER = "rapport/"  # figures/catalogue.py's README_FOLDER, declared as this stage's output (workflow/stages.py)


def build_site(root: Path, target: Path) -> None:
    """`mkdocs build --strict` into `target`; the runner swaps it in place of site/ only on success."""
    unexpected = unexpected_empty_pages(root / "docs")  # the hook would stop MkDocs: say it here, plainly
    if unexpected:
        raise PipelineError(empty_page_message(unexpected), where=str(root / "docs"),
                            fix="corrigez le gabarit templates/<page>.jinja qui l'écrit (il ne doit jamais rendre une page "
                                "vide), puis relancez « make report ». Le site précédent est conservé.")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict",
               "--config-file", str(root / "mkdocs.yml"), "--site-dir", str(target)]
    # Material's banner about MkDocs 2.0 is advice for site authors, not a problem of this site.
    env = dict(os.environ, PYTHONWARNINGS="ignore", NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        details = (result.stderr or result.stdout).strip().splitlines()
        full = next((line for line in details if "No space left on device" in line or "Errno 28" in line), None)
        if full:  # not a problem of the pages: the disk, while MkDocs wrote site/
            raise PipelineError("disque plein : MkDocs n'a pas pu écrire le site.", where=str(target),
                                fix="libérez de la place, puis relancez « make report ». Le site et le README "
                                    "précédents sont intacts.", detail=full.strip())
        raise PipelineError(
            "MkDocs n'a pas pu construire le site (mode strict) ; le site précédent est conservé.",
            where=str(root / "mkdocs.yml"),
            fix="lisez le détail ci-dessous (lien cassé, page absente de la navigation…), corrigez, relancez.",
            detail="\n".join(details[-15:]),
        )


def site_stage(job) -> None:
    """Stage "site": the site, the README (the report) and the README's figures, staged side by side; the runner
    puts the three in place together, once all are written (workflow/promotion.py)."""
    build_site(job.root, job.out("site/"))
    atomic_write_bytes(job.out("README.md"), job.input("pages", "artifacts/README.pending.md").read_bytes())
    facts = read_json(job.input("figures", "artifacts/figures.json"))  # which figures the README shows
    figures, readme = job.input("figures", "docs/figures/"), job.out(README_FOLDER)
    readme.mkdir(parents=True, exist_ok=True)
    for name in facts["readme_figures"]:  # byte for byte the site's own figure
        atomic_write_bytes(readme / f"{name}.png", (figures / f"{name}.png").read_bytes())


def summary(job) -> str:
    return f"mkdocs build --strict → {job.final('site/')} ; README.md et ses figures ({README_FOLDER}) à jour"
