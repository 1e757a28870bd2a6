"""French values for the results: test scores, published references, worked numbers, limits (no TensorFlow)."""
from __future__ import annotations

import math

import numpy as np

from pipeline.common import fr, numeric
from pipeline.common.classes import indefinite_article, taken_for
from pipeline.figures.style import percent_floor
from pipeline.pages.network_context import ORDINALS

# How far apart two exactitudes must be before a page says one network « fait mieux » than another:
# two standard deviations of what is compared. With several seeds measured (Variabilité), the seeds'
# spread; with one run, only the test set's own sampling error is known (binomial, 10 000 images).
SPREADS = 2
BENCHMARK_URL = "https://github.com/zalandoresearch/fashion-mnist#benchmark"
PAPER_URL = "https://arxiv.org/abs/1708.07747"
README_SOURCE = "README de Fashion-MNIST, tableau « Benchmark »"
PAPER_SOURCE = "Xiao, Rasul et Vollgraf (2017), tableau 3"
# Published results, never measured here, each named as its source names it (`label` and `params`,
# verbatim: the paper gives classifier and parameters in two columns) and described as its source
# describes it. README rows: zalandoresearch/fashion-mnist, README.md at commit b2617bb, table
# « Benchmark » (lines 158-188); its maintainers write that they « haven't yet tested these results »
# (line 154). Paper rows: arXiv:1708.07747, Table 3 (scikit-learn, mean of 5 runs).
REFERENCES = [
    {"label": "Human Performance", "params": "", "kind": "humains", "accuracy": 0.835, "digits": 1,
     "short": "les humains de l'évaluation participative",
     "what": "évaluation participative d'humains sans expertise de la mode, sur "
             f"{fr.integer(1000)} images de test tirées au hasard, avec 3 étiquettes par image et "
             "l'étiquette majoritaire retenue",
     "source": README_SOURCE, "url": BENCHMARK_URL, "code": ""},
    {"label": "LogisticRegression", "params": "C=1 multi_class=ovr penalty=l1", "kind": "linéaire",
     "accuracy": 0.842,
     "digits": 1, "short": "la régression logistique",
     "what": "régression logistique de scikit-learn, un classifieur linéaire (aucune couche cachée) ; "
             "moyenne de 5 exécutions",
     "source": PAPER_SOURCE, "url": PAPER_URL, "code": ""},
    {"label": "MLPClassifier", "params": "activation=relu hidden_layer_sizes=[100]", "kind": "dense",
     "accuracy": 0.871,
     "digits": 1, "short": "le perceptron multicouche de scikit-learn à 100 neurones cachés",
     "what": "réseau dense de scikit-learn à une couche cachée de 100 neurones ReLU ; moyenne de 5 exécutions",
     "source": PAPER_SOURCE, "url": PAPER_URL, "code": ""},
    {"label": "2 Conv+pooling", "params": "", "kind": "convolutif", "accuracy": 0.876, "digits": 1,
     "short": "le réseau convolutif de Kashif Rasul",
     "what": "deux couches de convolution avec sous-échantillonnage (*pooling*), sans prétraitement ; "
             "proposé par Kashif Rasul",
     "source": README_SOURCE, "url": BENCHMARK_URL,
     "code": "https://gist.github.com/kashif/76792939dd6f473b7404474989cb62a8"},
    {"label": "MLP 256-128-100", "params": "", "kind": "dense", "accuracy": 0.8833, "digits": 2,
     "short": "le réseau dense 256-128-100 de @heitorrapela",
     "what": "réseau dense Keras qui, d'après son code, a des couches cachées de 256, 128 et 100 neurones `tanh`, "
             "chacune suivie de `Dropout(0.4)`, une sortie `sigmoid`, l'optimiseur `SGD(learning_rate=0.01, "
             "momentum=0.975, nesterov=True)`, 100 époques et des lots de 64 ; 0,8833 est la meilleure de 30 "
             "exécutions de son journal (moyenne ≈ 0,879) ; proposé par @heitorrapela",
     "source": README_SOURCE, "url": BENCHMARK_URL, "code": "https://github.com/heitorrapela/fashion-mnist-mlp"},
    {"label": "SVC", "params": "C=10 kernel=rbf", "kind": "noyau", "accuracy": 0.897, "digits": 1,
     "short": "la machine à vecteurs de support",
     "what": "machine à vecteurs de support de scikit-learn, noyau gaussien ; moyenne de 5 exécutions",
     "source": PAPER_SOURCE, "url": PAPER_URL, "code": ""},
    {"label": "2 Conv+pooling", "params": "", "kind": "convolutif", "accuracy": 0.916, "digits": 1,
     "short": "le réseau convolutif de la documentation de TensorFlow",
     "what": "d'après son code, deux convolutions 5 × 5 (32 puis 64 filtres), chacune suivie d'un "
             f"`max_pooling2d`, puis une couche dense de {fr.integer(1024)} neurones et un Dropout de 0,4 ; "
             "attribué à la documentation de TensorFlow",
     "source": README_SOURCE, "url": BENCHMARK_URL,
     "code": "https://github.com/zalandoresearch/fashion-mnist/blob/master/benchmark/convnet.py"},
]

