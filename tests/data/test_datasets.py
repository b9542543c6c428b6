"""MNIST, Fashion-MNIST, Tiny Shakespeare, synthetic sets, transforms and the download path."""

from __future__ import annotations

import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import glasstorch as gt
from glasstorch.datasets import (
    MNIST,
    ChecksumError,
    FashionMNIST,
    TinyShakespeare,
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    transforms,
)
from glasstorch.utils.data import DataLoader


def test_mnist_from_shared_data(data_dir):
    train = MNIST(data_dir / "mnist")
    test = MNIST(data_dir / "mnist", train=False)
    assert len(train) == 60000 and len(test) == 10000
    img, label = train[0]
    assert img.shape == (1, 28, 28) and img.dtype == gt.float32
    assert float(img.min()) == 0.0 and float(img.max()) == 1.0
    assert train.targets[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert test.targets[:5].tolist() == [7, 2, 1, 0, 4]
    assert train.data.dtype == gt.uint8 and tuple(train.data.shape) == (60000, 28, 28)
    x, y = next(iter(DataLoader(train, batch_size=16)))
    assert x.shape == (16, 1, 28, 28) and y.tolist() == train.targets[:16].tolist()


def test_fashion_mnist_from_shared_data(data_dir):
    train = FashionMNIST(data_dir)  # finds data_dir/fashion-mnist
    assert len(train) == 60000
    assert train.targets[:5].tolist() == [9, 0, 0, 3, 0]
    assert FashionMNIST(data_dir, train=False).targets[:3].tolist() == [9, 2, 1]
    assert train.classes[9] == "Ankle boot"


def test_mnist_with_transform(data_dir):
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = MNIST(data_dir / "mnist", train=False, transform=tf, target_transform=lambda y: y * 10)
    img, label = ds[0]
    assert img.shape == (1, 28, 28) and label == 70
    assert abs(float(img.min()) - (-0.1307 / 0.3081)) < 1e-6


def test_missing_dataset_says_what_to_do(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        MNIST(tmp_path)


def test_tiny_shakespeare(data_dir):
    ds = TinyShakespeare(data_dir, block_size=16)
    assert ds.vocab_size == 65
    x, y = ds[0]
    assert x.shape == (16,) and x.dtype == gt.int64
    assert ds.decode(x) == "First Citizen:\nB"
    assert y.tolist() == x.tolist()[1:] + [ds.encode("e")[0]]
    assert ds.decode(ds.encode("Romeo")) == "Romeo"
    test = TinyShakespeare(data_dir, block_size=16, train=False)
    assert len(ds) + len(test) + 32 == 1115394
    xb, yb = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
    assert xb.shape == (4, 16) and (xb[:, 1:] == yb[:, :-1]).all()


def test_synthetic_sets_are_seeded():
    for fn in (make_moons, make_circles, make_spirals, make_blobs, make_xor):
        x1, y1 = fn(seed=3)
        x2, y2 = fn(seed=3)
        assert x1.dtype == gt.float32 and y1.dtype == gt.int64 and x1.shape[1] == 2
        assert x1.shape[0] == y1.shape[0]
        assert np.array_equal(x1.numpy(), x2.numpy()) and np.array_equal(y1.numpy(), y2.numpy())
    x, y = make_moons(200, noise=0.0, seed=0)
    assert sorted(set(y.tolist())) == [0, 1] and int(y.sum()) == 100
    _, ys = make_spirals(300, n_classes=3, seed=0)
    assert np.bincount(ys.numpy()).tolist() == [100, 100, 100]


def test_transforms_follow_torchvision_semantics():
    img = (np.arange(12, dtype=np.uint8) * 20).reshape(3, 4)
    t = transforms.ToTensor()(img)
    assert t.shape == (1, 3, 4) and abs(float(t[0, 0, 1]) - 20 / 255) < 1e-7
    rgb = np.zeros((2, 2, 3), np.uint8)
    assert transforms.ToTensor()(rgb).shape == (3, 2, 2)
    flipped = transforms.RandomHorizontalFlip(p=1.0)(t)
    assert flipped[0, 0].tolist() == t[0, 0].tolist()[::-1]
    assert transforms.RandomHorizontalFlip(p=0.0)(t) is t
    crop = transforms.RandomCrop(2)(t)
    assert crop.shape == (1, 2, 2)
    padded = transforms.RandomCrop(5, padding=1)(t)
    assert padded.shape == (1, 5, 5)
    with pytest.raises(ValueError, match="larger than input image size"):
        transforms.RandomCrop(10)(t)
    norm = transforms.Normalize([0.5], [0.5])(t)
    assert np.allclose(norm.numpy(), (t.numpy() - 0.5) / 0.5)
    assert transforms.Lambda(lambda v: v * 2)(3) == 6


# ---------------------------------------------------------------- downloads
class _Handler(http.server.SimpleHTTPRequestHandler):
    broken: set = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if name in self.broken:  # promise the full length, send half, hang up
            data = (Path(self.directory) / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path, data_dir):
    served = tmp_path / "served"
    served.mkdir()
    for f in (data_dir / "mnist").iterdir():
        shutil.copy(f, served / f.name)

    def handler(*args, **kwargs):
        return _Handler(*args, directory=str(served), **kwargs)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    _Handler.broken = set()
    httpd.shutdown()


class _LocalMNIST(MNIST):
    mirrors: list = []


def test_download_from_local_server(server, tmp_path):
    url, _ = server
    _LocalMNIST.mirrors = [url]
    root = tmp_path / "root"
    ds = _LocalMNIST(root, train=False, download=True)
    assert len(ds) == 10000 and ds.targets[:3].tolist() == [7, 2, 1]
    raw = root / "_LocalMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(n for n, _ in MNIST.resources)
    # second time: files are found and verified, nothing is downloaded
    _LocalMNIST.mirrors = ["http://127.0.0.1:9/unreachable/"]
    assert len(_LocalMNIST(root, train=False, download=True)) == 10000


def test_corrupted_download_leaves_nothing(server, tmp_path):
    url, served = server
    path = served / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    _LocalMNIST.mirrors = [url]
    root = tmp_path / "root"
    with pytest.raises(RuntimeError, match="t10k-labels-idx1-ubyte.gz"):
        _LocalMNIST(root, train=False, download=True)
    raw = root / "_LocalMNIST" / "raw"
    assert not (raw / "t10k-labels-idx1-ubyte.gz").exists()
    assert not [p for p in raw.iterdir() if p.name.endswith(".part")]


def test_dropped_connection_leaves_nothing(server, tmp_path):
    url, _ = server
    _Handler.broken = {"train-images-idx3-ubyte.gz"}
    _LocalMNIST.mirrors = [url]
    root = tmp_path / "root"
    with pytest.raises(RuntimeError, match="Could not download train-images-idx3-ubyte.gz"):
        _LocalMNIST(root, download=True)
    raw = root / "_LocalMNIST" / "raw"
    assert not (raw / "train-images-idx3-ubyte.gz").exists()
    assert not [p for p in raw.iterdir() if p.name.endswith(".part")]


def test_existing_file_with_wrong_checksum_is_reported(tmp_path, data_dir):
    for f in (data_dir / "mnist").iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the real file")
    with pytest.raises(ChecksumError, match="t10k-labels-idx1-ubyte.gz"):
        MNIST(tmp_path, train=False)
