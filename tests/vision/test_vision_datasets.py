"""vision.datasets: torchvision's folder layouts, checksum-verified downloads from a local HTTP
server, PIL items, and torchvision's errors."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import struct
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

import glasstorch as gt
from glasstorch.vision import datasets, transforms

Image = pytest.importorskip("PIL.Image")


def _idx(arr: np.ndarray) -> bytes:
    head = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving ``tmp_path / 'www'``."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _fake_mnist_files(n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    files = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(_idx(rng.integers(0, 256, (n, 28, 28))))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(_idx(rng.integers(0, 10, (n,))))
    return files


def test_mnist_download_verified_then_read(tmp_path, server):
    www, url = server
    files = _fake_mnist_files()
    for name, data in files.items():
        (www / name).write_bytes(data)

    class Small(datasets.MNIST):
        mirrors = [url]
        resources = [(name, _md5(data)) for name, data in files.items()]

    root = tmp_path / "data"
    with pytest.raises(RuntimeError, match="Dataset not found.*download=True"):
        Small(root, download=False)
    ds = Small(root, train=True, download=True)
    assert sorted(os.listdir(root / "Small" / "raw")) == sorted(files)
    assert len(ds) == 6
    img, label = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert isinstance(label, int)
    # download=False reads what is there now
    test = Small(root, train=False)
    assert len(test) == 4 and test.targets.dtype == gt.int64


def test_mnist_download_refuses_a_corrupted_file(tmp_path, server):
    www, url = server
    files = _fake_mnist_files()
    for name, data in files.items():
        (www / name).write_bytes(data)

    class Bad(datasets.MNIST):
        mirrors = [url]
        resources = [(name, _md5(data) if i else "0" * 32) for i, (name, data) in enumerate(files.items())]

    with pytest.raises(RuntimeError, match="md5"):
        Bad(tmp_path / "data", download=True)
    assert not any(p.suffix == ".part" for p in (tmp_path / "data").rglob("*"))


def test_mnist_reads_unpacked_files_in_torchvision_layout(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name, data in _fake_mnist_files().items():
        (raw / name[:-3]).write_bytes(gzip.decompress(data))  # torchvision keeps them unpacked
    ds = datasets.MNIST(tmp_path, train=False, transform=transforms.ToTensor())
    x, y = ds[1]
    assert x.shape == (1, 28, 28) and x.dtype == gt.float32 and 0 <= y < 10


def test_mnist_batched_items_equal_single_items(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name, data in _fake_mnist_files().items():
        (raw / name[:-3]).write_bytes(gzip.decompress(data))
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(tmp_path, transform=tf)
    many = ds.__getitems__([3, 0, 5])
    for (xb, yb), i in zip(many, [3, 0, 5]):
        x, y = ds[i]
        np.testing.assert_array_equal(xb.numpy(), x.numpy())
        assert yb == y


def test_real_mnist_through_a_loader(tmp_path, data_dir):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_dir / "mnist").glob("*.gz"):
        (raw / f.name).symlink_to(f)
    ds = datasets.MNIST(tmp_path, train=False, transform=transforms.ToTensor())
    assert len(ds) == 10000 and ds.classes[0] == "0 - zero"
    x, y = next(iter(gt.utils.data.DataLoader(ds, batch_size=16)))
    assert x.shape == (16, 1, 28, 28) and y.tolist()[:3] == [7, 2, 1]  # the first test digits


def _cifar_batch(n, seed):
    rng = np.random.default_rng(seed)
    return {b"data": rng.integers(0, 256, (n, 3072)).astype(np.uint8), b"labels": rng.integers(0, 10, n).tolist()}


def test_cifar10_download_extract_and_read(tmp_path, server):
    www, url = server
    members = {f"data_batch_{i}": pickle.dumps(_cifar_batch(3, i), protocol=2) for i in range(1, 6)}
    members["test_batch"] = pickle.dumps(_cifar_batch(2, 9), protocol=2)
    members["batches.meta"] = pickle.dumps({b"label_names": [b"airplane", b"automobile"] + [b"x"] * 8},
                                           protocol=2)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (www / "cifar-10-python.tar.gz").write_bytes(buf.getvalue())

    class Small(datasets.CIFAR10):
        pass

    Small.url = url + "cifar-10-python.tar.gz"
    Small.tgz_md5 = _md5(buf.getvalue())
    Small.train_list = [[f"data_batch_{i}", _md5(members[f"data_batch_{i}"])] for i in range(1, 6)]
    Small.test_list = [["test_batch", _md5(members["test_batch"])]]
    Small.meta = {"filename": "batches.meta", "key": "label_names", "md5": _md5(members["batches.meta"])}

    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        Small(tmp_path / "c")
    ds = Small(tmp_path / "c", download=True)
    assert len(ds) == 15 and ds.data.shape == (15, 32, 32, 3) and ds.classes[:2] == ["airplane", "automobile"]
    img, label = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "RGB" and img.size == (32, 32)
    row = _cifar_batch(3, 1)[b"data"][0]
    np.testing.assert_array_equal(np.asarray(img), row.reshape(3, 32, 32).transpose(1, 2, 0))
    assert label == _cifar_batch(3, 1)[b"labels"][0]
    assert len(Small(tmp_path / "c", train=False)) == 2


def test_cifar_batch_that_would_run_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "batch"
    path.write_bytes(pickle.dumps({b"data": Evil()}, protocol=2))
    from glasstorch.vision.datasets import _load_batch

    with pytest.raises(pickle.UnpicklingError, match="system"):
        _load_batch(path)


def test_fake_data_is_deterministic_per_index():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, transform=transforms.ToTensor())
    x0, y0 = ds[0]
    x0b, y0b = ds[0]
    assert len(ds) == 5 and x0.shape == (3, 8, 6) and 0 <= y0 < 4
    np.testing.assert_array_equal(x0.numpy(), x0b.numpy())
    assert y0 == y0b
    img, _ = datasets.FakeData(size=2, image_size=(1, 4, 4))[1]
    assert isinstance(img, Image.Image) and img.mode == "L"
    with pytest.raises(IndexError):
        ds[5]


def test_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    pixels = {}
    for cls, n in (("cat", 2), ("dog", 1)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            arr = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
            pixels[(cls, i)] = arr
            Image.fromarray(arr).save(tmp_path / cls / f"{i}.png")
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "dog" / "gray.jpg")
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(tmp_path)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [Path(p).name for p, _ in ds.samples] == ["0.png", "1.png", "0.png", "gray.jpg"]
    assert ds.targets == [0, 0, 1, 1]
    img, label = ds[1]
    assert img.mode == "RGB" and label == 0
    np.testing.assert_array_equal(np.asarray(img), pixels[("cat", 1)])
    assert ds[3][0].mode == "RGB"  # greyscale JPEG converted, as torchvision's loader does
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(tmp_path)
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(tmp_path / "empty")


def test_real_fashion_mnist_layout(tmp_path, data_dir):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_dir / "fashion-mnist").glob("*.gz"):
        (raw / f.name).symlink_to(f)
    ds = datasets.FashionMNIST(tmp_path, train=False)
    img, label = ds[0]
    assert len(ds) == 10000 and img.size == (28, 28) and ds.classes[label] == "Ankle boot"
