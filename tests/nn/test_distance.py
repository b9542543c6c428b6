"""CosineSimilarity, PairwiseDistance and pdist against torch."""

import math

import numpy as np
import pytest
import torch
from compare import check, gradchecks

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F

rng = np.random.default_rng(4)


@pytest.mark.parametrize("s1,s2,dim", [((3, 4), (3, 4), 1), ((3, 4), (4,), -1), ((2, 3, 4), (2, 3, 4), 0),
                                       ((4,), (4,), 0), ((2, 1, 4), (3, 4), 2)])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity(s1, s2, dim, eps):
    check(lambda a, b: nn.CosineSimilarity(dim, eps)(a, b), lambda a, b: torch.nn.CosineSimilarity(dim, eps)(a, b),
          rng.standard_normal(s1), rng.standard_normal(s2))


def test_cosine_similarity_small_and_zero_vectors():
    a = np.array([[1e-5, 0.0], [0.0, 0.0]])
    check(lambda x, y: F.cosine_similarity(x, y, eps=1e-3),
          lambda x, y: torch.nn.functional.cosine_similarity(x, y, eps=1e-3), a, a.copy())
    check(lambda x, y: F.cosine_similarity(x, y), lambda x, y: torch.nn.functional.cosine_similarity(x, y),
          rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((2, 3)), rtol=1e-6)
    gradchecks(lambda x, y: F.cosine_similarity(x, y), rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, math.inf, 0.0])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("s1,s2", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (2, 3, 4))])
def test_pairwise_distance(p, keepdim, s1, s2):
    check(lambda a, b: nn.PairwiseDistance(p, 1e-6, keepdim)(a, b),
          lambda a, b: torch.nn.PairwiseDistance(p, 1e-6, keepdim)(a, b),
          rng.standard_normal(s1), rng.standard_normal(s2))


def test_pairwise_distance_zero_difference_and_gradchecks():
    z = np.zeros((2, 3))
    check(lambda a, b: F.pairwise_distance(a, b), lambda a, b: torch.nn.functional.pairwise_distance(a, b), z, z.copy())
    for p in (2.0, 1.5, 3.0):
        gradchecks(lambda a, b, p=p: F.pairwise_distance(a, b, p), rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
def test_pdist(p):
    check(lambda x: F.pdist(x, p), lambda x: torch.nn.functional.pdist(x, p), rng.standard_normal((5, 3)))


@pytest.mark.parametrize("lib", [torch, gt])
def test_errors_and_repr(lib):
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        lib.nn.CosineSimilarity()(lib.randn(3, 4), lib.randn(3, 5))
    with pytest.raises(RuntimeError, match="The size of tensor a"):
        lib.nn.PairwiseDistance()(lib.randn(3, 4), lib.randn(3, 5))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        lib.nn.functional.pdist(lib.randn(3, 4, 5))
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()" and repr(nn.PairwiseDistance()) == "PairwiseDistance()"
    assert nn.PairwiseDistance(3.0).norm == 3.0
