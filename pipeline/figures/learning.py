"""The learning loop made visible with the trained network: the loss along the gradient, and one real step.

Both come from the run's weights and NumPy backpropagation (common/gradient.py), never from a toy
function: `descent_facts` cuts the loss along the gradient's direction through the trained weights
and follows plain gradient descent on that line with three learning rates; `step_facts` makes one
step on one training image. The figures draw exactly the numbers the facts hold (the pages cite them).
"""
from __future__ import annotations

import numpy as np

from pipeline.common import gradient, numeric
from pipeline.common.architecture import forward, weight_names
from pipeline.common.fr import decimal, integer
from pipeline.figures.style import (BLUE, GREEN, GREY, IMAGE_STYLE, ORANGE, VERMILION, WEIGHT_CMAP,
                                    FrenchFormatter, french_ticks, hatch, legend_below, percent_floor, plt)

SLICE_IMAGES = 2000  # training images whose mean loss the slice shows (a smooth, representative loss)
SLICE_POINTS = 81
STEPS = 6  # steps drawn for each learning rate
# Learning rates as multiples of 1 / curvature of the slice: small, medium, large (> 2 jumps further than it
# started, so the steps climb out of the valley). Named by size, not judged: which one does better in a few
# steps is measured (the pages compare the losses they reach).
RATE_FACTORS = {"petit": 0.15, "moyen": 0.7, "grand": 2.3}
STEP_UNCERTAIN = (0.3, 0.7)  # the one-step example: an image the network is unsure of (p of its class)
TOP_WEIGHTS = 5
ESCAPED = 20  # a path whose loss passed 20 times the starting loss stops there (it has left the valley)


def _significant(value: float, digits: int = 2) -> float:
    return float(f"{value:.{digits}g}")


