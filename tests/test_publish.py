"""`make publish`: site/ as `make site-complet` left it (PDF, its link, downloads) reaches gh-pages, byte for byte."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.common.errors import PipelineError
from pipeline.publish import gh_pages, pdf

ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_AUTHOR_NAME": "Enseignant", "GIT_AUTHOR_EMAIL": "prof@example.org",
           "GIT_COMMITTER_NAME": "Enseignant", "GIT_COMMITTER_EMAIL": "prof@example.org"}


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env={**os.environ, **GIT_ENV}).stdout


@pytest.fixture
def project(tmp_path):
    """A git project whose site/ is complete (a PDF linked from the home page, downloads), and a bare remote."""
    root, remote = tmp_path / "projet", tmp_path / "distant.git"
    git("init", "--bare", "-q", str(remote), cwd=tmp_path)
    root.mkdir()
    git("init", "-q", cwd=root)
    (root / "README.md").write_text("rapport\n", encoding="utf-8")
    git("add", "README.md", cwd=root)
    git("commit", "-q", "-m", "début", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    site = root / "site"
    (site / "telechargements").mkdir(parents=True)
    (site / "index.html").write_text(f'<h1>Accueil</h1>\n<p class="{pdf.LINK_MARK}"><a href="{pdf.PDF_NAME}" download>'
                                     f'{pdf.PDF_NAME}</a></p>', encoding="utf-8")
    (site / pdf.PDF_NAME).write_bytes(b"%PDF-1.7 le rapport")
    (site / "telechargements" / "lecon.ipynb").write_text("{}", encoding="utf-8")
    (site / "telechargements" / "lecon.py").write_text("print('leçon')\n", encoding="utf-8")
    return root, remote


def files(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_pushes_the_built_site_itself_with_its_pdf_and_downloads(project):
    root, remote = project
    before = files(root / "site")
    code = subprocess.run([sys.executable, "-m", "pipeline.publish.gh_pages", "--root", str(root)], cwd=root,
                          capture_output=True, text=True, env={**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT)})
    assert code.returncode == 0, code.stderr
    assert "Site publié" in code.stdout
    names = git("ls-tree", "-r", "--name-only", "gh-pages", cwd=remote).split()
    assert set(names) == set(before) | {".nojekyll"}
    for name, content in before.items():
        assert git("show", f"gh-pages:{name}", cwd=remote).encode() == content, name
    assert files(root / "site") == before  # the local site keeps its PDF: nothing was built again
    assert pdf.PDF_NAME in git("show", "gh-pages:index.html", cwd=remote)


def test_a_site_without_its_pdf_or_without_a_remote_is_not_published(project):
    root, remote = project
    (root / "site" / pdf.PDF_NAME).unlink()
    with pytest.raises(PipelineError) as info:
        gh_pages.publish(root)
    assert "rapport.pdf absent" in info.value.what and "make site-complet" in info.value.fix
    (root / "site" / pdf.PDF_NAME).write_bytes(b"%PDF")
    git("remote", "remove", "origin", cwd=root)
    with pytest.raises(PipelineError) as info:
        gh_pages.publish(root)
    assert "pas de dépôt distant « origin »" in info.value.what
    assert "gh-pages" not in subprocess.run(["git", "branch", "-a"], cwd=root, capture_output=True, text=True).stdout


def test_the_makefile_publishes_site_itself_not_a_rebuild():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\npublish:", 1)[1].split("\n\n", 1)[0]
    assert "pipeline.publish.gh_pages" in recipe and "gh-deploy" not in recipe
    assert gh_pages.PDF == pdf.PDF_NAME


def test_make_pdf_without_a_site_or_without_chromium_says_what_to_do(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pipeline.publish.pdf", "--root", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "pas de site à imprimer" in result.stderr and "make report" in result.stderr
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>Accueil</h1>", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        pdf.build_pdf(tmp_path, chromium=str(tmp_path / "chromium"))
    assert "Chromium est absent" in info.value.what and "apt-get install chromium" in info.value.fix
    assert list((tmp_path / "site").iterdir()) == [tmp_path / "site" / "index.html"]  # nothing half-printed
