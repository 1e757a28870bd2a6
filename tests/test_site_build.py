"""Site building: strict MkDocs failures keep the previous site; an interrupted swap is recovered."""
import shutil

import pytest

from pipeline.errors import PipelineError
from pipeline.site import build_site, recover_interrupted_swap


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_broken_link_fails_the_strict_build_and_keeps_the_previous_site(built_project, tmp_path):
    root = tmp_path / "projet"
    shutil.copytree(built_project, root)
    before = snapshot(root / "site")
    page = root / "docs" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[perdu](page-absente.md)\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        build_site(root, root / "site")
    assert "MkDocs n'a pas pu construire le site" in info.value.what
    assert "page-absente.md" in info.value.detail
    assert snapshot(root / "site") == before
    assert not (root / "site.tmp").exists()


def test_recovery_puts_back_a_site_left_under_its_old_name(tmp_path):
    site, old = tmp_path / "site", tmp_path / "site.old"
    old.mkdir()
    (old / "index.html").write_text("ancien", encoding="utf-8")
    recover_interrupted_swap(site)
    assert (site / "index.html").read_text(encoding="utf-8") == "ancien"
    assert not old.exists()


def test_recovery_removes_a_leftover_when_the_site_is_present(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site.old").mkdir()
    recover_interrupted_swap(tmp_path / "site")
    assert (tmp_path / "site").exists() and not (tmp_path / "site.old").exists()
