"""Get Fashion-MNIST into Keras's cache (offline mirrors, checksums) and read or describe it with NumPy only."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import urllib.request
from pathlib import Path

import numpy as np

from pipeline.data import idx
from pipeline.common.errors import PipelineError
from pipeline.common.io import atomic_write_json, atomic_write_text, atomic_write_with, write_error

# French names of the ten classes, in label order (0 = T-shirt/top ... 9 = Ankle boot). The lesson
# (pipeline/lesson.py, which imports TensorFlow) spells them for students; a test keeps both equal.
CLASS_NAMES = ("T-shirt/haut", "Pantalon", "Pull-over", "Robe", "Manteau",
               "Sandale", "Chemise", "Baskets", "Sac", "Bottine")
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_FALLBACK = Path("/tmp") / ".keras"  # where Keras goes when its home cannot be written
FIX_DATA = ("réinstallez les données : « sudo apt-get install --reinstall dataset-fashion-mnist » "
            "(ou FASHION_MNIST_DIR=dossier contenant les 4 fichiers .gz), puis relancez « make report ».")
_STAMP = ".verified.json"  # sizes and mtimes of files already checked, to skip re-hashing


def keras_cache_dir() -> Path:
    """Where tf.keras.datasets.fashion_mnist.load_data() looks before downloading, by Keras's own rules
    (keras/src/backend/config.py, utils/file_utils.py `get_file`): $KERAS_HOME, else ~/.keras when the home
    folder can be written, else /tmp/.keras; and /tmp/.keras again when that folder cannot be written
    (a read-only HOME or KERAS_HOME)."""
    if os.environ.get("KERAS_HOME"):  # empty means unset
        home = Path(os.environ["KERAS_HOME"])
    else:
        home = Path.home() / ".keras" if os.access(Path.home(), os.W_OK) else KERAS_FALLBACK
    with contextlib.suppress(OSError):  # as Keras's import does; a folder that cannot be made is not used
        home.mkdir(parents=True, exist_ok=True)
    if not os.access(home, os.W_OK):
        home = KERAS_FALLBACK
    return home / "datasets" / "fashion-mnist"


def mirror_dirs() -> list[Path]:
    """Local copies to try when the cache is empty: $FASHION_MNIST_DIR, then Debian's package."""
    dirs = [Path(os.environ["FASHION_MNIST_DIR"])] if os.environ.get("FASHION_MNIST_DIR") else []
    return dirs + [DEBIAN_DIR]


def ensure_dataset(cache: Path | None = None) -> dict[str, str]:
    """Make the four verified files present in the Keras cache; return their SHA-256.

    Order: files already in the cache (verified once), then a local mirror, then Keras's own
    download. A damaged file in the cache is only a cache miss: it is replaced by a verified copy, and
    said so. A bad file anywhere else raises a PipelineError naming it; nothing is half-copied.
    """
    cache = cache or keras_cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(cache, exc) from None
    stamp = _read_stamp(cache)
    known = dict(stamp)
    for key, spec in idx.FILES.items():
        target = cache / f"{spec.name}.gz"
        if target.exists() and stamp.get(spec.name) != _signature(target):
            _drop_if_damaged(target, key)
        if not target.exists():
            _install_from_mirror(key, target)
        stamp[spec.name] = _signature(target)
    if stamp != known:  # a build with nothing new writes nothing
        atomic_write_text(cache / _STAMP, json.dumps(stamp, indent=1))
    return checksums()


def _drop_if_damaged(target: Path, key: str) -> None:
    """Remove a cached file that fails its checks (cut short, altered), saying so: a verified copy replaces it."""
    try:
        idx.read_verified(target, key, FIX_DATA)
    except PipelineError as damaged:
        print(f"▸ données       {target} endommagé ({damaged.what.rstrip('.')}) : remplacé par une copie "
              "vérifiée", flush=True)
        try:
            target.unlink()
        except OSError as exc:
            raise write_error(target, exc) from None


