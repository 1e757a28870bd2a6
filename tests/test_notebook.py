"""The students' notebook and script (stage "notebook"): built from the lesson, valid, self-contained, runnable.

Fast tests read what `pipeline.publish.notebook` writes from this project's lesson and templates; the slow
ones execute the notebook in a real Jupyter kernel and the script with `python`, offline, with the
Debian data and 2 epochs, as a student without internet would.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pipeline.common import fr
from pipeline.publish import notebook
from pipeline.pages import render
from pipeline.common.mkdocs_config import nav_pages
from pipeline.common.config import EarlyStoppingParams, Params
from pipeline.pages.render import code_section
from pipeline.workflow.runner import Job
from pipeline.common import architecture
from pipeline.publish.lesson_source import lesson_parameters
from factories import make_architecture

LAYERS = make_architecture().to_dict()["layers"]

ROOT = Path(__file__).resolve().parents[1]
# The sections the issue names, in the order a student runs them (the lesson may add others).
SEED_SECTIONS = ["imports", "class_names", "load", "shapes", "articles", "distribution", "normalise",
                 "split", "model", "compile", "early_stopping", "fit", "curves", "evaluate"]
ALLOWED_THIRD_PARTY = {"tensorflow", "matplotlib", "numpy"}
DEBIAN_DATA = Path("/usr/share/datasets/fashion-mnist")
EXACTITUDE = re.compile(r"Exactitude sur le jeu de test : ([0-9.]+)")
STEP_PAGES = ["index.md", "donnees.md", "modele.md", "entrainement.md", "performances.md", "evaluation.md"]


def marker_sections(path: Path) -> list[str]:
    """Section names read independently of pipeline.publish.notebook: lines that are start markers."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\s*# --8<-- \[start:([\w-]+)\]\s*", line)
        if match:
            names.append(match[1])
    return names


def plain(text: str) -> str:
    """Markdown with French non-breaking spaces as plain ones, to search it."""
    return text.replace(fr.NBSP, " ")


def tagged(cell, tag: str) -> bool:
    return tag in cell.metadata.get("tags", [])


def lesson_cells(nb) -> list:
    """The code cells that should be lesson sections: all but the notebook's own (tagged) ones."""
    return [c for c in nb.cells if c.cell_type == "code"
            and not tagged(c, notebook.PARAMETERS_TAG) and not tagged(c, notebook.PREPARATION_TAG)]


def imported_top_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add(node.module.split(".")[0])
    return found


def project_copy(tmp_path: Path) -> Path:
    """The files the carnet stage reads: mkdocs.yml, the templates and the lesson."""
    (tmp_path / "pipeline").mkdir()
    shutil.copy(ROOT / "pipeline" / "lesson.py", tmp_path / "pipeline" / "lesson.py")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


