"""torchvision's datasets: MNIST, FashionMNIST, CIFAR10, FakeData, ImageFolder.

The files and folders are torchvision's (``root/MNIST/raw``,
``root/cifar-10-batches-py``, one folder per class), downloads are
checksum-verified, and items are ``(PIL image, int)`` before transforms.
Files are decoded on the host; tensors are read with ``backend.to_numpy`` and
made with ``backend.from_numpy``.
"""

# host module: decodes image files into host arrays

from __future__ import annotations

import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .. import backend
from ..datasets import mnist as _mnist
from ..datasets._download import check_file, download_file, file_digest
from ..datasets.transforms import Normalize, ToTensor, _pil
from ..tensor import Tensor
from ..utils.data import Dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "FakeData", "ImageFolder", "DatasetFolder",
           "IMG_EXTENSIONS", "VisionDataset"]


class VisionDataset(Dataset):
    """Base of the image datasets: ``root``, ``transform``, ``target_transform``."""

    def __init__(self, root=None, transform=None, target_transform=None) -> None:
        self.root = Path(root).expanduser() if root is not None else None
        self.transform = transform
        self.target_transform = target_transform

    def _apply(self, img, target):
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


def _batched_to_tensor(transform) -> list | None:
    """The Normalize steps if ``transform`` is ToTensor (+ Normalize...) — then a whole batch can be
    converted at once with the same float32 arithmetic — else None."""
    steps = getattr(transform, "transforms", [transform])
    if not steps or type(steps[0]) is not ToTensor or not all(type(t) is Normalize for t in steps[1:]):
        return None
    return list(steps[1:])


class _PILMixin:
    """MNIST-style items as torchvision gives them: an 'L'-mode PIL image, then the transform."""

    def __getitem__(self, index):
        img = _pil().fromarray(backend.to_numpy(self.data._data[int(index)]))
        target = int(self.targets._data[int(index)])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __getitems__(self, indices):
        norms = _batched_to_tensor(self.transform)
        if norms is None or self.target_transform is not None:
            return [self[i] for i in indices]
        data = backend.to_numpy(self.data._data)
        x = data[np.asarray(indices, dtype=np.int64)].astype(np.float32)[:, None] / np.float32(255)
        x = backend.from_numpy(x)
        for n in norms:
            x = n(Tensor._make(x, False, None, 0))._data
        labels = backend.to_numpy(self.targets._data)[indices].tolist()
        return [(Tensor._make(x[i], False, None, 0), labels[i]) for i in range(len(labels))]


class MNIST(_PILMixin, _mnist.MNIST):
    """MNIST in torchvision's layout (``root/MNIST/raw``, .gz or unpacked files)."""


class FashionMNIST(_PILMixin, _mnist.FashionMNIST):
    """Fashion-MNIST in torchvision's layout (``root/FashionMNIST/raw``)."""


class _ArraysOnly(pickle.Unpickler):
    """CIFAR's batches are Python pickles of dicts of NumPy arrays: only those classes may be
    rebuilt, so a tampered file cannot run code."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"CIFAR batch refers to {module}.{name}, which a dataset file never needs")
        return super().find_class(module, name)


def _load_batch(path: Path) -> dict:
    with open(path, "rb") as f:
        entry = _ArraysOnly(f, encoding="latin1").load()
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in entry.items()}


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes."""

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [["data_batch_1", "c99cafc152244af753f735de768cd75f"],
                  ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
                  ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
                  ["data_batch_4", "634d18415352ddfa80567beed471001a"],
                  ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"]]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it")
        folder = self.root / self.base_folder
        data, targets = [], []
        for name, _ in (self.train_list if train else self.test_list):
            entry = _load_batch(folder / name)
            data.append(np.asarray(entry["data"], dtype=np.uint8))
            targets.extend(entry["labels"] if "labels" in entry else entry["fine_labels"])
        # stored as rows of 3072 bytes, channel-major; torchvision keeps (N, H, W, C)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        self.targets = [int(t) for t in targets]
        meta = _load_batch(folder / self.meta["filename"])
        self.classes = [c.decode() if isinstance(c, bytes) else c for c in meta[self.meta["key"]]]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def _check_integrity(self) -> bool:
        folder = self.root / self.base_folder
        for name, md5 in self.train_list + self.test_list + [[self.meta["filename"], self.meta["md5"]]]:
            path = folder / name
            if not path.is_file() or file_digest(path) != md5:
                return False
        return True

    def download(self) -> None:
        """Fetch the archive (checksum-verified) and unpack it into ``root``."""
        if self._check_integrity():
            return
        archive = self.root / self.filename
        if archive.exists():
            check_file(archive, self.tgz_md5)
        else:
            download_file([self.url], archive, self.tgz_md5)
        with tarfile.open(archive, "r:gz") as tar:
            try:
                tar.extractall(self.root, filter="data")  # refuses absolute paths and links out of root
            except TypeError:  # pragma: no cover - Pythons before the filter argument
                tar.extractall(self.root)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index):
        return self._apply(_pil().fromarray(self.data[index]), self.targets[index])

    def __repr__(self) -> str:
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {'Train' if self.train else 'Test'}")


