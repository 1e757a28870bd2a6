"""Dataset handling: offline mirror into the Keras cache, normalisation, stratified split, description."""
import numpy as np
import pytest

from pipeline.data import dataset
from pipeline.data import idx
from pipeline.common.errors import PipelineError
from test_idx import idx_bytes, write_gz


@pytest.fixture
def synthetic_mirror(tmp_path, monkeypatch, tiny_images):
    """A mirror folder holding four tiny IDX files, registered as the known dataset."""
    import hashlib

    images, labels = tiny_images
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    arrays = {"train_images": images, "train_labels": labels, "test_images": images[:20], "test_labels": labels[:20]}
    for key, array in arrays.items():
        raw = idx_bytes(array)
        spec = idx.IdxFile(idx.FILES[key].name, hashlib.sha256(raw).hexdigest())
        monkeypatch.setitem(idx.FILES, key, spec)
        write_gz(mirror / f"{spec.name}.gz", raw)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(mirror))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(dataset, "DEBIAN_DIR", tmp_path / "no-debian")
    return mirror, arrays


def test_mirror_files_are_verified_and_copied_into_the_keras_cache(synthetic_mirror):
    mirror, arrays = synthetic_mirror
    checksums = dataset.ensure_dataset()
    cache = dataset.keras_cache_dir()
    assert sorted(p.name for p in cache.glob("*.gz")) == sorted(p.name for p in mirror.glob("*.gz"))
    assert checksums == {spec.name: spec.sha256 for spec in idx.FILES.values()}
    (x_train, y_train), (x_test, _) = dataset.load_numpy()
    np.testing.assert_array_equal(x_train, arrays["train_images"])
    assert x_test.shape == (20, 28, 28)


def test_a_corrupt_mirror_file_is_never_copied(synthetic_mirror):
    mirror, _ = synthetic_mirror
    target = mirror / f"{idx.FILES['train_labels'].name}.gz"
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(PipelineError) as info:
        dataset.ensure_dataset()
    assert "tronqué" in info.value.what
    assert not (dataset.keras_cache_dir() / target.name).exists()
    assert "apt-get install --reinstall dataset-fashion-mnist" in info.value.fix


def test_a_cached_file_corrupted_later_is_reported_and_replaced_by_the_verified_mirror_copy(synthetic_mirror, capsys):
    """Keras's cache is a cache: a damaged file there is a miss, not a fault the user must repair by hand."""
    dataset.ensure_dataset()
    cached = dataset.keras_cache_dir() / f"{idx.FILES['test_images'].name}.gz"
    good = cached.read_bytes()
    raw = bytearray(gzip_decompress(cached))
    raw[100] ^= 1  # same size, one bit changed: only the checksum sees it
    write_gz(cached, bytes(raw))
    dataset.ensure_dataset()
    out = capsys.readouterr().out
    assert "endommagé" in out and "SHA-256" in out and cached.name in out and "copie vérifiée" in out
    assert cached.read_bytes() == good
    cached.write_bytes(good[:-100])  # cut short, as an interrupted download leaves it
    dataset.ensure_dataset()
    assert "tronqué" in capsys.readouterr().out and cached.read_bytes() == good
    dataset.load_numpy()  # and it reads


def test_a_damaged_cache_file_with_a_damaged_mirror_names_the_mirror_and_its_repair(synthetic_mirror):
    mirror, _ = synthetic_mirror
    dataset.ensure_dataset()
    name = f"{idx.FILES['train_labels'].name}.gz"
    for folder in (dataset.keras_cache_dir(), mirror):
        (folder / name).write_bytes((folder / name).read_bytes()[:-10])
    with pytest.raises(PipelineError) as info:
        dataset.ensure_dataset()
    assert str(mirror / name) == info.value.where and "apt-get install --reinstall dataset-fashion-mnist" in info.value.fix
    assert not (dataset.keras_cache_dir() / name).exists()  # the bad cached copy is gone: the fix is the whole fix


