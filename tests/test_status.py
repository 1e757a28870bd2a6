"""`make status`: which stages would run again and why, from the manifest's parts, without running anything."""
import os
import shutil
import subprocess
import sys

import pytest

from builds import set_param
from pipeline.workflow.status import reasons_for

LABELS = {"data": "données", "train": "entraînement", "pages": "pages"}


def parts(**changes):
    base = {"stage": "pages", "params": {"epochs": 20, "early_stopping": {"patience": 3}},
            "code": {"pages.render": "a1", "lesson": "b1"}, "after": {"train": "k1"},
            "files": {"templates/": {"modele.md.jinja": "c1", "index.md.jinja": "d1"}},
            "inputs": {"dataset": {"train.gz": "e1"}}, "versions": {"mkdocs": "1.6.1"}}
    base.update(changes)
    return base


def recorded(**changes):
    return {name: value for name, value in parts(**changes).items() if name != "stage"}


def test_an_unchanged_key_has_no_reason():
    assert reasons_for(parts(), recorded(), "same", "same", LABELS) == []


def test_each_part_of_the_key_is_named_in_french():
    new = parts(params={"epochs": 8, "early_stopping": {"patience": 5}},
                code={"pages.render": "a2", "lesson": "b1", "pages.extra": "f1"},
                after={"train": "k2"},
                files={"templates/": {"modele.md.jinja": "c2", "index.md.jinja": "d1", "neuve.md.jinja": "g1"}},
                versions={"mkdocs": "1.6.2"})
    reasons = reasons_for(new, recorded(), "old", "new", LABELS)
    assert "paramètre epochs 20 → 8" in reasons
    assert "paramètre early_stopping.patience 3 → 5" in reasons
    assert "code pipeline/pages/render.py modifié" in reasons
    assert "code pipeline/pages/extra.py ajouté" in reasons
    assert "le gabarit templates/modele.md.jinja a changé" in reasons
    assert "le gabarit templates/neuve.md.jinja est nouveau" in reasons
    assert "version de mkdocs 1.6.1 → 1.6.2" in reasons
    assert "suit l'étape entraînement, qui change" in reasons
    assert not any("index.md.jinja" in r or "lesson" in r for r in reasons)  # unchanged parts are not cited


def test_a_manifest_without_parts_says_so_instead_of_guessing():
    assert reasons_for(parts(), None, "old", "new", LABELS) == [
        "clé changée (le manifeste, écrit par une version précédente, n'en garde pas le détail)"]


def status(root):
    """`python -m pipeline status` as `make status` runs it, with the copy's own code (its lesson.py)."""
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")  # as make does
    result = subprocess.run([sys.executable, "-m", "pipeline", "status", "--root", str(root)], cwd=root,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line.split("\u00a0:")[0][2:]: line for line in result.stdout.splitlines()[:-1]}, result.stdout


def every_file(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".venv" not in p.parts}


@pytest.mark.slow
def test_status_explains_a_template_a_parameter_and_a_lesson_edit_and_runs_nothing(built_project, tmp_path):
    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)
    lines, text = status(root)
    assert all(line.startswith("✓") for line in lines.values()), text
    assert "Tout est à jour" in text

    template = root / "templates" / "modele.md.jinja"
    template.write_text(template.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    set_param(root, "epochs: 3", "epochs: 2")
    lesson = root / "pipeline" / "lesson.py"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n# une remarque\n", encoding="utf-8")
    before = every_file(root)
    lines, text = status(root)
    assert lines["données"].startswith("✓")
    assert lines["entraînement"].startswith("↻")
    assert "paramètre epochs 3 → 2" in lines["entraînement"]
    assert "code pipeline/lesson.py modifié" in lines["entraînement"]
    assert "le gabarit templates/modele.md.jinja a changé" in lines["pages"]
    assert "suit l'étape entraînement, qui change" in lines["figures"]
    assert "suit l'étape pages, qui change" in lines["site"]
    assert "à refaire" in text.splitlines()[-1]
    assert every_file(root) == before  # nothing trained, nothing written
