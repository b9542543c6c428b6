"""torch's legacy tensor types (``torch.LongTensor(3)``, ``isinstance(t, torch.FloatTensor)``) against torch."""

import pytest
import torch

import glasstorch as gt


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
                                  "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"])
def test_legacy_types_make_tensors_like_torch(name):
    g, t = getattr(gt, name), getattr(torch, name)
    for args in [(3,), (2, 3), (), ([1, 0, 1],), (torch.Size([2, 2]),)]:
        ga = tuple(gt.Size(a) if isinstance(a, torch.Size) else a for a in args)
        got, want = g(*ga), t(*args)
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype), (name, args)
        if args and isinstance(args[0], list):
            assert got.tolist() == want.tolist()
    assert isinstance(g(2), g) and not isinstance(gt.ones(2, dtype=gt.complex64), g)


def test_legacy_type_isinstance_and_errors():
    assert isinstance(gt.ones(2), gt.FloatTensor) and not isinstance(gt.ones(2).long(), gt.FloatTensor)
    assert isinstance(gt.arange(3), gt.LongTensor)
    with pytest.raises(TypeError, match=r"new\(\): data must be a sequence \(got float\)"):
        gt.LongTensor(1.5)
