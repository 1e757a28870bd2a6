"""Site building: a strict MkDocs failure stops the build and keeps the previous site and README."""
import shutil

import pytest

from pipeline.workflow import cli


def snapshot(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_broken_link_fails_the_strict_build_and_keeps_the_previous_site(built_project, tmp_path, keras_home,
                                                                         monkeypatch, capsys):
    root = tmp_path / "projet"
    shutil.copytree(built_project, root)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    before, readme = snapshot(root / "site"), (root / "README.md").read_bytes()
    template = root / "templates" / "index.md.jinja"
    template.write_text(template.read_text(encoding="utf-8") + "\n[perdu](page-absente.md)\n", encoding="utf-8")
    assert cli.main(["report", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "MkDocs n'a pas pu construire le site" in err and "page-absente.md" in err
    assert snapshot(root / "site") == before and (root / "README.md").read_bytes() == readme
    assert not (root / "artifacts" / ".staging").exists()
