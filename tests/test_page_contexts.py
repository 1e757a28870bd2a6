"""Each page's values: exactly what its template uses, built from the artifacts they declare, read lazily."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2
import pytest
from jinja2 import meta, nodes

from factories import make_artifacts
from pipeline.common.errors import PipelineError
from pipeline.common.mkdocs_config import nav_pages
from pipeline.pages import render as rendering
from pipeline.pages.artifacts import NAMES, Declared, LazyArtifacts, load_artifacts
from pipeline.pages.context import (COMMON, PAGES, VALUES, PageContexts, build_context, builder_of, page_reads,
                                    page_values)

ROOT = Path(__file__).resolve().parents[1]
NAV = nav_pages(ROOT / "mkdocs.yml")
TEMPLATES = [page.template for page in NAV] + [rendering.README_TEMPLATE]
ENV = rendering.make_environment(ROOT / "templates", ROOT, "site")


def _parse(name: str) -> nodes.Template:
    return ENV.parse(ENV.loader.get_source(ENV, name)[0])


def _stored(tree: nodes.Node) -> set[str]:
    """Names the template gives itself ({% set %}, loop variables, macro parameters, imported macros)."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.FromImport):
        names |= {alias[-1] if isinstance(alias, tuple) else alias for alias in node.names}
    return names | {node.target for node in tree.find_all(nodes.Import)}


def macro_values(library: str) -> dict[str, set[str]]:
    """{macro: context names it reads} for the macros of a partial, following calls between them."""
    macros = {m.name: m for m in _parse(library).find_all(nodes.Macro)}
    own = {}
    for name, macro in macros.items():
        body = nodes.Template([macro])
        body.set_environment(ENV)
        own[name] = set(meta.find_undeclared_variables(body)) - _stored(macro) - set(ENV.globals)

    def closure(name, seen=()):
        found = own[name] - set(macros)
        for other in own[name] & set(macros) - set(seen):
            found |= closure(other, (*seen, name))
        return found
    return {name: closure(name) for name in macros}


def template_values(name: str) -> set[str]:
    """The context names a template reads, with those of the macros it imports and of what it includes."""
    tree = _parse(name)
    found = set(meta.find_undeclared_variables(tree))
    for node in tree.find_all(nodes.FromImport):
        library = macro_values(node.template.value)
        found |= {value for alias in node.names for value in library[alias[0] if isinstance(alias, tuple) else alias]}
    for node in tree.find_all((nodes.Include, nodes.Import)):
        found |= template_values(node.template.value)
    return found - _stored(tree) - set(ENV.globals)


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_page_receives_what_its_template_uses_and_at_most_the_common_values_beyond(template):
    used, given = template_values(template), set(page_values(template))
    assert not used - given, f"{template}: missing from PAGES: {sorted(used - given)}"
    assert given - used <= set(COMMON), f"{template}: given but unused: {sorted(given - used - set(COMMON))}"


def test_every_page_of_the_nav_has_its_values_and_every_value_a_page():
    assert set(PAGES) == set(TEMPLATES)
    assert set(VALUES) == {key for template in PAGES for key in page_values(template)}
    assert all(set(VALUES[key].reads) <= set(NAMES) for key in VALUES)


def test_macro_values_are_found_in_the_partials():
    assert macro_values("_macros.md.jinja")["footer"] == {"run"}
    assert macro_values("_macros.md.jinja")["figure"] == {"figures", "readme"}
    assert template_values("mainteneurs.md.jinja") == {"run", "stages"}


def test_each_page_rendered_with_its_own_values_is_byte_identical_to_one_rendered_with_them_all():
    artifacts = make_artifacts()
    every = rendering.render_all(ROOT / "templates", ROOT, build_context(artifacts), NAV)
    assert rendering.render_pages(ROOT / "templates", ROOT, artifacts, NAV) == every


def lazy(artifacts) -> LazyArtifacts:
    return LazyArtifacts({name: (lambda name=name: getattr(artifacts, name)) for name in NAMES})


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_page_reads_only_the_artifacts_its_values_declare(template):
    artifacts = lazy(make_artifacts())
    PageContexts(artifacts)(template)
    assert artifacts.read <= page_reads(template)


def test_the_maintainers_page_reads_the_stage_table_and_the_run_only():
    artifacts = lazy(make_artifacts())
    PageContexts(artifacts)("mainteneurs.md.jinja")
    assert artifacts.read == {"metrics", "run", "stages"}


def test_the_build_s_artifacts_are_read_when_first_asked_for(tmp_path):
    class Job:  # upstream outputs that do not exist: building the loaders must not read them
        root, inputs = tmp_path, {"provenance": {"git": {}}}

        def input(self, stage, output):
            return tmp_path / "absent" / stage / output

    artifacts = load_artifacts(Job())
    assert artifacts.read == set()
    assert artifacts.bench is None and artifacts.demo_asset_bytes == 0 and artifacts.provenance == {"git": {}}
    assert artifacts.read == {"bench", "demo_asset_bytes", "provenance"}


def test_a_value_reading_an_undeclared_artifact_is_named():
    with pytest.raises(PipelineError) as info:
        Declared(make_artifacts(), ("metrics",), "training").figures
    assert "« training »" in info.value.what and "« figures »" in info.value.what
    assert 'VALUES["training"]' in info.value.fix


def test_an_undefined_variable_names_the_template_and_where_its_values_are_chosen():
    context = PageContexts(make_artifacts())("demo.md.jinja")
    with pytest.raises(PipelineError) as info:
        rendering.render_template(ENV, "demo.md.jinja", {k: v for k, v in context.items() if k != "demo"},
                                  builder_of("demo.md.jinja"))
    assert "demo.md.jinja, ligne" in info.value.where and "'demo' is undefined" in info.value.what
    assert 'PAGES["demo.md.jinja"] (pipeline/pages/context.py)' in info.value.fix


def test_a_template_without_a_list_of_values_is_a_clear_error():
    with pytest.raises(PipelineError) as info:
        page_values("nouvelle.md.jinja")
    assert "templates/nouvelle.md.jinja" in info.value.what and "PAGES" in info.value.fix

