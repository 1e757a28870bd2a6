"""The stage runner on toy stages: keys, reuse, invalidation, atomic outputs, the manifest, swaps."""
import json

import pytest

from pipeline.common.config import Params
from pipeline.common.errors import PipelineError
from pipeline.workflow.promotion import leftover
from pipeline.workflow.runner import Runner, Stage

CALLS: list[str] = []


def write_numbers(job):
    CALLS.append(f"numbers:{job.params.epochs}")
    job.out("out/numbers.txt").parent.mkdir(parents=True, exist_ok=True)
    job.out("out/numbers.txt").write_text(f"{job.params.epochs} {job.params.batch_size}\n")


def write_double(job):
    CALLS.append("double")
    value = int(job.input("numbers", "out/numbers.txt").read_text().split()[0])
    job.out("out/double/").mkdir(parents=True)
    (job.out("out/double/") / "value.txt").write_text(str(2 * value))


def write_run(job):
    CALLS.append(f"run:{job.params.seed}")
    job.out("runs/{key}/").mkdir(parents=True)
    (job.out("runs/{key}/") / "seed.txt").write_text(str(job.params.seed))


def fail(job):
    job.out("out/numbers.txt").parent.mkdir(parents=True, exist_ok=True)
    job.out("out/numbers.txt").write_text("half-written")
    raise PipelineError("échec voulu")


def describe(job):
    return "ok"


NUMBERS = Stage("numbers", "nombres", "test_runner:write_numbers", "test_runner:describe",
                params=("epochs",), files=("input.txt",), outputs=("out/numbers.txt",))
DOUBLE = Stage("double", "double", "test_runner:write_double", "test_runner:describe",
               after=("numbers",), outputs=("out/double/",))
RUN = Stage("run", "exécution", "test_runner:write_run", "test_runner:describe",
            params=("seed",), outputs=("runs/{key}/",))


@pytest.fixture
def root(tmp_path):
    CALLS.clear()
    (tmp_path / "input.txt").write_text("a")
    return tmp_path


def build(root, params=Params(), stages=(NUMBERS, DOUBLE)):
    runner = Runner(root, {})
    return [runner.run(stage, params) for stage in stages]


def test_first_build_runs_every_stage_and_the_second_reuses_them(root, capsys):
    build(root)
    assert CALLS == ["numbers:20", "double"]
    assert (root / "out" / "double" / "value.txt").read_text() == "40"
    assert capsys.readouterr().out.count("refait") == 2
    build(root)
    assert CALLS == ["numbers:20", "double"]
    assert capsys.readouterr().out.count("réutilisé") == 2
    manifest = json.loads((root / "artifacts" / "manifest.json").read_text())
    assert set(manifest["stages"]) == {"numbers", "double"} and manifest["stages"]["numbers"]["outputs"]


def test_a_parameter_the_stage_reads_reruns_it_and_its_followers(root):
    build(root)
    build(root, Params(epochs=7))
    assert CALLS == ["numbers:20", "double", "numbers:7", "double"]
    assert (root / "out" / "double" / "value.txt").read_text() == "14"


def test_a_parameter_the_stage_does_not_read_reuses_it(root):
    build(root)
    build(root, Params(batch_size=64))  # numbers' params are ("epochs",): its file still says 32
    assert CALLS == ["numbers:20", "double"]


def test_an_input_file_edit_or_a_damaged_output_reruns_the_stage(root):
    build(root)
    (root / "input.txt").write_text("b")
    build(root)
    assert CALLS[-2:] == ["numbers:20", "double"]
    (root / "out" / "numbers.txt").write_text("edited by hand\n")
    build(root)  # numbers is rewritten; double, whose inputs' key did not change, is not
    assert CALLS[-3:] == ["numbers:20", "double", "numbers:20"]
    assert (root / "out" / "numbers.txt").read_text() == "20 32\n"


def test_keyed_outputs_keep_each_run_so_going_back_reuses_it(root):
    build(root, Params(seed=1), (RUN,))
    build(root, Params(seed=2), (RUN,))
    build(root, Params(seed=1), (RUN,))
    assert CALLS == ["run:1", "run:2"]
    assert len(list((root / "runs").iterdir())) == 2


def test_a_failing_stage_leaves_previous_outputs_and_no_staging(root):
    build(root)
    broken = Stage("numbers", "nombres", "test_runner:fail", "test_runner:describe",
                   params=("epochs",), outputs=("out/numbers.txt",))
    with pytest.raises(PipelineError):
        build(root, Params(epochs=3), (broken,))
    assert (root / "out" / "numbers.txt").read_text() == "20 32\n"
    assert not (root / "artifacts" / ".staging").exists()


def test_folder_outputs_are_swapped_whole_and_an_interrupted_swap_is_recovered(root):
    build(root)
    (root / "out" / "double").rename(root / "out" / "double.old")  # killed between the two renames
    leftover(root / "out" / "double")
    assert (root / "out" / "double" / "value.txt").read_text() == "40"
    (root / "out" / "double.old").mkdir()  # a leftover beside a complete folder is removed
    leftover(root / "out" / "double")
    assert not (root / "out" / "double.old").exists()
