"""Read and check Fashion-MNIST's gzipped IDX files with NumPy only: magic, counts, checksums, labels."""
from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.common.errors import PipelineError

IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension
NUM_CLASSES = 10
# Images of each class in the training file (6 000 each, 60 000 in all; tests/test_data.py counts them): what
# params.yaml's checks compute the validation and training sets from before any file is read (common/checks.py).
TRAIN_PER_CLASS = (6000,) * NUM_CLASSES


@dataclass(frozen=True)
class IdxFile:
    name: str  # file name without .gz, as in the dataset's documentation
    sha256: str  # of the decompressed bytes: mirrors recompress, the content is identical


# Known content of the four files (../shared/data/fashion-mnist.sha256).
FILES = {
    "train_images": IdxFile("train-images-idx3-ubyte",
                            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "train_labels": IdxFile("train-labels-idx1-ubyte",
                            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "test_images": IdxFile("t10k-images-idx3-ubyte",
                           "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "test_labels": IdxFile("t10k-labels-idx1-ubyte",
                           "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}


def gunzip(path: Path, fix: str) -> bytes:
    """Decompress `path`, turning a missing, truncated or non-gzip file into a PipelineError."""
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise PipelineError("fichier de données manquant.", where=str(path), fix=fix) from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise PipelineError(
            "fichier de données tronqué ou illisible (archive gzip incomplète).",
            where=str(path), fix=fix, detail=f"{type(exc).__name__}: {exc}",
        ) from None


def parse_idx(raw: bytes, where: str, fix: str) -> np.ndarray:
    """Parse IDX bytes (images or labels), checking the magic number and that sizes agree."""
    if len(raw) < 8:
        raise PipelineError("en-tête IDX incomplet.", where=where, fix=fix)
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise PipelineError(
            f"nombre magique IDX inattendu ({magic}) : ce n'est pas un fichier d'images ni d'étiquettes.",
            where=where, fix=fix, detail=f"expected {IMAGES_MAGIC} or {LABELS_MAGIC}",
        )
    ndim = 3 if magic == IMAGES_MAGIC else 1
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise PipelineError("en-tête IDX incomplet.", where=where, fix=fix)
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise PipelineError(
            f"l'en-tête annonce {dims[0]} éléments ({expected} octets) mais le fichier en contient {len(raw)}.",
            where=where, fix=fix,
        )
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def check_labels(labels: np.ndarray, where: str, fix: str) -> None:
    """Labels must be classes 0-9; anything else means the wrong file or corruption."""
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        raise PipelineError(
            f"étiquette {int(labels[bad[0]])} hors de l'intervalle 0–9 (position {int(bad[0])}, "
            f"{bad.size} étiquettes en tout).",
            where=where, fix=fix,
        )


def read_verified(path: Path, key: str, fix: str) -> np.ndarray:
    """Decompress, parse and verify one of the four files against its known SHA-256."""
    spec = FILES[key]
    raw = gunzip(path, fix)
    array = parse_idx(raw, str(path), fix)
    if key.endswith("labels"):
        check_labels(array, str(path), fix)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise PipelineError(
            "somme de contrôle SHA-256 incorrecte : le fichier est corrompu ou n'est pas Fashion-MNIST.",
            where=str(path), fix=fix, detail=f"sha256 {digest}, expected {spec.sha256}",
        )
    return array
