"""What the students' notebook says around the lesson's code: parameters, French cell texts, the data cell."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str  # the name the lesson's sections use (a parameter of a lesson function)
    key: str  # where params.yaml holds its value (dotted)
    help: str  # French, for the notebook's comment and the script's --help


# French help of the lesson's parameters; one not listed here gets a line naming its params.yaml key.
HELP = {
    "epochs": "nombre maximal d'époques (essai rapide : 2)",
    "batch_size": "nombre d'images par lot",
    "monitor": "grandeur surveillée par EarlyStopping : val_loss ou val_accuracy",
    "patience": "époques sans amélioration tolérées avant l'arrêt",
    "restore_best_weights": "revenir aux poids de la meilleure époque à la fin",
    "validation": "split : une part du jeu d'entraînement ; test : le jeu de test, comme l'énoncé",
    "validation_fraction": "part du jeu d'entraînement gardée pour la validation",
    "hidden_units": "neurones de la couche cachée (l'énoncé : 128)",
    "dropout": "part des neurones cachés éteints à chaque lot (0 : pas de couche Dropout)",
    "learning_rate": "taux d'apprentissage d'Adam (sa valeur par défaut : 0.001)",
    "seed": "graine : poids initiaux et découpage du jeu de validation",
}


def model_description(layers: list[dict]) -> str:
    """The notebook's text before the model cell, from the trained network's layer list."""
    parts = []
    for layer in layers:
        if layer["kind"] == "Flatten":
            parts.append(f"`Flatten` aplatit chaque image 28 × 28 en {layer['units']} valeurs")
        elif layer["kind"] == "Dropout":
            parts.append(f"une couche `Dropout({layer['rate']:g})` (active pendant l'entraînement seulement)")
        else:
            parts.append(f"une couche `Dense` de {layer['units']} {'sorties' if layer is layers[-1] else 'neurones'} "
                         f"{layer['activation']}")
    text = "Le réseau de cette exécution, en " + str(len(layers)) + " couches : " + ", puis ".join(parts) + "."
    return text + (" Keras 3 conseille ici `keras.Input` plutôt que `input_shape` : c'est l'écriture de l'énoncé, "
                   "le réseau est le même.")


# What each section does, in one or two French sentences (a section without one gets a neutral line).
DESCRIPTIONS = {
    "imports": "Les trois bibliothèques de l'exercice : Matplotlib pour les figures, NumPy pour les "
               "tableaux et TensorFlow, dont l'API Keras construit et entraîne le réseau.",
    "class_names": "Les étiquettes sont des entiers de 0 à 9 ; cette liste donne le nom de chaque classe, "
                   "dans l'ordre.",
    "load": "Charger Fashion-MNIST avec `tf.keras.datasets`, comme le demande l'énoncé : les images et "
            "les étiquettes d'entraînement, puis celles de test.",
    "shapes": "Première vérification, toujours : la forme des tableaux, le type et la plage des pixels.",
    "articles": "Regarder les données : quinze images d'entraînement, chacune titrée par le nom de sa classe.",
    "distribution": "Compter les images de chaque classe : une classe bien plus nombreuse que les autres "
                    "pousserait le modèle à la prédire plus souvent.",
    "normalise": "Ramener les pixels de 0–255 à des décimaux entre 0 et 1, l'échelle où le réseau apprend bien.",
    "split": "Mettre de côté un jeu de validation (`validation_fraction` du jeu d'entraînement, la même "
             "part de chaque classe) ; le jeu de test attend la toute fin.",
    "compile": "Dire comment le réseau apprend : l'optimiseur Adam, la perte d'entropie croisée et "
               "l'exactitude (*accuracy*) mesurée à chaque époque.",
    "early_stopping": "Arrêter l'entraînement quand `monitor` ne s'améliore plus pendant `patience` "
                      "époques ; avec `restore_best_weights`, revenir aux poids de la meilleure époque.",
    "fit": "Entraîner : au plus `epochs` époques, par lots de `batch_size` images, en mesurant le jeu de "
           "validation après chaque époque.",
    "curves": "Les deux graphiques que demande l'énoncé : l'exactitude (à gauche) et la perte (à droite), "
              "entraînement contre validation, époque par époque.",
    "evaluate": "Le verdict, mesuré une seule fois sur les images de test que le réseau n'a jamais vues.",
    "predict": "Les réponses du réseau : `model.predict` donne les dix probabilités de chaque image de test, "
               "et la classe prédite est celle de plus grande probabilité.",
    "confusion": "La matrice de confusion : pour chaque classe réelle (ligne), combien d'images le réseau a "
                 "rangées dans chaque classe (colonne). La diagonale compte les bonnes réponses.",
    "probabilities": "Les dix probabilités que le réseau donne aux quatre premières images de test.",
}

# The step page of each section when no template shows it (templates are read first).
DEFAULT_PAGES = {
    "imports": "donnees.md", "class_names": "donnees.md", "load": "donnees.md", "shapes": "donnees.md",
    "articles": "donnees.md", "distribution": "donnees.md", "normalise": "donnees.md", "split": "donnees.md",
    "model": "modele.md", "compile": "entrainement.md", "early_stopping": "entrainement.md",
    "fit": "entrainement.md", "curves": "performances.md", "evaluate": "evaluation.md",
    "predict": "evaluation.md", "confusion": "evaluation.md", "probabilities": "evaluation.md",
}

PREPARATION = '''\
# Propre au carnet et au script (absent des pages du site) : une graine, et les données sans Internet.
import os
import shutil
from pathlib import Path

tf.keras.utils.set_random_seed(seed)  # mêmes poids initiaux à chaque exécution

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
cache = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets" / "fashion-mnist"
if not all((cache / name).is_file() for name in FILES):
    try:
        tf.keras.datasets.fashion_mnist.load_data()  # télécharge les quatre fichiers dans le cache
    except Exception as error:
        print("Téléchargement de Fashion-MNIST impossible (pas d'Internet ?) :", error)
        print("Les quatre fichiers .gz peuvent venir d'une copie locale :")
        print("  - sous Debian ou Ubuntu : sudo apt-get install dataset-fashion-mnist")
        print("    (les fichiers arrivent dans /usr/share/datasets/fashion-mnist) ;")
        print("  - ou un dossier qui les contient, indiqué par la variable d'environnement FASHION_MNIST_DIR.")
        folders = [os.environ.get("FASHION_MNIST_DIR"), "/usr/share/datasets/fashion-mnist"]
        found = [Path(f) for f in folders if f and all((Path(f) / name).is_file() for name in FILES)]
        if not found:
            raise FileNotFoundError("Fashion-MNIST introuvable : installez les fichiers comme indiqué "
                                    "ci-dessus, puis relancez.") from None
        cache.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(found[0] / name, cache / name)
        print(f"Fichiers copiés de {found[0]} dans {cache} : load_data() les lira sans Internet.")'''

PREPARATION_TEXT = (
    "**Préparation (propre au carnet, absente des pages du site).** Cette cellule fixe la graine "
    "(`seed`) de TensorFlow, puis vérifie que les quatre fichiers de Fashion-MNIST sont dans le cache "
    "de Keras. S'ils n'y sont pas, elle appelle `load_data()`, qui les télécharge. Sans Internet, elle "
    "explique comment les obtenir — le paquet Debian `dataset-fashion-mnist` "
    "(`sudo apt-get install dataset-fashion-mnist`) ou un dossier désigné par la variable "
    "d'environnement `FASHION_MNIST_DIR` — et les copie depuis `/usr/share/datasets/fashion-mnist` ou "
    "ce dossier dans `~/.keras/datasets/fashion-mnist/`. La cellule suivante, le chargement que "
    "demande l'énoncé, appelle alors `load_data()` à nouveau, qui trouve les fichiers sans rien télécharger.")


# -- What the build reads ---------------------------------------------------------------------
