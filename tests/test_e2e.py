"""End to end on the real Fashion-MNIST: one build (few epochs) in a temporary folder, then its outputs."""
import ast
import hashlib
import json
import re
import subprocess
import sys

import pytest

from builds import ROOT
from pipeline.common import fr
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages.render import code_section

PAGES = [page.output for page in nav_pages(ROOT / "mkdocs.yml")]

pytestmark = pytest.mark.slow


def run_dir_of(root):
    run_dirs = [p for p in (root / "artifacts" / "runs").iterdir() if not p.name.startswith(".")]
    assert len(run_dirs) == 1
    return run_dirs[0]


def metrics_of(root):
    return json.loads((run_dir_of(root) / "metrics.json").read_text(encoding="utf-8"))


def test_pages_figures_readme_and_site_exist(built_project):
    for out in PAGES:  # Expériences and Variabilité included: the build has a (recorded) sweep
        assert (built_project / "docs" / out).stat().st_size > 500, out
        assert (built_project / "site" / out.replace(".md", ".html")).exists(), out
    readme = (built_project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("<!-- Fichier généré")
    assert "make report" in readme and "make test" in readme


def test_without_the_sweep_the_measured_pages_are_left_out_not_published_empty(built_project, tmp_path, keras_home):
    """`make report` alone: no placeholder page, no nav entry, no link (the hook drops only these pages:
    Expériences, Variabilité and Réglage)."""
    import shutil

    from builds import run_report
    from pipeline.experiments.questions import PAGES as MEASURED

    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)
    for measured in ("experiments.json", "tuning.json"):  # what make site-complet adds
        (root / "artifacts" / measured).unlink()
    result = run_report(root, env={"KERAS_HOME": str(keras_home)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "réutilisé" in result.stdout.split("entraînement", 1)[1].splitlines()[0]
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    for out in MEASURED:
        assert (root / "docs" / out).read_text(encoding="utf-8").strip() == "", out
        assert not (root / "site" / out.replace(".md", ".html")).exists(), out
        assert f'href="{out.replace(".md", ".html")}' not in index, out
        assert (built_project / "site" / out.replace(".md", ".html")).exists(), out  # with the sweep: published


def test_every_figure_a_page_names_exists(built_project):
    for out in PAGES:
        text = (built_project / "docs" / out).read_text(encoding="utf-8")
        for name in re.findall(r"\(figures/([\w-]+\.png)", text):
            assert (built_project / "docs" / "figures" / name).stat().st_size > 1000, f"{out}: {name}"


def test_numbers_on_the_pages_equal_those_in_the_metrics_file(built_project):
    metrics = metrics_of(built_project)
    docs = built_project / "docs"
    accuracy = fr.percent(metrics["test"]["accuracy"])
    assert accuracy in (docs / "index.md").read_text(encoding="utf-8")
    assert accuracy in (docs / "evaluation.md").read_text(encoding="utf-8")
    assert fr.decimal(metrics["test"]["loss"], 3) in (docs / "evaluation.md").read_text(encoding="utf-8")
    assert accuracy in (built_project / "README.md").read_text(encoding="utf-8")
    model_page = (docs / "modele.md").read_text(encoding="utf-8")
    assert fr.integer(metrics["total_params"]) == "101\u00a0770"
    for layer in metrics["layers"]:
        assert fr.integer(layer["params"]) in model_page
    performance = (docs / "performances.md").read_text(encoding="utf-8")
    for epoch, loss in enumerate(metrics["history"]["val_loss"], start=1):
        assert f"| {epoch}" in performance and fr.decimal(loss, 4) in performance
    assert f"meilleure époque ({metrics['best_epoch']})" in performance


def test_the_run_used_the_honest_protocol_on_real_data(built_project):
    metrics = metrics_of(built_project)
    assert metrics["sizes"] == {"fit": 54000, "validation": 6000, "test": 10000}
    assert metrics["epochs_run"] <= 3
    assert metrics["test"]["accuracy"] > 0.8  # three epochs already beat 80 %


def test_second_build_reuses_everything_and_changes_no_file(built_project, keras_home):
    from builds import run_report

    before = {p: p.read_bytes() for p in (built_project / "docs").rglob("*") if p.is_file()}
    result = run_report(built_project, env={"KERAS_HOME": str(keras_home)}, timeout=120)
    assert result.returncode == 0, result.stderr
    stage_lines = [line for line in result.stdout.splitlines() if line.startswith("▸")]
    assert len(stage_lines) >= 5 and all("réutilisé" in line for line in stage_lines), result.stdout
    after = {p: p.read_bytes() for p in (built_project / "docs").rglob("*") if p.is_file()}
    assert before == after


def test_rendering_never_imports_tensorflow(built_project):
    code = ("import sys; from pipeline.workflow.cli import main; main(['report', '--root', sys.argv[1]]); "
            "print('TF' if 'tensorflow' in sys.modules else 'NO-TF')")
    result = subprocess.run([sys.executable, "-c", code, str(built_project)], cwd=built_project,
                            capture_output=True, text=True, env={"PYTHONPATH": str(built_project), "PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("NO-TF")


def test_built_pages_follow_french_number_typography(built_project):
    from test_report import prose

    for out in PAGES:
        body = prose((built_project / "docs" / out).read_text(encoding="utf-8"))
        assert not re.search(r"\d\.\d+\s?%", body), f"{out}: decimal point in a percentage"
        assert not re.search(r" [%;:!?](\s|$)", body), f"{out}: breaking space before punctuation"
        # Formulas (their numbers sit in separate MathML elements), entities and hashes are not numbers.
        text = re.sub(r"<math.*?</math>", " ", (built_project / "docs" / out).read_text(encoding="utf-8"), flags=re.S)
        words = re.sub(r"&#?\w+;|[0-9a-f]{12,}", "", prose(text))
        assert not re.search(r"\d{5,}", words), f"{out}: ungrouped thousands"


def lesson_blocks(markdown: str) -> list[str]:
    """The code blocks a page shows from pipeline/lesson.py (the source() macro titles them so)."""
    return re.findall(r'```python title="pipeline/lesson.py"\n(.*?)\n```', markdown, flags=re.S)


def untaken_branches(source: str, executed: set[int]) -> set[int]:
    """Lines of the branches an `if` that ran did not take: a parameter's other choice, shown and not run."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.If) and node.lineno in executed:
            for branch in (node.body, node.orelse):
                if branch and branch[0].lineno not in executed:
                    lines |= {n.lineno for stmt in branch for n in ast.walk(stmt) if isinstance(n, ast.stmt)}
    return lines


def test_code_shown_on_the_pages_is_code_the_build_executed(built_project):
    """Every statement of every lesson block on the pages ran during this build's training, but the branch of
    an `if` that this run's parameters did not take (the `if` itself ran: `validation`, `dropout`)."""
    trace = json.loads((run_dir_of(built_project) / "lesson_trace.json").read_text(encoding="utf-8"))
    lesson = built_project / "pipeline" / "lesson.py"
    assert trace["sha256"] == hashlib.sha256(lesson.read_bytes()).hexdigest()  # the same file ran
    source = lesson.read_text(encoding="utf-8")
    sections = {name: code_section(built_project, "pipeline/lesson.py", name)
                for name in re.findall(r"^\s*# --8<-- \[start:([\w-]+)\]", source, flags=re.M)}
    statements = {node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.stmt) and not isinstance(node, ast.FunctionDef)}
    executed = set(trace["executed_lines"])
    not_taken = untaken_branches(source, executed)
    assert not_taken, "the lesson's parameter branches (validation, dropout) are expected"
    lines = source.splitlines()
    shown = 0
    for out in PAGES:
        for block in lesson_blocks((built_project / "docs" / out).read_text(encoding="utf-8")):
            name = next((n for n, code in sections.items() if code == block), None)
            assert name, f"{out}: a block that is no section of lesson.py:\n{block}"
            start = next(i for i, line in enumerate(lines, 1) if f"[start:{name}]" in line)
            end = next(i for i, line in enumerate(lines, 1) if f"[end:{name}]" in line)
            missing = sorted(n for n in statements if start < n < end and n not in executed | not_taken)
            assert not missing, f"{out}: section {name} shows lines that never ran: {missing}"
            shown += 1
    assert shown >= 8


def test_the_lessons_own_prints_are_kept_for_the_pages(built_project):
    outputs = json.loads((run_dir_of(built_project) / "outputs.json").read_text(encoding="utf-8"))
    assert "(60000, 28, 28)" in outputs["shapes"] and "Exactitude sur le jeu de test" in outputs["evaluate"]


def test_the_downloaded_script_gives_this_build_s_validation_losses_to_the_four_printed_decimals(built_project,
                                                                                                 tmp_path):
    """The student's route (the script from the site, same seed, same machine, same versions) prints the
    validation loss of the build's first two epochs exactly, to the four decimals Keras prints."""
    from test_notebook import offline_env

    home = tmp_path / "home"
    home.mkdir()
    script = built_project / "docs" / "telechargements" / "fashion_mnist.py"
    env = {k: v for k, v in offline_env(home).items() if k != "TF_ENABLE_ONEDNN_OPTS"}  # a student's defaults
    result = subprocess.run([sys.executable, str(script), "--epochs", "2"], capture_output=True, text=True,
                            cwd=tmp_path, env={**env, "MPLBACKEND": "Agg"}, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    printed = re.findall(r"val_loss: (\d+\.\d{4})", result.stdout)
    build = [f"{value:.4f}" for value in metrics_of(built_project)["history"]["val_loss"][:2]]
    assert printed[-2:] == build, (printed, build)