SOFTMAX_SCORES = (2.0, 1.0, 0.0)  # three scores small enough to check softmax by hand


def results_on_test(metrics: dict, names) -> dict:
    t = metrics["test"]
    e = metrics["evaluation"]
    per_class = [{"name": names[k], "precision": fr.percent(s["precision"]), "recall": fr.percent(s["recall"]),
                  "f1": fr.decimal(s["f1"], 3), "support": fr.integer(s["support"]), "raw_f1": s["f1"]}
                 for k, s in enumerate(e["per_class"])]
    ranked = sorted(per_class, key=lambda row: row["raw_f1"])
    lowest = min(range(len(per_class)), key=lambda k: e["per_class"][k]["precision"])  # for the home page
    pairs = [_larger_direction_first(p, names) for p in e["confused_pairs"]]
    return {
        "loss": fr.decimal(t["loss"], 3), "accuracy": fr.percent(t["accuracy"]),
        "errors": fr.integer(e["errors"]), "count": fr.integer(metrics["sizes"]["test"]),
        "per_class": per_class, "hardest": ranked[0]["name"], "easiest": ranked[-1]["name"],
        "hardest_f1": ranked[0]["f1"], "easiest_f1": ranked[-1]["f1"],
        "lowest_precision": per_class[lowest],
        "hardest_row": _row_errors(e["confusion_matrix"], names.index(ranked[0]["name"]), names),
        "val_accuracy_best": fr.percent(metrics["history"]["val_accuracy"][metrics["best_epoch"] - 1]),
        "val_test_gap": fr.points(abs(t["accuracy"] - metrics["history"]["val_accuracy"][metrics["best_epoch"] - 1])
                                  * 100, 2),
        "test_above_val": t["accuracy"] > metrics["history"]["val_accuracy"][metrics["best_epoch"] - 1],
        "pairs": pairs,
        "mistakes": [{"true": names[m["true"]], "predicted": names[m["predicted"]], "index": str(m["index"]),
                      "taken": taken_for(names[m["true"]]), "probability": percent_floor(m["probability"])}
                     for m in e["confident_mistakes"]],
    }


def _larger_direction_first(pair: dict, names) -> dict:
    """A confused pair, named so that its first direction is the larger one (« 176 Chemise prises pour
    T-shirt/haut, 68 dans l'autre sens »): a sentence quoting one direction quotes the main one."""
    a, b, a_as_b, b_as_a = pair["a"], pair["b"], pair["a_as_b"], pair["b_as_a"]
    if b_as_a > a_as_b:
        a, b, a_as_b, b_as_a = b, a, b_as_a, a_as_b
    return {"a": names[a], "b": names[b], "total": fr.integer(pair["total"]),
            "a_as_b": fr.integer(a_as_b), "b_as_a": fr.integer(b_as_a),
            "a_taken": taken_for(names[a], a_as_b)}  # « 176 Chemise prises pour … »


def _row_errors(matrix, k: int, names, top: int = 3) -> dict:
    """Where the images of class k go when the network is wrong: the `top` other columns of its row."""
    row = list(matrix[k])
    others = sorted((j for j in range(len(row)) if j != k and row[j] > 0), key=lambda j: -row[j])[:top]
    wrong = sum(row) - row[k]
    return {"name": names[k], "wrong": fr.integer(wrong), "total": fr.integer(sum(row)),
            "to": _join([f"{names[j]} ({fr.integer(row[j])})" for j in others]),
            "top_share": fr.percent(sum(row[j] for j in others) / wrong, 0) if wrong else fr.percent(0, 0)}


