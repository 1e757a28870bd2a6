"""The one numeric core (pipeline/common/numeric.py and its browser twin docs/assets/reseau.js): its numbers,
checked without Keras on small generated data, and no second copy of them anywhere else."""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.common import architecture, numeric

ROOT = Path(__file__).resolve().parents[1]
PYTHON_CORE, JS_CORE = "pipeline/common/numeric.py", "docs/assets/reseau.js"

# What a copy of the forward pass, the softmax or the loss looks like, outside the two core files.
PYTHON_COPIES = {
    "un logarithme (la perte −ln p)": r"\b(?:np|numpy|math)\.log(?:1p|2)?\(",
    "une exponentielle (softmax, sigmoïde)": r"\b(?:np|numpy|math)\.exp(?:m1)?\(",
    "une ReLU": r"\bnp\.maximum\(\s*0",
    "une tanh": r"\b(?:np|numpy|math)\.tanh\(",
    "un produit matriciel (une couche dense)": r"[\w\])]\s+@=?\s+[\w(]|\.(?:dot|matmul|einsum|inner)\(",
    "une softmax d'une bibliothèque": r"(?<![\w.])(?:log_)?softmax\(|\blogsumexp\b",
    "ln 10 tapé en dur": r"\b2\.302\d*",
}
JS_COPIES = {
    "un logarithme (la perte −ln p, ln 10)": r"Math\.(?:log|log1p|log2)\(|Math\.LN10|Math\.LN2",
    "une exponentielle (softmax, sigmoïde)": r"Math\.(?:exp|expm1)\(|Math\.E\b",
    "une ReLU": r"=>\s*Math\.max\(\s*0\s*,",
    "une tanh": r"Math\.tanh\(",
    "une couche dense (somme des entrées × W)": r"\*\s*(?:\w+\.)?W\[",
    "ln 10 tapé en dur": r"\bln 10\b|\b2[.,]30\b",
}


def copies(root: Path) -> list[str]:
    """Every line of pipeline/, bench/ and docs/assets/ outside the core that computes what the core computes."""
    found = []
    sources = [(path, PYTHON_COPIES) for folder in ("pipeline", "bench") for path in sorted((root / folder).rglob("*.py"))]
    sources += [(path, JS_COPIES) for path in sorted((root / "docs" / "assets").glob("*.js"))]
    for path, patterns in sources:
        name = path.relative_to(root).as_posix()
        if name in (PYTHON_CORE, JS_CORE):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{name}:{number}: {what} : {line.strip()}"
                      for what, pattern in patterns.items() if re.search(pattern, line)]
    return found


def test_no_module_but_the_core_computes_a_forward_pass_a_softmax_or_a_loss():
    assert copies(ROOT) == []


@pytest.mark.parametrize("folder, name, line", [
    ("pipeline/figures", "copy.py", "loss = float(-np.log(p[label]))"),
    ("pipeline/pages", "copy.py", "e = np.exp(z - z.max())"),
    ("pipeline/training", "copy.py", "h = np.maximum(0, x @ W1 + b1)"),
    ("bench", "copy.py", "p = softmax(model_scores)"),
    ("docs/assets", "copy.js", "const LN10 = Math.log(10);"),
    ("docs/assets", "copy.js", "for (const v of z) total += Math.exp(v - top);"),
    ("docs/assets", "copy.js", "referenceLabel: \"hasard : ln 10 ≈ 2,30\""),
])
def test_a_copy_added_anywhere_is_found(tmp_path, folder, name, line):
    for kept in ("pipeline", "bench", "docs/assets"):
        (tmp_path / kept).mkdir(parents=True, exist_ok=True)
    (tmp_path / PYTHON_CORE).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / PYTHON_CORE).write_text("e = np.exp(z)\n", encoding="utf-8")  # the core itself may
    (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / folder / name).write_text(f"x = 1\n{line}\n", encoding="utf-8")
    found = copies(tmp_path)
    assert found and all(f.startswith(f"{folder}/{name}:2:") for f in found)


