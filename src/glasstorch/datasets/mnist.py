"""MNIST and Fashion-MNIST read from the official IDX ``.gz`` files.

The files are decoded on the host with NumPy; the arrays become tensors through
``backend.from_numpy`` and are read back through ``backend.to_numpy``.
"""

# host module: decodes IDX files and batches host arrays

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from .. import backend
from ..tensor import Tensor
from ..utils.data import Dataset
from ._download import check_file, download_file

__all__ = ["MNIST", "FashionMNIST", "read_idx"]


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a uint8 array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise RuntimeError(f"{path} is not a readable IDX file: {e}") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise RuntimeError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    data = np.frombuffer(raw, dtype=np.uint8, offset=offset)
    if data.size != int(np.prod(dims)):
        raise RuntimeError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims)


def _tensor(arr: np.ndarray) -> Tensor:
    """A tensor holding the host array ``arr`` (moved to the device's array module)."""
    return Tensor._make(backend.from_numpy(arr), False, None, 0)


def _present(folder: Path, gz_name: str) -> Path | None:
    """The ``.gz`` file, or its unpacked twin (torchvision unpacks them beside the archives)."""
    for name in (gz_name, gz_name[:-3]):
        if (folder / name).exists():
            return folder / name
    return None


class MNIST(Dataset):
    """The MNIST handwritten digits (60,000 training and 10,000 test images, 28x28).

    ``root`` holds the four official ``.gz`` files (directly, or under
    ``root/MNIST/raw`` as torchvision lays them out). Items are
    ``(image, label)``: a float32 tensor of shape (1, 28, 28) in [0, 1] and an
    int; with a ``transform``, the transform receives the uint8 image as a
    (28, 28) NumPy array instead (glasstorch has no PIL dependency).
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    _folder_names = ("MNIST", "mnist")

    def __init__(self, root: str | os.PathLike, train: bool = True, transform=None,
                 target_transform=None, download: bool = False) -> None:
        self.root = Path(root).expanduser()
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        folder = self._find_folder()
        if folder is None:
            if not download:
                raise RuntimeError(
                    f"Dataset not found: no {type(self).__name__} files in {self.root}. "
                    "You can use download=True to download it"
                )
            folder = self.root / type(self).__name__ / "raw"
            self.download(folder)
        self.raw_folder = folder
        prefix = "train" if train else "t10k"
        images = read_idx(_present(folder, f"{prefix}-images-idx3-ubyte.gz"))
        labels = read_idx(_present(folder, f"{prefix}-labels-idx1-ubyte.gz"))
        if images.shape[0] != labels.shape[0]:
            raise RuntimeError(f"{folder}: {images.shape[0]} images but {labels.shape[0]} labels")
        self.data = _tensor(images)
        self.targets = _tensor(labels.astype(np.int64))
        # the whole set as floats in [0, 1], converted once
        self._images = None

    def _candidates(self):
        yield self.root
        for name in (type(self).__name__,) + self._folder_names:
            yield self.root / name / "raw"
            yield self.root / name

    def _find_folder(self):
        for folder in self._candidates():
            if all(_present(folder, name) is not None for name, _ in self.resources):
                for name, md5 in self.resources:
                    if _present(folder, name).name == name:  # the checksums are of the .gz files
                        check_file(folder / name, md5)
                return folder
        return None

    def download(self, folder: Path | None = None) -> None:
        """Fetch the four files from the mirrors, verifying each checksum."""
        folder = Path(folder or self.root / type(self).__name__ / "raw")
        for name, md5 in self.resources:
            path = folder / name
            if path.exists():
                check_file(path, md5)
                continue
            download_file([m + name for m in self.mirrors], path, md5)

    def __len__(self) -> int:
        return self.data._data.shape[0]

    def _float_images(self) -> np.ndarray:
        if self._images is None:
            self._images = (backend.to_numpy(self.data._data).astype(np.float32) / 255.0)[:, None]
        return self._images

    def __getitem__(self, index):
        target = int(self.targets._data[index])
        if self.transform is not None:
            img = self.transform(backend.to_numpy(self.data._data[index]))
        else:
            img = _tensor(self._float_images()[index])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        """Many items at once (the DataLoader uses this): one gather instead of a loop."""
        if self.transform is not None or self.target_transform is not None:
            return [self[i] for i in indices]
        imgs = self._float_images()[indices]
        labels = backend.to_numpy(self.targets._data)[indices].tolist()
        return [(_tensor(imgs[i]), labels[i]) for i in range(len(labels))]

    def __repr__(self) -> str:
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 10 clothing classes in MNIST's format."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
               "Bag", "Ankle boot"]
    _folder_names = ("FashionMNIST", "fashion-mnist")
