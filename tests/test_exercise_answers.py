"""Each exercise's expected answer is what its code gives where the notebook runs it, and the page prints it.

The shared build's own notebook (docs/telechargements/) runs cell by cell in a process of its own
(tests/notebook_cells.py), once per session: after each section a probe follows, the probe's code runs
(pipeline/common/exercise_code.py), and so do the checks of what the pages say about `X_train[i]`, the
weights of step 3, the confusion matrix and the test exactitude. The cell `fit` is not run again: its
names are the build's trained model and history. The values found must be the ones the training stage
recorded (exercises.json) and the ones the built pages print, with the code that gives them.
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.common import exercise_code, fr
from pipeline.data.dataset import CLASS_NAMES
from pipeline.pages import exercise_context

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(fr.NBSP, " ").replace("\u202f", " "))


def pages(root: Path) -> dict[str, str]:
    return {path.name: flat(path.read_text(encoding="utf-8")) for path in (root / "docs").glob("*.md")}


def run_dir(root: Path) -> Path:
    key = json.loads((root / "artifacts" / "manifest.json").read_text(encoding="utf-8"))["stages"]["train"]["key"]
    return root / "artifacts" / "runs" / key


# --- What the pages say, read back: the checks to run between the notebook's cells -------------------

STEP_IMAGE = re.compile(r"l'image d'entraînement `X_train\[(\d+)\]`, de classe ([^ :]+(?: [^ :]+)?) :")
MOVED_NEURON = re.compile(r"poids du neurone caché (\d+), celui dont les poids bougent le plus")
WEIGHT_ROW = re.compile(r"\| (le (?:poids|biais) [^|]+?) \| (−?[\d,]+) \| (−?[\d,]+) \| (−?[\d,]+) \|")
HARDEST_ROW = re.compile(r"(\d[\d ]*) des (\d[\d ]*) images (\S+(?: \S+)?) sont mal classées, surtout vers (.+?) : à elles")
BATCH_ANSWER = re.compile(r"une époque sur ([\d ]+) images en lots de (\d+) compte ([\d ]+) mises à jour")


def probe_check(probe: exercise_code.Probe) -> str:
    """The statements that give a probe's value after its section, as a student would type them."""
    lines = [f"{name} = {value!r}" for name, value in probe.parameters]
    if probe.parameters:  # a changed parameter: the section runs again with it, as after editing the cell
        lines.append(f"exec(cells[{probe.after!r}])")
    return "\n".join(lines + [f"found[{('probe:' + probe.id)!r}] = plain({probe.code})"])


def weight_check(row: str) -> str | None:
    """The expression of the weight a row of step 3's table names (`dense[k]` the k-th Dense layer)."""
    where = row.replace("le poids qui relie ", "").replace("le biais ", "")
    output = re.search(r"(?:à la|de la) sortie (.+)$", where)
    out_index = CLASS_NAMES.index(output[1]) if output else None
    pixel = re.match(r"le pixel (\d+) \(ligne (\d+), colonne (\d+)\) au neurone caché (\d+)$", where)
    if pixel:
        p, r, c, j = map(int, pixel.groups())
        assert p == 28 * r + c, f"pixel {p} : ligne {r}, colonne {c} ne le désignent pas (numérotés à partir de 0)"
        return f"dense[0].kernel.numpy()[{p}, {j}]"
    hidden_to_output = re.match(r"le neurone caché (\d+) à la sortie", where)
    if hidden_to_output:
        return f"dense[-1].kernel.numpy()[{hidden_to_output[1]}, {out_index}]"
    if where.startswith("de la sortie"):
        return f"dense[-1].bias.numpy()[{out_index}]"
    hidden_bias = re.match(r"du neurone (\d+) de la couche cachée 1$", where)
    if hidden_bias:
        return f"dense[0].bias.numpy()[{hidden_bias[1]}]"
    return None  # deeper networks: not in the shared build