class FakeData(VisionDataset):
    """Random images and labels; item ``i`` is the same every time (seeded by ``i + random_offset``)."""

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform, target_transform)
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = tuple(image_size), random_offset

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        rng = np.random.default_rng(int(index) + self.random_offset)  # its own stream: the global one is untouched
        img = rng.standard_normal(self.image_size).astype(np.float32)
        target = int(rng.integers(0, self.num_classes))
        # torchvision's to_pil_image of a float image: times 255, then a wrapping cast to bytes
        arr = (img * 255).astype(np.int64) % 256
        arr = arr.astype(np.uint8).transpose(1, 2, 0)
        pil = _pil().fromarray(arr[:, :, 0] if arr.shape[2] == 1 else np.ascontiguousarray(arr))
        return self._apply(pil, target)


IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def pil_loader(path) -> object:
    with open(path, "rb") as f:
        img = _pil().open(f)
        return img.convert("RGB")


class DatasetFolder(VisionDataset):
    """``root/<class>/.../<file>``: classes are the sorted sub-folder names, targets their indices."""

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None,
                 is_valid_file=None, allow_empty: bool = False) -> None:
        super().__init__(root, transform, target_transform)
        if (extensions is None) == (is_valid_file is None):
            raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
        self.classes, self.class_to_idx = self.find_classes(self.root)
        self.samples = self.make_dataset(self.root, self.class_to_idx, extensions, is_valid_file, allow_empty)
        self.loader, self.extensions = loader, extensions
        self.targets = [t for _, t in self.samples]

    @staticmethod
    def find_classes(directory) -> tuple[list[str], dict[str, int]]:
        classes = sorted(e.name for e in os.scandir(directory) if e.is_dir())
        if not classes:
            raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
        return classes, {c: i for i, c in enumerate(classes)}

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        if is_valid_file is None:
            exts = tuple(extensions) if not isinstance(extensions, str) else (extensions,)

            def is_valid_file(p):
                return str(p).lower().endswith(exts)
        samples, empty = [], []
        for cls in sorted(class_to_idx):
            found = 0
            for base, _, names in sorted(os.walk(Path(directory) / cls, followlinks=True)):
                for name in sorted(names):
                    path = os.path.join(base, name)
                    if is_valid_file(path):
                        samples.append((path, class_to_idx[cls]))
                        found += 1
            if found == 0:
                empty.append(cls)
        if empty and not allow_empty:
            msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
            if extensions is not None:
                msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
            raise FileNotFoundError(msg)
        return samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)


class ImageFolder(DatasetFolder):
    """Images (PNG, JPEG, ... read by Pillow, as RGB) in one folder per class."""

    def __init__(self, root, transform=None, target_transform=None, loader=pil_loader, is_valid_file=None,
                 allow_empty: bool = False) -> None:
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform,
                         target_transform, is_valid_file, allow_empty)
        self.imgs = self.samples
