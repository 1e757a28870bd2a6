"""Code dependencies come from the import graph: what changes training's key, and what does not."""
import shutil
from pathlib import Path

from pipeline import deps
from pipeline.stages import table

ROOT = Path(__file__).resolve().parents[1]


def test_every_form_of_import_is_found():
    source = ("import os\nimport pipeline.a\nfrom pipeline import b, c\nfrom pipeline.d import x\n"
              "from . import e\nfrom .f import y\ndef g():\n    from pipeline import h\n")
    assert deps.imported_modules(source) == {"a", "b", "c", "d", "e", "f", "h"}


def copy_package(tmp_path) -> Path:
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def training_digest(package: Path) -> dict:
    stage = {s.name: s for s in table(ROOT)}["train"]
    return deps.code_digest(stage.module, package)


def test_training_depends_on_the_lesson_and_not_on_rendering(tmp_path):
    modules = deps.closure("train", copy_package(tmp_path))
    assert {"train", "lesson", "evaluate", "config", "schema"} <= set(modules)
    assert not {"figures", "figure_set", "fr", "report", "context"} & set(modules)


def test_editing_lesson_model_or_training_code_changes_the_training_key(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    for module in ("lesson", "train", "evaluate"):
        path = package / f"{module}.py"
        path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
        after = training_digest(package)
        assert after != before, module
        before = after


def test_editing_figures_or_french_formatting_leaves_the_training_key(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    for module in ("figures", "figure_set", "fr", "report", "context"):
        path = package / f"{module}.py"
        path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert training_digest(package) == before


def test_a_new_module_that_training_starts_importing_is_picked_up(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    (package / "augment.py").write_text("def flip(x):\n    return x[:, ::-1]\n", encoding="utf-8")
    assert training_digest(package) == before  # not imported yet: not a dependency
    train = package / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace(
        "def load_and_split(", "def _unused():\n    from pipeline.augment import flip\n\n\ndef load_and_split(", 1),
        encoding="utf-8")
    after = training_digest(package)
    assert "augment" in after and after != before
    (package / "augment.py").write_text("def flip(x):\n    return x[::-1]\n", encoding="utf-8")
    assert training_digest(package)["augment"] != after["augment"]