def edit_mkdocs(root: Path, extra: str) -> None:
    path = root / "mkdocs.yml"
    path.write_text(extra + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture(scope="module")
def built():
    """The notebook and the script exactly as the stage writes them for the default parameters."""
    files = notebook.build_files(ROOT, Params().to_dict(), LAYERS)
    return nbformat.reads(files[notebook.NOTEBOOK], as_version=4), files[notebook.SCRIPT]


# -- The notebook ----------------------------------------------------------------------------------

def test_notebook_is_valid_nbformat_4_with_stable_cell_ids(built):
    nb, _ = built
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.language == "python"
    again = notebook.build_files(ROOT, Params().to_dict(), LAYERS)[notebook.NOTEBOOK]
    assert nbformat.writes(nb) + "\n" == again, "two builds of the same lesson must give the same bytes"


def test_code_cells_are_the_lesson_sections_shown_on_the_pages_in_order(built):
    nb, _ = built
    sections = marker_sections(ROOT / notebook.LESSON)
    assert [s for s in sections if s in SEED_SECTIONS] == SEED_SECTIONS, sections
    assert [c.source for c in lesson_cells(nb)] == [code_section(ROOT, notebook.LESSON, s) for s in sections]


def test_each_section_follows_a_french_markdown_cell_naming_its_page(built):
    nb, _ = built
    titles = {page.output: page.title for page in nav_pages(ROOT / "mkdocs.yml")}
    expected = {"load": titles["donnees.md"], "model": titles["modele.md"], "fit": titles["entrainement.md"],
                "evaluate": titles["evaluation.md"]}
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell in lesson_cells(nb):
            before = cells[i - 1]
            assert before.cell_type == "markdown", f"cellule {cell.id} sans texte avant elle"
            # Without site_url, a link relative to site/telechargements/, where the site publishes the notebook.
            assert re.search(r"page \[[^\]]+\]\(\.\./[\w-]+\.html\) du site", plain(before.source)), before.source
            if cell.id in expected:
                page = next(p for p in nav_pages(ROOT / "mkdocs.yml") if p.title == expected[cell.id])
                assert f"[{expected[cell.id]}](../{page.output[:-3]}.html)" in before.source, before.source


def test_page_links_are_absolute_when_the_site_url_is_known(tmp_path):
    root = project_copy(tmp_path)
    edit_mkdocs(root, "site_url: https://exemple.fr/cours/")
    nb = notebook.build_notebook(root, notebook.parameter_values(root, Params().to_dict()), LAYERS)
    text = next(c.source for c in nb.cells if c.id == "texte-model")
    assert "[Étape 2 — Modèle](https://exemple.fr/cours/modele.html)" in text  # use_directory_urls: false


def test_the_page_of_a_section_is_the_page_whose_template_shows_it(tmp_path):
    root = project_copy(tmp_path)
    modele = root / "templates" / "modele.md.jinja"
    modele.write_text(modele.read_text(encoding="utf-8") + '\n{{ source("pipeline/lesson.py", "curves") }}\n',
                      encoding="utf-8")
    cells = {c.id: c for c in notebook.build_notebook(root, notebook.parameter_values(root, Params().to_dict()), LAYERS).cells}
    assert "[Étape 2 — Modèle](../modele.html)" in cells["texte-curves"].source
    assert "Performances" not in cells["texte-curves"].source


def test_parameters_cell_comes_first_is_tagged_and_carries_params_yaml_values(tmp_path):
    params = Params(epochs=7, batch_size=64, seed=3, validation_fraction=0.2,
                    early_stopping=EarlyStoppingParams(monitor="val_accuracy", patience=2,
                                                       restore_best_weights=False))
    nb = nbformat.reads(notebook.build_files(ROOT, params.to_dict(), LAYERS)[notebook.NOTEBOOK], as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert tagged(first, "parameters")
    namespace: dict = {}
    exec(first.source, namespace)
    assert {k: v for k, v in namespace.items() if not k.startswith("__")} == {
        "epochs": 7, "batch_size": 64, "monitor": "val_accuracy", "patience": 2,
        "restore_best_weights": False, "validation": "split", "validation_fraction": 0.2, "seed": 3,
        "hidden_units": 128, "dropout": 0.0, "learning_rate": 0.001}


def test_parameters_are_exactly_the_names_the_sections_read_without_defining():
    """A new free name in a section (a new parameter) must reach the parameters cell."""
    defined = set(dir(builtins))
    free: set[str] = set()
    for section in marker_sections(ROOT / notebook.LESSON):
        events = []  # (line, column, name, is_definition) in reading order
        for node in ast.walk(ast.parse(code_section(ROOT, notebook.LESSON, section))):
            if isinstance(node, ast.Name):
                events.append((node.lineno, node.col_offset, node.id, isinstance(node.ctx, ast.Store)))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                events += [(node.lineno, node.col_offset, (a.asname or a.name).split(".")[0], True)
                           for a in node.names]
        for _, _, name, is_definition in sorted(events):
            if is_definition:
                defined.add(name)
            elif name not in defined:
                free.add(name)
    assert free == {p.name for p in lesson_parameters(ROOT, Params().to_dict())}


def test_preparation_cell_precedes_load_and_explains_the_offline_way(built):
    nb, _ = built
    ids = [c.id for c in nb.cells]
    prep = nb.cells[ids.index("preparation")]
    assert tagged(prep, notebook.PREPARATION_TAG)
    assert ids.index("preparation") < ids.index("load")
    assert ids.index("imports") < ids.index("preparation")  # it uses tf
    for needed in ("apt-get install dataset-fashion-mnist", "FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist",
                   "load_data()", ".keras"):
        assert needed in prep.source, needed
    text = nb.cells[ids.index("preparation") - 1].source
    assert "absente des pages du site" in text and "dataset-fashion-mnist" in text


def test_notebook_and_script_import_only_tensorflow_matplotlib_numpy(built):
    nb, script = built
    for source in [c.source for c in nb.cells if c.cell_type == "code"] + [script]:
        third_party = imported_top_modules(source) - set(sys.stdlib_module_names)
        assert third_party <= ALLOWED_THIRD_PARTY, third_party


# -- The script ------------------------------------------------------------------------------------

def test_script_holds_every_section_in_order_after_its_options(built):
    _, script = built
    ast.parse(script)
    positions = [script.index(code_section(ROOT, notebook.LESSON, s)) for s in marker_sections(ROOT / notebook.LESSON)]
    assert positions == sorted(positions)
    assert script.index("args = parser.parse_args()") < script.index("import tensorflow")
    assert script.index(notebook.PREPARATION) < script.index(code_section(ROOT, notebook.LESSON, "load"))


def test_script_help_lists_the_parameters(tmp_path, built):
    _, script = built
    path = tmp_path / notebook.SCRIPT
    path.write_text(script, encoding="utf-8")
    result = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for flag in ("--epochs", "--batch-size", "--monitor", "--patience", "--no-restore-best-weights",
                 "--validation-fraction", "--seed"):
        assert flag in result.stdout, flag


# -- The stage, the context and the pages -------------------------------------------------------

def test_stage_writes_both_files_and_their_facts_then_is_reused(tmp_path, capsys):
    from pipeline.workflow.runner import Runner
    from pipeline.workflow.stages import table

    root = project_copy(tmp_path)
    stages = {s.name: s for s in table(root)}
    stage = stages["notebook"]
    runner = Runner(root, {})
    architecture.write(root / "artifacts" / "runs" / "abc", make_architecture())
    runner.done["train"] = Job(stages["train"], "abc", root, Params(), {})  # as if training had just run
    runner.run(stage, Params(epochs=4))
    assert "refait" in capsys.readouterr().out
    folder = root / "docs" / "telechargements"
    facts = json.loads((root / notebook.FACTS).read_text(encoding="utf-8"))
    for kind, name in (("notebook", notebook.NOTEBOOK), ("script", notebook.SCRIPT)):
        assert facts["files"][kind]["bytes"] == (folder / name).stat().st_size > 1000
        assert facts["files"][kind]["href"] == f"telechargements/{name}"
    assert facts["colab"] is None  # this project's mkdocs.yml has no repo_url
    assert "epochs = 4" in (folder / notebook.NOTEBOOK).read_text(encoding="utf-8")
    runner.run(stage, Params(epochs=4))
    assert "réutilisé" in capsys.readouterr().out
    runner.run(stage, Params(epochs=4, early_stopping=EarlyStoppingParams(patience=9)))
    assert "refait" in capsys.readouterr().out and "patience = 9" in (folder / notebook.NOTEBOOK).read_text()


def test_stage_declares_every_parameter_it_writes_and_the_pages_wait_for_it():
    from pipeline.workflow.stages import table

    stages = {s.name: s for s in table(ROOT)}
    declared = stages["notebook"].params
    for p in lesson_parameters(ROOT, Params().to_dict()):
        assert declared == ("*",) or any(p.key == key or p.key.startswith(key + ".") for key in declared), p.key
    assert "train" in stages["notebook"].after  # its text describes the trained network
    assert "notebook" in stages["pages"].after
    assert "pipeline/lesson.py" in stages["notebook"].files


@pytest.mark.parametrize("config, expected", [
    ({}, None),
    ({"repo_url": "https://gitlab.com/a/b"}, None),
    ({"repo_url": "https://github.com/prof/fashion-mnist"},
     "https://colab.research.google.com/github/prof/fashion-mnist/blob/gh-pages/telechargements/fashion_mnist.ipynb"),
    ({"repo_url": "https://github.com/prof/cours.git/", "remote_branch": "site"},
     "https://colab.research.google.com/github/prof/cours/blob/site/telechargements/fashion_mnist.ipynb"),
])
def test_colab_link_only_for_a_github_repository(config, expected):
    assert notebook.colab_url(config) == expected


def carnet_facts(colab=None) -> dict:
    return {"files": {"notebook": {"name": "fashion_mnist.ipynb", "href": "telechargements/fashion_mnist.ipynb",
                                   "bytes": 16_158},
                      "script": {"name": "fashion_mnist.py", "href": "telechargements/fashion_mnist.py",
                                 "bytes": 7_677}},
            "colab": colab}


def render_pages(target: str, colab=None) -> dict[str, str]:
    from factories import make_artifacts
    from pipeline.pages.context import build_context

    context = build_context(dataclasses.replace(make_artifacts(), notebook=carnet_facts(colab)))
    env = render.make_environment(ROOT / "templates", ROOT, target)
    return {page: render.render_template(env, page + ".jinja", context) for page in STEP_PAGES}


def test_context_gives_names_french_sizes_and_colab():
    from factories import make_artifacts
    from pipeline.pages.context import build_context

    downloads = build_context(dataclasses.replace(make_artifacts(), notebook=carnet_facts()))["downloads"]
    assert downloads["notebook"]["size"] == fr.kilobytes(16_158) == f"16{fr.NBSP}ko"
    assert downloads["script"]["href"] == "telechargements/fashion_mnist.py" and downloads["colab"] is None


def test_home_and_step_pages_offer_both_downloads_with_their_sizes_and_no_colab_without_repo():
    for page, text in render_pages("site").items():
        head = text.split("\n## ", 1)[0]  # right under the title
        assert "[Télécharger le carnet](telechargements/fashion_mnist.ipynb)" in head, page
        assert f"16{fr.NBSP}ko" in head and f"8{fr.NBSP}ko" in head, page
        assert "(telechargements/fashion_mnist.py)" in head, page
        assert "Colab" not in text, page


def test_colab_link_appears_when_known_and_readme_gets_no_dead_download_link():
    url = "https://colab.research.google.com/github/prof/cours/blob/gh-pages/telechargements/fashion_mnist.ipynb"
    assert all(f"[Ouvrir dans Colab]({url})" in text for text in render_pages("site", colab=url).values())
    assert all("telechargements/" not in text for text in render_pages("readme").values())


# -- Running them (slow: they train) ----------------------------------------------------------

def offline_env(home: Path) -> dict[str, str]:
    """A fresh HOME (empty Keras cache) and every download refused at once: a machine without internet."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MPLBACKEND", "PYTHONPATH", "KERAS_HOME", "FASHION_MNIST_DIR")
           and not k.lower().endswith("_proxy")}
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused
    env.update(HOME=str(home), IPYTHONDIR=str(home / ".ipython"), MPLCONFIGDIR=str(home / ".matplotlib"),
               HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead, NO_PROXY="", no_proxy="",
               TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    return env


def needs_debian_data():
    if not all((DEBIAN_DATA / name).exists() for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")):
        pytest.fail(f"{DEBIAN_DATA} absent : « sudo apt-get install dataset-fashion-mnist » (make test l'installe).")


# Test-only cell: counts the axes of every figure at the moment plt.show() draws it.
AXES_PROBE = """import matplotlib.pyplot as plt
shown_axes = []
_show = plt.show
def _counting_show(*args, **kwargs):
    shown_axes.append(len(plt.gcf().axes))
    return _show(*args, **kwargs)
plt.show = _counting_show"""


def text_output(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.slow
def test_notebook_runs_offline_in_a_fresh_kernel_with_two_epochs(tmp_path, built, monkeypatch):
    from nbclient import NotebookClient

    needs_debian_data()
    home = tmp_path / "home"
    home.mkdir()
    # A kernel named "carnet" that is this environment's Python, whatever Jupyter finds elsewhere.
    spec = tmp_path / "jupyter" / "kernels" / "carnet"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Carnet (test)", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(spec.parents[1]))
    nb, _ = built
    nb = notebook.with_parameters(nb, epochs=2)
    probe = nbformat.v4.new_code_cell(AXES_PROBE)
    probe.id = "sonde"
    nb.cells.insert(0, probe)
    nb.cells.append(nbformat.v4.new_code_cell("print('AXES', shown_axes)"))
    start = time.perf_counter()
    client = NotebookClient(nb, kernel_name="carnet", timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=offline_env(home))  # the client starts the kernel, runs every cell, shuts it down
    seconds = time.perf_counter() - start
    cells = {c.id: c for c in nb.cells}

    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    prep = text_output(cells["preparation"])
    assert "Téléchargement de Fashion-MNIST impossible" in prep and "apt-get install dataset-fashion-mnist" in prep
    assert (home / ".keras" / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert len(re.findall(r"Epoch \d+/2", text_output(cells["fit"]))) == 2  # the injected epochs=2 was used
    assert any("image/png" in o.get("data", {}) for o in cells["curves"].outputs), "courbes non dessinées"
    # articles, distribution, curves, then step 5: the confusion matrix and four images with their bars
    assert "AXES [15, 1, 2, 1, 8]" in text_output(nb.cells[-1]), text_output(nb.cells[-1])
    accuracy = float(EXACTITUDE.search(text_output(cells["evaluate"]))[1])
    assert accuracy > 0.80, accuracy
    assert any("image/png" in o.get("data", {}) for o in cells["confusion"].outputs), "matrice non dessinée"
    check_computed_answers(cells, accuracy)
    print(f"carnet exécuté en {seconds:.0f} s, exactitude de test {accuracy:.4f}")


def check_computed_answers(cells, accuracy: float) -> None:
    """The exercises' answers are computed from this notebook's own run: its fit log and its verdict."""
    val_losses = [float(v) for v in re.findall(r"val_loss: ([0-9.]+)", text_output(cells["fit"]))]
    assert len(val_losses) == 2
    best = text_output(cells["reponse-meilleure-epoque"])
    assert "Époques d'entraînement : 2 sur 2 au plus" in best, best
    assert f"à l'époque {val_losses.index(min(val_losses)) + 1}" in best, best
    patience = text_output(cells["reponse-patience"])
    assert "patience 1 : arrêt après l'époque" in patience, patience
    lots = text_output(cells["reponse-lots"])
    assert "54000 images en lots de 32 : 1688 mises à jour des poids par époque" in lots, lots
    hardest = text_output(cells["reponse-classe-difficile"])
    errors = int(re.search(r"Erreurs en tout : (\d+) sur 10000", hardest)[1])
    assert errors == round((1 - accuracy) * 10000), (errors, accuracy)
    gap = text_output(cells["reponse-test-validation"])
    assert f"Exactitude de test : {accuracy:.4f}" in gap, gap


def test_the_notebook_ends_with_exercises_whose_answers_are_code_from_the_student_s_run(built):
    nb, _ = built
    ids = [c.id for c in nb.cells]
    first = ids.index("exercices")
    assert first > ids.index("probabilities")  # after every lesson section
    answers = [c for c in nb.cells[first:] if c.cell_type == "code"]
    assert len(answers) >= 5 and all(tagged(c, notebook.PREPARATION_TAG) for c in answers)
    for cell in answers:  # computed in the notebook: they read its objects, and quote no number of the site
        read = {node.id for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.Name)}
        assert read & {"history", "confusion", "test_accuracy", "X_train"}, cell.source
    questions = "\n".join(plain(c.source) for c in nb.cells[first:] if c.cell_type == "markdown")
    assert "make report" in questions and "relancez" in questions
    # Wording that works in the notebook and in the project: the parameters cell, or params.yaml.
    assert ("changez `patience` dans la cellule des paramètres, en haut du carnet, puis réexécutez toutes les "
            "cellules (ou, dans le projet, changez `early_stopping.patience` dans `params.yaml` et relancez "
            "`make report`)") in questions
    assert re.search(r"\]\(\.\./evaluation\.html\)", questions)


@pytest.mark.slow
def test_script_runs_offline_with_python_and_two_epochs(tmp_path, built):
    needs_debian_data()
    _, script = built
    home = tmp_path / "home"
    home.mkdir()
    path = tmp_path / notebook.SCRIPT
    path.write_text(script, encoding="utf-8")
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(path), "--epochs", "2"], capture_output=True, text=True,
                            cwd=tmp_path, env={**offline_env(home), "MPLBACKEND": "Agg"}, timeout=600)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Téléchargement de Fashion-MNIST impossible" in result.stdout
    assert "Epoch 2/2" in result.stdout and "Epoch 3/" not in result.stdout
    accuracy = float(EXACTITUDE.search(result.stdout)[1])
    assert accuracy > 0.80, accuracy
    print(f"script exécuté en {seconds:.0f} s, exactitude de test {accuracy:.4f}")
