"""Tiny Shakespeare as character-level (input, target) sequences.

The text is encoded on the host with NumPy; windows become tensors through
``backend.from_numpy``.
"""

# host module: encodes a text file into host arrays

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import backend
from ..tensor import Tensor
from ..utils.data import Dataset
from ._download import check_file, download_file

__all__ = ["TinyShakespeare"]


class TinyShakespeare(Dataset):
    """1.1 MB of Shakespeare, for next-character prediction.

    Item ``i`` is ``(x, y)``: ``block_size`` character ids starting at ``i`` and
    the same window shifted by one. The first 90% of the text is the training
    split, the rest the test split. ``vocab`` is the sorted list of the 65
    characters; ``encode``/``decode`` convert between text and ids.
    """

    url = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
    sha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"

    def __init__(self, root: str | os.PathLike, block_size: int = 64, train: bool = True,
                 download: bool = False) -> None:
        if block_size < 1:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.root = Path(root).expanduser()
        path = self._find()
        if path is None:
            if not download:
                raise RuntimeError(
                    f"Dataset not found: no input.txt in {self.root} (or {self.root}/tinyshakespeare). "
                    "You can use download=True to download it"
                )
            path = download_file([self.url], self.root / "tinyshakespeare" / "input.txt", self.sha256, "sha256")
        self.path = path
        text = path.read_text(encoding="utf-8")
        self.text = text
        self.vocab = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.vocab)}
        ids = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
        lut = np.zeros(256, dtype=np.int64)
        lut[[ord(c) for c in self.vocab]] = np.arange(len(self.vocab))
        all_ids = lut[ids]
        cut = int(0.9 * len(all_ids))
        self.data = all_ids[:cut] if train else all_ids[cut:]
        self.block_size = block_size
        self.train = train

    def _find(self):
        for folder in (self.root, self.root / "tinyshakespeare", self.root / "TinyShakespeare"):
            p = folder / "input.txt"
            if p.exists():
                check_file(p, self.sha256, "sha256")
                return p
        return None

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Character ids of ``text``."""
        return [self.stoi[c] for c in text]

    def decode(self, ids) -> str:
        """The text for a list or tensor of ids."""
        if isinstance(ids, Tensor):
            ids = ids.tolist()
        return "".join(self.vocab[int(i)] for i in ids)

    def __len__(self) -> int:
        return max(0, len(self.data) - self.block_size)

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} is out of range for a dataset of {len(self)} windows")
        chunk = self.data[index: index + self.block_size + 1]
        return _tensor(chunk[:-1]), _tensor(chunk[1:])

    def __getitems__(self, indices):
        idx = np.asarray(indices)[:, None] + np.arange(self.block_size + 1)
        chunks = self.data[idx]
        return [(_tensor(c[:-1]), _tensor(c[1:])) for c in chunks]


def _tensor(arr: np.ndarray) -> Tensor:
    """A tensor holding the host array ``arr`` (moved to the device's array module)."""
    return Tensor._make(backend.from_numpy(arr), False, None, 0)
