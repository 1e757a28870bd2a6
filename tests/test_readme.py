"""The README stands alone on GitHub: its images and links point to committed files, small and regenerated."""
import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from pipeline.figures.catalogue import README_FIGURES, README_FOLDER

ROOT = Path(__file__).resolve().parents[1]
MAX_FOLDER_BYTES = 400_000  # the README's figures, committed: small enough for any clone
# Markdown links and images [text](target "title"), and HTML src= / href= attributes.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|(?:src|href)=\"([^\"]+)\"")


def relative_targets(markdown: str) -> list[str]:
    """Every link or image target that is a file of the repository (no URL, no in-page anchor)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)  # code blocks show commands, not links
    targets = [a or b for a, b in LINK.findall(text)]
    return [t.split("#")[0] for t in targets
            if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I) and not t.startswith("#")]


def images(markdown: str) -> list[str]:
    return re.findall(r"!\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*([^)\s]+)", markdown)


def tracked_files(root: Path) -> set[str]:
    result = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True)
    return set(filter(None, result.stdout.split("\0")))


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_the_link_finder_sees_images_links_and_html_and_skips_urls_and_anchors():
    markdown = ('![a](rapport/x.png) [b](docs/y.md#t) <img src="z.png"> [c](https://e.org/p) [d](#here)\n'
                '```bash\n[not](a/link.md)\n```\n[e [f]](g.md "title")')
    assert sorted(relative_targets(markdown)) == ["docs/y.md", "g.md", "rapport/x.png", "z.png"]
    assert images(markdown) == ["rapport/x.png"]


def test_every_image_and_relative_link_of_the_committed_readme_is_a_tracked_file():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tracked = tracked_files(ROOT)
    targets = relative_targets(readme)
    assert targets, "the README shows no figure at all"
    missing = sorted({t for t in targets if t not in tracked})
    assert not missing, f"README.md points to files git does not track (a 404 on GitHub): {missing}"


def test_the_committed_readme_shows_the_curves_and_the_confusion_matrix_inline():
    shown = images((ROOT / "README.md").read_text(encoding="utf-8"))
    for name in ("courbes", "confusion"):
        assert f"{README_FOLDER}{name}.png" in shown


def test_the_readme_figures_folder_is_committed_and_small():
    folder = ROOT / README_FOLDER
    tracked = {name for name in tracked_files(ROOT) if name.startswith(README_FOLDER)}
    assert tracked == {f"{README_FOLDER}{name}.png" for name in README_FIGURES}
    assert folder_bytes(folder) <= MAX_FOLDER_BYTES


@pytest.mark.slow
def test_a_build_writes_the_readme_figures_byte_for_byte_and_the_readme_shows_only_them(built_project):
    folder = built_project / README_FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.png" for name in README_FIGURES)
    for name in README_FIGURES:  # the same bytes as the site's figure: one drawing, two places
        site_figure = built_project / "docs" / "figures" / f"{name}.png"
        assert (folder / f"{name}.png").read_bytes() == site_figure.read_bytes()
    assert folder_bytes(folder) <= MAX_FOLDER_BYTES
    readme = (built_project / "README.md").read_text(encoding="utf-8")
    assert all((built_project / target).is_file() for target in relative_targets(readme))
    assert {t for t in images(readme)} == {f"{README_FOLDER}{name}.png" for name in README_FIGURES}
    assert "docs/figures/" not in readme


def test_the_readme_reads_no_untracked_measurement_so_a_fresh_clone_regenerates_it_unchanged():
    """bench/results/ is never committed: a README that quoted it would change at a fresh clone's first
    `make report`. Its complete-build figures come from the committed bench/records/ file, or are left out."""
    from factories import make_artifacts
    from pipeline.common.mkdocs_config import nav_pages
    from pipeline.pages import render
    from pipeline.pages.context import build_context

    bench = {"machine": {"date": "2026-12-01T10:00:00+0000", "cpu_count": 2},
             "runs": {"seed_script": {"seconds": 31.0}}, "rows": [], "targets": []}
    readmes = [render.render_all(ROOT / "templates", ROOT, build_context(make_artifacts(bench=b)),
                                 nav_pages(ROOT / "mkdocs.yml"))["README.md"] for b in (None, bench)]
    assert readmes[0] == readmes[1]
    record = {"commit": "abc1234", "machine": {"date": "2026-12-01T10:00:00+0000", "cpu_count": 2},
              "rows": [{"complete_build": True, "plan": "nouveau", "wall_seconds": 700, "sweep_seconds": 400,
                        "tuning_seconds": 300, "peak_rss_gb": 4.2, "workers": 2}]}
    quoted = render.render_all(ROOT / "templates", ROOT, build_context(dataclasses.replace(
        make_artifacts(), sweep_bench=record)), nav_pages(ROOT / "mkdocs.yml"))["README.md"]
    assert "sur le commit `abc1234`" in quoted and "bench/records/complete-build.json" in quoted
    assert "bench/records/complete-build.json" not in readmes[0]
    stages = (ROOT / "pipeline" / "workflow" / "stages.py").read_text(encoding="utf-8")
    assert "bench/records/complete-build.json" in stages  # a new record rebuilds the README
    assert "bench/results/" not in (ROOT / "pipeline" / "pages" / "complete_build.py").read_text(encoding="utf-8")
