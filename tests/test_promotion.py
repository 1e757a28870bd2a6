"""Publishing as a whole: a stage's outputs replaced together or not at all, even across a kill; damaged runs rebuilt."""
import errno
import json
import os
import pathlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.workflow import promotion, stages
from pipeline.workflow.runner import Runner, Stage

ROOT = Path(__file__).resolve().parents[1]
CALLS: list[str] = []


def write_site(job):
    """What the site stage writes: a site folder, the README beside it, and the README's figures."""
    version = job.params.epochs
    job.out("site/").mkdir(parents=True)
    (job.out("site/") / "index.html").write_text(f"site {version}")
    job.out("README.md").write_text(f"rapport {version}")
    job.out("rapport/").mkdir(parents=True)
    (job.out("rapport/") / "courbes.png").write_text(f"figure {version}")


def write_run(job):
    CALLS.append(job.key)
    job.out("runs/{key}/").mkdir(parents=True)
    (job.out("runs/{key}/") / "weights.npz").write_text(f"poids {job.params.seed}")


def describe(job):
    return "ok"


SITE = Stage("site", "site", "test_promotion:write_site", "test_promotion:describe", params=("epochs",),
             outputs=("site/", "README.md", "rapport/"))
RUN = Stage("run", "entraînement", "test_promotion:write_run", "test_promotion:describe", params=("seed",),
            outputs=("runs/{key}/",))


def published(root):
    return {name: (root / path).read_text() for name, path in
            (("site", "site/index.html"), ("readme", "README.md"), ("figure", "rapport/courbes.png"))}


def version(n):
    return {"site": f"site {n}", "readme": f"rapport {n}", "figure": f"figure {n}"}


def no_leftovers(root):
    return not any(root.glob("*.old")) and not list((root / "artifacts").glob(".staging/*.promotion.json"))


def test_the_site_stage_publishes_the_readme_and_its_figures_with_the_site():
    site = next(stage for stage in stages.table(ROOT) if stage.name == "site")
    figures = next(stage for stage in stages.table(ROOT) if stage.name == "figures")
    from pipeline.figures.catalogue import README_FOLDER
    from pipeline.publish import site as site_module

    assert set(site.outputs) == {"site/", "README.md", README_FOLDER} and site_module.README_FOLDER == README_FOLDER
    assert README_FOLDER not in figures.outputs and "figures" in site.after


def test_a_failure_while_publishing_puts_every_previous_output_back(tmp_path, monkeypatch):
    Runner(tmp_path, {}).run(SITE, Params(epochs=1))
    real_replace = pathlib.Path.replace

    def refuse_figures(self, target):
        if Path(target).name == "rapport" and ".staging" in str(self):  # the last of the three
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real_replace(self, target)

    monkeypatch.setattr(pathlib.Path, "replace", refuse_figures)
    with pytest.raises(PipelineError) as info:
        Runner(tmp_path, {}).run(SITE, Params(epochs=2))
    assert "écriture refusée" in info.value.what and "rapport" in info.value.where
    assert published(tmp_path) == version(1) and no_leftovers(tmp_path)  # the site and README too, not only rapport/
    monkeypatch.setattr(pathlib.Path, "replace", real_replace)
    Runner(tmp_path, {}).run(SITE, Params(epochs=2))
    assert published(tmp_path) == version(2) and no_leftovers(tmp_path)


