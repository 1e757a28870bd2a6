"""Faults during a build: a clear message, a non-zero exit, and the previous README, site and runs intact."""
import dataclasses
import errno
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

from builds import run_report, set_param
from pipeline.workflow import cli
from pipeline.workflow.runner import Runner, Stage
from pipeline.common.config import Params, load_params
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_json
from pipeline.publish import mkdocs_hooks, site

slow = pytest.mark.slow  # a real build (TensorFlow) to start from


def snapshot(root):
    """Bytes of everything a reader or a later build relies on: README and its figures, site, finished runs, pages."""
    files = [root / "README.md", *sorted((root / "rapport").rglob("*")), *sorted((root / "site").rglob("*")),
             *sorted((root / "docs").rglob("*")),
             *sorted(p for p in (root / "artifacts" / "runs").rglob("*") if ".tmp" not in str(p))]
    return {str(p.relative_to(root)): p.read_bytes() for p in files if p.is_file()}


def published(files):
    """A snapshot without docs/: what the pages' stage writes, replaced when that stage succeeds."""
    return {name: content for name, content in files.items() if not name.startswith("docs/")}


@pytest.fixture
def project(built_project, tmp_path, keras_home, monkeypatch):
    """A copy of a finished build, so each fault starts from a good README and site."""
    root = tmp_path / "projet"
    shutil.copytree(built_project, root, symlinks=True)
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    return root


def touch_template(root):
    """Change a template so that pages and site must be rebuilt."""
    path = root / "templates" / "index.md.jinja"
    path.write_text(path.read_text(encoding="utf-8") + "\nUne phrase ajoutée par l'enseignant.\n", encoding="utf-8")


def build(root, capsys):
    code = cli.main(["report", "--root", str(root)])
    return code, capsys.readouterr()


@slow
def test_disk_full_while_writing_pages(project, monkeypatch, capsys):
    touch_template(project)
    before = snapshot(project)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("pipeline.common.io.os.fsync", full)
    code, out = build(project, capsys)
    assert code == 2
    assert "disque plein" in out.err and "docs" in out.err and "libérez de la place" in out.err
    assert snapshot(project) == before


@slow
def test_docs_folder_not_writable(project, monkeypatch, capsys):
    touch_template(project)
    before = snapshot(project)
    real_mkstemp = __import__("tempfile").mkstemp

    def refuse_docs(*args, dir=None, **kwargs):
        if "docs" in str(dir):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr("pipeline.common.io.tempfile.mkstemp", refuse_docs)
    code, out = build(project, capsys)
    assert code == 2 and "écriture refusée" in out.err and "chmod u+w" in out.err
    assert snapshot(project) == before


@slow
def test_site_folder_cannot_be_replaced(project, monkeypatch, capsys):
    touch_template(project)
    readme, site = (project / "README.md").read_bytes(), snapshot(project / "site" / "..")
    real_replace = pathlib.Path.replace

    def refuse_site(self, target):
        if self.name == "site":  # moving the published site away is refused
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_replace(self, target)

    monkeypatch.setattr(pathlib.Path, "replace", refuse_site)
    code, out = build(project, capsys)
    assert code == 2 and "écriture refusée" in out.err
    assert (project / "README.md").read_bytes() == readme
    assert {k: v for k, v in snapshot(project).items() if k.startswith("site")} == \
           {k: v for k, v in site.items() if k.startswith("site")}
    assert not (project / "artifacts" / ".staging").exists() and not (project / "site.old").exists()


@slow
def test_interrupted_while_drawing_figures_then_rerun(project, monkeypatch, capsys):
    from pipeline.figures.stage import draw_all as real_draw_all

    (project / "artifacts" / "figures.json").unlink()  # figures must be redrawn
    before = snapshot(project)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pipeline.figures.stage.draw_all", interrupted)
    code, out = build(project, capsys)
    assert code == 130 and "intacts" in out.err
    assert snapshot(project) == before
    monkeypatch.setattr("pipeline.figures.stage.draw_all", real_draw_all)
    code, out = build(project, capsys)
    assert code == 0, out.err


