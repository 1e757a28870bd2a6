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


def test_unknown_command_is_refused(project):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "pipeline", "publier"], cwd=project,
                            capture_output=True, text=True, env={"PYTHONPATH": str(project)})
    assert result.returncode != 0 and "invalid choice" in result.stderr
