"""Render templates/<page>.md.jinja, each with its own values, into docs/ pages and the README (no TensorFlow)."""
from __future__ import annotations

import collections
import re
import textwrap
from pathlib import Path

import jinja2

from pipeline.common import fr
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_text
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import reading
from pipeline.pages.artifacts import load_artifacts
from pipeline.pages.context import PageContexts, builder_of
from pipeline.pages.sections import sections


README_TEMPLATE = "rapport.md.jinja"  # the Rapport page, rendered a second time for GitHub as README.md
_READING = re.compile(r"{[{%][^}]*\breading\b")  # a template that prints reading times (the global `reading`)


def code_section(root: Path, relative: str, section: str) -> str:
    """The lines between `# --8<-- [start:section]` (`//` in JavaScript) and `[end:section]` in a source file, dedented.

    Pages show the code that ran by reading it from the source at each build, never a copy; a file whose
    markers do not pair up is refused with its line (pages/sections.py), never shown past a lost marker.
    """
    text = (root / relative).read_text(encoding="utf-8")
    found = next((s for s in sections(text, relative) if s.name == section), None)
    lines = text.splitlines()[found.start:found.end - 1] if found else []
    if not "".join(lines).strip():
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
    env.globals["reading"] = collections.defaultdict(int)  # {page: minutes to read its core}: known in _render
    return env


def render_math(latex: str, block: bool, target: str) -> str:
    """MathML for the site (renders offline, no script); $...$ for GitHub's README renderer."""
    if target == "readme":
        return f"$${latex}$$" if block else f"${latex}$"
    from latex2mathml.converter import convert

    html = convert(latex, display="block" if block else "inline")
    # A span keeps inline MathML inside its paragraph even at the start of a Markdown line.
    return f'<div class="formule">{html}</div>' if block else f'<span class="formule-en-ligne">{html}</span>'



def render_template(env: jinja2.Environment, name: str, context: dict,
                    builder: str = "pipeline/pages/context.py") -> str:
    """Render one template, turning Jinja's errors into a message naming the template, line and variable.

    `builder` says where the template's values are chosen: where a missing one is added.
    """
    try:
        text = env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise PipelineError(f"erreur de syntaxe dans le gabarit : {exc.message}",
                            where=f"templates/{exc.name or name}, ligne {exc.lineno}",
                            fix="corrigez la balise Jinja ({{ … }}, {% … %}) à cette ligne.") from None
    except jinja2.UndefinedError as exc:
        raise PipelineError(f"variable non définie dans le gabarit : {exc.message}",
                            where=_template_location(exc, name),
                            fix=f"corrigez le nom de la variable ou ajoutez-la dans {builder}.") from None
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


def render_all(templates: Path, root: Path, context: dict, pages: list) -> dict[str, str]:
    """{output path relative to root: Markdown} for every page of the nav, and README.md, from one context
    holding every value (pipeline/pages/context.py: build_context; the tests render with it)."""
    return _render(templates, root, pages, lambda template: context, lambda template: "pipeline/pages/context.py")


def render_pages(templates: Path, root: Path, artifacts, pages: list) -> dict[str, str]:
    """The same pages, each rendered with its own values only (PAGES), built from `artifacts` on demand."""
    contexts = PageContexts(artifacts)
    return _render(templates, root, pages, contexts, builder_of)


def _render(templates: Path, root: Path, pages: list, context_of, where_of) -> dict[str, str]:
    """Every page, then the README, with context_of(template); where_of(template) names where its values are chosen.

    The pages that print reading times (the global `reading`: {page: minutes}) are rendered a second time,
    once every page's text is known: the times are those of the pages as published.
    """
    site_env = make_environment(templates, root, "site")
    readme_env = make_environment(templates, root, "readme")
    render_one = lambda page: render_template(site_env, page.template, context_of(page.template),
                                              where_of(page.template))
    outputs = {f"docs/{page.output}": render_one(page) for page in pages}
    site_env.globals["reading"] = collections.defaultdict(int, {
        page.output: reading.minutes(outputs[f"docs/{page.output}"]) for page in pages})
    for page in pages:
        if _READING.search(site_env.loader.get_source(site_env, page.template)[0]):
            outputs[f"docs/{page.output}"] = render_one(page)
    outputs["README.md"] = render_template(readme_env, README_TEMPLATE, context_of(README_TEMPLATE),
                                           where_of(README_TEMPLATE))
    return outputs


def pages_stage(job) -> None:
    """Stage "pages": render every template in memory first, so one bad template changes no page.

    Each artifact is read when the first page whose values need it is rendered (pipeline/pages/artifacts.py).
    """
    outputs = render_pages(job.root / "templates", job.root, load_artifacts(job), nav_pages(job.root / "mkdocs.yml"))
    readme = outputs.pop("README.md")
    for relative, text in outputs.items():
        atomic_write_text(job.out(relative), text)
    atomic_write_text(job.out("artifacts/README.pending.md"), readme)


def summary(job) -> str:
    pages = [out for out in job.stage.outputs if out.startswith("docs/")]
    return f"{len(pages)} pages rendues dans docs/ et le README en attente du site"