def checks_for(site: dict[str, str]) -> tuple[dict[str, list[str]], dict]:
    """{cell id: statements} for every probe and every fact the pages print about the arrays, and what was read."""
    checks: dict[str, list[str]] = {}
    for probe in exercise_code.PROBES:
        checks.setdefault(probe.after, []).append(probe_check(probe))
    training = site["entrainement.md"]
    image = STEP_IMAGE.search(training)
    assert image, "l'image du pas de gradient n'est pas nommée `X_train[i]` sur l'étape 3"
    index = int(image[1])
    checks["split"].append(f"found['step_label'] = int(y_train[{index}])\n"
                           f"found['step_dark'] = int((X_train[{index}] == 0).sum())")
    rows = [(m[1], m[3]) for m in WEIGHT_ROW.finditer(training)]  # (the weight in words, its value before the step)
    assert rows, "le tableau des poids qui bougent le plus est introuvable"
    weights = "\n".join(f"found['weights'][{text!r}] = float({weight_check(text)})"
                        for text, _ in rows if weight_check(text))
    checks.setdefault("fit", []).append(
        "dense = [layer for layer in model.layers if type(layer).__name__ == 'Dense']\n"
        f"x, y = X_train[{index}:{index + 1}], y_train[{index}:{index + 1}]\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = tf.keras.losses.sparse_categorical_crossentropy(y, model(x))\n"
        "moved = np.abs(tape.gradient(loss, dense[0].kernel).numpy()).sum(axis=0)\n"
        "found['moved_most'] = int(np.argmax(moved))\n"
        "found['weights'] = {}\n" + weights)
    batch = BATCH_ANSWER.search(training)
    assert batch, "la réponse sur les lots est introuvable"
    checks["split"].append(f"import math\nfound['updates'] = math.ceil(len(X_train) / {batch[2]})")
    checks["evaluate"] = ["found['test_accuracy'] = float(test_accuracy)"]
    checks["confusion"] = ["found['confusion'] = plain(confusion)"]
    return checks, {"index": index, "class": image[2], "rows": rows, "batch": batch}


