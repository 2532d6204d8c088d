"""The SVHN loader on tiny files written in the official layout (no network)."""
import hashlib
import http.server
import threading
import urllib.request

import numpy as np
import pytest
from scipy.io import savemat

from streamcnn.data import load, svhn
from streamcnn.errors import StreamcnnError

REAL_URLOPEN = urllib.request.urlopen


def write_mat(path, X, y):
    savemat(path, {"X": X, "y": y})
    data = path.read_bytes()
    return len(data), hashlib.md5(data).hexdigest()


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """Empty $SVHN_DIR and cache, and no network unless a test serves one."""
    (tmp_path / "svhn").mkdir()
    monkeypatch.setenv("SVHN_DIR", str(tmp_path / "svhn"))
    monkeypatch.setenv("STREAMCNN_CACHE", str(tmp_path / "cache"))

    def no_network(*a, **k):
        raise AssertionError("network used")
    monkeypatch.setattr(svhn.urllib.request, "urlopen", no_network)
    return tmp_path


@pytest.fixture
def tiny_test(dirs, monkeypatch):
    """A 5-image test_32x32.mat in $SVHN_DIR: one marked pixel, labels 1, 2, 10, 3, 10."""
    X = np.zeros((32, 32, 3, 5), np.uint8)
    X[5, 20, 1, 3] = 200  # row 5, column 20, green, image 3
    y = np.array([[1], [2], [10], [3], [10]], np.uint8)
    path = dirs / "svhn" / "test_32x32.mat"
    size, md5 = write_mat(path, X, y)
    monkeypatch.setitem(svhn.FILES, "test", ("test_32x32.mat", size, md5))
    return path


def test_official_layout(tiny_test):
    x, y = svhn.load_svhn("test")
    assert x.shape == (5, 32, 32, 3) and x.dtype == np.uint8
    assert x[3, 5, 20, 1] == 200 and int(x.sum()) == 200
    assert y.dtype == np.uint8 and y.tolist() == [1, 2, 0, 3, 0]


def test_first_n_and_dispatcher(tiny_test):
    x, y = load("svhn", "test", n=4)
    assert x.shape == (4, 32, 32, 3) and y.tolist() == [1, 2, 0, 3]


def test_md5_mismatch(tiny_test, monkeypatch):
    name, size, md5 = svhn.FILES["test"]
    monkeypatch.setitem(svhn.FILES, "test", (name, size, "0" * 32))
    with pytest.raises(StreamcnnError) as e:
        svhn.load_svhn("test")
    msg = str(e.value)
    assert "\n" not in msg and name in msg and "0" * 32 in msg and md5 in msg


def test_missing_offline_names_svhn_dir(dirs):
    with pytest.raises(StreamcnnError) as e:
        svhn.load_svhn("train")
    msg = str(e.value)
    assert "\n" not in msg and "SVHN_DIR" in msg and "train_32x32.mat" in msg


def test_unknown_split(dirs):
    with pytest.raises(StreamcnnError, match="extra"):
        load("svhn", "validation")


def test_cache_dir_used_without_svhn_dir(tiny_test, dirs, monkeypatch):
    monkeypatch.delenv("SVHN_DIR")
    with pytest.raises(StreamcnnError):
        svhn.load_svhn("test")
    (dirs / "cache" / "svhn").mkdir(parents=True)
    tiny_test.rename(dirs / "cache" / "svhn" / tiny_test.name)
    assert svhn.load_svhn("test")[1].tolist() == [1, 2, 0, 3, 0]


def test_svhn_dir_first(tiny_test, dirs):
    """A copy in the cache is ignored while $SVHN_DIR has one."""
    (dirs / "cache" / "svhn").mkdir(parents=True)
    (dirs / "cache" / "svhn" / tiny_test.name).write_bytes(b"not a mat file")
    assert svhn.find("test") == tiny_test
    assert svhn.load_svhn("test")[1].tolist() == [1, 2, 0, 3, 0]


@pytest.fixture
def server(dirs, monkeypatch):
    """A local HTTP server for `payload`; honours Range unless told not to."""
    state = {"payload": b"", "ranges": [], "honour_range": True}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data, rng = state["payload"], self.headers.get("Range")
            state["ranges"].append(rng)
            start = int(rng.split("=")[1].split("-")[0]) if rng and state["honour_range"] else 0
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            self.wfile.write(data[start:])

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    monkeypatch.setattr(svhn.urllib.request, "urlopen", REAL_URLOPEN)
    monkeypatch.setattr(svhn, "URL_BASE", f"http://127.0.0.1:{httpd.server_address[1]}/")
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("honour_range", [True, False])
def test_download_resumes_part_file(server, dirs, monkeypatch, honour_range):
    X = np.random.default_rng(1).integers(0, 256, (32, 32, 3, 7), dtype=np.uint8)
    y = np.arange(1, 8, dtype=np.uint8)[:, None]
    size, md5 = write_mat(dirs / "src.mat", X, y)
    payload = (dirs / "src.mat").read_bytes()
    server.update(payload=payload, honour_range=honour_range)
    monkeypatch.setitem(svhn.FILES, "train", ("train_32x32.mat", size, md5))
    cache = dirs / "cache" / "svhn"
    cache.mkdir(parents=True)
    (cache / "train_32x32.mat.part").write_bytes(payload[:size // 3])

    x, labels = svhn.load_svhn("train", download=True, quiet=True)
    assert server["ranges"] == [f"bytes={size // 3}-"]
    assert (cache / "train_32x32.mat").read_bytes() == payload
    assert not (cache / "train_32x32.mat.part").exists()
    assert x[6, 31, 0, 2] == X[31, 0, 2, 6] and labels.tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_bad_download_is_deleted(server, dirs, monkeypatch):
    server["payload"] = b"x" * 100
    monkeypatch.setitem(svhn.FILES, "test", ("test_32x32.mat", 100, "f" * 32))
    with pytest.raises(StreamcnnError) as e:
        svhn.load_svhn("test", download=True, quiet=True)
    assert "test_32x32.mat" in str(e.value) and "f" * 32 in str(e.value)
    assert not any((dirs / "cache" / "svhn").iterdir())