def checksums() -> dict[str, str]:
    """The SHA-256 every verified file has (what ensure_dataset returns), without touching any file."""
    return {spec.name: spec.sha256 for spec in idx.FILES.values()}


def _install_from_mirror(key: str, target: Path) -> None:
    name = target.name
    for folder in mirror_dirs():
        source = folder / name
        if source.exists():
            idx.read_verified(source, key, FIX_DATA)  # never copy a bad file into the cache
            atomic_write_with(target, lambda tmp: shutil.copyfile(source, tmp))
            return
    _download(key, target)


DOWNLOAD_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"  # where Keras itself downloads
DOWNLOAD_SECONDS = 30


def fetch(url: str, target: Path) -> None:
    """One HTTP download into `target`, written whole or not at all (the standard library: no Keras here)."""
    def write(tmp: str) -> None:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_SECONDS) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)

    atomic_write_with(target, write)


def _download(key: str, target: Path) -> None:
    """Last resort: the file from Keras's own address, which needs the internet; checked like the others."""
    try:
        fetch(DOWNLOAD_URL + target.name, target)
    except Exception as exc:  # no network, DNS failure, HTTP error: all mean "no data here"
        target.unlink(missing_ok=True)
        raise PipelineError(
            f"données Fashion-MNIST introuvables : {target.name} n'est ni dans le cache Keras, "
            "ni dans un miroir local, et le téléchargement a échoué.",
            where=", ".join(str(d) for d in [target.parent, *mirror_dirs()]),
            fix="installez « sudo apt-get install dataset-fashion-mnist » ou définissez "
                "FASHION_MNIST_DIR=dossier contenant les 4 fichiers .gz, puis relancez « make report ».",
            detail=f"{type(exc).__name__}: {exc}",
        ) from None
    idx.read_verified(target, key, FIX_DATA)


def _signature(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _read_stamp(cache: Path) -> dict:
    try:
        return json.loads((cache / _STAMP).read_text())
    except (OSError, ValueError):
        return {}


def load_numpy(cache: Path | None = None) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Same arrays as load_keras(), read with NumPy only (for figures, without TensorFlow)."""
    cache = cache or keras_cache_dir()
    arrays = {key: idx.read_verified(cache / f"{spec.name}.gz", key, FIX_DATA)
              for key, spec in idx.FILES.items()}
    return (arrays["train_images"], arrays["train_labels"]), (arrays["test_images"], arrays["test_labels"])


def describe(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Plain facts about the raw data: shapes, dtype, pixel range and mean, share of black pixels, class counts."""
    counts = np.bincount(y_train, minlength=len(CLASS_NAMES))
    return {
        "train_shape": list(x_train.shape), "train_labels_shape": list(y_train.shape),
        "test_shape": list(x_test.shape), "test_labels_shape": list(y_test.shape),
        "dtype": str(x_train.dtype),
        "pixel_min": int(x_train.min()), "pixel_max": int(x_train.max()),
        "pixel_mean": float(x_train.mean()),
        "pixel_zero_share": float((x_train == 0).mean()),  # the black background, exactly 0
        "class_counts": [int(c) for c in counts],
        "test_class_counts": [int(c) for c in np.bincount(y_test, minlength=len(CLASS_NAMES))],
    }


def load_test_set(cache: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Test images (uint8) and labels from the verified Keras cache, without the training set."""
    cache = cache or keras_cache_dir()
    return tuple(idx.read_verified(cache / f"{idx.FILES[name].name}.gz", name, FIX_DATA)
                 for name in ("test_images", "test_labels"))


def describe_stage(job) -> None:
    """Stage "data": describe the verified dataset in artifacts/data.json."""
    (x_train, y_train), (x_test, y_test) = load_numpy()
    atomic_write_json(job.out("artifacts/data.json"),
                      {"checksums": job.inputs["dataset"], **describe(x_train, y_train, x_test, y_test)})


def summary(job) -> str:
    return f"4 fichiers vérifiés (SHA-256) dans {keras_cache_dir()}"
