"""``glasstorch.datasets``: MNIST, Fashion-MNIST, Tiny Shakespeare and toy 2-D sets."""

from . import transforms  # noqa: F401
from ._download import ChecksumError, download_file  # noqa: F401
from .mnist import MNIST, FashionMNIST, read_idx  # noqa: F401
from .shakespeare import TinyShakespeare  # noqa: F401
from .synthetic import make_blobs, make_circles, make_moons, make_spirals, make_xor  # noqa: F401


def default_root():
    """Where datasets live: $GLASSTORCH_DATA, else ~/.cache/glasstorch."""
    import os
    from pathlib import Path

    return Path(os.environ.get("GLASSTORCH_DATA", Path.home() / ".cache" / "glasstorch"))
