"""Choose what each figure shows (seeded), draw them all to PNG bytes, and write the facts the pages cite.

Adding a figure takes three files: its drawing (charts.py, network.py or learning.py), one line in draw_all
and its alt text in alt_texts (here), and the template that shows it with {{ figure("name", "caption") }}.
Every network fact comes from the run's architecture record (pipeline/common/architecture.py).
"""
from __future__ import annotations

import inspect

import numpy as np

from pipeline.figures import charts, learning, network, style
from pipeline.common import architecture, fr, numeric
from pipeline.common.classes import taken_for
from pipeline.common.early_stopping import replay_all
from pipeline.data.dataset import CLASS_NAMES

GRID_SIZE = 24  # articles in the data page's grid
PREDICTION_EXAMPLES = 6  # test images shown beside their probability bars
RARE_SHARE = 0.01  # a hidden unit active on fewer than 1 % of the test images counts as "rarely active"
# The weights figure saturates its colours beyond this quantile of |weight| (network.weight_limit's own).
WEIGHT_QUANTILE = inspect.signature(network.weight_limit).parameters["quantile"].default
# The README's own figures: copied byte for byte into README_FOLDER (committed, so GitHub shows them).
README_FOLDER = "rapport/"
README_FIGURES = ("exemples", "repartition", "courbes", "confusion")
def draw_all(seed: int, x_train, y_train, x_test, y_test, metrics: dict, probabilities, weights,
             arch: architecture.Architecture, validation: tuple | None = None,
             trajectory: dict | None = None, fit_positions=None) -> tuple[dict, dict]:
    """Return ({figure name: PNG bytes}, facts) for every figure of the site.

    `validation`: (probabilities, labels) of the validation images, for step 4's calibration (the
    test set is kept for step 5); without it (older runs, tests) the test images are used, and said.
    `fit_positions`: where each image of X_train after the lesson's split sits in x_train as loaded (the
    run's split.npz); step 3's images are drawn from those, and numbered as `X_train[i]` after the split.
    Without it, x_train is taken as the training set itself.
    """
    rng = np.random.default_rng(seed)
    names = CLASS_NAMES
    grid = _one_per_class_first(rng, y_train, GRID_SIZE)
    examples = _prediction_examples(rng, y_test, probabilities, PREDICTION_EXAMPLES)
    mistakes = metrics["evaluation"]["confident_mistakes"]
    history = metrics["history"]
    counts = np.bincount(y_train, minlength=len(names))
    means = np.stack([x_train[y_train == k].mean(axis=0) for k in range(len(names))])
    test_pass = architecture.forward(arch, weights, x_test / 255.0)
    worked_index = _worked_index(rng, test_pass.logits, y_test, probabilities)  # drawn last: other picks unchanged
    worked = architecture.forward(arch, weights, x_test[worked_index][None] / 255.0)
    worked_hidden = [out[0] for out in worked.outputs[:-1]]
    sizes, params = [arch.inputs] + [layer.units for layer in arch.dense], [layer.params for layer in arch.dense]
    calibration_set = "validation" if validation is not None else "test"
    cal_probabilities, cal_labels = validation if validation is not None else (probabilities, y_test)
    calibration_rows = network.calibration_table(cal_probabilities, cal_labels)
    activity = _activity(test_pass.outputs[0]) if arch.hidden else None  # the first hidden layer
    # The learning loop on this network (drawn after the others: their seeded picks stay the same), on the
    # images fit() learns from: X_train after the split, indexed as the notebook indexes it from then on.
    fit = np.arange(len(y_train)) if fit_positions is None else np.asarray(fit_positions)
    x_fit, y_fit = x_train[fit], y_train[fit]
    sample = np.sort(rng.choice(len(y_fit), min(learning.SLICE_IMAGES, len(y_fit)), replace=False))
    descent = learning.descent_facts(arch, weights, x_fit[sample] / 255.0, y_fit[sample])
    # The one-step image: among the first 10 000 (an index of four digits at most, which the pages write,
    # like every identifier, without a thousands space).
    candidates = sample[sample < 10_000] if (sample < 10_000).any() else sample
    step_index = int(candidates[learning.pick_step_image(
        architecture.forward(arch, weights, x_fit[candidates] / 255.0).probabilities, y_fit[candidates], rng)])
    step = {"index": step_index, "loaded_index": int(fit[step_index]),
            **learning.step_facts(arch, weights, x_fit[step_index], int(y_fit[step_index]), float(metrics["learning_rate"]))}

    drawings = {
        "exemples": charts.sample_grid(x_train[grid], y_train[grid], names),
        "repartition": charts.class_distribution(counts, names),
        "pixels": charts.pixel_histogram(x_train[:2000]),
        "moyennes": charts.class_means(means, names),
        "courbes": charts.learning_curves(history, metrics["best_epoch"], metrics["epochs_run"],
                                           metrics["stopped_early"]),
        "confusion": charts.confusion(np.array(metrics["evaluation"]["confusion_matrix"]), names),
        "erreurs": charts.image_gallery(
            x_test[[m["index"] for m in mistakes]],
            [f"Réelle : {names[m['true']]}\nPrédite : {names[m['predicted']]}\n"
             f"{style.percent_floor(m['probability'])}" for m in mistakes]),
        "predictions": charts.prediction_bars(x_test[examples], probabilities[examples], y_test[examples], names),
        "neurones": network.weight_images(weights["W1"], dead=activity["dead_units"] if activity else None),
        "reseau": network.network_diagram(sizes, params, [layer.activation for layer in arch.dense],
                                          output_names=names, image=x_test[worked_index]),
        "descente": learning.descent(descent),
        "pas_gradient": learning.gradient_step(x_fit[step_index], step, names),
        "calibration": network.calibration(cal_probabilities, cal_labels),
        "exemple_calcul": network.worked_example(x_test[worked_index], worked_hidden, worked.logits[0],
                                                 worked.probabilities[0], int(y_test[worked_index]), names,
                                                 [layer.activation for layer in arch.hidden]),
    }
    rules = trajectory and replay_all(trajectory, metrics["params"], metrics)
    if rules:  # every EarlyStopping rule on the whole trajectory (make report records it)
        drawings["regles"] = charts.early_stopping_rules(trajectory["history"], rules["rows"])
    pngs = {name: style.to_png(fig) for name, fig in drawings.items()}
    true = int(y_test[worked_index])
    facts = {
        "files": [f"{name}.png" for name in pngs],
        "grid_labels": [int(y) for y in y_train[grid]],
        "examples": [{"index": int(i), "true": int(y_test[i]), "predicted": int(probabilities[i].argmax()),
                      "probability": float(probabilities[i].max())} for i in examples],
        "neurons": int(weights["W1"].shape[1]),
        "layers": {"sizes": sizes, "params": params, "activations": [layer.activation for layer in arch.dense]},
        "worked": {
            "index": int(worked_index), "true": true, "predicted": int(worked.probabilities[0].argmax()),
            # Every hidden layer: its width and how many of its units are active (> 0) for this image.
            "hidden_layers": [{"units": int(h.size), "active": int((h > 0).sum())} for h in worked_hidden],
            "logits": [float(v) for v in worked.logits[0]],
            "probabilities": [float(v) for v in worked.probabilities[0]],
            "loss": numeric.mean_cross_entropy(worked.probabilities, [true]),
            "top_logit_class": int(worked.logits[0].argmax()),
            "sum_probabilities": float(worked.probabilities[0].sum()),
        },
        "calibration": calibration_rows, "calibration_set": calibration_set,
        "weight_colours": {side: word for side, (word, _) in style.WEIGHT_COLOURS.items()},
        "curve_colours": {line: word for line, (word, _) in style.CURVE_COLOURS.items()},
        **_weight_facts(weights["W1"]),
        "activity": activity,
        "descent": descent,
        "step": step,
        "confident_errors": _confident_errors(probabilities, y_test),
        "readme_folder": README_FOLDER,
        "readme_figures": [name for name in README_FIGURES if name in pngs],
        "regles": rules and [{"label": r["plain_label"], **r["raw"]} for r in rules["rows"]],
        "regles_epochs": rules and rules["epochs"],
    }
    facts["alt"] = alt_texts(facts, metrics, counts, (int(x_train.min()), int(x_train.max())), names)
    return pngs, facts


