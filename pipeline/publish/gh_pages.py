"""`make publish`: push site/ as `make site-complet` left it, PDF and downloads included, to origin's gh-pages branch.

MkDocs' own `gh-deploy` would build site/ again from docs/, without what `make site-complet` added to the
built site (site/rapport.pdf and the home page's link to it): ghp-import commits the folder itself, byte for
byte, and site/ is left as it was.

    python -m pipeline.publish.gh_pages [--root .] [--remote origin] [--branch gh-pages]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from pipeline.common.errors import PipelineError

PDF = "rapport.pdf"  # publish/pdf.py's PDF_NAME (that module imports Playwright's world; this one needs git only)
REQUIRED = ("index.html", PDF, "telechargements")  # what only the complete build leaves in site/


def check_complete(site: Path) -> None:
    """The site as `make site-complet` leaves it, or the French message saying what is missing."""
    missing = [name for name in REQUIRED if not (site / name).exists()]
    if missing:
        raise PipelineError(f"le site à publier n'est pas complet : {', '.join(missing)} absent de {site.name}/.",
                            where=str(site), fix="lancez « make site-complet » (ou « make publish », qui le "
                                                 "lance d'abord), puis publiez.")
    index = (site / "index.html").read_text(encoding="utf-8")
    if f'href="{PDF}"' not in index:
        raise PipelineError("la page d'accueil du site ne donne pas le lien vers le PDF.", where=str(site / "index.html"),
                            fix="relancez « make pdf » (ou « make site-complet »), puis publiez.")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)


def publish(root: Path, remote: str = "origin", branch: str = "gh-pages") -> str:
    """Commit site/ to `branch` and push it to `remote`; return the published commit."""
    site = root / "site"
    check_complete(site)
    if _git(root, "remote", "get-url", remote).returncode != 0:
        raise PipelineError(f"pas de dépôt distant « {remote} » : rien à publier.", where=str(root),
                            fix=f"ajoutez-le : « git remote add {remote} ADRESSE », puis relancez « make publish ».")
    head = _git(root, "rev-parse", "--short", "HEAD").stdout.strip() or "sans commit"
    command = [sys.executable, "-m", "ghp_import", "--no-jekyll", "--push", "--force", "--remote", remote,
               "--branch", branch, "--message", f"Site du rapport ({head}), publié par make publish", str(site)]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise PipelineError(f"la publication sur la branche {branch} de « {remote} » a échoué.", where=str(root),
                            fix="lisez le détail (droits sur le dépôt distant, réseau), puis relancez « make publish ».",
                            detail=" | ".join((result.stderr or result.stdout).strip().splitlines()[-3:]))
    return _git(root, "rev-parse", branch).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.publish.gh_pages",
                                     description="Publier site/ tel quel sur la branche gh-pages.")
    parser.add_argument("--root", default=".", help="dossier du projet (contient site/)")
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--branch", default="gh-pages")
    args = parser.parse_args(argv)
    root = Path(args.root).resolve()
    try:
        commit = publish(root, args.remote, args.branch)
    except PipelineError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    print(f"Site publié : {root / 'site'} → branche {args.branch} de « {args.remote} » (commit {commit[:7]}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
