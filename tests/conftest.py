"""Shared test set-up: the data folder, seeds, and a float64 torch reference."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
for _p in (str(ROOT), str(Path(__file__).resolve().parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)
DATA = Path(os.environ.get("GLASSTORCH_DATA", ROOT.parent / "shared" / "data"))

if os.environ.get("GLASSTORCH_STRICT_DEVICE") in ("1", "cupy"):  # the whole session on the strict stand-in device
    from device.strict_session import *  # noqa: F403  (pytest hooks)


@pytest.fixture
def data_dir() -> Path:
    if not DATA.exists():
        pytest.skip(f"shared data folder not found at {DATA}")
    return DATA


@pytest.fixture(autouse=True)
def _seed():
    import glasstorch

    glasstorch.manual_seed(0)
    np.random.seed(0)
    yield
