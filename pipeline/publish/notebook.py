"""Stage "notebook": the lesson as a Jupyter notebook and a plain script that students download and run.

Both are written at each build from the sections of `pipeline/lesson.py` (never a hand-kept copy):
each code cell of the notebook is one section, exactly as the pages show it (`report.code_section`),
after a short French Markdown cell saying what it does and which page of the site explains it. Two
cells are the notebook's own and say so: the parameters (tagged "parameters" for papermill, the
names the sections use) and, before loading, a preparation cell that seeds TensorFlow and, when
Keras cannot download Fashion-MNIST (no internet), explains in French how to get the four files
and copies them from a local folder into Keras's cache. The script is the same exercise for
`python`, its parameters as command-line options (`python fashion_mnist.py --epochs 2`).

No TensorFlow here: this module only writes text (nbformat is imported when the stage runs).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.common import fr
from pipeline.common.io import atomic_write_json, atomic_write_text, read_json
from pipeline.common import architecture
from pipeline.publish.lesson_source import LESSON, lesson_parameters, lesson_sections, parameter_values
from pipeline.publish.notebook_exercises import EXERCISES, HEADING, question_text
from pipeline.publish.notebook_text import (DEFAULT_PAGES, DESCRIPTIONS, HELP, PREPARATION, PREPARATION_TEXT,
                                            model_description)
from pipeline.common.mkdocs_config import Page, load as load_mkdocs, nav_pages
from pipeline.pages.render import code_section

FOLDER = "docs/telechargements/"  # copied by MkDocs to site/telechargements/
FACTS = "artifacts/notebook.json"  # names, sizes and the Colab link, for the pages
NOTEBOOK = "fashion_mnist.ipynb"
SCRIPT = "fashion_mnist.py"
PARAMETERS_TAG = "parameters"  # papermill's tag: injected values go in a cell right after this one
PREPARATION_TAG = "notebook-only"  # the cell that is not a lesson section
COLAB = "https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{path}"
_SHOWN = re.compile(r"""(?:source|code)\(\s*["']pipeline/lesson\.py["']\s*,\s*["']([\w-]+)["']\s*\)""")


def section_pages(root: Path, sections: list[str]) -> dict[str, Page]:
    """The page that explains each section: the first page of the nav whose template shows it,
    else its step page (DEFAULT_PAGES), else the home page."""
    pages = nav_pages(root / "mkdocs.yml")
    by_output = {page.output: page for page in pages}
    shown: dict[str, Page] = {}
    for page in pages:
        template = root / "templates" / page.template
        if template.exists():
            for name in _SHOWN.findall(template.read_text(encoding="utf-8")):
                shown.setdefault(name, page)
    return {name: shown.get(name) or by_output.get(DEFAULT_PAGES.get(name, ""), pages[0]) for name in sections}


def page_url(config: dict, page: Page) -> str | None:
    """The published page's absolute address, when mkdocs.yml gives `site_url`; else None."""
    base = (config.get("site_url") or "").strip()
    if not base:
        return None
    stem = page.output[:-3] if page.output.endswith(".md") else page.output
    if config.get("use_directory_urls", True):
        path = "" if stem == "index" else f"{stem}/"
    else:
        path = f"{stem}.html"
    return base.rstrip("/") + "/" + path


def page_href(config: dict, page: Page) -> str:
    """The page's absolute address when `site_url` is known, else a link relative to the notebook's own
    place on the site (site/telechargements/), which works on the published site and from site/ on disk."""
    url = page_url(config, page)
    if url:
        return url
    stem = page.output[:-3] if page.output.endswith(".md") else page.output
    if config.get("use_directory_urls", True):
        return "../" + ("" if stem == "index" else f"{stem}/")
    return f"../{stem}.html"


def colab_url(config: dict) -> str | None:
    """« Ouvrir dans Colab » for a GitHub `repo_url`: the notebook as `make publish` pushes it
    (the site on the gh-pages branch, or mkdocs.yml's `remote_branch`). None otherwise: no dead link."""
    match = re.fullmatch(r"https?://(?:www\.)?github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?",
                         str(config.get("repo_url") or "").strip())
    if not match:
        return None
    branch = config.get("remote_branch") or "gh-pages"
    return COLAB.format(owner=match[1], repo=match[2], branch=branch,
                        path=f"{FOLDER.removeprefix('docs/')}{NOTEBOOK}")


# -- The notebook and the script ----------------------------------------------------------------

def _literal(value: object) -> str:
    """A Python literal, strings in double quotes as in the lesson."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def help_for(name: str) -> str:
    return HELP.get(name) or f"valeur de « {name} » dans params.yaml"


def parameters_source(values: dict[str, object]) -> str:
    lines = ["# Paramètres de l'exercice (ceux du site). Pour un essai rapide : epochs = 2."]
    width = max(len(f"{name} = {_literal(v)}") for name, v in values.items())
    for name, value in values.items():
        lines.append(f"{name} = {_literal(value)}".ljust(width) + f"  # {help_for(name)}")
    return "\n".join(lines)


def _page_reference(config: dict, page: Page) -> str:
    """A link to the page: absolute when the site's address is known, relative otherwise (page_href)."""
    return f"page [{page.title}]({page_href(config, page)}) du site"


def notebook_cells(root: Path, values: dict[str, object], layers: list[dict],
                   keys: dict[str, str] | None = None) -> list[tuple[str, str, str, list[str]]]:
    """(id, kind, source, tags) of every cell, in order: what build_notebook turns into nbformat."""
    config = load_mkdocs(root / "mkdocs.yml")
    sections = lesson_sections(root)
    pages = section_pages(root, sections)
    site = config.get("site_name", "le site du rapport")
    site_ref = f"[{site}]({page_href(config, nav_pages(root / 'mkdocs.yml')[0])})"
    cells = [("presentation", "markdown", fr.typography(
        f"# {site}\n\n"
        "Le cours entier, de bout en bout : charger Fashion-MNIST, regarder les données, construire le réseau "
        f"dense à {len(layers)} couches de cette exécution, l'entraîner, tracer ses courbes, l'évaluer sur le "
        "jeu de test, voir quelles classes il confond, puis les exercices, dont les réponses se calculent "
        "sur votre propre exécution.\n\n"
        f"Chaque cellule de code du cours est exactement le code que montrent les pages du site {site_ref}, "
        "dans le même ordre ; la cellule de texte qui la précède dit ce qu'elle fait et quelle page "
        "l'explique (lien). Sont propres au carnet, et le disent : les paramètres, la préparation des "
        "données et les exercices de la fin.\n\n"
        "Il suffit de TensorFlow, de Matplotlib et de NumPy : exécutez les cellules dans l'ordre "
        "(Jupyter, JupyterLab ou Google Colab). Ce carnet est produit par `make report` à partir du "
        "programme de la leçon (`pipeline/lesson.py`) ; le script `fashion_mnist.py` fait la même chose "
        "avec `python`."), []),
        ("parametres-texte", "markdown", fr.typography(
            "## Paramètres\n\n"
            "Les valeurs de l'exécution publiée sur le site, sous les noms qu'emploie le code. Pour un "
            "essai rapide, mettez `epochs = 2`. Cette cellule porte l'étiquette `parameters` : "
            "`papermill fashion_mnist.ipynb sortie.ipynb -p epochs 2` l'exécute avec d'autres valeurs."),
         []),
        ("parametres", "code", parameters_source(values), [PARAMETERS_TAG])]
    previous = None
    for name in sections:
        page = pages[name]
        if name == "load":
            cells.append(("preparation-texte", "markdown", fr.typography(PREPARATION_TEXT), []))
            cells.append(("preparation", "code", PREPARATION, [PREPARATION_TAG]))
        heading = f"## {page.title}\n\n" if page != previous else ""
        text = model_description(layers) if name == "model" else DESCRIPTIONS.get(
            name, f"La section `{name}` du programme de la leçon.")
        cells.append((f"texte-{name}", "markdown",
                      fr.typography(f"{heading}{text} *Expliqué sur la {_page_reference(config, page)}.*"), []))
        cells.append((name, "code", code_section(root, LESSON, name), []))
        previous = page
    return cells + exercise_cells(root, config, keys if keys is not None else parameter_keys(root))


def parameter_keys(root: Path) -> dict[str, str]:
    """{lesson parameter: where params.yaml holds it}, e.g. patience -> early_stopping.patience."""
    from pipeline.common.config import Params

    return {p.name: p.key for p in lesson_parameters(root, Params().to_dict())}


def exercise_cells(root: Path, config: dict, keys: dict[str, str]) -> list[tuple[str, str, str, list[str]]]:
    """« À vous de jouer »: each question (with its page) and the code cell computing its answer."""
    by_output = {page.output: page for page in nav_pages(root / "mkdocs.yml")}
    cells = [("exercices", "markdown", fr.typography(HEADING), [])]
    for exercise in EXERCISES:
        page = by_output.get(exercise.page)
        where = f" *Expliqué sur la {_page_reference(config, page)}.*" if page else ""
        cells.append((f"exercice-{exercise.id}", "markdown",
                      fr.typography(question_text(exercise, keys) + where), []))
        cells.append((f"reponse-{exercise.id}", "code", exercise.answer, [PREPARATION_TAG]))
    return cells


def build_notebook(root: Path, values: dict[str, object], layers: list[dict]):
    """The notebook (nbformat v4) with stable cell ids, so an unchanged lesson gives identical bytes."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    for cell_id, kind, source, tags in notebook_cells(root, values, layers):
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        cell.id = cell_id
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def with_parameters(nb, **values):
    """A copy of `nb` with a cell setting `values` right after the parameters cell, as papermill does."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    index = next(i for i, cell in enumerate(nb.cells) if PARAMETERS_TAG in cell.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell("# Paramètres injectés\n" + "\n".join(
        f"{name} = {_literal(value)}" for name, value in values.items()))
    cell.id = "parametres-injectes"
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)
    return nb