def descent_facts(arch, weights: dict, images, labels) -> dict:
    """The loss along θ(t) = θ* − t·g/|g| (θ* the trained weights, g the gradient there), and plain
    gradient descent on that line, t ← t − η dL/dt, from t = 0 with three learning rates."""
    weights = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    start = gradient.backward(arch, weights, images, labels)
    size = gradient.norm(start.grads)
    if size == 0:
        raise ValueError("gradient nul : aucune direction à suivre")
    direction = {k: -v / size for k, v in start.grads.items()}

    def loss_at(t: float) -> float:
        return gradient.mean_loss(arch, gradient.along(weights, direction, t), images, labels)

    def slope_at(t: float) -> float:  # dL/dt: the real gradient at θ(t), projected on the line
        g = gradient.backward(arch, gradient.along(weights, direction, t), images, labels).grads
        return float(sum((g[k] * direction[k]).sum() for k in g))

    h = 0.1 * size  # a second difference around the trained weights: the curvature of the slice
    curvature = max((loss_at(h) - 2 * start.loss + loss_at(-h)) / h ** 2, 1e-12)
    rates = []
    for word, factor in RATE_FACTORS.items():
        eta = _significant(factor / curvature)
        ts, losses, slopes = [0.0], [start.loss], [-size]
        for _ in range(STEPS):
            if losses[-1] > ESCAPED * max(start.loss, 0.1):  # far out of the valley: the next step would overflow
                break
            ts.append(ts[-1] - eta * slopes[-1])
            with np.errstate(over="ignore", invalid="ignore"):
                losses.append(loss_at(ts[-1]))
                slopes.append(slope_at(ts[-1]))
            if not (np.isfinite(losses[-1]) and np.isfinite(slopes[-1])):
                ts, losses, slopes = ts[:-1], losses[:-1], slopes[:-1]
                break
        rates.append({"word": word, "eta": eta, "t": ts, "loss": losses, "slope": slopes,
                      "climbed": losses[-1] > start.loss,  # ends higher than it started
                      "descended": all(b < a for a, b in zip(losses, losses[1:])),  # every step lower
                      # the slope changed sign: a step jumped over the lowest point of the line
                      "crossed": any(a * b < 0 for a, b in zip(slopes, slopes[1:]))})
    low = min(min(r["t"]) for r in rates)
    high = max(max(r["t"]) for r in rates)
    span = high - low or size
    grid = np.linspace(low - 0.15 * span, high + 0.15 * span, SLICE_POINTS)
    with np.errstate(over="ignore", invalid="ignore"):
        curve = [loss_at(float(t)) for t in grid]
    curve = [float(v) if np.isfinite(v) else None for v in curve]  # None: overflowed, a gap in the curve
    best = int(np.nanargmin(np.asarray(curve, dtype=float)))
    calm = [r for r in rates if max(r["loss"]) <= start.loss * 1.001]  # the rates whose steps never climb
    zoom_t = [t for r in calm for t in r["t"]] or [0.0, float(grid[best])]
    zoom_span = max(max(zoom_t) - min(zoom_t), 1e-6)
    zoom = np.linspace(min(zoom_t) - 0.3 * zoom_span, max(zoom_t) + 0.3 * zoom_span, SLICE_POINTS // 2)
    return {"zoom_grid": [float(t) for t in zoom], "zoom_curve": [loss_at(float(t)) for t in zoom],
            "calm": [r["word"] for r in calm],
            "images": int(len(labels)), "loss": start.loss, "gradient_norm": size, "curvature": curvature,
            "grid": [float(t) for t in grid], "curve": curve, "min_t": float(grid[best]),
            "min_loss": float(curve[best]), "rates": rates}


def descent(facts: dict):
    """The slice of the loss and the steps of each learning rate on it (numbered): everything on the left,
    a zoom on the valley's floor on the right, where the small and the well-chosen steps stay."""
    fig, (ax_all, ax_zoom) = plt.subplots(1, 2, figsize=(13, 5.8), layout="constrained",
                                          gridspec_kw={"width_ratios": [1.2, 1]})
    for ax, (grid, curve) in ((ax_all, (facts["grid"], facts["curve"])),
                              (ax_zoom, (facts["zoom_grid"], facts["zoom_curve"]))):
        left, right = grid[0], grid[-1]
        curve = np.asarray(curve, dtype=float)
        ax.plot(grid, curve, color=GREY, linewidth=2.5, label="Perte le long de la droite", zorder=1)
        for rate, colour, marker in zip(facts["rates"], (BLUE, GREEN, VERMILION), ("o", "s", "D")):
            ax.plot(rate["t"], rate["loss"], marker=marker, color=colour, linewidth=1.2, markersize=7, zorder=3,
                    markeredgecolor="black", label=f"η = {eta_text(rate['eta'])} : {rate['word']}")
            calm = rate["word"] in facts["calm"]
            for k, (t, loss) in enumerate(zip(rate["t"][1:], rate["loss"][1:]), start=1):
                moved = abs(t - rate["t"][k - 1]) > 0.03 * (right - left)  # no pile of numbers on one point
                if left <= t <= right and moved and (ax is ax_zoom or not calm):
                    ax.annotate(str(k), (t, loss), textcoords="offset points", xytext=(0, 8), ha="center",
                                fontsize=9, color=colour)
        ax.plot([0], [facts["loss"]], "*", color="black", markersize=16, zorder=4,
                label=f"Poids entraînés (t = 0) : perte {decimal(facts['loss'], 3)}")
        shown = [v for v in curve if np.isfinite(v)] + [loss for r in facts["rates"] for t, loss in zip(r["t"], r["loss"]) if left <= t <= right]
        pad = 0.08 * (max(shown) - min(shown) or 1.0)
        ax.set_xlim(left, right)
        ax.set_ylim(min(shown) - pad, max(shown) + 2 * pad)
        ax.set_xlabel("t : déplacement des poids dans le sens opposé au gradient")
        ax.xaxis.set_major_formatter(FrenchFormatter())
        ax.yaxis.set_major_formatter(FrenchFormatter())
        ax.grid(alpha=0.3)
    ax_all.set_ylabel(f"Perte moyenne sur {integer(facts['images'])} images d'entraînement")
    ax_all.set_title(f"Les {STEPS} premiers pas de chaque taux d'apprentissage")
    ax_zoom.set_title("Zoom sur le fond de la vallée")
    handles, labels = ax_all.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=3)
    return french_ticks(fig)


def eta_text(value: float) -> str:
    """0.04 -> '0,04', 0.6 -> '0,6', 2.0 -> '2'."""
    text = decimal(value, 4).rstrip("0")
    return text.rstrip(",")


def pick_step_image(probabilities, labels, rng) -> int:
    """A seeded training image the trained network is unsure of (its class gets 30 to 70 %)."""
    p_true = np.asarray(probabilities)[np.arange(len(labels)), np.asarray(labels).astype(int)]
    unsure = np.flatnonzero((p_true > STEP_UNCERTAIN[0]) & (p_true < STEP_UNCERTAIN[1]))
    return int(rng.choice(unsure)) if len(unsure) else int(np.argmin(p_true))