@pytest.fixture(scope="session")
def notebook_run(built_project, keras_home, tmp_path_factory):
    """The shared build's notebook run cell by cell with the checks of its pages (once per session)."""
    folder = tmp_path_factory.mktemp("carnet")
    site = pages(built_project)
    checks, read = checks_for(site)
    request = folder / "demande.json"
    request.write_text(json.dumps({"notebook": str(built_project / "docs" / "telechargements" / "fashion_mnist.ipynb"),
                                   "run": str(run_dir(built_project)), "checks": checks}), encoding="utf-8")
    env = dict(os.environ, KERAS_HOME=str(keras_home), MPLBACKEND="Agg", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=str(built_project))
    result = subprocess.run([sys.executable, str(HERE / "notebook_cells.py"), str(request), str(folder / "reponse.json")],
                            cwd=folder, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    answer = json.loads((folder / "reponse.json").read_text(encoding="utf-8"))
    return {"found": answer["found"], "ran": answer["ran"], "site": site, "read": read, "root": built_project}


def test_the_notebook_ran_every_lesson_cell_in_the_lesson_s_order(notebook_run):
    from pipeline.publish.lesson_source import lesson_sections

    ran = notebook_run["ran"]
    assert [cell for cell in ran if cell in lesson_sections(notebook_run["root"])] == lesson_sections(notebook_run["root"])
    assert {probe.after for probe in exercise_code.PROBES} <= set(ran)


def test_each_probe_gives_in_the_notebook_what_the_training_recorded(notebook_run):
    recorded = json.loads((run_dir(notebook_run["root"]) / "exercises.json").read_text(encoding="utf-8"))
    assert set(recorded) == {probe.id for probe in exercise_code.PROBES}
    for probe in exercise_code.PROBES:
        executed = notebook_run["found"][f"probe:{probe.id}"]
        assert recorded[probe.id]["code"] == probe.code
        assert recorded[probe.id]["value"] == pytest.approx(executed, rel=1e-6), probe.id


def printed_forms(item: dict) -> list[str]:
    """How a page may print a probe's value: as Python prints it (in backticks or not), or in French."""
    forms = [item.get("shown"), item.get("fr")]
    if isinstance(item["value"], int):
        forms.append(str(item["value"]))
    return [flat(f) for f in forms if isinstance(f, str)]


def test_each_page_prints_each_probe_s_code_with_the_value_it_gives_there(notebook_run):
    executed = {probe.id: {"code": probe.code, "after": probe.after, "parameters": dict(probe.parameters),
                           "value": notebook_run["found"][f"probe:{probe.id}"]} for probe in exercise_code.PROBES}
    context = exercise_context.build(executed, CLASS_NAMES)
    for probe in exercise_code.PROBES:
        page, item = notebook_run["site"][probe.page], context[probe.id]
        alternatives = "|".join(re.escape(f) for f in printed_forms(item))
        said = re.compile(rf"`{re.escape(probe.code)}` (?:vaut|donne) `?(?:{alternatives})`?(?![\d,])")
        assert said.search(page), (f"{probe.page} : « `{probe.code}` donne {printed_forms(item)} » "
                                   f"(après « {probe.after} ») introuvable")


def test_step_3_s_image_is_x_train_i_after_the_split_with_its_class_and_pixels(notebook_run):
    found, read = notebook_run["found"], notebook_run["read"]
    assert CLASS_NAMES[found["step_label"]] == read["class"], (read["index"], CLASS_NAMES[found["step_label"]])
    dark = re.search(r"Cette image a ([\d ]+) pixels noirs sur 784", notebook_run["site"]["entrainement.md"])
    assert dark and int(dark[1].replace(" ", "")) == found["step_dark"]
    facts = json.loads((notebook_run["root"] / "artifacts" / "figures.json").read_text(encoding="utf-8"))
    assert f"X_train[{read['index']}]" in facts["alt"]["pas_gradient"]


def test_step_3_s_neurons_and_weights_are_numbered_from_0_as_python_indexes_them(notebook_run):
    found, site = notebook_run["found"], notebook_run["site"]["entrainement.md"]
    shown = MOVED_NEURON.search(site)
    assert shown and int(shown[1]) == found["moved_most"], (shown and shown[1], found["moved_most"])
    facts = json.loads((notebook_run["root"] / "artifacts" / "figures.json").read_text(encoding="utf-8"))
    assert f"neurone caché {found['moved_most']} " in facts["alt"]["pas_gradient"]
    checked = 0
    for text, before in notebook_run["read"]["rows"]:
        if text in found["weights"]:
            assert fr.decimal(found["weights"][text], 4) == before, (text, found["weights"][text], before)
            checked += 1
    assert checked == len(notebook_run["read"]["rows"])


def test_step_3_s_updates_per_epoch_are_what_len_x_train_gives_after_the_split(notebook_run):
    batch = notebook_run["read"]["batch"]
    assert int(batch[3].replace(" ", "")) == notebook_run["found"]["updates"]
    assert int(batch[1].replace(" ", "")) == notebook_run["found"]["probe:fit_images"]
    assert notebook_run["found"]["updates"] == math.ceil(notebook_run["found"]["probe:fit_images"] / int(batch[2]))


def test_step_5_s_answers_are_those_of_the_notebook_s_confusion_matrix_and_verdict(notebook_run):
    found, site = notebook_run["found"], notebook_run["site"]["evaluation.md"]
    hardest = HARDEST_ROW.search(site)
    assert hardest, "la réponse sur la ligne de la matrice de confusion est introuvable"
    k = CLASS_NAMES.index(hardest[3])
    row = list(found["confusion"][k])
    assert int(hardest[1].replace(" ", "")) == sum(row) - row[k] and int(hardest[2].replace(" ", "")) == sum(row)
    targets = re.findall(r"([^,()]+?) \((\d+)\)", hardest[4])
    assert targets
    others = sorted(((count, j) for j, count in enumerate(row) if j != k), reverse=True)
    for (name, count), (expected_count, j) in zip(targets, others):
        assert (name.strip().removeprefix("et ").strip(), int(count)) == (CLASS_NAMES[j], expected_count)
    assert f"Comparez l'exactitude de test ({flat(fr.percent(found['test_accuracy']))})" in site
