"""IDX files: good files parse; each kind of corruption gets its own clear message."""
import gzip
import hashlib

import numpy as np
import pytest

from pipeline.data import idx
from pipeline.common.errors import PipelineError

FIX = "relancez make report"


def idx_bytes(array: np.ndarray) -> bytes:
    magic = idx.IMAGES_MAGIC if array.ndim == 3 else idx.LABELS_MAGIC
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_gz(path, raw: bytes):
    path.write_bytes(gzip.compress(raw))
    return path


@pytest.fixture
def fake_spec(monkeypatch, tiny_images):
    """Replace the known Fashion-MNIST checksums by those of tiny synthetic files."""
    images, labels = tiny_images
    raws = {"train_images": idx_bytes(images), "train_labels": idx_bytes(labels)}
    for key, raw in raws.items():
        spec = idx.IdxFile(idx.FILES[key].name, hashlib.sha256(raw).hexdigest())
        monkeypatch.setitem(idx.FILES, key, spec)
    return raws


def test_valid_images_and_labels_parse_to_their_arrays(tmp_path, fake_spec, tiny_images):
    images, labels = tiny_images
    got_images = idx.read_verified(write_gz(tmp_path / "i.gz", fake_spec["train_images"]), "train_images", FIX)
    got_labels = idx.read_verified(write_gz(tmp_path / "l.gz", fake_spec["train_labels"]), "train_labels", FIX)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_truncated_gzip_is_reported_as_truncated(tmp_path, fake_spec):
    path = write_gz(tmp_path / "i.gz", fake_spec["train_images"])
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(PipelineError) as info:
        idx.read_verified(path, "train_images", FIX)
    assert "tronqué" in info.value.what
    assert str(path) in info.value.where
    assert info.value.fix == FIX


def test_flipped_byte_fails_the_checksum(tmp_path, fake_spec):
    raw = bytearray(fake_spec["train_images"])
    raw[500] ^= 0xFF
    with pytest.raises(PipelineError) as info:
        idx.read_verified(write_gz(tmp_path / "i.gz", bytes(raw)), "train_images", FIX)
    assert "SHA-256" in info.value.what


def test_wrong_magic_number(tmp_path, fake_spec):
    raw = (1234).to_bytes(4, "big") + fake_spec["train_images"][4:]
    with pytest.raises(PipelineError) as info:
        idx.read_verified(write_gz(tmp_path / "i.gz", raw), "train_images", FIX)
    assert "nombre magique" in info.value.what and "1234" in info.value.what


def test_header_count_disagreeing_with_size(tmp_path, fake_spec):
    raw = fake_spec["train_images"][:4] + (41).to_bytes(4, "big") + fake_spec["train_images"][8:]
    with pytest.raises(PipelineError) as info:
        idx.read_verified(write_gz(tmp_path / "i.gz", raw), "train_images", FIX)
    assert "l'en-tête annonce 41" in info.value.what


def test_labels_outside_0_to_9(tmp_path, fake_spec):
    bad = idx_bytes(np.array([1, 2, 12, 3], dtype=np.uint8))
    with pytest.raises(PipelineError) as info:
        idx.read_verified(write_gz(tmp_path / "l.gz", bad), "train_labels", FIX)
    assert "étiquette 12" in info.value.what and "position 2" in info.value.what


def test_missing_file(tmp_path, fake_spec):
    with pytest.raises(PipelineError) as info:
        idx.read_verified(tmp_path / "absent.gz", "train_images", FIX)
    assert "manquant" in info.value.what


@pytest.mark.slow
def test_known_checksums_are_those_of_debians_files():
    """The SHA-256 written in idx.FILES verify the real files, so a typo in them would fail here."""
    from pipeline.data.dataset import DEBIAN_DIR

    for key, spec in idx.FILES.items():
        array = idx.read_verified(DEBIAN_DIR / f"{spec.name}.gz", key, FIX)  # raises on a wrong checksum
        assert len(array) == (60000 if key.startswith("train") else 10000)
