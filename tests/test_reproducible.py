"""Same inputs, same outputs: a second cold build gives identical metrics, pages and figures."""
import shutil

import pytest

from builds import E2E_EPOCHS, add_recorded_experiments, copy_project, run_report, set_param
from pipeline.figures.catalogue import README_FOLDER

pytestmark = pytest.mark.slow
# Pages that record when and how long, by design; every other page must be byte-identical.
TIME_DEPENDENT = {"reproductibilite.md", "duree.js"}  # duree.js: the Keras run's seconds for « Entraîner »


def outputs(root):
    runs = [p for p in (root / "artifacts" / "runs").iterdir() if not p.name.startswith(".")]
    files = {"metrics.json": (runs[0] / "metrics.json").read_bytes()}
    for path in sorted((root / "docs").rglob("*")):
        if path.is_file() and path.name not in TIME_DEPENDENT:
            files[str(path.relative_to(root))] = path.read_bytes()
    files["README.md"] = (root / "README.md").read_bytes()
    readme_figures = sorted(path for path in (root / README_FOLDER).rglob("*") if path.is_file())
    assert readme_figures, f"no README figure in {README_FOLDER}"
    for path in readme_figures:  # the README's figures, committed to git: byte-identical or git sees a change
        files[str(path.relative_to(root))] = path.read_bytes()
    return files


def test_two_cold_builds_with_the_same_parameters_are_identical(built_project, tmp_path, keras_home):
    root = copy_project(tmp_path / "second")
    set_param(root, "epochs: 20", f"epochs: {E2E_EPOCHS}")
    add_recorded_experiments(root)  # as built_project: the same pages, Expériences and Variabilité included
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stderr
    first, second = outputs(built_project), outputs(root)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def git(root, *args):
    import subprocess
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def test_in_a_git_checkout_a_rebuild_changes_nothing_and_git_stays_clean(built_project, tmp_path, keras_home):
    """A fresh clone whose committed README is this run's report: two builds leave `git status` empty."""
    root = copy_project(tmp_path / "clone")
    set_param(root, "epochs: 20", f"epochs: {E2E_EPOCHS}")
    add_recorded_experiments(root)  # artifacts/ is not committed: git status is unaffected
    (root / "README.md").write_bytes((built_project / "README.md").read_bytes())
    shutil.rmtree(root / README_FOLDER, ignore_errors=True)  # and the figures committed with it
    shutil.copytree(built_project / README_FOLDER, root / README_FOLDER)
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone")
    env = {"KERAS_HOME": str(keras_home)}
    first = run_report(root, env=env)
    assert first.returncode == 0, first.stderr
    assert git(root, "status", "--porcelain") == ""
    assert "(avec des modifications non enregistrées)" not in (root / "docs" / "reproductibilite.md").read_text()
    second = run_report(root, env=env, timeout=120)
    stage_lines = [line for line in second.stdout.splitlines() if line.startswith("▸")]
    assert stage_lines and all("réutilisé" in line for line in stage_lines), second.stdout
    assert git(root, "status", "--porcelain") == ""