def step_facts(arch, weights: dict, image, label: int, learning_rate: float) -> dict:
    """One step of plain gradient descent on one image: ∂ℓ/∂z = p − y, the weights that move most, the
    probabilities and the loss before and after."""
    weights = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    x, y = np.asarray(image, dtype=np.float64)[None] / 255.0, np.array([int(label)])
    result = gradient.backward(arch, weights, x, y)
    after = gradient.step(weights, result.grads, learning_rate)
    before_p = forward(arch, weights, x).probabilities[0]
    after_pass = forward(arch, after, x)
    after_p = after_pass.probabilities[0]
    moves = []
    for name, grad in result.grads.items():
        flat = np.abs(grad).ravel()
        for i in np.argsort(flat)[::-1][:TOP_WEIGHTS]:
            moves.append((float(flat[i]), name, [int(v) for v in np.unravel_index(i, grad.shape)]))
    moves.sort(key=lambda m: -m[0])
    top = [{"name": name, "index": index, "before": float(weights[name][tuple(index)]),
            "after": float(after[name][tuple(index)]), "gradient": float(result.grads[name][tuple(index)])}
           for _, name, index in moves[:TOP_WEIGHTS]]
    first_kernel = weight_names(1)[0]
    column = int(np.argmax(np.abs(result.grads[first_kernel]).sum(axis=0)))  # the first-layer neuron that moves most
    pixels = np.asarray(image).ravel() > 0
    moved = np.abs(result.grads[first_kernel]).sum(axis=1) > 0
    return {"label": int(label), "learning_rate": float(learning_rate), "delta": [float(v) for v in result.output_delta[0]],
            "before": [float(v) for v in before_p], "after": [float(v) for v in after_p],
            "loss_before": result.loss, "loss_after": numeric.mean_cross_entropy(after_pass.probabilities, y),
            "top": top, "neuron": column, "neuron_change": [float(v) for v in -learning_rate * result.grads[first_kernel][:, column]],
            "lit_pixels": int(pixels.sum()), "moved_pixel_rows": int(moved.sum()),
            "moved_only_lit": bool(np.all(moved <= pixels)), "gradient_norm": gradient.norm(result.grads)}


def gradient_step(image, facts: dict, names):
    """One image, ∂ℓ/∂z = p − y per class, the change of one first-layer neuron's weights, and the
    probabilities before and after the step."""
    label = facts["label"]
    positions = np.arange(len(names))
    fig = plt.figure(figsize=(13, 9.4), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.5])
    ax_img, ax_delta = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_w, ax_prob = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])

    ax_img.imshow(np.asarray(image).reshape(28, 28), **IMAGE_STYLE)
    predicted = int(np.argmax(facts["before"]))
    shown = f" X_train[{facts['index']}]" if "index" in facts else ""  # its index after the lesson's split
    ax_img.set_title(f"1. L'image d'entraînement{shown}, classe {names[label]}\n"
                     f"prédite avant le pas : {names[predicted]} ({percent_floor(facts['before'][predicted])})")
    ax_img.axis("off")

    delta = np.asarray(facts["delta"])
    bars = ax_delta.barh(positions, delta, color=[BLUE if v < 0 else ORANGE for v in delta])
    hatch(bars[label])
    for y, v in zip(positions, delta):
        if abs(v) >= 0.005:  # the classes that matter; the others are about 0
            ax_delta.text(v + (0.01 if v >= 0 else -0.01), y, decimal(v, 2), va="center",
                          ha="left" if v >= 0 else "right", fontsize=9)
    ax_delta.set_xlim(min(-1.0, delta.min() * 1.25), max(1.0, delta.max() * 1.25))
    ax_delta.axvline(0, color="black", linewidth=0.8)
    ax_delta.set_yticks(positions, names)
    ax_delta.invert_yaxis()
    ax_delta.set_title("2. ∂ℓ/∂z = p − y pour chaque score de sortie\n(classe réelle hachurée : p − 1 < 0)")
    ax_delta.set_xlabel("p − y")
    ax_delta.xaxis.set_major_formatter(FrenchFormatter())

    change = np.asarray(facts["neuron_change"]).reshape(28, 28)
    limit = float(np.abs(change).max()) or 1.0
    shown = ax_w.imshow(change, cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
    ax_w.set_title(f"3. Variation des {integer(change.size)} poids du neurone caché {facts['neuron']}\n"
                   "(blanc : inchangés, là où le pixel vaut 0)")
    ax_w.set_xticks([])
    ax_w.set_yticks([])
    bar = fig.colorbar(shown, ax=ax_w, shrink=0.8)
    bar.set_label("Variation du poids")
    bar.ax.yaxis.set_major_formatter(FrenchFormatter())

    width = 0.4
    ax_prob.barh(positions - width / 2, facts["before"], height=width, color=GREY, label="avant le pas")
    after = ax_prob.barh(positions + width / 2, facts["after"], height=width, color=BLUE, label="après le pas")
    hatch(after[label])
    ax_prob.set_yticks(positions, names)
    ax_prob.invert_yaxis()
    ax_prob.set_xlim(0, 1)
    ax_prob.xaxis.set_major_formatter(FrenchFormatter(100, "\u00a0%"))
    ax_prob.set_title(f"4. Probabilités avant et après un pas (η = {decimal(facts['learning_rate'], 3)})\n"
                      f"perte {decimal(facts['loss_before'], 3)} → {decimal(facts['loss_after'], 3)}")
    ax_prob.legend(loc="lower right", frameon=False)
    return french_ticks(fig)
