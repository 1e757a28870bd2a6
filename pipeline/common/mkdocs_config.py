"""mkdocs.yml, read once for every stage: the site's settings and its nav, the one list of pages."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.common.errors import PipelineError

MKDOCS_YML = "mkdocs.yml"


@dataclass(frozen=True)
class Page:
    """One page of the site, in navigation order: its title, its file in docs/, its template."""
    title: str
    output: str  # relative to docs/, e.g. "donnees.md"
    section: str = ""  # the nav section it sits in (« Le cours », « Espace enseignant »…), "" at the top

    @property
    def template(self) -> str:
        return self.output + ".jinja"


class _IgnoreTagsLoader(yaml.SafeLoader):
    """MkDocs files may hold !!python/… and !ENV tags for plugins; their values are not needed here."""


_IgnoreTagsLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def load(mkdocs_yml: Path) -> dict:
    """mkdocs.yml as plain YAML (site_url, repo_url, nav…), or a clear error naming the file."""
    try:
        config = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_IgnoreTagsLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PipelineError("mkdocs.yml est illisible.", where=str(mkdocs_yml),
                            fix="corrigez sa syntaxe YAML (indentation, deux-points après chaque clé).",
                            detail=f"{type(exc).__name__}: {exc}") from None
    return config if isinstance(config, dict) else {}


def nav_pages(mkdocs_yml: Path) -> list[Page]:
    """The pages, read from mkdocs.yml's nav: the one list of pages (templates/<page>.md.jinja each)."""
    try:
        pages = _walk(load(mkdocs_yml)["nav"], "")
    except (KeyError, TypeError, AttributeError, StopIteration, ValueError) as exc:
        raise PipelineError("la navigation de mkdocs.yml est illisible.", where=str(mkdocs_yml),
                            fix="écrivez « nav: » puis une ligne « - Titre: page.md » par page (ou « - Section: » "
                                "suivie de ses pages, en retrait).",
                            detail=f"{type(exc).__name__}: {exc}") from None
    return pages


def _walk(entries: list, section: str) -> list[Page]:
    """The nav's pages in reading order; a « - Section: » entry holds a list of pages (one level deep)."""
    pages = []
    for entry in entries:
        (title, target), = entry.items()
        if isinstance(target, list):
            if section:
                raise ValueError(f"section « {title} » inside « {section} »: one level of sections only")
            pages += _walk(target, title)
        else:
            pages.append(Page(title, target, section))
    return pages
