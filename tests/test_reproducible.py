"""Same inputs, same outputs: a second cold build gives identical metrics, pages and figures."""
import pytest

from builds import E2E_EPOCHS, copy_project, run_report, set_param

pytestmark = pytest.mark.slow
# Pages that record when and how long, by design; every other page must be byte-identical.
TIME_DEPENDENT = {"reproductibilite.md"}


def outputs(root):
    runs = [p for p in (root / "artifacts" / "runs").iterdir() if not p.name.startswith(".")]
    files = {"metrics.json": (runs[0] / "metrics.json").read_bytes()}
    for path in sorted((root / "docs").rglob("*")):
        if path.is_file() and path.name not in TIME_DEPENDENT:
            files[str(path.relative_to(root))] = path.read_bytes()
    files["README.md"] = (root / "README.md").read_bytes()
    return files


def test_two_cold_builds_with_the_same_parameters_are_identical(built_project, tmp_path, keras_home):
    root = copy_project(tmp_path / "second")
    set_param(root, "epochs: 20", f"epochs: {E2E_EPOCHS}")
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stderr
    first, second = outputs(built_project), outputs(root)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []
