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


def test_a_full_disk_while_mkdocs_writes_is_said_as_such_not_as_a_strict_mode_failure(tmp_path, monkeypatch):
    import subprocess

    from pipeline.common.errors import PipelineError
    from pipeline.publish import site

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Accueil\n", encoding="utf-8")
    traceback = ("Traceback (most recent call last):\n" + "  File \"mkdocs/commands/build.py\", line 1\n" * 14 +
                 f"OSError: [Errno 28] No space left on device: '{tmp_path}/site.new/index.html'\n")
    monkeypatch.setattr(site.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", traceback))
    try:
        site.build_site(tmp_path, tmp_path / "site.new")
    except PipelineError as exc:
        assert exc.what.startswith("disque plein") and "libérez de la place" in exc.fix
        assert "strict" not in exc.what and exc.detail.startswith("OSError: [Errno 28]") and "\n" not in exc.detail
    else:
        raise AssertionError("no error")
