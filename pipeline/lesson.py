"""The lesson: the seed's exercise written well, top to bottom, the one source of the code students see.

Each `# --8<-- [start:name]` … `[end:name]` section is shown on a step page and becomes one cell
of the students' notebook. Inside a section, the names are those of a plain script (`X_train`,
`model`, `history`…), so the sections run one after the other exactly as printed; the functions
around them only hand those names to the pipeline (`pipeline/training/train.py`), which adds seeding,
speed options, timing and files around this code without changing it. Every value of params.yaml that
changes the training is a parameter of one of these functions (by the same name), so that the notebook's
parameters cell and the script's options hold it too: the pipeline passes nothing else in.
"""
# --8<-- [start:imports]
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
# --8<-- [end:imports]

# --8<-- [start:class_names]
# Les étiquettes sont des entiers de 0 à 9 ; voici le nom de chaque classe, dans l'ordre.
class_names = ["T-shirt/haut", "Pantalon", "Pull-over", "Robe", "Manteau",
               "Sandale", "Chemise", "Baskets", "Sac", "Bottine"]
# --8<-- [end:class_names]


def load_data():
    """Étape 1: the seed's own call (reads Keras's cache, downloads only when it is empty)."""
    # --8<-- [start:load]
    (X_train, y_train), (X_test, y_test) = tf.keras.datasets.fashion_mnist.load_data()
    # --8<-- [end:load]
    return (X_train, y_train), (X_test, y_test)


def show_shapes(X_train, y_train, X_test, y_test):
    """Test the shapes of the train and test sets, as the seed asks."""
    # --8<-- [start:shapes]
    print("Images d'entraînement :", X_train.shape, "étiquettes :", y_train.shape)
    print("Images de test :", X_test.shape, "étiquettes :", y_test.shape)
    print("Type et plage des pixels :", X_train.dtype, X_train.min(), "à", X_train.max())
    # --8<-- [end:shapes]


def show_articles(X_train, y_train):
    """Display a few articles with matplotlib, titled with their class."""
    # --8<-- [start:articles]
    plt.figure(figsize=(10, 5))
    for i in range(15):
        plt.subplot(3, 5, i + 1)
        plt.imshow(X_train[i], cmap="gray")  # clair sur fond noir, comme les données
        plt.title(class_names[y_train[i]])
        plt.axis("off")
    plt.tight_layout()
    plt.show()
    # --8<-- [end:articles]


def show_class_distribution(y_train):
    """How many training images each class has: a dominant class would bias the model."""
    # --8<-- [start:distribution]
    counts = np.bincount(y_train, minlength=10)
    plt.figure(figsize=(10, 4))
    plt.bar(class_names, counts)
    plt.title("Répartition des classes (jeu d'entraînement)")
    plt.ylabel("Nombre d'images")
    plt.xticks(rotation=45, ha="right")
    plt.tight_layout()
    plt.show()
    # --8<-- [end:distribution]


def normalise(X_train, X_test):
    """Pixels 0–255 become decimals in [0, 1]."""
    # --8<-- [start:normalise]
    X_train = X_train.astype("float32") / 255.0
    X_test = X_test.astype("float32") / 255.0
    # --8<-- [end:normalise]
    return X_train, X_test


def split_validation(X_train, y_train, X_test, y_test, validation="split", validation_fraction=0.1, seed=42):
    """The validation set: a share of the training set, the same for every class, or the seed's test set."""
    # --8<-- [start:split]
    if validation == "test":  # comme l'énoncé : validation_data=(X_test, y_test)
        X_val, y_val = X_test, y_test
    else:  # "split" : une part du jeu d'entraînement, la même pour chaque classe
        rng = np.random.default_rng(seed)
        fit_parts, val_parts = [], []
        for k in range(10):
            members = rng.permutation(np.flatnonzero(y_train == k))
            n_val = round(len(members) * validation_fraction)
            val_parts.append(members[:n_val])
            fit_parts.append(members[n_val:])
        fit_idx = rng.permutation(np.concatenate(fit_parts))
        val_idx = rng.permutation(np.concatenate(val_parts))
        X_val, y_val = X_train[val_idx], y_train[val_idx]
        X_train, y_train = X_train[fit_idx], y_train[fit_idx]
    # --8<-- [end:split]
    return X_train, y_train, X_val, y_val


def build_model(hidden_units=128, dropout=0.0):
    """The seed's three layers; `hidden_units` neurons in the hidden one, and a Dropout layer if asked."""
    # --8<-- [start:model]
    layers = [
        tf.keras.layers.Flatten(input_shape=(28, 28)),
        tf.keras.layers.Dense(hidden_units, activation="relu"),
    ]
    if dropout > 0:  # au-delà de l'énoncé : éteindre au hasard une part des neurones cachés
        layers.append(tf.keras.layers.Dropout(dropout))
    layers.append(tf.keras.layers.Dense(10, activation="softmax"))
    model = tf.keras.Sequential(layers)
    # --8<-- [end:model]
    return model