def test_a_read_only_home_puts_the_cache_where_keras_itself_looks(synthetic_mirror, tmp_path, monkeypatch):
    """Keras uses /tmp/.keras when the home folder cannot be written (keras/src/backend/config.py)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(dataset, "KERAS_FALLBACK", tmp_path / "tmp" / ".keras")
    real_access = dataset.os.access
    monkeypatch.setattr(dataset.os, "access", lambda path, mode: False if str(path).startswith(str(home))
                        else real_access(path, mode))
    assert dataset.keras_cache_dir() == tmp_path / "tmp" / ".keras" / "datasets" / "fashion-mnist"
    dataset.ensure_dataset()
    assert len(list((tmp_path / "tmp" / ".keras" / "datasets" / "fashion-mnist").glob("*.gz"))) == 4
    assert not (home / ".keras").exists()
    monkeypatch.setattr(dataset.os, "access", real_access)  # a writable home: Keras's usual ~/.keras
    assert dataset.keras_cache_dir() == home / ".keras" / "datasets" / "fashion-mnist"


def test_a_cache_that_cannot_be_written_is_one_french_message(synthetic_mirror, tmp_path, monkeypatch):
    import errno
    import pathlib

    real_mkdir = pathlib.Path.mkdir

    def refused(self, *args, **kwargs):
        if "keras" in str(self):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", refused)
    with pytest.raises(PipelineError) as info:
        dataset.ensure_dataset(tmp_path / "keras" / "datasets" / "fashion-mnist")
    assert "écriture refusée" in info.value.what and "chmod u+w" in info.value.fix


def test_the_checks_know_the_real_training_set_s_class_sizes():
    """common/checks.py computes the validation and training sets from idx.TRAIN_PER_CLASS before reading the data."""
    labels = idx.read_verified(dataset.DEBIAN_DIR / "train-labels-idx1-ubyte.gz", "train_labels", "")
    assert tuple(np.bincount(labels, minlength=idx.NUM_CLASSES)) == idx.TRAIN_PER_CLASS


def gzip_decompress(path):
    import gzip
    return gzip.decompress(path.read_bytes())


def test_no_data_anywhere_and_no_network_gives_the_install_command(synthetic_mirror, monkeypatch):
    mirror, _ = synthetic_mirror
    for f in mirror.glob("*.gz"):
        f.unlink()

    def no_network(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(dataset, "fetch", no_network)
    with pytest.raises(PipelineError) as info:
        dataset.ensure_dataset()
    assert "introuvables" in info.value.what
    assert "apt-get install dataset-fashion-mnist" in info.value.fix
    assert "network unreachable" in info.value.detail


def test_describe_reports_shapes_dtype_range_and_counts(tiny_images):
    images, labels = tiny_images
    info = dataset.describe(images, labels, images[:20], labels[:20])
    assert info["train_shape"] == [40, 28, 28]
    assert info["dtype"] == "uint8"
    assert info["class_counts"] == [4] * 10
    assert info["pixel_max"] == 200


def real_test_set():
    """The real test images and labels, from the Keras cache or a local mirror (Debian's package)."""
    for folder in [dataset.keras_cache_dir(), *dataset.mirror_dirs()]:
        images, labels = (folder / f"{idx.FILES[k].name}.gz" for k in ("test_images", "test_labels"))
        if images.exists() and labels.exists():
            return idx.read_verified(images, "test_images", ""), idx.read_verified(labels, "test_labels", "")
    pytest.skip("Fashion-MNIST absent (make data)")


def test_each_french_class_name_labels_the_images_that_look_like_it():
    """CLASS_NAMES[k] must name label k: the names are checked against the pictures, not against a copy."""
    images, labels = real_test_set()
    means = np.stack([images[labels == k].mean(axis=0) for k in range(10)])
    assert len(set(dataset.CLASS_NAMES)) == len(means) == 10
    # Sandals are straps: the least ink of all the classes.
    assert dataset.CLASS_NAMES[int(means.mean(axis=(1, 2)).argmin())] == "Sandale"
    # Trousers alone have a dark gap between two bright legs in the lower half.
    gap, legs = means[:, 18:, 13:15].mean(axis=(1, 2)), means[:, 18:, 9:12].mean(axis=(1, 2))
    assert [dataset.CLASS_NAMES[k] for k in range(10) if gap[k] < 0.5 * legs[k]] == ["Pantalon"]
    # Sneakers are low shoes: their top rows are the emptiest.
    assert dataset.CLASS_NAMES[int(means[:, :6].mean(axis=(1, 2)).argmin())] == "Baskets"