def test_ctrl_c_while_publishing_leaves_the_previous_build_whole(tmp_path, monkeypatch):
    Runner(tmp_path, {}).run(SITE, Params(epochs=1))
    real_swap, swapped = promotion._swap, []

    def interrupted(staged, final):
        if swapped:
            raise KeyboardInterrupt
        swapped.append(final)
        real_swap(staged, final)

    monkeypatch.setattr(promotion, "_swap", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Runner(tmp_path, {}).run(SITE, Params(epochs=2))
    assert swapped and published(tmp_path) == version(1) and no_leftovers(tmp_path)


KILLED = """
import os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from pipeline.common.config import Params
from pipeline.workflow import promotion
from pipeline.workflow.runner import Runner
import test_promotion
real, done = promotion._swap, []
def swap(staged, final):
    real(staged, final)
    done.append(final)
    if len(done) == 2:
        os._exit(9)  # as kill -9: no except, no finally
promotion._swap = swap
Runner(test_promotion.Path(sys.argv[3]), {}).run(test_promotion.SITE, Params(epochs=2))
"""


def test_a_build_killed_while_publishing_is_rolled_back_by_the_next_one(tmp_path):
    Runner(tmp_path, {}).run(SITE, Params(epochs=1))
    result = subprocess.run([sys.executable, "-c", KILLED, str(ROOT), str(ROOT / "tests"), str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    journal = next((tmp_path / "artifacts" / ".staging").glob("*.promotion.json"))
    assert (tmp_path / "site" / "index.html").read_text() == "site 2"  # two of three swapped: half published
    promotion.recover(journal, tmp_path)  # what the next build does first
    assert published(tmp_path) == version(1) and no_leftovers(tmp_path)
    Runner(tmp_path, {}).run(SITE, Params(epochs=2))
    assert published(tmp_path) == version(2) and no_leftovers(tmp_path)


@pytest.mark.parametrize("lose_manifest", [False, True])
def test_a_run_damaged_on_disk_is_reported_and_trained_again(tmp_path, capsys, lose_manifest):
    CALLS.clear()
    job = Runner(tmp_path, {}).run(RUN, Params(seed=1))
    weights = job.final("runs/{key}/") / "weights.npz"
    weights.write_text("poids 7")  # same size, other bytes: only a checksum sees it
    if lose_manifest:
        (tmp_path / "artifacts" / "manifest.json").write_text("{")
    capsys.readouterr()
    again = Runner(tmp_path, {}).run(RUN, Params(seed=1))
    out = capsys.readouterr().out
    assert f"runs/{job.key}/weights.npz endommagé (empreinte SHA-256 différente) : refait" in out
    assert CALLS == [job.key, job.key] and weights.read_text() == "poids 1" and again.key == job.key
    Runner(tmp_path, {}).run(RUN, Params(seed=1))
    assert CALLS == [job.key, job.key]  # intact again: reused


def test_the_checksums_of_a_run_name_the_damaged_file(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    promotion.write_checksums(folder)
    assert promotion.damaged(folder) is None
    (folder / "b.txt").write_text("b")
    assert promotion.damaged(folder) == "b.txt"
    (folder / "b.txt").unlink()
    (folder / "a.txt").unlink()
    assert promotion.damaged(folder) == "a.txt"
    shutil.rmtree(folder / ".." / "run")
    (tmp_path / "ancien").mkdir()
    assert promotion.damaged(tmp_path / "ancien") is None  # an older build's run, without a record


AS_USER = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from pipeline.workflow import promotion
root = Path(sys.argv[2])
for build in ("2", "3"):  # the site made read-only (chmod -R a-w site), then rebuilt twice
    staged = root / "staging" / build
    (staged / "site" / "assets").mkdir(parents=True)
    (staged / "site" / "index.html").write_text("site " + build)
    promotion.promote([(staged / "site", root / "site")], root / "journal.json", root)
print((root / "site" / "index.html").read_text(), sorted(p.name for p in root.iterdir()))
"""


def test_a_site_its_owner_made_read_only_never_leaves_a_site_old_that_blocks_the_next_build():
    """As an ordinary user (root ignores permissions): nobody, through setpriv, when the tests run as root,
    in a folder of /tmp that nobody can reach (pytest's own is private to root)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="site-lecture-seule-") as folder:
        root = Path(folder) / "projet"
        (root / "site" / "assets").mkdir(parents=True)
        (root / "site" / "assets" / "style.css").write_text("css")
        command = [sys.executable if os.getuid() else "/usr/bin/python3", "-c", AS_USER, str(ROOT), str(root)]
        if os.getuid() == 0:
            os.chmod(folder, 0o755)
            for path in (root, *root.rglob("*")):
                shutil.chown(path, "nobody", "nogroup")
            command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
        for path in root.rglob("*"):
            os.chmod(path, 0o555 if path.is_dir() else 0o444)
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]})
        for path in root.rglob("*"):  # so that the temporary folder can go, whoever runs the tests
            os.chmod(path, 0o755)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "site 3 ['site', 'staging']"


def test_the_sweep_trains_again_a_run_damaged_on_disk(tmp_path):
    from pipeline.experiments import sweep

    job = Runner(tmp_path, {}).run(RUN, Params(seed=3))
    folder = job.final("runs/{key}/")
    (folder / "metrics.json").write_text("{}")
    promotion.write_checksums(folder)
    run = tmp_path / sweep.RUN.format(key=job.key)  # where the sweep keeps its runs: artifacts/runs/<key>/
    shutil.copytree(folder, run)
    assert sweep._cached(tmp_path, job.key)
    (run / "weights.npz").write_text("poids 9")
    assert not sweep._cached(tmp_path, job.key)