def script_source(root: Path, values: dict[str, object]) -> str:
    """The same exercise as one Python file: options for the parameters, then the cells in order."""
    config = load_mkdocs(root / "mkdocs.yml")
    site = config.get("site_name", "le site du rapport")
    options = []
    for name, value in values.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            options.append(f"parser.add_argument({_literal(flag)}, action=argparse.BooleanOptionalAction, "
                           f"default={value!r},\n                    help={_literal(help_for(name))})")
        else:
            options.append(f"parser.add_argument({_literal(flag)}, type={type(value).__name__}, "
                           f"default={_literal(value)},\n                    help={_literal(help_for(name))})")
    parts = [
        f'"""{site} — l\'exercice complet en un script.\n\n'
        "Produit par `make report` à partir du programme de la leçon (pipeline/lesson.py) : chaque bloc\n"
        "est le code que montrent les pages du site, dans l'ordre ; le carnet fashion_mnist.ipynb fait\n"
        "la même chose dans Jupyter. Il suffit de TensorFlow, de Matplotlib et de NumPy.\n\n"
        "    python fashion_mnist.py              # les paramètres du site\n"
        "    python fashion_mnist.py --epochs 2   # essai rapide\n"
        "    python fashion_mnist.py --help       # tous les paramètres\n\n"
        "Chaque figure s'ouvre dans une fenêtre : fermez-la pour continuer (MPLBACKEND=Agg n'en ouvre\n"
        "aucune). Sans Internet : sudo apt-get install dataset-fashion-mnist, ou FASHION_MNIST_DIR=dossier\n"
        'contenant les quatre fichiers .gz.\n"""',
        "import argparse\n\n"
        f"parser = argparse.ArgumentParser(description={_literal('Fashion-MNIST : un premier réseau dense avec Keras.')})\n"
        + "\n".join(options) + "\n"
        "args = parser.parse_args()\n"
        + "\n".join(f"{name} = args.{name}" for name in values),
    ]
    pages = section_pages(root, lesson_sections(root))
    for name in lesson_sections(root):
        if name == "load":
            parts.append(PREPARATION)
        parts.append(f"# --- {pages[name].title} : {name} ---\n{code_section(root, LESSON, name)}")
    return "\n\n".join(parts) + "\n"


