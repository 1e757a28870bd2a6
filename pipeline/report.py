"""Render templates/*.md.jinja with the run's context into docs/ pages and the README (no TensorFlow)."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import jinja2

from pipeline import fr
from pipeline.errors import PipelineError

# Site pages, in reading order: (template, output file in docs/, title in the navigation).
PAGES = [
    ("index.md.jinja", "index.md", "Accueil"),
    ("donnees.md.jinja", "donnees.md", "Étape 1 — Données"),
    ("modele.md.jinja", "modele.md", "Étape 2 — Modèle"),
    ("entrainement.md.jinja", "entrainement.md", "Étape 3 — Compilation et entraînement"),
    ("performances.md.jinja", "performances.md", "Étape 4 — Performances"),
    ("evaluation.md.jinja", "evaluation.md", "Étape 5 — Évaluation"),
    ("demo.md.jinja", "demo.md", "Démo"),
    ("README.md.jinja", "rapport.md", "Rapport"),
    ("variabilite.md.jinja", "variabilite.md", "Variabilité"),
    ("reproductibilite.md.jinja", "reproductibilite.md", "Reproductibilité"),
    ("mainteneurs.md.jinja", "mainteneurs.md", "Pour les mainteneurs"),
]
README_TEMPLATE = "README.md.jinja"
_MARKER = re.compile(r"#\s*--8<--\s*\[(start|end):([\w-]+)\]")


def code_section(root: Path, relative: str, section: str) -> str:
    """The lines between `# --8<-- [start:section]` and `[end:section]` in a source file, dedented.

    Pages show the code that ran by reading it from the source at each build, never a copy.
    """
    path = root / relative
    lines, inside, found = [], False, False
    for line in path.read_text(encoding="utf-8").splitlines():
        marker = _MARKER.search(line)
        if marker and marker.group(2) == section:
            inside, found = marker.group(1) == "start", True
            continue
        if inside and not _MARKER.search(line):
            lines.append(line)
    if not found or not lines:
        raise PipelineError(f"section de code « {section} » introuvable.", where=relative,
                            fix=f"ajoutez « # --8<-- [start:{section}] » et « [end:{section}] » dans {relative}.")
    return textwrap.dedent("\n".join(lines)).strip("\n")


def make_environment(templates: Path, root: Path, target: str) -> jinja2.Environment:
    """Strict Jinja: an undefined variable is an error naming the template, never an empty string."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # output is Markdown; values are numbers and our own French text
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["code"] = lambda relative, section: code_section(root, relative, section)
    # Formulas are written as {% filter math %}...{% endfilter %}: the block's text reaches LaTeX
    # untouched, whereas a Jinja string literal would turn "\frac" into a form feed.
    env.filters["math"] = lambda latex: render_math(latex.strip(), False, target)
    env.filters["math_block"] = lambda latex: render_math(latex.strip(), True, target)
    env.globals["target"] = target
    env.globals["fig"] = "docs/figures/" if target == "readme" else "figures/"
    env.globals["page"] = (lambda name: f"{name}") if target == "site" else (lambda name: f"docs/{name}")
    return env


def render_math(latex: str, block: bool, target: str) -> str:
    """MathML for the site (renders offline, no script); $...$ for GitHub's README renderer."""
    if target == "readme":
        return f"$${latex}$$" if block else f"${latex}$"
    from latex2mathml.converter import convert

    html = convert(latex, display="block" if block else "inline")
    # A span keeps inline MathML inside its paragraph even at the start of a Markdown line.
    return f'<div class="formule">{html}</div>' if block else f'<span class="formule-en-ligne">{html}</span>'



def render_template(env: jinja2.Environment, name: str, context: dict) -> str:
    """Render one template, turning Jinja's errors into a message naming the template, line and variable."""
    try:
        text = env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise PipelineError(f"erreur de syntaxe dans le gabarit : {exc.message}",
                            where=f"templates/{exc.name or name}, ligne {exc.lineno}",
                            fix="corrigez la balise Jinja ({{ … }}, {% … %}) à cette ligne.") from None
    except jinja2.UndefinedError as exc:
        raise PipelineError(f"variable non définie dans le gabarit : {exc.message}",
                            where=_template_location(exc, name),
                            fix="corrigez le nom de la variable ou ajoutez-la dans pipeline/context.py.") from None
    except jinja2.TemplateNotFound as exc:
        raise PipelineError(f"gabarit introuvable : {exc.name}", where=f"templates/{name}",
                            fix="vérifiez le nom du fichier inclus ou restaurez-le avec git.") from None
    return fr.typography(text)


def _template_location(exc: BaseException, name: str) -> str:
    """The innermost template frame of Jinja's rewritten traceback: file and line of the error."""
    tb, where = exc.__traceback__, f"templates/{name}"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".jinja"):
            where = f"templates/{Path(filename).name}, ligne {tb.tb_lineno}"
        tb = tb.tb_next
    return where


def render_all(templates: Path, root: Path, context: dict) -> dict[str, str]:
    """{output path relative to root: Markdown} for every site page and the README."""
    site_env = make_environment(templates, root, "site")
    readme_env = make_environment(templates, root, "readme")
    outputs = {f"docs/{out}": render_template(site_env, tpl, context) for tpl, out, _ in PAGES}
    outputs["README.md"] = render_template(readme_env, README_TEMPLATE, context)
    return outputs