def _join(items: list[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b et c' (French list)."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1] if items else ""


def _de(phrase: str) -> str:
    """'le réseau' -> 'du réseau', 'les humains' -> 'des humains', 'la régression' -> 'de la régression'."""
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if phrase.startswith(article):
            return contracted + phrase[len(article):]
    return "de " + phrase


def sampling_error(accuracy: float, images: int) -> float:
    """Standard deviation of an exactitude measured on `images` independent images (binomial)."""
    return math.sqrt(accuracy * (1 - accuracy) / images)


def comparison(accuracy: float, images: int, seeds: dict | None = None) -> dict:
    """Where this network stands among the published results, comparing like with like; the sentences
    are templates/_comparaison.md.jinja's.

    With `seeds` (the test exactitude over several seeds: mean, std, n), the mean is compared and a
    result counts as passed or trailed only beyond SPREADS seed-to-seed deviations. With one run, the
    sentences speak of « cette exécution » and the margin is the test set's sampling error alone;
    anything closer is « du même ordre ».
    """
    multi_seed = bool(seeds and seeds.get("n", 0) >= 2)
    if multi_seed:
        centre, margin = seeds["mean"], SPREADS * seeds["std"]
    else:
        centre, margin = accuracy, SPREADS * sampling_error(accuracy, images)
    ranked = sorted(REFERENCES, key=lambda r: r["accuracy"])
    cnn = [r for r in ranked if r["kind"] == "convolutif"]
    humans = next(r for r in REFERENCES if r["kind"] == "humains")
    linear = next(r for r in REFERENCES if r["kind"] == "linéaire")
    return {"multi_seed": multi_seed, "spreads": SPREADS, "margin": fr.points(100 * margin),
            "accuracy": fr.percent(accuracy, 2),
            "seeds": seeds["n"] if multi_seed else 1,
            "mean": fr.percent(seeds["mean"], 2) if multi_seed else None,
            "std": fr.points(100 * seeds["std"]) if multi_seed else None,
            # The results cited, lowest first: clearly below this network, of the same order, clearly above.
            "below": [_cited(r) for r in ranked if r["accuracy"] < centre - margin],
            "level": [_cited(r) for r in ranked if abs(r["accuracy"] - centre) <= margin],
            "above": [_cited(r) for r in ranked if r["accuracy"] > centre + margin],
            "cnn_better": [_cited(r) for r in cnn if r["accuracy"] > centre + margin],
            "cnn_not_better": [_cited(r) for r in cnn if r["accuracy"] <= centre + margin],
            "humans": fr.percent(humans["accuracy"], humans["digits"]),
            "linear": fr.percent(linear["accuracy"], linear["digits"])}


def _cited(r: dict) -> dict:
    """A published result as a sentence names it: « la régression logistique », « de la … », its exactitude."""
    return {"name": r["short"], "of": _de(r["short"]), "accuracy": fr.percent(r["accuracy"], r["digits"])}


def references(metrics: dict) -> list[dict]:
    """The table of published results, with this run placed among them (the only measured row)."""
    rows = [dict(r, accuracy_fr=fr.percent(r["accuracy"], r["digits"]), measured=False) for r in REFERENCES]
    rows.append({"label": "Ce réseau, cette exécution", "params": "", "kind": "dense",
                 "accuracy": metrics["test"]["accuracy"],
                 "accuracy_fr": fr.percent(metrics["test"]["accuracy"], 2), "measured": True,
                 "what": "le réseau de l'énoncé, entraîné par `make report`",
                 "source": "mesuré ici, sur le jeu de test",
                 "url": "", "code": ""})
    return sorted(rows, key=lambda r: r["accuracy"])


def _probability(p: float) -> str:
    """A probability truncated (99,996 %, never 100 % by rounding); below 1 % in powers of ten (3,1 × 10⁻⁵),
    so that two nearly equal small values never read « 0,1 % » and « 9,8 × 10⁻⁴ »."""
    if p >= 0.999:
        return percent_floor(p, 3)
    return percent_floor(p) if p >= 0.01 else fr.scientific(p)


def _small(value: float) -> str:
    """0.408 -> '0,408'; 3.3e-05 -> '3,3 × 10⁻⁵' (a loss near 0 stays readable)."""
    return fr.decimal(value, 3) if value >= 0.001 else fr.scientific(value)


def worked(w: dict, names) -> dict:
    """One real test image through the trained network (figure « exemple_calcul »), ready to print."""
    logits, probs = w["logits"], w["probabilities"]
    order = sorted(range(len(logits)), key=lambda k: -logits[k])
    top, second = order[0], order[1]
    gap = logits[top] - logits[second]
    ratio = numeric.probability_ratio(logits[top], logits[second])
    return {
        "index": str(w["index"]), "true": names[w["true"]], "predicted": names[w["predicted"]],
        "right": w["true"] == w["predicted"],
        "article": indefinite_article(names[w["true"]]),
        # Each hidden layer: its width, its active units (> 0) for this image, the others.
        "layers": [{"units": h["units"], "active": h["active"], "inactive": h["units"] - h["active"],
                    "ordinal": ORDINALS[i] if i < len(ORDINALS) else f"{i + 1}ᵉ"}
                   for i, h in enumerate(w["hidden_layers"])],
        "last_units": w["hidden_layers"][-1]["units"] if w["hidden_layers"] else None,
        "rows": [{"name": names[k], "logit": fr.decimal(logits[k], 2), "probability": _probability(probs[k]),
                  "true": k == w["true"], "predicted": k == w["predicted"]} for k in range(len(logits))],
        "top_logit": fr.decimal(logits[top], 2), "second": names[second], "second_logit": fr.decimal(logits[second], 2),
        "gap": fr.decimal(gap, 2), "ratio": fr.integer(ratio) if ratio < 1e6 else fr.scientific(ratio),
        "p_true": _probability(probs[w["true"]]),
        # enough decimals that −ln p, computed by hand from the printed value, gives the printed loss
        "p_true_decimal": fr.long_decimal(probs[w["true"]], max(3, 2 - math.floor(math.log10(max(1 - probs[w["true"]],
                                                                                              1e-15))))),
        "loss": _small(w["loss"]), "loss_tiny": w["loss"] < 0.01,
    }


def softmax_demo(classes: int) -> dict:
    """Softmax and cross-entropy on SOFTMAX_SCORES, and the loss of a network that answers at random."""
    scores = np.asarray(SOFTMAX_SCORES, dtype=np.float64)
    exps, probabilities = numeric.exponentials(scores), numeric.softmax(scores)
    # −ln p of each class, as the loss would be were it the true one
    losses = numeric.cross_entropy(np.tile(probabilities, (len(scores), 1)), np.arange(len(scores)))
    rows = [{"z": fr.integer(z), "exp": fr.decimal(e, 3), "p": fr.decimal(p, 3),
             "percent": fr.percent(p, 1), "loss": fr.decimal(loss, 3)}
            for z, e, p, loss in zip(SOFTMAX_SCORES, exps, probabilities, losses)]
    return {"rows": rows, "sum": fr.decimal(exps.sum(), 3), "classes": classes,
            "random_p": fr.decimal(1 / classes, 2), "random_loss": fr.decimal(numeric.chance_loss(classes), 2)}


def limits(facts: dict) -> dict:
    """Hidden units never or always active on the test images, and mistakes made with high confidence."""
    act, errors = facts["activity"], facts["confident_errors"]
    return {"images": fr.integer(act["images"]), "units": act["units"],
            "dead": act["dead"], "rare": act["rare"], "always": act["always"],
            "rare_alive": act["rare"] - act["dead"],  # active on some images, but fewer than rare_share
            "rare_share": fr.percent(act["rare_share"], 0),
            "mean_active": fr.integer(act["mean_active"]),
            "mean_active_share": fr.percent(act["mean_active"] / act["units"], 0),
            "above_90": fr.integer(errors["above_90"]),
            "above_99": fr.integer(errors["above_99"]), "n_above_99": errors["above_99"]}


def weights(facts: dict) -> dict:
    """The first-layer weights figure: its colour words (figures.WEIGHT_COLOURS) and where it saturates."""
    return {**facts["weight_colours"], "limit": fr.decimal(facts["weight_limit"], 2),
            "quantile": fr.integer(facts["weight_quantile"] * 100), "max": fr.decimal(facts["weight_max"], 2),
            "beyond": fr.percent(facts["weights_beyond"], 1)}