@slow
def test_interrupted_between_the_two_site_renames_then_rerun(project, monkeypatch, capsys):
    touch_template(project)
    before = snapshot(project)
    real_replace = pathlib.Path.replace

    def interrupted_after_first_rename(self, target):
        real_replace(self, target)
        if pathlib.Path(target).name == "site.old":
            raise KeyboardInterrupt

    monkeypatch.setattr(pathlib.Path, "replace", interrupted_after_first_rename)
    assert build(project, capsys)[0] == 130
    monkeypatch.setattr(pathlib.Path, "replace", real_replace)
    assert published(snapshot(project)) == published(before)  # the previous site back, with its README and figures
    assert not (project / "site.old").exists()
    code, out = build(project, capsys)
    assert code == 0, out.err
    assert "Une phrase ajoutée par l'enseignant" in (project / "site" / "index.html").read_text(encoding="utf-8")
    assert not (project / "site.old").exists()


@slow
def test_a_truncated_file_in_the_keras_cache_is_replaced_and_the_build_goes_on(project, tmp_path, monkeypatch,
                                                                              capsys):
    cache = tmp_path / "keras"
    shutil.copytree(os.environ["KERAS_HOME"], cache)
    monkeypatch.setenv("KERAS_HOME", str(cache))
    labels = cache / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-100])
    before = snapshot(project)
    code, out = build(project, capsys)
    assert code == 0, out.err
    assert "t10k-labels-idx1-ubyte.gz endommagé" in out.out and "copie vérifiée" in out.out
    assert snapshot(project) == before  # the same data: nothing to rebuild


def start_report(root, env):
    command = [sys.executable, "-m", "pipeline", "report", "--root", str(root)]
    return subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONPATH=str(root), TF_CPP_MIN_LOG_LEVEL="3", **env))


def wait_for_line(process, fragment, timeout=120):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if fragment in line:
            return "".join(seen)
    raise AssertionError(f"never printed {fragment!r}: {''.join(seen)}")


@slow
def test_killed_during_training_then_rerun(project):
    set_param(project, "epochs: 3", "epochs: 2")  # a new run to train
    before = snapshot(project)
    process = start_report(project, {"KERAS_HOME": os.environ["KERAS_HOME"]})
    wait_for_line(process, "val_loss")  # the first epoch is over: killed in the middle of training
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert snapshot(project) == before
    result = run_report(project, env={"KERAS_HOME": os.environ["KERAS_HOME"]})
    assert result.returncode == 0, result.stderr
    assert not (project / "artifacts" / ".staging").exists()  # the killed run's leftovers are gone
    assert (project / "README.md").read_bytes() != before["README.md"]


@slow
def test_two_builds_at_once_do_not_mix(project):
    set_param(project, "epochs: 3", "epochs: 2")
    env = {"KERAS_HOME": os.environ["KERAS_HOME"]}
    first = start_report(project, env)
    head = wait_for_line(first, "au plus 2 époques")
    second = start_report(project, env)
    out_second, _ = second.communicate(timeout=300)
    out_first = head + first.communicate(timeout=300)[0]
    assert first.returncode == 0 and second.returncode == 0, out_first + out_second
    assert "Une autre construction est en cours" in out_second
    assert "réutilisé" in out_second.split("entraînement", 1)[1].splitlines()[0]  # trained once, reused once
    assert (project / "site" / "index.html").exists() and not (project / "artifacts" / ".staging").exists()


