"""The notebook's « À vous de jouer »: questions, and answers computed in the notebook from the student's own run.

Each exercise is a French question (Markdown, with the page of the site that explains it) and a code
cell that computes its answer from what the student's notebook produced — `history`, `confusion`,
`test_accuracy`, the parameters cell — never from the numbers of the site's run. A question that
asks to change a parameter says where: the notebook's parameters cell, or params.yaml with make report.
"""
from __future__ import annotations

from dataclasses import dataclass

CHANGE = ("changez `{name}` dans la cellule des paramètres, en haut du carnet, puis réexécutez toutes les "
          "cellules (ou, dans le projet, changez `{key}` dans `params.yaml` et relancez `make report`)")


@dataclass(frozen=True)
class Exercise:
    id: str
    page: str  # the page of the site that explains it (mkdocs output name)
    question: str  # French Markdown; {change_NAME} placeholders are filled with CHANGE
    answer: str  # Python, run in the notebook after every lesson section


EXERCISES = (
    Exercise("meilleure-epoque", "performances.md",
             "**1. La meilleure époque.** À quelle époque la perte de validation a-t-elle été la plus basse ? "
             "Combien d'époques l'entraînement a-t-il duré ?",
             '''val_loss = history.history["val_loss"]
best_epoch = int(np.argmin(val_loss)) + 1
print(f"Époques d'entraînement : {len(val_loss)} sur {epochs} au plus")
print(f"Perte de validation la plus basse : {min(val_loss):.4f}, à l'époque {best_epoch}")
print(f"Perte de validation à la dernière époque : {val_loss[-1]:.4f}")'''),
    Exercise("patience", "entrainement.md",
             "**2. Moins de patience.** Avec une patience plus petite, après quelle époque l'entraînement "
             "se serait-il arrêté ? Pas besoin de réentraîner : la cellule rejoue la règle d'EarlyStopping "
             "sur votre `history`. Pour le vérifier, {change_patience}.",
             '''def stop_epoch(values, patience, lower_is_better):
    """La règle d'EarlyStopping : s'arrêter après `patience` époques sans amélioration stricte."""
    best, wait = None, 0
    for epoch, value in enumerate(values, start=1):
        if best is None or (value < best if lower_is_better else value > best):
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(values)


watched = history.history[monitor]
for p in range(1, patience + 1):
    print(f"patience {p} : arrêt après l'époque {stop_epoch(watched, p, 'loss' in monitor)}")'''),
    Exercise("lots", "entrainement.md",
             "**3. Des lots plus grands.** Combien de mises à jour des poids le réseau fait-il par époque ? "
             "Pour compter avec des lots plus grands, {change_batch_size}.",
             '''import math

updates = math.ceil(len(X_train) / batch_size)
print(f"{len(X_train)} images en lots de {batch_size} : {updates} mises à jour des poids par époque")
print(f"En {len(history.history['loss'])} époques : {updates * len(history.history['loss'])} mises à jour")'''),
    Exercise("classe-difficile", "evaluation.md",
             "**4. La classe la plus difficile.** Dans votre matrice de confusion, quelle classe réelle a le "
             "plus d'images mal classées, et vers quelle classe partent-elles surtout ?",
             '''errors = confusion.sum(axis=1) - np.diag(confusion)
hardest = int(np.argmax(errors))
row = confusion[hardest].copy()
row[hardest] = 0
target = int(np.argmax(row))
print(f"Erreurs en tout : {errors.sum()} sur {confusion.sum()} images de test")
print(f"Classe la plus souvent mal classée : {class_names[hardest]} "
      f"({errors[hardest]} erreurs sur {confusion[hardest].sum()})")
print(f"Le plus souvent prise pour : {class_names[target]} ({row[target]} images)")'''),
    Exercise("test-validation", "evaluation.md",
             "**5. Test contre validation.** L'exactitude de test est-elle proche de l'exactitude de "
             "validation des poids gardés à la fin ? Pourquoi devraient-elles l'être ?",
             '''watched = history.history[monitor]
if restore_best_weights:  # les poids de la meilleure époque selon `monitor`
    kept = int(np.argmin(watched)) if "loss" in monitor else int(np.argmax(watched))
else:  # ceux de la dernière époque
    kept = len(watched) - 1
val_accuracy = history.history["val_accuracy"][kept]
print(f"Exactitude de validation des poids gardés (époque {kept + 1}) : {val_accuracy:.4f}")
print(f"Exactitude de test : {test_accuracy:.4f}")
print(f"Écart : {100 * abs(test_accuracy - val_accuracy):.2f} points")'''),
)

HEADING = (
    "## À vous de jouer\n\n"
    "Chaque question est suivie d'une cellule qui **calcule la réponse à partir de votre exécution** "
    "(votre `history`, votre matrice de confusion, vos paramètres) : essayez d'abord, puis exécutez-la. "
    "Les réponses changent donc quand vous changez les paramètres, et peuvent différer des nombres du site.")


def question_text(exercise: Exercise, keys: dict[str, str]) -> str:
    """The question with its « change this parameter » sentences, for the parameters the notebook has."""
    fills = {f"change_{name}": CHANGE.format(name=name, key=key) for name, key in keys.items()}
    return exercise.question.format(**fills)