def test_every_page_that_uses_the_shared_script_loads_it_first():
    """A page script that calls window.Reseau comes after <script src="assets/reseau.js"> in its template."""
    users = {path.name for path in (ROOT / "docs" / "assets").glob("*.js")
             if path.name != Path(JS_CORE).name and "window.Reseau" in path.read_text(encoding="utf-8")}
    assert {"demo.js", "rejouer.js", "entrainer.js"} <= users
    checked = 0
    for template in sorted((ROOT / "templates").glob("*.jinja")):
        scripts = re.findall(r'<script src="assets/([^"]+)"', template.read_text(encoding="utf-8"))
        for k, script in enumerate(scripts):
            if script in users:
                assert "reseau.js" in scripts[:k], f"{template.name} charge {script} sans assets/reseau.js avant"
                checked += 1
    assert checked >= 3


# ---- The core's numbers, against references written here without the project's code -------------------

def _layers(sizes, activations, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 1 / math.sqrt(n_in), (n_in, n_out)), rng.normal(0, 0.1, n_out), activation)
            for (n_in, n_out), activation in zip(zip(sizes, sizes[1:]), activations)]


def _reference_softmax(row):
    exps = [math.exp(v) for v in row]
    return [e / sum(exps) for e in exps]


REFERENCE_ACTIVATIONS = {
    "relu": lambda v: max(0.0, v), "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "tanh": math.tanh,
    "linear": lambda v: v,
}


def test_softmax_rows_are_probabilities_summing_to_one_even_for_huge_scores():
    scores = np.random.default_rng(3).normal(0, 5, (20, 7))
    p = numeric.softmax(scores)
    assert (p > 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(p, [_reference_softmax(row) for row in scores], rtol=1e-12)
    np.testing.assert_allclose(numeric.softmax(scores + 1000.0), p, rtol=1e-12)  # no overflow, same p
    three = numeric.softmax(np.array([3.0, 1.0, -2.0]))
    assert numeric.probability_ratio(3.0, 1.0) == pytest.approx(three[0] / three[1], rel=1e-12)
    np.testing.assert_allclose(numeric.exponentials([2, 1, 0]), [math.e ** 2, math.e, 1.0], rtol=1e-15)


@pytest.mark.parametrize("activation", architecture.ACTIVATIONS)
def test_every_activation_the_record_accepts_is_computed(activation):
    z = np.array([[-2.0, -0.5, 0.0, 0.3, 4.0]])
    out = numeric.activate(z, activation)
    expected = ([_reference_softmax(z[0])] if activation == "softmax"
                else [[REFERENCE_ACTIVATIONS[activation](v) for v in z[0]]])
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_forward_pass_is_each_layer_by_hand():
    layers = _layers((6, 5, 4, 3), ("tanh", "relu", "softmax"))
    x = np.random.default_rng(1).random((8, 2, 3))  # flattened to 6 values, as Flatten does
    run = numeric.forward(layers, x)
    h = x.reshape(8, 6)
    for (kernel, bias, activation), scores, outputs in zip(layers, run.scores, run.outputs):
        z = [[sum(h[i][k] * kernel[k][j] for k in range(kernel.shape[0])) + bias[j] for j in range(kernel.shape[1])]
             for i in range(len(h))]
        np.testing.assert_allclose(scores, z, rtol=1e-12)
        h = np.array([_reference_softmax(row) for row in z] if activation == "softmax"
                     else [[REFERENCE_ACTIVATIONS[activation](v) for v in row] for row in z])
        np.testing.assert_allclose(outputs, h, rtol=1e-12)
    assert run.probabilities is run.outputs[-1] and run.logits is run.scores[-1]


def test_loss_is_minus_the_log_of_the_true_class_probability_averaged():
    p = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5], [0.01, 0.98, 0.01]])
    labels = np.array([0, 2, 0])
    expected = [-math.log(0.7), -math.log(0.5), -math.log(0.01)]
    np.testing.assert_allclose(numeric.cross_entropy(p, labels), expected, rtol=1e-15)
    assert numeric.mean_cross_entropy(p, labels) == pytest.approx(sum(expected) / 3, rel=1e-15)
    assert numeric.cross_entropy(np.array([[1.0, 0.0]]), [1])[0] == pytest.approx(-math.log(numeric.LOG_FLOOR))
    assert numeric.cross_entropy(np.array([[1.0, 0.0]]), [1], floor=1e-12)[0] == pytest.approx(12 * math.log(10))


