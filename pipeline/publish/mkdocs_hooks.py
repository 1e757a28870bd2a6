"""MkDocs hook: an optional page rendered empty is left out of the site, its navigation and other pages' links.

Pages that need a measurement the fast build does not make (Expériences, Variabilité, Réglage: `make
site-complet`, declared in pipeline/experiments/questions.py PAGES), and the replay page when no
trajectory was recorded, render to an empty file when it is missing, rather than to a placeholder. This hook, named in mkdocs.yml, then removes them: a link to
such a page becomes its plain text, so `mkdocs build --strict` passes and the reader never meets a
page announcing a missing measurement. Any other page that renders empty is a broken template: the
build stops and names it.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from pipeline.experiments.questions import PAGES as MEASURED_PAGES

# Pages allowed to render empty: those of the complete build's measurements, and the replay page when
# params.yaml records no trajectory (`trajectory: false`: nothing to replay).
OPTIONAL_PAGES = (*MEASURED_PAGES, "rejouer.md")

log = logging.getLogger("mkdocs.hooks.pages_mesurees")


def empty_pages(docs_dir: Path) -> set[str]:
    """Markdown files of docs/ with no visible content (relative names, e.g. "experiences.md")."""
    return {p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md")
            if not p.read_text(encoding="utf-8").strip()}


def unexpected_empty_pages(docs_dir: Path) -> list[str]:
    """Empty pages that are not allowed to be: a template rendered nothing where a page was due."""
    return sorted(empty_pages(docs_dir) - set(OPTIONAL_PAGES))


def empty_page_message(pages: list[str]) -> str:
    names = ", ".join(f"docs/{page}" for page in pages)
    allowed = ", ".join(OPTIONAL_PAGES[:-1]) + " et " + OPTIONAL_PAGES[-1]
    return f"page vide\u00a0: {names}\u00a0; seules {allowed} peuvent l'être (mesure absente)."


def without_pages(nav: list, dropped: set[str]) -> list:
    """The nav without entries pointing at `dropped` pages (sections kept if anything is left)."""
    kept = []
    for entry in nav:
        if isinstance(entry, dict):
            (title, target), = entry.items()
            if isinstance(target, list):
                target = without_pages(target, dropped)
                if target:
                    kept.append({title: target})
            elif target not in dropped:
                kept.append(entry)
        elif entry not in dropped:
            kept.append(entry)
    return kept


def unlink(markdown: str, dropped: set[str]) -> str:
    """`[text](page.md#x)` → `text` for every dropped page (other links untouched)."""
    if not dropped:
        return markdown
    names = "|".join(re.escape(name) for name in sorted(dropped))
    return re.sub(rf"\[([^\]]+)\]\((?:\./)?(?:{names})(?:#[^)]*)?\)", r"\1", markdown)


_dropped: set[str] = set()


def on_config(config):
    from mkdocs.exceptions import PluginError

    unexpected = unexpected_empty_pages(Path(config["docs_dir"]))
    if unexpected:
        raise PluginError(empty_page_message(unexpected) + " Corrigez le gabarit qui l'écrit.")
    _dropped.clear()
    _dropped.update(empty_pages(Path(config["docs_dir"])))
    if _dropped and config.get("nav"):
        config["nav"] = without_pages(config["nav"], _dropped)
        log.info("Pages sans mesure, laissées hors du site : %s", ", ".join(sorted(_dropped)))
    return config


def on_files(files, config):
    for name in _dropped:
        found = files.get_file_from_path(name)
        if found is not None:
            files.remove(found)
    return files


def on_page_markdown(markdown, page, config, files):
    return unlink(markdown, _dropped)
