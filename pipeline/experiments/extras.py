"""The sentence each question's conclusion adds with its own measured facts (stops, updates, parameters…)."""
from __future__ import annotations

from pipeline.common import fr
from pipeline.experiments.questions import VARIABILITY


def mean(v: dict, name: str) -> float:
    """A variant's mean over seeds of one measure."""
    return v[name]["mean"]


def _no_stop(v: dict) -> str:
    curve = v["sans"]["curves"]["val_loss"]["mean"]
    low = min(range(len(curve)), key=curve.__getitem__)
    rise = curve[-1] > curve[low] + 0.01
    return (f"Sans arrêt, la perte de validation moyenne est au plus bas à l'époque {low + 1} "
            f"({fr.decimal(curve[low], 3)}) et vaut {fr.decimal(curve[-1], 3)} à la dernière époque"
            + (" : elle remonte, c'est le surapprentissage." if rise else " : elle ne remonte pas ici."))


def _patience(v: dict) -> str:
    first, last = v["p1"], v["p10"]
    return (f"Avec patience 1, l'entraînement s'arrête en moyenne après {fr.decimal(mean(first, 'epochs_run'), 1)} "
            f"époques ({fr.seconds(mean(first, 'seconds'))}) ; avec patience 10, après "
            f"{fr.decimal(mean(last, 'epochs_run'), 1)} ({fr.seconds(mean(last, 'seconds'))}).")


def _monitor(v: dict) -> str:
    return (f"Chaque réglage garde l'époque qui optimise sa propre grandeur : la perte de validation retenue "
            f"vaut {fr.decimal(mean(v['val_loss'], 'val_loss'), 3)} avec val_loss et "
            f"{fr.decimal(mean(v['val_accuracy'], 'val_loss'), 3)} avec val_accuracy.")


def _restore(v: dict) -> str:
    yes, no = v["oui"], v["non"]
    return (f"Sans restauration, la perte de validation des poids gardés passe de {fr.decimal(mean(yes, 'val_loss'), 3)} "
            f"à {fr.decimal(mean(no, 'val_loss'), 3)}, et l'exactitude de {fr.percent(mean(yes, 'val_accuracy'), 2)} "
            f"à {fr.percent(mean(no, 'val_accuracy'), 2)}.")


def _batch(v: dict) -> str:
    small, large = v["b32"], v["b512"]
    return (f"Des lots de 512 font {fr.integer(large['updates_per_epoch'])} mises à jour des poids par époque, "
            f"contre {fr.integer(small['updates_per_epoch'])} avec des lots de 32 ; l'entraînement dure "
            f"{fr.seconds(mean(large, 'seconds'))} contre {fr.seconds(mean(small, 'seconds'))}.")


def _width(v: dict) -> str:
    narrow, wide = v["n32"], v["n512"]
    return (f"32 neurones : {fr.integer(narrow['total_params'])} paramètres, {fr.seconds(mean(narrow, 'seconds'))} "
            f"d'entraînement ; 512 neurones : {fr.integer(wide['total_params'])} paramètres, "
            f"{fr.seconds(mean(wide, 'seconds'))}.")


def _losses(v: dict, ids: tuple[str, ...]) -> str:
    return ", ".join(f"{fr.decimal(mean(v[k], 'val_loss'), 3)} pour « {v[k]['label']} »" for k in ids)


def _rate(v: dict) -> str:
    return (f"Perte de validation des poids gardés : {_losses(v, ('x0.1', 'x1', 'x10'))}. L'entraînement "
            f"s'arrête après {fr.decimal(mean(v['x10'], 'epochs_run'), 1)} époques en moyenne avec "
            f"« {v['x10']['label']} », après {fr.decimal(mean(v['x0.1'], 'epochs_run'), 1)} avec « {v['x0.1']['label']} ».")


def _dropout(v: dict) -> str:
    return f"À la dernière époque, la perte de validation vaut {_losses(v, ('d0', 'd2', 'd5'))}."


def _seeds(v: dict) -> str:
    s = v["params"]
    first, last = s["epochs_run"]["min"], s["epochs_run"]["max"]
    stop = f"de l'époque {first} à {last}" if first != last else f"toujours à l'époque {first}"
    return (f"D'une graine à l'autre, l'exactitude de validation va de {fr.percent(s['val_accuracy']['min'], 2)} "
            f"à {fr.percent(s['val_accuracy']['max'], 2)} et l'entraînement s'arrête {stop}.")


EXTRAS = {"sans_arret": _no_stop, "patience": _patience, "surveillance": _monitor,
          "restauration": _restore, "lot": _batch, "largeur": _width, "taux": _rate, "dropout": _dropout,
          VARIABILITY: _seeds}
