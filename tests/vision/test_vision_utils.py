"""make_grid / save_image: torchvision's layout (sizes, padding, grey to RGB, normalisation)."""

from __future__ import annotations

import numpy as np
import pytest

import glasstorch as gt
from glasstorch.vision.utils import make_grid, save_image

Image = pytest.importorskip("PIL.Image")


def test_grid_layout_and_padding():
    batch = gt.tensor(np.arange(5, dtype=np.float32).reshape(5, 1, 1, 1) * np.ones((1, 1, 4, 4), np.float32))
    grid = make_grid(batch, nrow=2, padding=2, pad_value=-1.0)
    # 5 images, 2 per row -> 3 rows; each cell is 4 + 2; one more padding at the end; grey -> 3 channels
    assert grid.shape == (3, 3 * 6 + 2, 2 * 6 + 2)
    g = grid.numpy()
    assert np.all(g[:, 2:6, 2:6] == 0) and np.all(g[:, 2:6, 8:12] == 1)
    assert np.all(g[:, 8:12, 2:6] == 2) and np.all(g[:, 14:18, 2:6] == 4)
    assert np.all(g[:, 14:18, 8:12] == -1)  # the unused last cell stays at pad_value
    assert np.all(g[:, :2] == -1) and np.all(g[:, :, :2] == -1)


def test_grid_defaults_single_image_and_normalize():
    assert make_grid(gt.zeros(16, 3, 2, 2)).shape == (3, 2 * 4 + 2, 8 * 4 + 2)  # nrow=8, padding=2
    one = make_grid(gt.ones(1, 1, 3, 3))
    assert one.shape == (3, 3, 3)  # a single image comes back without padding
    assert make_grid(gt.ones(3, 3)).shape == (3, 3, 3)
    x = gt.tensor([[[[-2.0, 0.0], [2.0, 6.0]]]])
    norm = make_grid(gt.cat([x, x * 2]), normalize=True, padding=0)
    assert norm.numpy().min() == 0.0 and norm.numpy().max() == 1.0
    each = make_grid(gt.cat([x, x * 2]), normalize=True, scale_each=True, padding=0).numpy()
    np.testing.assert_allclose(each[0, :, :2], each[0, :, 2:])
    ranged = make_grid(x, normalize=True, value_range=(0.0, 2.0)).numpy()
    np.testing.assert_allclose(ranged[0], [[0.0, 0.0], [1.0, 1.0]])
    lst = make_grid([gt.zeros(3, 2, 2), gt.ones(3, 2, 2)], padding=0)
    assert lst.shape == (3, 2, 4)


def test_save_image_png(tmp_path):
    x = gt.full((2, 1, 3, 3), 0.5)
    x[1] = 1.0
    save_image(x, tmp_path / "out.png", nrow=2, padding=1)
    img = Image.open(tmp_path / "out.png")
    assert img.size == (2 * 4 + 1, 4 + 1) and img.mode == "RGB"
    arr = np.asarray(img)
    assert arr[1, 1, 0] == 128  # 0.5 * 255 + 0.5 rounds to 128, as torchvision writes it
    assert arr[1, 5, 0] == 255 and arr[0, 0, 0] == 0
    with open(tmp_path / "f.jpg", "wb") as f:
        save_image(gt.zeros(3, 4, 4), f, format="JPEG")
    assert Image.open(tmp_path / "f.jpg").size == (4, 4)
    with pytest.raises(TypeError, match="tensor or list of tensors"):
        make_grid(np.zeros((2, 2)))
