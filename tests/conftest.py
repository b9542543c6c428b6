"""Shared test set-up: the data folder, seeds, and a float64 torch reference."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("GLASSTORCH_DATA", ROOT.parent / "shared" / "data"))


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
