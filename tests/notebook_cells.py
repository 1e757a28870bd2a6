"""Run a built project's notebook cell by cell, as a student does, and run checks between the cells.

`python tests/notebook_cells.py request.json answer.json`: request.json holds `notebook` (the .ipynb the
site offers), `run` (the build's run folder) and `checks`, {cell id: [Python statements]}. The notebook's
code cells run in order in one namespace; after the cell a check names, its statements run in a copy of
that namespace and write what they find in `found[...]` (the namespace itself is never changed by a check).
The cell `fit` is the one cell not run: its names are the build's own trained model (`model.keras`) and its
`history` (metrics.json), so no second training is needed and the later cells (evaluate, predict,
confusion) run on the network the pages describe. The exercise cells at the end are not run.
Run in a process of its own: Keras reads KERAS_HOME once, at import, and the build filled that cache.
"""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path


def plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def main(request_path: str, answer_path: str) -> int:
    import matplotlib

    matplotlib.use("Agg")
    warnings.filterwarnings("ignore")
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    cells = json.loads(Path(request["notebook"]).read_text(encoding="utf-8"))["cells"]
    run = Path(request["run"])
    names: dict = {"__name__": "__main__"}
    found: dict = {}
    ran = []
    for cell in cells:
        if cell["cell_type"] != "code" or cell.get("id", "").startswith("reponse-"):
            continue
        source = "".join(cell["source"])
        if cell["id"] == "fit":
            tf = names["tf"]
            names["model"] = tf.keras.models.load_model(run / "model.keras")
            names["history"] = tf.keras.callbacks.History()
            names["history"].history = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["history"]
        else:
            exec(compile(source, f"<cellule {cell['id']}>", "exec"), names)  # noqa: S102 — the project's notebook
        ran.append(cell["id"])
        for check in request["checks"].get(cell["id"], []):
            scope = dict(names, found=found, plain=plain, cells={c.get("id"): "".join(c["source"]) for c in cells})
            exec(compile(check, f"<vérification après {cell['id']}>", "exec"), scope)  # noqa: S102
    Path(answer_path).write_text(json.dumps({"found": found, "ran": ran}, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