def alt_texts(facts: dict, metrics: dict, counts, pixel_range: tuple[int, int], names) -> dict[str, str]:
    """The alt text of every figure, written from the numbers it draws (what a screen reader says)."""
    same = len(set(int(c) for c in counts)) == 1
    count_text = (f"{fr.integer(counts[0])} images par classe" if same else
                  f"de {fr.integer(min(counts))} à {fr.integer(max(counts))} images par classe")
    h = metrics["history"]
    low = int(np.argmin(h["val_loss"]))
    peak = low + int(np.argmax(h["val_loss"][low:]))  # the highest validation loss after its minimum
    ev = metrics["evaluation"]
    grid_names = sorted({names[k] for k in facts["grid_labels"]})
    examples = "; ".join(f"{names[x['true']]}, réponse {names[x['predicted']]} à "
                         f"{style.percent_floor(x['probability'])}" for x in facts["examples"])
    mistakes = "; ".join(f"{names[m['true']]} {taken_for(names[m['true']])} pour {names[m['predicted']]} à "
                         f"{style.percent_floor(m['probability'])}" for m in ev["confident_mistakes"][:4])
    worked = facts["worked"]
    colours = facts["weight_colours"]
    sizes, params, activations = (facts["layers"][k] for k in ("sizes", "params", "activations"))
    hidden = worked["hidden_layers"]
    crowded = max(facts["calibration"], key=lambda r: r["count"]) if facts["calibration"] else None
    alt = {
        "exemples": f"Grille de {len(facts['grid_labels'])} images d'entraînement, vêtements clairs sur fond noir, "
                    f"titrées par leur classe : {', '.join(grid_names)}.",
        "repartition": f"Diagramme en barres du nombre d'images d'entraînement par classe : {count_text}.",
        "pixels": f"Histogrammes des valeurs de pixels : de {pixel_range[0]} à {pixel_range[1]} avant "
                  "normalisation, de 0 à 1 après ; la forme est identique.",
        "moyennes": "Image moyenne de chacune des dix classes, claire sur fond noir : " + ", ".join(names) + ".",
        "courbes": f"Deux graphiques sur {metrics['epochs_run']} époques. À gauche, l'exactitude d'entraînement "
                   f"passe de {fr.percent(h['accuracy'][0])} à {fr.percent(h['accuracy'][-1])} et celle de "
                   f"validation de {fr.percent(h['val_accuracy'][0])} à {fr.percent(h['val_accuracy'][-1])}. "
                   f"À droite, la perte d'entraînement passe de {fr.decimal(h['loss'][0], 3)} à "
                   f"{fr.decimal(h['loss'][-1], 3)} et celle de validation de {fr.decimal(h['val_loss'][0], 3)} "
                   f"à {fr.decimal(h['val_loss'][-1], 3)}, sur une échelle logarithmique avec la ligne du hasard "
                   f"(ln {charts.CLASSES} ≈ {fr.decimal(charts.RANDOM_LOSS, 2)}), et un zoom en échelle linéaire sur la perte de "
                   f"validation : minimum {fr.decimal(min(h['val_loss']), 3)} à l'époque {low + 1}"
                   + (f", puis jusqu'à {fr.decimal(h['val_loss'][peak], 3)} à l'époque {peak + 1}. " if peak > low
                      else ". ") +
                   f"Meilleure époque : {metrics['best_epoch']}.",
        "confusion": f"Matrice de confusion sur {fr.integer(metrics['sizes']['test'])} images de test, en nombres "
                     f"et en proportions par classe réelle ; {fr.integer(ev['errors'])} erreurs hors diagonale.",
        "erreurs": f"Les {len(ev['confident_mistakes'])} erreurs les plus sûres d'elles, dont : {mistakes}.",
        "predictions": f"{len(facts['examples'])} images de test et leurs dix probabilités : {examples}.",
        "neurones": f"Les {facts['neurons']} vecteurs de poids de la première couche Dense, chacun dessiné comme "
                    f"une image 28 × 28 ({colours['positive']} : poids positifs, blanc : zéro, "
                    f"{colours['negative']} : poids négatifs ; couleurs saturées au-delà de "
                    f"± {fr.decimal(facts['weight_limit'], 2)})"
                    + (f" ; les {facts['activity']['dead']} neurones morts (actifs sur aucune image de test) sont "
                       "encadrés en vermillon et barrés." if facts.get("activity") and facts["activity"]["dead"]
                       else "."),
        "reseau": f"Schéma du réseau : une image déroulée par Flatten en {fr.integer(sizes[0])} valeurs d'entrée "
                  "(des carrés : ce sont des pixels, pas des neurones), "
                  + "".join(f"une couche cachée de {fr.integer(n)} neurones {network.ACTIVATION_NAMES.get(a, a)}, "
                            for n, a in zip(sizes[1:-1], activations[:-1]))
                  + f"{fr.integer(sizes[-1])} sorties {network.ACTIVATION_NAMES.get(activations[-1], activations[-1])}, une par classe ("
                  + ", ".join(names) + ") ; paramètres par couche Dense : "
                  + ", ".join(fr.integer(p) for p in params) + f", soit {fr.integer(sum(params))} au total.",
        "exemple_calcul": f"L'image de test {worked['index']}, classe {names[worked['true']]}, à travers le "
                          "réseau : " + "".join(f"{h['active']} neurones actifs sur {h['units']} dans la couche "
                                                f"cachée {i}, " for i, h in enumerate(hidden, start=1))
                          + f"le plus grand score pour {names[worked['predicted']]} "
                          f"({fr.decimal(max(worked['logits']), 1)}), probabilité "
                          f"{style.percent_floor(max(worked['probabilities']))} après softmax.",
    }
    descent, step = facts["descent"], facts["step"]
    alt["descente"] = (
        f"La perte moyenne de {fr.integer(descent['images'])} images d'entraînement le long d'une droite qui "
        f"traverse les poids entraînés (perte {fr.decimal(descent['loss'], 3)}) dans le sens opposé au gradient, "
        f"et {learning.STEPS} pas de descente de gradient pour {len(descent['rates'])} taux d'apprentissage : "
        + " ; ".join(f"η = {learning.eta_text(r['eta'])} ({r['word']}), perte {fr.decimal(r['loss'][-1], 3)} "
                     f"après {len(r['t']) - 1} pas" for r in descent["rates"]) + ".")
    alt["pas_gradient"] = (
        f"Un pas de descente de gradient sur l'image d'entraînement X_train[{step['index']}], classe "
        f"{names[step['label']]} : p − y vaut {fr.decimal(step['delta'][step['label']], 2)} pour la classe réelle ; "
        f"les poids du neurone caché {step['neuron']} ne bougent que là où le pixel n'est pas noir ; la "
        f"probabilité de {names[step['label']]} passe de {style.percent_floor(step['before'][step['label']])} à "
        f"{style.percent_floor(step['after'][step['label']])} et la perte de {fr.decimal(step['loss_before'], 3)} à "
        f"{fr.decimal(step['loss_after'], 3)}.")
    # The lesson's own figures (pipeline/lesson.py draws them during training; docs/figures/lecon/).
    alt["lecon/articles"] = ("Les premières images du jeu d'entraînement, dessinées par le code de la leçon, "
                             "claires sur fond noir et titrées par leur classe.")
    alt["lecon/distribution"] = ("Diagramme en barres dessiné par le code de la leçon : nombre d'images d'entraînement par classe, "
                                 f"{count_text}.")
    if facts.get("regles"):
        alt["regles"] = (f"En haut, les pertes d'entraînement et de validation sur les {facts['regles_epochs']} époques "
                         "d'un entraînement sans arrêt ; en bas, pour chaque règle d'EarlyStopping, l'époque où elle "
                         "arrête et l'époque dont elle garde les poids : "
                         + " ; ".join(f"{r['label']}, arrêt après l'époque {r['stop']}, époque {r['kept']} gardée"
                                      for r in facts["regles"]) + ".")
    alt["lecon/curves"] = (f"Les deux graphiques que demande l'énoncé, sur {metrics['epochs_run']} époques : l'exactitude (à "
                           "gauche) et la perte (à droite), d'entraînement et de validation.")
    alt["lecon/confusion"] = (f"La matrice de confusion que dessine le code de l'étape 5 : {fr.integer(ev['errors'])} "
                              f"erreurs sur {fr.integer(metrics['sizes']['test'])} images de test, hors de la "
                              "diagonale, classe réelle en ligne et classe prédite en colonne.")
    alt["lecon/probabilities"] = ("Les quatre premières images de test et, à côté de chacune, les dix probabilités "
                                  "que le réseau leur donne, dessinées par le code de l'étape 5.")
    if crowded is not None:
        alt["calibration"] = (
            f"Diagramme de calibration sur {fr.integer(sum(r['count'] for r in facts['calibration']))} images "
            f"de {facts.get('calibration_set', 'test')} : pour chaque tranche de confiance du réseau, la proportion de bonnes réponses. La tranche "
            f"la plus peuplée, de {fr.percent(crowded['low'], 0)} à {fr.percent(crowded['high'], 0)}, compte "
            f"{fr.integer(crowded['count'])} images : confiance moyenne {fr.percent(crowded['confidence'])}, "
            f"exactitude réelle {fr.percent(crowded['accuracy'])}.")
    else:
        alt["calibration"] = "Diagramme de calibration : aucune image."
    return alt