def compile_model(model, learning_rate=0.001):
    """How the model learns: optimiser, loss and the metric followed at each epoch."""
    # --8<-- [start:compile]
    model.compile(
        optimizer=tf.keras.optimizers.Adam(learning_rate=learning_rate),  # optimizer="adam", à ce taux
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # --8<-- [end:compile]


def make_early_stopping(monitor="val_loss", patience=3, restore_best_weights=True):
    """Stop training automatically when the monitored quantity stops improving."""
    # --8<-- [start:early_stopping]
    early_stop = tf.keras.callbacks.EarlyStopping(
        monitor=monitor,
        patience=patience,
        restore_best_weights=restore_best_weights,
    )
    # --8<-- [end:early_stopping]
    return early_stop


def train(model, X_train, y_train, X_val, y_val, early_stop, epochs=20, batch_size=32):
    """Fit on the training images, measuring the validation loss after each epoch."""
    # --8<-- [start:fit]
    history = model.fit(
        X_train, y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=(X_val, y_val),
        callbacks=[early_stop],
    )
    # --8<-- [end:fit]
    return history


def plot_history(history):
    """The seed's two subplots: accuracy (left) and loss (right), training against validation."""
    # --8<-- [start:curves]
    epochs_seen = range(1, len(history.history["loss"]) + 1)
    plt.figure(figsize=(12, 4))
    plt.subplot(1, 2, 1)
    plt.plot(epochs_seen, history.history["accuracy"], "o-", label="Entraînement")
    plt.plot(epochs_seen, history.history["val_accuracy"], "s--", label="Validation")
    plt.title("Exactitude")
    plt.xlabel("Époque")
    plt.legend()
    plt.subplot(1, 2, 2)
    plt.plot(epochs_seen, history.history["loss"], "o-", label="Entraînement")
    plt.plot(epochs_seen, history.history["val_loss"], "s--", label="Validation")
    plt.title("Perte")
    plt.xlabel("Époque")
    plt.legend()
    plt.tight_layout()
    plt.show()
    # --8<-- [end:curves]


def evaluate(model, X_test, y_test):
    """The final verdict, on images the model has never seen, measured once."""
    # --8<-- [start:evaluate]
    test_loss, test_accuracy = model.evaluate(X_test, y_test, verbose=0)
    print(f"Perte sur le jeu de test : {test_loss:.4f}")
    print(f"Exactitude sur le jeu de test : {test_accuracy:.4f}")
    # --8<-- [end:evaluate]
    return test_loss, test_accuracy


def predict(model, X_test, y_test):
    """Step 5: the ten probabilities of every test image, and the class each one predicts."""
    # --8<-- [start:predict]
    probabilities = model.predict(X_test, verbose=0)  # une ligne de 10 probabilités par image
    y_pred = probabilities.argmax(axis=1)  # la classe prédite : celle de plus grande probabilité
    print("Probabilités :", probabilities.shape)
    print("Classes prédites, 10 premières images :", y_pred[:10])
    print("Classes réelles, 10 premières images :  ", y_test[:10])
    # --8<-- [end:predict]
    return probabilities, y_pred


def show_confusion(y_test, y_pred):
    """Which classes the network mixes up: real class in rows, predicted class in columns."""
    # --8<-- [start:confusion]
    confusion = tf.math.confusion_matrix(y_test, y_pred, num_classes=10).numpy()
    plt.figure(figsize=(9, 8))
    plt.imshow(confusion, cmap="Blues")
    for i in range(10):  # le nombre d'images de chaque case, écrit dedans
        for j in range(10):
            plt.text(j, i, confusion[i, j], ha="center", va="center",
                     color="white" if confusion[i, j] > confusion.max() / 2 else "black")
    plt.xticks(range(10), class_names, rotation=45, ha="right")
    plt.yticks(range(10), class_names)
    plt.xlabel("Classe prédite")
    plt.ylabel("Classe réelle")
    plt.title("Matrice de confusion sur le jeu de test")
    plt.tight_layout()
    plt.show()
    # --8<-- [end:confusion]
    return confusion


def show_probabilities(X_test, y_test, probabilities):
    """A few test images beside the ten probabilities the network gives them."""
    # --8<-- [start:probabilities]
    plt.figure(figsize=(10, 9))
    for row in range(4):  # les quatre premières images de test
        plt.subplot(4, 2, 2 * row + 1)
        plt.imshow(X_test[row], cmap="gray")
        plt.title("Réelle : " + class_names[y_test[row]])
        plt.axis("off")
        plt.subplot(4, 2, 2 * row + 2)
        plt.barh(class_names, probabilities[row])
        plt.gca().invert_yaxis()  # T-shirt/haut en haut, comme dans class_names
        plt.xlim(0, 1)
        plt.title("Prédite : " + class_names[probabilities[row].argmax()])
    plt.tight_layout()
    plt.show()
    # --8<-- [end:probabilities]


def main(validation="split", validation_fraction=0.1, seed=42, hidden_units=128, dropout=0.0,
         learning_rate=0.001, monitor="val_loss", patience=3, restore_best_weights=True, epochs=20, batch_size=32):
    """The whole exercise in order, as a student runs it (`python -m pipeline.lesson`)."""
    tf.keras.utils.set_random_seed(seed)
    (X_train, y_train), (X_test, y_test) = load_data()
    show_shapes(X_train, y_train, X_test, y_test)
    show_articles(X_train, y_train)
    show_class_distribution(y_train)
    X_train, X_test = normalise(X_train, X_test)
    X_train, y_train, X_val, y_val = split_validation(X_train, y_train, X_test, y_test, validation=validation,
                                                      validation_fraction=validation_fraction, seed=seed)
    model = build_model(hidden_units=hidden_units, dropout=dropout)
    compile_model(model, learning_rate=learning_rate)
    early_stop = make_early_stopping(monitor=monitor, patience=patience, restore_best_weights=restore_best_weights)
    history = train(model, X_train, y_train, X_val, y_val, early_stop, epochs=epochs, batch_size=batch_size)
    plot_history(history)
    scores = evaluate(model, X_test, y_test)
    probabilities, y_pred = predict(model, X_test, y_test)
    show_confusion(y_test, y_pred)
    show_probabilities(X_test, y_test, probabilities)
    return scores


if __name__ == "__main__":
    main()
