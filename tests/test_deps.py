"""Code dependencies come from the import graph: what changes training's key, and what does not;
the package has no import cycle, and only training (and the lesson) may import TensorFlow."""
import ast
import shutil
from pathlib import Path

import pytest

from pipeline.workflow import deps
from pipeline.workflow.stages import table

ROOT = Path(__file__).resolve().parents[1]
TENSORFLOW_ALLOWED = ("lesson", "training.", "experiments.sweep")  # the sweep's workers train


def test_every_form_of_import_is_found():
    source = ("import os\nimport pipeline.a\nfrom pipeline import b, c\nfrom pipeline.d import x\n"
              "from . import e\nfrom .f import y\ndef g():\n    from pipeline import h\n"
              "import pipeline.k.m\nfrom ..n import z\n")
    found = deps.imported_modules(source, current="pkg.sub.mod")
    assert {"a", "b", "c", "d", "d.x", "pkg.sub.e", "pkg.sub.f", "h", "k.m", "pkg.n"} <= found


def copy_package(tmp_path) -> Path:
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    return package


def training_digest(package: Path) -> dict:
    stage = {s.name: s for s in table(ROOT)}["train"]
    return deps.code_digest(stage.module, package)


def touch(package: Path, module: str) -> None:
    path = deps.module_path(module, package)
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_training_depends_on_the_lesson_and_not_on_rendering(tmp_path):
    modules = deps.closure("training.train", copy_package(tmp_path))
    assert {"training.train", "lesson", "training.evaluate", "common.config", "common.schema"} <= set(modules)
    assert not {"figures.charts", "figures.catalogue", "common.fr", "pages.render", "pages.context"} & set(modules)


def test_editing_lesson_model_or_training_code_changes_the_training_key(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    for module in ("lesson", "training.train", "training.evaluate", "common.architecture"):
        touch(package, module)
        after = training_digest(package)
        assert after != before, module
        before = after


def test_editing_figures_or_french_formatting_leaves_the_training_key(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    for module in ("figures.charts", "figures.catalogue", "common.fr", "pages.render", "pages.context"):
        touch(package, module)
    assert training_digest(package) == before


def test_a_new_module_that_training_starts_importing_is_picked_up(tmp_path):
    package = copy_package(tmp_path)
    before = training_digest(package)
    (package / "training" / "augment.py").write_text("def flip(x):\n    return x[:, ::-1]\n", encoding="utf-8")
    assert training_digest(package) == before  # not imported yet: not a dependency
    train = package / "training" / "train.py"
    train.write_text(train.read_text(encoding="utf-8").replace(
        "def load_and_split(", "def _unused():\n    from pipeline.training.augment import flip\n\n\n"
        "def load_and_split(", 1), encoding="utf-8")
    after = training_digest(package)
    assert "training.augment" in after and after != before
    (package / "training" / "augment.py").write_text("def flip(x):\n    return x[::-1]\n", encoding="utf-8")
    assert training_digest(package)["training.augment"] != after["training.augment"]


def test_a_module_moved_to_another_package_stays_in_the_training_key(tmp_path):
    """Moving evaluate.py from training/ to common/ (and fixing its import) keeps it a dependency."""
    package = copy_package(tmp_path)
    (package / "training" / "evaluate.py").rename(package / "common" / "evaluate.py")
    train = package / "training" / "train.py"
    source = train.read_text(encoding="utf-8")
    assert "from pipeline.training import evaluate" in source
    train.write_text(source.replace("from pipeline.training import evaluate", "from pipeline.common import evaluate"),
                     encoding="utf-8")
    digest = training_digest(package)
    assert "common.evaluate" in digest and "training.evaluate" not in digest
    touch(package, "common.evaluate")
    assert training_digest(package)["common.evaluate"] != digest["common.evaluate"]


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in (ROOT / "pipeline").rglob("*.py"):
        parts = path.relative_to(ROOT / "pipeline").with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: {m for m in deps.imported_modules(path.read_text(encoding="utf-8"), name)
                   if m in modules and m != name and m != ""}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_package_has_no_import_cycle():
    """A cycle makes a stage's key depend on code it never uses (editing figures rebuilt the notebook)."""
    assert cycles(import_graph()) == []


def imports_tensorflow(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(name.split(".")[0] in ("tensorflow", "keras") for name in names):
            return True
    return False


@pytest.mark.parametrize("module", sorted(project_modules()))
def test_only_training_and_the_lesson_import_tensorflow(module):
    path = project_modules()[module]
    allowed = any(module == a or (a.endswith(".") and module.startswith(a)) for a in TENSORFLOW_ALLOWED)
    assert allowed or not imports_tensorflow(path), f"{module} imports TensorFlow"


def test_the_tensorflow_check_sees_a_lazy_import(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    import tensorflow as tf\n    return tf\n", encoding="utf-8")
    assert imports_tensorflow(path)