def _weight_facts(kernel) -> dict:
    """Where the weights figure saturates its colours, and how many weights lie beyond (the colour bar's arrows)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    limit = network.weight_limit(kernel, WEIGHT_QUANTILE)
    return {"weight_limit": limit, "weight_quantile": WEIGHT_QUANTILE,
            "weight_max": float(np.abs(kernel).max()) if kernel.size else 0.0,
            "weights_beyond": float((np.abs(kernel) > limit).mean()) if kernel.size else 0.0}


def _activity(hidden: np.ndarray) -> dict:
    """How the hidden ReLU units behave on the test images: never active (dead), rarely, always."""
    active = np.asarray(hidden) > 0
    share = active.mean(axis=0)  # per unit: share of the images on which it is active
    per_image = active.sum(axis=1)
    return {"images": int(active.shape[0]), "units": int(active.shape[1]),
            "dead": int((share == 0).sum()), "dead_units": [bool(v) for v in share == 0], "rare": int((share < RARE_SHARE).sum()),
            "always": int((share == 1).sum()), "rare_share": RARE_SHARE,
            "mean_active": float(per_image.mean()), "min_active": int(per_image.min()),
            "max_active": int(per_image.max())}


def _confident_errors(probabilities, labels) -> dict:
    """Mistakes by confidence: how many wrong answers were given at 90 % and at 99 % or more."""
    probabilities = np.asarray(probabilities)
    wrong = probabilities.argmax(axis=1) != np.asarray(labels)
    confidence = probabilities.max(axis=1)
    return {"errors": int(wrong.sum()), "above_90": int((wrong & (confidence >= 0.9)).sum()),
            "above_99": int((wrong & (confidence >= 0.99)).sum())}


def _worked_index(rng, logits, labels, probabilities) -> int:
    """A seeded test image that both the saved predictions and the NumPy forward pass classify right."""
    numpy_right = logits.argmax(axis=1) == labels
    saved_right = np.asarray(probabilities).argmax(axis=1) == labels
    for candidates in (np.flatnonzero(numpy_right & saved_right), np.flatnonzero(numpy_right),
                       np.arange(len(labels))):
        if len(candidates):
            return int(rng.choice(candidates))
    raise ValueError("aucune image de test pour l'exemple de calcul")


def _one_per_class_first(rng, labels, size: int) -> np.ndarray:
    """Every class appears at least once, the rest drawn at random: the grid shows all ten."""
    first = [rng.choice(np.flatnonzero(labels == k)) for k in range(len(CLASS_NAMES))]
    rest = rng.choice(np.setdiff1d(np.arange(len(labels)), first), size - len(first), replace=False)
    return rng.permutation(np.concatenate([first, rest]))


def _prediction_examples(rng, labels, probabilities, count: int) -> np.ndarray:
    """Mostly right answers and at least one mistake, so the bars show both cases."""
    predicted = probabilities.argmax(axis=1)
    right = np.flatnonzero(predicted == labels)
    wrong = np.flatnonzero(predicted != labels)
    n_wrong = min(len(wrong), max(1, count // 3))
    n_right = min(len(right), count - n_wrong)
    chosen = np.concatenate([rng.choice(right, n_right, replace=False),
                             rng.choice(wrong, n_wrong, replace=False)])
    return np.sort(chosen)
