"""The command line: bad input gives one clear French message, a non-zero exit, and changes nothing."""
from pathlib import Path

import pytest

from builds import copy_project, run_report


@pytest.fixture
def project(tmp_path) -> Path:
    root = copy_project(tmp_path / "projet")
    (root / "README.md").write_text("ancien rapport\n", encoding="utf-8")
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("ancien site\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("params_text, expected", [
    ("epochs: vingt\n", "paramètre « epochs » invalide"),
    ("epoch: 20\n", "vouliez-vous dire « epochs »"),
    ("validation: tout\n", "« split » ou « test »"),
    ("early_stopping:\n  patience: [3\n", "n'est pas du YAML valide"),
    ("batch_size: 100000\n", "ne peut pas dépasser les 54\u00a0000 images"),  # not « 1 mises à jour » published
    ("validation_fraction: 0.9999\n", "au plus 0.5"),  # not « Validation : 100 % » for a net trained on 10 images
    ("learning_rate: 0.5\n", "la page Expériences"),  # refused before training, not after it in « expériences »
])
def test_bad_parameters_stop_before_anything_is_written(project, params_text, expected):
    (project / "params.yaml").write_text(params_text, encoding="utf-8")
    result = run_report(project, timeout=120)
    assert result.returncode == 2
    assert expected in result.stderr
    assert result.stderr.startswith("Erreur : ")
    assert "Traceback" not in result.stderr
    assert (project / "README.md").read_text(encoding="utf-8") == "ancien rapport\n"
    assert (project / "site" / "index.html").read_text(encoding="utf-8") == "ancien site\n"


def test_a_lesson_with_a_lost_marker_stops_before_anything_is_written(project):
    lesson = project / "pipeline" / "lesson.py"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("    # --8<-- [end:model]\n", ""), encoding="utf-8")
    result = run_report(project, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("Erreur : marqueurs de section de pipeline/lesson.py")
    assert "Où : pipeline/lesson.py, ligne" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "artifacts" / "data.json").exists()  # before the data, before any training
    assert (project / "README.md").read_text(encoding="utf-8") == "ancien rapport\n"


@pytest.mark.parametrize("argv", [["publier"], ["report", "--workers", "abc"]])
def test_an_unknown_command_or_a_bad_option_is_refused_in_french(project, argv):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", *argv], cwd=project,
                            capture_output=True, text=True, env={"PYTHONPATH": str(project)})
    assert result.returncode == 2 and result.stderr.startswith("Erreur : commande ou option invalide.")
    assert "invalid" in result.stderr.split("Détail :")[1] and "usage:" not in result.stderr


def test_the_current_folder_is_the_project_or_else_the_program_s_own(tmp_path, monkeypatch):
    from pipeline.workflow import cli

    monkeypatch.chdir(tmp_path)  # `python -m pipeline report` from another folder builds this program's project
    assert cli.project_root(None) == cli.PROJECT
    assert cli.main(["report", "--root", str(tmp_path)]) == 2 and not (tmp_path / "artifacts").exists()
    project = copy_project(tmp_path / "copie")
    assert cli.project_root(str(project)) == project
    monkeypatch.chdir(project)
    assert cli.project_root(None) == project
