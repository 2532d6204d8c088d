"""Synthetic house numbers: format, determinism per (seed, split, index), cache, preview."""
import numpy as np
import pytest

from streamcnn.data import load, preview, synth
from streamcnn.data import synth_images
from streamcnn.errors import StreamcnnError


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("STREAMCNN_CACHE", str(tmp_path))
    return tmp_path / "synth"


def test_format():
    x, y = synth_images(40, "train")
    assert x.shape == (40, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (40,) and y.dtype == np.uint8 and y.max() <= 9
    assert (x.reshape(40, -1).std(axis=1) > 3).all()  # every image has structure
    assert len({im.tobytes() for im in x}) == 40


def test_image_i_ignores_n():
    x, y = synth_images(50, "test", seed=3)
    for k in (1, 17):
        xk, yk = synth_images(k, "test", seed=3)
        assert np.array_equal(xk, x[:k]) and np.array_equal(yk, y[:k])
    x2, y2 = synth_images(50, "test", seed=3)
    assert np.array_equal(x2, x) and np.array_equal(y2, y)


def test_seeds_and_splits_differ():
    a = synth_images(20, "train", seed=0)[0]
    assert not np.array_equal(a, synth_images(20, "train", seed=1)[0])
    assert not np.array_equal(a, synth_images(20, "test", seed=0)[0])


def test_all_labels_present():
    assert set(synth_images(200, "train")[1].tolist()) == set(range(10))


def test_cache_round_trip(cache, monkeypatch):
    x, y = synth_images(40, "test", seed=5, cache=True)
    assert len(list(cache.glob("*.npy"))) == 2

    def no_generation(*args):
        raise AssertionError("regenerated despite the cache")
    monkeypatch.setattr(synth, "_generate", no_generation)
    x2, y2 = synth_images(40, "test", seed=5, cache=True)
    assert np.array_equal(x2, x) and np.array_equal(y2, y)
    x3, y3 = synth_images(25, "test", seed=5, cache=True)  # a prefix of the cached run
    assert np.array_equal(x3, x[:25]) and np.array_equal(y3, y[:25])


def test_parallel_equals_serial(monkeypatch):
    monkeypatch.setattr(synth, "CHUNK", 12)
    serial = synth_images(30, "train", seed=2, workers=1)
    parallel = synth_images(30, "train", seed=2, workers=2)
    assert np.array_equal(serial[0], parallel[0]) and np.array_equal(serial[1], parallel[1])


def test_dispatcher():
    x, y = load("synth", "test", n=12, seed=4)
    x2, y2 = synth_images(12, "test", seed=4)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    for bad in [("synth", "extra"), ("mnist", "train")]:
        with pytest.raises(StreamcnnError):
            load(*bad, n=1)


def test_bad_arguments():
    with pytest.raises(StreamcnnError, match="split"):
        synth_images(5, "val")
    with pytest.raises(StreamcnnError, match="non-negative"):
        synth_images(-1)
    assert synth_images(0)[0].shape == (0, 32, 32, 3)


def test_preview(tmp_path):
    out = preview(tmp_path / "sheet.png", n=20)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