@slow
@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare absent")
def test_a_whole_build_needs_no_network(project):
    """Data from the local cache, fonts and scripts from the packages: nothing is downloaded."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no permission to create a network namespace here")
    touch_template(project)
    (project / "artifacts" / "figures.json").unlink()
    command = ["unshare", "-n", sys.executable, "-m", "pipeline", "report", "--root", str(project)]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=str(project)))
    assert result.returncode == 0, result.stderr
    assert "Une phrase ajoutée" in (project / "site" / "index.html").read_text(encoding="utf-8")


@slow
def test_interrupted_while_writing_pages_then_rerun(project, monkeypatch, capsys):
    touch_template(project)
    before = snapshot(project)
    from pipeline.workflow import promotion

    real_swap = promotion._swap
    written = []

    def interrupted_after_one_page(staged, final):
        if written:
            raise KeyboardInterrupt
        written.append(final)
        return real_swap(staged, final)

    monkeypatch.setattr(promotion, "_swap", interrupted_after_one_page)
    assert build(project, capsys)[0] == 130
    assert snapshot(project) == before  # the page already moved in is put back with the others
    monkeypatch.setattr(promotion, "_swap", real_swap)
    code, out = build(project, capsys)
    assert code == 0, out.err
    assert "Une phrase ajoutée" in (project / "site" / "index.html").read_text(encoding="utf-8")


# --- issue 19: errors that lose nothing -----------------------------------------------------------

@slow
def test_an_unexpected_error_prints_one_french_line_naming_the_log_and_keeps_the_site(project, monkeypatch, capsys):
    touch_template(project)
    before = snapshot(project)

    def bug(job):
        return 1 / 0

    monkeypatch.setattr("pipeline.pages.render.pages_stage", bug)
    code, out = build(project, capsys)
    assert code == 3
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert "Erreur inattendue (ZeroDivisionError)" in lines[0] and "artifacts/erreur.log" in lines[0]
    assert "Traceback" not in out.err
    log = (project / "artifacts" / "erreur.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "ZeroDivisionError" in log and "def bug" not in out.err
    assert snapshot(project) == before


@slow
def test_a_corrupt_experiments_file_is_a_clear_error_not_an_unmeasured_page(project, capsys):
    (project / "artifacts" / "experiments.json").write_text('{"schema": 1, "questions": [', encoding="utf-8")
    before = snapshot(project)
    code, out = build(project, capsys)
    assert code == 2
    assert "fichier JSON illisible" in out.err and "experiments.json" in out.err
    assert "make experiences" in out.err
    assert snapshot(project) == before


def test_a_corrupt_json_artifact_names_the_file_and_the_command_that_rewrites_it(tmp_path):
    path = tmp_path / "figures.json"
    path.write_bytes(b'{"files": ["exemples.png", ')
    with pytest.raises(PipelineError) as info:
        read_json(path)
    assert str(path) in info.value.where and "make report" in info.value.fix
    path.write_bytes(b"\xff\xfe{}")  # not UTF-8: the same message, not a UnicodeDecodeError
    with pytest.raises(PipelineError):
        read_json(path)
    with pytest.raises(FileNotFoundError):  # absent stays absent: optional files are the caller's call
        read_json(tmp_path / "absent.json")


# A toy training stage: "fit" writes the model into the staging folder, then an export step may fail.
FITTED: list[str] = []


def toy_train(job):
    folder = job.out("runs/{key}/")
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "model.keras").exists():
        FITTED.append(job.key)
        (folder / "model.keras").write_text("weights")
    if os.environ.get("TOY_EXPORT_FAILS"):
        raise RuntimeError("export failed")
    (folder / "metrics.json").write_text(json.dumps({"resumed": job.resumed}))


def toy_summary(job):
    return "ok"


TOY = Stage("train", "entraînement", "test_faults:toy_train", "test_faults:toy_summary",
            params=("epochs",), outputs=("runs/{key}/",))


def test_a_finished_training_is_kept_when_a_later_step_of_its_stage_fails(tmp_path, monkeypatch):
    FITTED.clear()
    Runner(tmp_path, {}).run(TOY, Params(epochs=2))
    monkeypatch.setenv("TOY_EXPORT_FAILS", "1")
    with pytest.raises(RuntimeError):
        Runner(tmp_path, {}).run(TOY, Params(epochs=3))
    kept = list((tmp_path / "artifacts" / ".staging").glob("train-*/runs/*/model.keras"))
    assert len(kept) == 1  # the fitted model is still on disk, not promoted as a run
    assert len(list((tmp_path / "runs").iterdir())) == 1  # the previous run alone is published
    monkeypatch.delenv("TOY_EXPORT_FAILS")
    job = Runner(tmp_path, {}).run(TOY, Params(epochs=3))
    assert FITTED == [FITTED[0], job.key]  # fitted once: the second attempt resumed from the kept model
    assert json.loads((job.final("runs/{key}/") / "metrics.json").read_text()) == {"resumed": True}
    assert not (tmp_path / "artifacts" / ".staging").exists()


def test_only_the_declared_optional_pages_may_be_empty(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Accueil\n", encoding="utf-8")
    for optional in mkdocs_hooks.OPTIONAL_PAGES:
        (docs / optional).write_text("", encoding="utf-8")
    config = {"docs_dir": str(docs), "nav": [{"Accueil": "index.md"},
                                            *({p: p} for p in mkdocs_hooks.OPTIONAL_PAGES)]}
    assert mkdocs_hooks.on_config(config)["nav"] == [{"Accueil": "index.md"}]
    (docs / "modele.md").write_text("\n  \n", encoding="utf-8")  # a template that rendered nothing
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="docs/modele.md"):
        mkdocs_hooks.on_config(config)
    (tmp_path / "site").mkdir()
    with pytest.raises(PipelineError) as info:  # the build stops before MkDocs, with the page named
        site.build_site(tmp_path, tmp_path / "site.new")
    assert "docs/modele.md" in info.value.what and "templates/" in info.value.fix
    assert not (tmp_path / "site.new").exists()


# In a process of its own (Keras reads KERAS_HOME once, at import): the training's last export step breaks.
BROKEN_EXPORT = ("import sys; import pipeline.training.train as train; "
                 "train.module_level_lines = lambda *a, **k: 1 / 0; "
                 "from pipeline.workflow.cli import main; sys.exit(main(['report', '--root', sys.argv[1]]))")


@slow
def test_a_real_training_that_fails_after_fit_keeps_its_model_and_the_site(project):
    set_param(project, "epochs: 3", "epochs: 2")  # a new run to train
    before = snapshot(project)
    env = dict(os.environ, PYTHONPATH=str(project), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", BROKEN_EXPORT, str(project)], cwd=project, capture_output=True,
                            text=True, env=env, timeout=600)
    assert result.returncode == 3 and "artifacts/erreur.log" in result.stderr, result.stdout + result.stderr
    assert "gardé dans artifacts/.staging/train-" in result.stdout
    kept = list((project / "artifacts" / ".staging").glob("train-*/artifacts/runs/*/model.keras"))
    assert len(kept) == 1 and kept[0].stat().st_size > 100_000  # the trained network, on disk
    assert snapshot(project) == before  # nothing promoted: site, README and the finished runs unchanged
    result = run_report(project, env={"KERAS_HOME": os.environ["KERAS_HOME"]})
    assert result.returncode == 0, result.stderr
    assert not (project / "artifacts" / ".staging").exists()


def test_a_resumed_training_reuses_the_kept_fit_and_refits_when_a_kept_file_is_damaged(tmp_path, monkeypatch):
    from pipeline.data import dataset
    from pipeline.training import train

    # In this process Keras reads the cache it found at its import (KERAS_HOME as it was then, or ~/.keras):
    # fill that one from the local mirror; setting KERAS_HOME now would not reach Keras (it then downloads).
    dataset.ensure_dataset()
    params = dataclasses.replace(load_params(pathlib.Path(__file__).resolve().parents[1] / "params.yaml"),
                                 epochs=1, batch_size=512, trajectory=False)
    first = train.run_lesson(params, tmp_path / "a", verbose=0)
    fits, fit_lesson = [], train.fit_lesson
    monkeypatch.setattr(train, "fit_lesson", lambda *args, **kwargs: fits.append(1) or fit_lesson(*args, **kwargs))
    (tmp_path / "a" / "metrics.json").unlink()  # what a failed attempt leaves: the training, not the end
    trace = (tmp_path / "a" / "lesson_trace.json").read_text()
    resumed = train.run_lesson(params, tmp_path / "a", verbose=0, resume=True)
    assert fits == [] and resumed == first  # no second fit, the same evaluation, predictions and metrics
    assert (tmp_path / "a" / "lesson_trace.json").read_text() == trace  # fit's lesson lines still count as run
    (tmp_path / "a" / "history.json").write_text("{")  # cut short: trained again
    assert train.run_lesson(params, tmp_path / "a", verbose=0, resume=True).epochs_run == 1 and fits == [1]


def test_without_a_trajectory_the_replay_page_is_left_out_instead_of_stopping_the_build(tmp_path):
    """params.yaml's `trajectory: false` (the old plan of the complete build): nothing to replay."""
    from factories import make_context
    from pipeline.pages import render as rendering

    context = make_context()
    assert context["replay"] is None
    root = pathlib.Path(__file__).resolve().parents[1]
    env = rendering.make_environment(root / "templates", root, "site")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rejouer.md").write_text(rendering.render_template(env, "rejouer.md.jinja", context), encoding="utf-8")
    assert mkdocs_hooks.empty_pages(docs) == {"rejouer.md"} and mkdocs_hooks.unexpected_empty_pages(docs) == []