def build_files(root: Path, params: dict, layers: list[dict]) -> dict[str, str]:
    """{file name: text} of the downloads, from the lesson, the templates, mkdocs.yml and params."""
    import nbformat

    values = parameter_values(root, params)
    return {NOTEBOOK: nbformat.writes(build_notebook(root, values, layers)) + "\n",
            SCRIPT: script_source(root, values)}


# -- The stage ------------------------------------------------------------------------------------

def notebook_stage(job) -> None:
    """Stage "notebook": write the notebook and the script, and their names, sizes and Colab link."""
    layers = architecture.read(job.input("train", "artifacts/runs/{key}/")).to_dict()["layers"]
    files = build_files(job.root, job.params.to_dict(), layers)
    folder = job.out(FOLDER)
    for name, text in files.items():
        atomic_write_text(folder / name, text)
    prefix = FOLDER.removeprefix("docs/")
    atomic_write_json(job.out(FACTS), {
        "files": {kind: {"name": name, "href": prefix + name, "bytes": len(files[name].encode("utf-8"))}
                  for kind, name in (("notebook", NOTEBOOK), ("script", SCRIPT))},
        "colab": colab_url(load_mkdocs(job.root / "mkdocs.yml")),
        "sections": lesson_sections(job.root),
    })


def summary(job) -> str:
    facts = read_json(job.final(FACTS))
    sizes = " et ".join(f"{f['name']} ({fr.kilobytes(f['bytes'])})" for f in facts["files"].values())
    return f"{sizes} dans {FOLDER}" + (" ; lien Colab" if facts["colab"] else "")
