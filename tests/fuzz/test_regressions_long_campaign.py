"""Cases the 100,000-case campaign after the merge found, each compared with torch."""

from __future__ import annotations

import pytest

from fuzz.test_regressions_tensor_kz import same


@pytest.mark.parametrize("value", [-1, -255, 255, -256, 256])
def test_masked_fill_of_unsigned_wraps_negative_ints(value):
    same(lambda t: t.tensor([[0, 0]], dtype=t.uint8).masked_fill(t.tensor([True, False]), value))
    same(lambda t: t.tensor([[0, 0]], dtype=t.uint8).masked_fill_(t.tensor([True, False]), value))


@pytest.mark.parametrize("kernel,padding,dilation,indices", [
    (3, 2, 2, False), (3, 2, 2, True), (3, 2, 1, False), (3, 1, 2, False), (4, 2, 2, True)])
def test_max_pool1d_padding_over_half_the_kernel(kernel, padding, dilation, indices):
    same(lambda t: t.nn.functional.max_pool1d(t.ones(2, 3, 5), kernel, 1, padding, dilation, True, indices)[0]
         if indices else t.nn.functional.max_pool1d(t.ones(2, 3, 5), kernel, 1, padding, dilation, True))


def test_max_pool2d_and_3d_padding_over_half_the_kernel():
    same(lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 5, 5), 3, 1, 2, 2))
    same(lambda t: t.nn.functional.max_pool3d(t.ones(1, 1, 5, 5, 5), 3, 1, 2, 2))
    same(lambda t: t.nn.functional.max_pool2d(t.ones(1, 1, 5, 5), 3, 1, 2, 1))


def test_view_as_complex_of_a_0d_tensor():
    same(lambda t: t.view_as_complex(t.tensor(1.0)))