@pytest.mark.parametrize("classes", [2, 3, 10, 26])
def test_chance_loss_is_ln_of_the_number_of_classes_and_the_loss_of_uniform_answers(classes):
    uniform = np.full((classes, classes), 1 / classes)
    assert numeric.chance_loss(classes) == pytest.approx(math.log(classes), rel=1e-15)
    assert numeric.chance_loss(classes) == pytest.approx(numeric.mean_cross_entropy(uniform, np.arange(classes)))


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh", "linear"])
def test_backpropagation_equals_finite_differences_for_every_weight(hidden):
    layers = _layers((5, 4, 4, 3), (hidden, "tanh", "softmax"), seed=2)
    rng = np.random.default_rng(4)
    x, labels = rng.normal(size=(7, 5)), rng.integers(0, 3, 7)
    loss, grads, delta = numeric.backward(layers, x, labels)
    assert loss == pytest.approx(numeric.mean_cross_entropy(numeric.forward(layers, x).probabilities, labels))
    p = numeric.forward(layers, x).probabilities
    np.testing.assert_allclose(delta, (p - np.eye(3)[labels]) / 7)
    eps = 1e-6
    for k, (kernel, bias, activation) in enumerate(layers):
        for array, grad in ((kernel, grads[k][0]), (bias, grads[k][1])):
            assert grad.shape == array.shape
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + eps
                up = numeric.mean_cross_entropy(numeric.forward(layers, x).probabilities, labels)
                array[index] = saved - eps
                down = numeric.mean_cross_entropy(numeric.forward(layers, x).probabilities, labels)
                array[index] = saved
                assert grad[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)


def test_a_softmax_hidden_layer_has_no_derivative_here():
    with pytest.raises(ValueError, match="pas de dérivée"):
        numeric.activation_slope(np.zeros(3), np.zeros(3), "softmax")


# ---- The browser's twin ------------------------------------------------------------------------------

def test_the_javascript_core_computes_what_numpy_computes():
    """docs/assets/reseau.js (Node.js): every activation, softmax and ln(classes), against numeric.py."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js absent: the browser tests check reseau.js in Chromium")
    z = [-3.0, -0.5, 0.0, 0.25, 2.0, 7.5]
    script = (
        "globalThis.window = globalThis;\n"
        f"require({json.dumps(str(ROOT / JS_CORE))});\n"
        "const R = window.Reseau, z = Float64Array.from(" + json.dumps(z) + ");\n"
        "console.log(JSON.stringify({activations: Object.fromEntries(" + json.dumps(list(architecture.ACTIVATIONS))
        + ".map((a) => [a, Array.from(R.activate(z, a))])), softmax: Array.from(R.softmax(z)),"
        " chance: [2, 3, 10].map(R.chanceLoss)}));\n")
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    ours = json.loads(result.stdout)
    for activation in architecture.ACTIVATIONS:
        np.testing.assert_allclose(ours["activations"][activation], numeric.activate(np.array(z), activation),
                                   rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(ours["softmax"], numeric.softmax(np.array(z)), rtol=1e-14)
    assert ours["chance"] == pytest.approx([numeric.chance_loss(k) for k in (2, 3, 10)], rel=1e-15)
