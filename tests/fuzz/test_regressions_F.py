"""torch.nn.functional cases the differential fuzzer found, each checked against torch
(same values, dtype and shape, or the same exception type and message gist)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import glasstorch as gt
import glasstorch.nn.functional as GF


def _run(expr: str, lib: str):
    """``expr`` with ``F`` (the functional module), ``m`` (the library) and ``T(values, dtype, shape)``."""
    m, F = (torch, TF) if lib == "torch" else (gt, GF)

    def T(values=0.0, dtype="float32", shape=None):
        a = np.asarray(values, dtype=dtype) if shape is None else np.full(shape, values, dtype=dtype)
        return m.tensor(a)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return eval(expr, {"F": F, "m": m, "T": T, "np": np, "inf": np.inf, "nan": np.nan})


def same(expr: str):
    """Both libraries raise the same exception type with the same message, or return equal results."""
    try:
        want = _run(expr, "torch")
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)) as got:
            _run(expr, "glasstorch")
        assert type(got.value) is type(e)
        gist = str(e).split("\n")[0][:40]
        assert gist in str(got.value), f"{got.value!s} vs torch {e!s}"
        return
    got = _run(expr, "glasstorch")
    wants, gots = (want, got) if isinstance(want, tuple) else ((want,), (got,))
    assert len(wants) == len(gots)
    for w, g in zip(wants, gots):
        assert str(g.dtype).rsplit(".", 1)[-1] == str(w.dtype).rsplit(".", 1)[-1]
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.detach().numpy().astype(np.float64), w.detach().numpy().astype(np.float64),
                                   rtol=1e-5, atol=1e-7, equal_nan=True)


CASES = [
    # unfold / fold: window arguments first, then the input's rank and empty dims
    "F.unfold(T(shape=(2, 4, 1), dtype='int16'), kernel_size=0, dilation=2)",
    "F.unfold(T(shape=(3,)), kernel_size=1)",
    "F.unfold(T(shape=()), kernel_size=1)",
    "F.unfold(T(shape=(1, 0)), kernel_size=3)",
    "F.unfold(T(shape=(2, 2, 3)), kernel_size=2, padding=-1, stride=0)",
    "F.unfold(T(shape=(2, 2, 3)), kernel_size=2, dilation=(1, 0))",
    "F.unfold(T(shape=(2, 2, 3)), kernel_size=(2, 2, 2))",
    "F.unfold(T(1.5, shape=(0, 2, 3, 3)), kernel_size=2)",
    "F.fold(T(shape=(0,)), 3, kernel_size=2)",
    "F.fold(T(shape=(2, 8, 4)), 3, kernel_size=0)",
    "F.fold(T(shape=(2, 8, 4)), 3, kernel_size=2, stride=0, padding=-1)",
    "F.fold(T(shape=(2, 8, 0)), 1, kernel_size=2)",
    "F.fold(T(1.0, shape=(0, 8, 4)), 3, kernel_size=2)",
    # dropout: integer inputs cannot hold the scaled mask; the feature-rank check only when a mask is drawn
    "F.dropout(T(1, 'int64', (2, 3)), 0.5)",
    "F.dropout1d(T(1, 'bool', (2, 3, 4)), 0.5)",
    "F.dropout2d(T(1, 'int64', (2, 3, 4)), 0.5)",
    "F.alpha_dropout(T(1, 'bool', (2, 3)), 0.5, training=True)",
    "F.feature_alpha_dropout(T(1, 'int32', (2, 3)), 0.5, training=True)",
    "F.dropout3d(T(3.0), 0.5)",
    "F.dropout3d(T(3.0), 1.0)",
    "F.dropout2d(T(3.0, shape=(3,)), 0.0)",
    "F.feature_alpha_dropout(T(3.0), 1.0, training=True)",
    "F.multilabel_soft_margin_loss(T(0.5), T(0.3))",
    "F.local_response_norm(T(shape=(1, 3, 4, 3)), 0)",
    "F.local_response_norm(T(shape=(1, 3, 4)), -1)",
    # resampling: empty spatial sizes in or out, no channels
    "F.upsample_nearest(T(shape=(2, 3, 0)), size=5)",
    "F.interpolate(T(shape=(2, 3, 0, 2)), size=1, mode='bilinear')",
    "F.interpolate(T(shape=(2, 0, 3, 2)), size=1, mode='bilinear')",
    "F.interpolate(T(shape=(0, 2, 3, 2)), size=1, mode='bilinear')",
    "F.interpolate(T(shape=(2, 0, 3, 2, 2)), size=(0, 1, 1), mode='trilinear')",
    "F.interpolate(T(shape=(2, 1, 0)), size=1, mode='nearest-exact')",
    "F.interpolate(T(1.0, shape=(2, 1, 3, 2)), size=0, mode='area')",
    "F.pixel_unshuffle(T(shape=(1, 2, 0, 0)), 2)",
    "F.pixel_unshuffle(T(shape=(0, 3, 3, 3)), 3)",
    "F.pixel_shuffle(T(shape=(0, 8, 2, 2)), 2)",
    # scaled_dot_product_attention: dtypes, product shapes and mask shapes checked like torch's math path
    "F.scaled_dot_product_attention(T(shape=(2, 3)), T(shape=(4, 4)), T(shape=(4, 4)))",
    "F.scaled_dot_product_attention(T(shape=(2, 3)), T(shape=(4, 3)), T(shape=(5, 4)))",
    "F.scaled_dot_product_attention(T(shape=(2, 2, 3)), T(shape=(3, 4, 3)), T(shape=(3, 4, 3)))",
    "F.scaled_dot_product_attention(T(shape=(2, 2, 3)), T(shape=(2, 4, 3)), T(shape=(2, 5, 3)))",
    "F.scaled_dot_product_attention(T(shape=(2, 2, 3)), T(shape=(2, 4, 3)), T(shape=(2, 4, 3)), "
    "attn_mask=T(shape=(2, 3)))",
    "F.scaled_dot_product_attention(T(shape=(2, 1, 4)), T(shape=(2, 3, 4)), T(shape=(2, 3, 2)), "
    "attn_mask=T(1.0, shape=(2, 3)))",
    "F.scaled_dot_product_attention(T(shape=(2, 1, 4)), T(shape=(2, 3, 4)), T(shape=(2, 3, 2)), "
    "attn_mask=T(1, 'int64', (1, 3)))",
    "F.scaled_dot_product_attention(T(shape=(2, 1, 4)), T(shape=(2, 3, 4)), T(shape=(2, 3, 2)), "
    "attn_mask=T(1, 'float64', (1, 3)))",
    "F.scaled_dot_product_attention(T(1, 'int8', (1, 1, 4)), T(1, 'int8', (1, 1, 4)), T(1, 'int8', (1, 1, 1)), "
    "is_causal=True)",
    "F.scaled_dot_product_attention(T(shape=(4,)), T(shape=(4,)), T(shape=(4,)))",
    "F.scaled_dot_product_attention(T(1.0, shape=(2, 4)), T(shape=(0, 4)), T(shape=(0, 4)))",
    "F.scaled_dot_product_attention(T([[2.0, 3.0, -4.0, -3.0]], 'float64'), T([[0.0, 7.0, -inf, -5.0]], 'float64'), "
    "T([[10000.0]], 'float64'), is_causal=True)",
    # losses torch writes into a tensor of the input's (or target's) dtype and shape
    "F.huber_loss(T([1.0, 2.0], 'float16'), T([0.7490663888639684, 3.1], 'float64'))",
    "F.huber_loss(T([1.0, 2.0], 'float16'), T([0.75, 3.1], 'float64'), weight=T([1.0, 2.0]))",
    "F.huber_loss(T(-0.0), T(0.98, 'float64'))",
    "F.huber_loss(T([1, 2], 'int16'), T([0.5], 'float16'))",
    "F.huber_loss(T([1, 2], 'int16'), T([1, 2], 'int64'))",
    "F.huber_loss(T([1.5, 2.0], 'float16'), T([True, False], 'bool'), reduction='sum')",
    "F.soft_margin_loss(T([-100.0, 50.0, -20.0]), T([1.0, -1.0, 1.0]), reduction='none')",
    "F.soft_margin_loss(T([-100.0, 50.0, -2.5], 'float16'), T([1.0, -1.0, 0.3]), reduction='none')",
    "F.soft_margin_loss(T(0.5, shape=(3, 4)), T(1.0, 'float64', (3, 4)))",
    "F.soft_margin_loss(T(0.5, shape=(3, 1)), T(1.0, shape=(3, 3)))",
    "F.soft_margin_loss(T(0.5, shape=(3, 1)), T(1.0, shape=(3, 2, 2)))",
    "F.soft_margin_loss(T([4, 1, -5], 'int16'), T([-0.25, -0.875, 3.25], 'float16'))",
    "F.soft_margin_loss(T([4, 1, -5], 'int16'), T([1, 1, 1], 'int16'))",
    "F.soft_margin_loss(T([True], 'bool'), T([1.0]))",
    "F.binary_cross_entropy_with_logits(T(10000.0, 'float64'), T(2.0), weight=T(0.0093))",
    "F.binary_cross_entropy_with_logits(T([[0.5, -1.25], [3.0, 0.0]], 'float16'), T(0.25, shape=(2, 2)))",
    "F.binary_cross_entropy_with_logits(T([-0.89, -1.28], 'float16'), T([-0.97, -0.03], 'float64'), "
    "pos_weight=T([1.0, -3.0], 'float16'))",
    "F.binary_cross_entropy_with_logits(T([0.5]), T([1], 'int64'))",
    "F.binary_cross_entropy_with_logits(T([0.5]), T([True], 'bool'))",
    "F.binary_cross_entropy_with_logits(T([1], 'int64'), T([1.0]))",
    "F.binary_cross_entropy_with_logits(T([0.5]), T([1.0]), pos_weight=T([True], 'bool'))",
    "F.binary_cross_entropy_with_logits(T(0.5), T(1.0), pos_weight=T([2.0]))",
    "F.binary_cross_entropy_with_logits(T([0.5, 1.0]), T([1.0, 0.0]), weight=T([1.0, 2.0, 3.0]))",
    # the regression losses broadcast first, so a 0-d target promotes like any tensor
    "F.mse_loss(T([-1.47, -0.46], 'float16'), T(-2.05, 'float64'), reduction='sum')",
    "F.l1_loss(T([-1.47, -0.46], 'float16'), T(-2.05, 'float64'))",
    "F.smooth_l1_loss(T([-1.47, -0.46], 'float16'), T(-2.05, 'float64'), reduction='none')",
    "F.mse_loss(T([-1.47, -0.46], 'float16'), T(-2.05, 'float64'), weight=T([1.0, 2.0]))",
    "F.mse_loss(T([1, 2], 'int64'), T([1, 2], 'int64'))",
    "F.smooth_l1_loss(T([1, 2], 'int16'), T([True, False], 'bool'))",
    "F.mse_loss(T([True], 'bool'), T([1.5]))",
    "F.l1_loss(T(1.0, shape=(2, 4, 4)), T(shape=(2, 4, 0)))",
    # cosine_embedding_loss: the target's rank fixes the inputs' rank; the inputs broadcast
    "F.cosine_embedding_loss(T(1.0, shape=(2, 2)), T(1.0, shape=(2, 2)), T([1, -1, 1], 'int64'))",
    "F.cosine_embedding_loss(T(shape=(2, 3, 1)), T(shape=(2, 3, 1)), T([1.0, -1.0]))",
    "F.cosine_embedding_loss(T(shape=(3,)), T(shape=(3,)), T([1.0, -1.0, 1.0]))",
    "F.cosine_embedding_loss(T(shape=(2, 3)), T(shape=(2, 3)), T(1.0))",
    "F.cosine_embedding_loss(T(shape=(2, 3)), T(shape=(2, 3)), T(1.0, shape=(2, 1)))",
    "F.cosine_embedding_loss(T(1.5, shape=(2, 3)), T(2.0, shape=(1, 3)), T([1.0, -1.0]))",
    "F.multilabel_soft_margin_loss(T(2.0), T(-3.8), reduction='bad')",
    "F.multilabel_soft_margin_loss(T([[3.4, -6.6]]), T(1, 'int64', (1, 1, 1)), reduction='none', "
    "weight=T([-1.0, -0.0]))",
    "F.scaled_dot_product_attention(T(shape=(2, 0, 3)), T(shape=(1, 1, 2)), T(shape=(2, 1, 1)))",
    # cosine_similarity: integer inputs join the common float dtype, each float input is normalised in its own
    "F.cosine_similarity(T([[1.0, 2, 3, 4], [0, 0, 1, 2]]), T(-4, 'int32'), dim=1, eps=0.0)",
    "F.cosine_similarity(T([[[5], [2]]], 'int16'), T([[[2], [5]]], 'uint8'))",
    "F.cosine_similarity(T([[[5, 1], [2, 3]]], 'int16'), T([[[2, 1], [5, 2]]], 'float16'))",
    "F.cosine_similarity(T([[[5, 1], [2, 3]]], 'float64'), T([[[2, 1], [5, 2]]], 'float16'))",
    "F.normalize(T([[1.0, 2, 3], [4, 5, 6]], 'float16'))",
    # convolutions: empty inputs, then dilation, then dtypes, in torch's order
    "F.conv2d(T(shape=(0, 4, 3, 3), dtype='float64'), T(shape=(4, 4, 2, 2), dtype='float64'), padding=1, "
    "dilation=0)",
    "F.conv1d(T(shape=(0, 1, 3), dtype='float64'), T(shape=(1, 1, 2)))",
    "F.conv1d(T(shape=(0, 1, 3), dtype='float64'), T(shape=(1, 2, 2)))",
    "F.conv1d(T(shape=(0, 1, 3)), T(shape=(1, 1, 2, 2)))",
    "F.conv1d(T(shape=(1, 0, 3)), T(shape=(1, 0, 2)))",
    "F.conv1d(T(1.0, shape=(1, 1, 3), dtype='float64'), T(shape=(1, 1, 2)), dilation=0)",
    "F.conv1d(T(shape=(1, 1, 0), dtype='float64'), T(shape=(1, 1, 2)), padding=1)",
    "F.conv3d(T(shape=(1, 2, 5, 3, 1)), T(shape=(2, 2, 1, 1, 1)), padding=(0, 0, 1), stride=(1, 1, 1))",
    "F.conv3d(T(shape=(1, 2, 5, 3, 0)), T(shape=(2, 2, 1, 1, 1)), padding=1)",
    "F.conv_transpose1d(T(1.0, shape=(1, 1, 3)), T(shape=(1, 1, 2)), dilation=0)",
    "F.conv_transpose1d(T(shape=(1, 1, 0)), T(shape=(1, 1, 2)), dilation=0)",
    "F.conv_transpose2d(T(shape=(0, 1, 3, 3), dtype='float16'), T(shape=(1, 1, 3, 2), dtype='float16'), stride=2, "
    "output_padding=2)",
    "F.conv_transpose1d(T(shape=(1, 1, 3), dtype='float64'), T(shape=(1, 1, 2)), stride=2, output_padding=2)",
    "F.conv_transpose1d(T(shape=(1, 1, 2)), T(shape=(1, 1, 2)), padding=3)",
    "F.conv_transpose1d(T(shape=(0, 1, 2)), T(shape=(1, 1, 2)), padding=3)",
    "F.conv_transpose3d(T(shape=(0, 2, 3, 3, 3)), T(shape=(2, 1, 1, 2, 3), dtype='int8'))",
    "F.conv_transpose3d(T(shape=(1, 2, 3, 3, 3)), T(shape=(2, 1, 1, 2, 3)), dilation=0)",
    "F.conv_transpose2d(T(shape=(0, 2, 5, 0)), T(shape=(2, 2, 1, 1)))",
    "F.conv_transpose1d(T(shape=(2, 0)), T(shape=(2, 2, 3)))",
    # pooling: ranks, empty dims, bool inputs, output sizes, in each kernel's wording
    "F.max_pool2d(T(1, 'bool', (1, 1, 4, 4)), 2)",
    "F.max_pool1d(T(1, 'bool', (1, 1, 4)), 2)",
    "F.avg_pool3d(T(shape=(1, 3, 3, 3, 3)), 7, padding=3)",
    "F.max_pool3d(T(shape=(1, 0, 3, 3, 3)), 2)",
    "F.max_pool3d(T(shape=(0, 3, 3, 3)), 2)",
    "F.max_pool3d(T(shape=(0, 2, 3, 3, 3)), 2)",
    "F.max_pool2d(T(shape=(2, 0, 3, 3)), 2)",
    "F.max_pool2d(T(shape=(8,)), 2)",
    "F.avg_pool2d(T(shape=(2, 2, 5, 0)), 1)",
    "F.avg_pool1d(T(shape=(2, 2, 0)), 1)",
    "F.max_pool1d(T(shape=(2, 0)), 1)",
    "F.max_pool1d(T(shape=(1, 3, 5)), 7)",
    "F.lp_pool2d(T(1.0, shape=(1, 1, 5, 1)), 0, 0)",
    "F.lp_pool1d(T(shape=(1, 3, 5)), 0, 7)",
    "F.lp_pool1d(T(shape=(1, 3, 5)), 2, (2,), stride=2)",
    "F.lp_pool1d(T(1.0, shape=(1, 3, 5)), 0, 2)",
    "F.max_unpool1d(T(shape=(2, 3, 2)), T(0, 'int32', (2, 3, 2)), 2)",
    "F.max_unpool1d(T(shape=(2,)), T(0, 'int64', (1,)), 2)",
    "F.max_unpool1d(T(shape=()), T(0, 'int64', ()), 2)",
    "F.max_unpool2d(T(shape=(2, 3, 2, 2)), T(0, 'int64', (2, 3, 2, 1)), 2)",
    "F.max_unpool2d(T(shape=(2, 3, 0, 2)), T(0, 'int64', (2, 3, 0, 2)), 2)",
    "F.max_unpool2d(T(1.0, shape=(0, 3, 2, 2)), T(0, 'int64', (0, 3, 2, 2)), 2)",
    "F.max_unpool3d(T(shape=(2, 0, 2, 2, 2)), T(0, 'int64', (2, 0, 2, 2, 2)), 2)",
    "F.max_unpool3d(T(shape=(2, 3, 2, 2, 2, 2)), T(0, 'int64', (2, 3, 2, 2, 2, 2)), 2)",
    "F.max_unpool3d(T(shape=(1, 2, 2, 2, 2)), T(0, 'int32', (1, 2, 2, 2, 2)), 2)",
    "F.adaptive_avg_pool1d(T(shape=(2, 3, 4)), (None,))",
    "F.adaptive_avg_pool1d(T(shape=(2, 3, 4)), (1, 1))",
    "F.adaptive_avg_pool1d(T(shape=(2,)), (1, 1))",
    "F.adaptive_avg_pool1d(T(shape=(2, 3, 4)), -1)",
    "F.adaptive_avg_pool1d(T(shape=(2, 1, 0)), 1)",
    "F.adaptive_avg_pool1d(T(shape=(2, 1, 0)), 2)",
    "F.adaptive_avg_pool2d(T(shape=(3, 4, 4)), (1, 1, 1))",
    "F.adaptive_avg_pool2d(T(shape=(2, 3, 4, 4)), (1, 1, 1))",
    "F.adaptive_avg_pool3d(T(shape=(0, 1, 3, 3, 0)), 1)",
    "F.adaptive_avg_pool3d(T(shape=(2, 0, 4, 4, 4)), 2)",
    "F.adaptive_avg_pool3d(T(shape=(2, 3, 4, 4, 4)), -1)",
    "F.adaptive_max_pool1d(T(shape=(2, 3, 4)), (None,))",
    "F.adaptive_max_pool1d(T(shape=(2, 3, 4)), -1)",
    "F.adaptive_max_pool1d(T(shape=(2, 0, 4)), 1)",
    "F.adaptive_max_pool2d(T(shape=(2, 0, 4, 4)), (1, 1, 1))",
    "F.adaptive_max_pool2d(T(shape=(2,)), (2, 2))",
    "F.adaptive_max_pool2d(T(shape=(2,)), 2)",
    "F.adaptive_max_pool1d(T(shape=(2, 3, 4)), None)",
    "F.adaptive_avg_pool1d(T(shape=(2, 3, 4)), None)",
    "F.conv_transpose2d(T(shape=(2, 2, 1, 1)), T(shape=(2, 2, 1, 1)), groups=0)",
    "F.instance_norm(T(5.0), use_input_stats=False)",
    "F.instance_norm(T([5.0, 3.0]))",
    "F.instance_norm(T([5, 2], 'uint8'))",
    "F.cross_entropy(T([[True, False, True]], 'bool'), T([1], 'uint8'), ignore_index=0, reduction='none')",
    "F.cross_entropy(T(1, 'int64', (2, 3, 4)), T(1, 'int64', (2, 4)))",
    # threshold converts its scalars to the input's type
    "F.threshold_(T([[5, 5], [2, 2]], 'int64'), 0.5, -inf)",
    "F.threshold(T([[5, -3]], 'int32'), inf, 0.5, True)",
    "F.threshold(T([[5, -3]], 'int32'), 2, 1e20)",
    "F.threshold(T([[5, 3]], 'uint8'), -1, 0)",
    "F.threshold(T([[5, 3]], 'uint8'), 300, 0)",
    "F.threshold(T([[5, -3]], 'float16'), 2, 1e20)",
    "F.threshold(T([[5, -3]], 'float16'), 1e20, 1)",
    "F.threshold(T([True], 'bool'), 0, 1)",
    # argument checks torch makes in its functional layer or kernels
    "F.gumbel_softmax(T(1, 'bool', (3, 2)), tau=0.5)",
    "F.gumbel_softmax(T(-3.3), dim=1)",
    "F.triplet_margin_loss(T(1.0, shape=(3, 1)), T(shape=(3, 1)), T(shape=(3, 1)), margin=0.0)",
    "F.triplet_margin_loss(T(shape=(0,)), T(shape=(0,)), T(shape=(0,)), margin=-1.0)",
    "F.group_norm(T([[0.64]]), 1)",
    "F.group_norm(T([[[2.0], [-3.0]], [[4.0], [1.0]]]), 3)",
    "F.one_hot(T(shape=(3, 0), dtype='int64'), 0)",
    "F.multilabel_margin_loss(T(shape=(3, 0)), T(shape=(3, 0), dtype='int64'))",
    "F.multilabel_margin_loss(T(shape=(0,)), T(shape=(0,), dtype='int64'))",
    "F.multilabel_margin_loss(T(shape=(3, 2)), T(shape=(3, 2), dtype='int32'))",
    "F.gaussian_nll_loss(T(shape=(2, 0)), T(shape=(2, 0)), T(shape=(2, 0), dtype='bool'), reduction='sum')",
    "F.gaussian_nll_loss(T([1.0]), T([1.0]), T([1], 'int64'))",
    "F.gaussian_nll_loss(T(1.0, shape=(2, 3)), T(shape=(2, 3)), T(1.0, shape=(1, 3)))",
    "F.binary_cross_entropy(T(0.16, 'float64'), T(0.5, 'float16'))",
    "F.binary_cross_entropy(T([0.1], 'float16'), T([False], 'bool'), weight=T(1.0, 'float16'))",
    "F.pdist(T([[-5, 4]], 'int8'))",
    # batch / instance norm: the functional layer's checks, then torch's shortcut for empty inputs
    "F.batch_norm(T(1.0, shape=(2, 3)), None, None, training=True, eps=0.0)",
    "F.batch_norm(T(1.0, shape=(2, 3)), None, None, training=False, eps=-1)",
    "F.batch_norm(T(shape=(0, 3)), None, None, training=True)",
    "F.batch_norm(T(shape=(0, 2)), T(shape=(1,)), T(shape=(2,)), training=False)",
    "F.batch_norm(T(shape=(0, 2), dtype='int64'), T(shape=(1,)), T(shape=(2,)), weight=T([2, 3], 'int64'))",
    "F.batch_norm(T(shape=(2, 0)), T(shape=(1,)), T(shape=(2,)), weight=T(shape=(0,)), training=True)",
    "F.batch_norm(T(shape=(1, 3)), None, None, training=True)",
    "F.batch_norm(T(1.0, shape=(3,)), None, None, training=True)",
    "F.batch_norm(T(1.0, shape=(2, 3)), T([1, 2, 3], 'int64'), T([1, 2, 3], 'int64'), training=True)",
    "F.batch_norm(T(1.0, shape=(2, 3)), T([1, 2, 3], 'float64'), T([1, 2, 3], 'float64'))",
    "F.batch_norm(T(1, shape=(2, 3), dtype='int64'), None, None, training=True)",
    "F.batch_norm(T(1, shape=(2, 3), dtype='float16'), T([1, 2, 3]), T([1, 2, 3]), training=True)",
    "F.instance_norm(T(shape=(0, 3, 2, 2)), weight=T([1.0, 2, 3]))",
    "F.instance_norm(T(shape=(2, 3, 0)))",
    "F.instance_norm(T(shape=(2, 3, 1)))",
    "F.hinge_embedding_loss(T([1, 2], 'int32'), T([1, -1], 'int32'), margin=2.7, reduction='none')",
    "F.hinge_embedding_loss(T([True, False], 'bool'), T([1, -1], 'int32'), reduction='none')",
    "F.hinge_embedding_loss(T([1, 2], 'int64'), T([1.0, -1.0]), reduction='none')",
    "F.hinge_embedding_loss(T([1, 2], 'int32'), T([1, -1], 'int32'))",
    "F.hinge_embedding_loss(T([1, 2], 'int32'), T([1, -1], 'int32'), reduction='sum')",
    "F.hinge_embedding_loss(T([1, 2], 'uint8'), T([1, -1], 'int64'), margin=300)",
    "F.kl_div(T([1.0, 2.0]), T([1, 2], 'int32'))",
    # softmax of an empty input: returned as it is, in any dtype
    "F.softmax(T(shape=(0,)), 0, dtype=m.int64)",
    "F.softmax(T(shape=(3, 0), dtype='int32'), 1)",
    "F.softmax(T(shape=(3, 0), dtype='int32'), None, dtype=m.bool)",
    "F.log_softmax(T(shape=(0,), dtype='int64'), 0)",
    "F.softmin(T(shape=(0,), dtype='bool'), 0)",
    "F.softmin(T(shape=(2, 0), dtype='int64'), 3)",
    # pad: the mode first, then the lengths, then what each mode's kernel checks
    "F.pad(T(4.5), (-1,), mode='bogus')",
    "F.pad(T(shape=(3,)), (1, 1, 1, 1), mode='reflect')",
    "F.pad(T(shape=()), (1, 1), mode='circular')",
    "F.pad(T(shape=(2, 3)), (-2, -2), mode='replicate')",
    "F.pad(T(shape=(2, 3)), (0, -3), mode='reflect')",
    "F.pad(T(shape=(1, 2, 3)), (0, 0, -2, -1), mode='replicate')",
    "F.pad(T(shape=(2, 3)), (-2, -1), mode='circular')",
    "F.pad(T(shape=(2, 3)), (-2, -2), mode='circular')",
    "F.pad(T(shape=(0, 2, 3)), (1, 1, 1, 1), mode='circular')",
    "F.pad(T(shape=(1, 2, 0)), (-1, 2))",
    "F.pad(T(shape=(0, 2, 3)), (-1, 2, 1, 0, 2, -1))",
    # hardtanh works on integers (limits truncated) and refuses bools
    "F.hardtanh(T([-3, 1, 4], 'int16'))",
    "F.hardtanh(T([-3, 1, 4], 'int8'), min_val=-0.5, max_val=2.5)",
    "F.hardtanh(T([-3, 1, 4], 'uint8'))",
    "F.hardtanh(T([3, 1, 4], 'uint8'), min_val=-0.5, max_val=2.5)",
    "F.relu6(T([-3, 1, 4], 'uint8'))",
    "F.relu6(T([True], 'bool'))",
    "F.hardtanh_(T([-3.0, 1.0, 4.0], 'float16'), min_val=2.0, max_val=1.0)",
    "F.hardtanh(T([-3.0, 1.0, 4.0]), min_val=2.0, max_val=1.0)",
    # embedding with an empty weight, multi_margin_loss, nll_loss batch sizes: torch's errors
    "F.embedding(T([0, 0, 0], 'int64'), T(shape=(0, 3)))",
    "F.embedding(T([[1, -2]], 'int64'), T(shape=(1, 0)))",
    "F.embedding(T([-1, 5], 'int64'), T(shape=(4, 0)))",
    "F.multi_margin_loss(T(shape=(3, 2)), T([2, 0, 1], 'int64'))",
    "F.multi_margin_loss(T(shape=(0,)), T(0, 'int64'))",
    "F.multi_margin_loss(T(shape=(1, 0)), T([0], 'int64'))",
    "F.multi_margin_loss(T(shape=(3, 2)), T([0, 0], 'int64'))",
    "F.multi_margin_loss(T(shape=(3, 2)), T([0, 0, 1], 'int64'), weight=T(1.0, shape=(3,)))",
    "F.multi_margin_loss(T(shape=(3, 2)), T([0, 0, 1], 'int32'))",
    "F.multi_margin_loss(T(1.0, shape=(1, 1)), T(0, 'int64'))",
    "F.multi_margin_loss(T(shape=(2, 3)), T(0, 'int64'))",
    "F.multi_margin_loss(T(shape=(2, 3)), T(0, 'int64', (2, 1)))",
    "F.nll_loss(T(shape=(1, 3)), T(shape=(3, 4), dtype='bool'))",
    "F.nll_loss(T(shape=(2, 3)), T(0, 'int64'))",
    "F.mse_loss(T(shape=(3, 3), dtype='float16'), T(shape=(3, 0)), reduction='batchmean')",
    "F.l1_loss(T(shape=(0,)), T(shape=(2, 3, 3, 3)), reduction='batchmean')",
    # interpolate: size / scale_factor before the mode's rank
    "F.upsample(T(shape=(0,)), size=0, scale_factor=3.0, mode='bogus')",
    "F.upsample(T([[-0.0]]), size=(1,), mode='bicubic', align_corners=True)",
    "F.interpolate(T(shape=(2, 1, 4, 1)), size=(3, 2), scale_factor=3.0, mode='trilinear')",
    "F.huber_loss(T(shape=(0,)), T(shape=(3, 2)), reduction='bad')",
    "F.huber_loss(T(shape=(3,)), T(shape=(3,)), reduction='bad', delta=0.0)",
    "F.triplet_margin_loss(T(3.0), T(-1.7), T(0.74), p=2, swap=True)",
    "F.triplet_margin_loss(T(1.0, shape=(2, 3, 4)), T(shape=(2, 3, 4)), T(shape=(2, 3, 4)))",
    "F.triplet_margin_loss(T(1.0, shape=(2, 3)), T(shape=(3,)), T(shape=(2, 3)))",
    "F.prelu(T(-0.84), T([-2.9]))",
    "F.prelu(T(0.84), T([-2.9, 1.0]))",
    "F.elu_(T([-1.0, 2.0]), 0.5, 2.0, 3.0)",
    "F.elu_(T([-1.0, 2.0]), 0.5, False)",
    "F.grid_sample(T(shape=(2, 3, 0, 0, 0)), T(shape=(2, 1, 1, 3, 3)), mode='bicubic', align_corners=False)",
    "F.grid_sample(T(shape=(2, 1, 4, 0)), T(shape=(2, 2, 2, 2)), align_corners=False)",
    "F.grid_sample(T(shape=(1, 1, 2, 2, 2)), T(shape=(1, 1, 1, 1, 3)), mode='bicubic', align_corners=False)",
    "F.normalize(T([[1e-4, 2e-4, 3e-3], [4, 5, 6]], 'float16'), p=1, dim=0)",
    "F.normalize(T([[1e-4, 2e-4, 3e-3], [4, 5, 6]], 'float16'))",
    # cross_entropy / nll_loss: probabilities for any target of the input's shape, order of the dtype checks
    "F.cross_entropy(T([[-0.2, -0.6]]), T([1], 'int64'), label_smoothing=-0.1)",
    "F.cross_entropy(T([[-0.2, -0.6]]), T([[0.2, 0.8]]), label_smoothing=-0.1)",
    "F.cross_entropy(T([[-0.2, -0.6]]), T([1], 'int64'), label_smoothing=1.5)",
    "F.cross_entropy(T([[-0.2, -0.6]]), T([[0, 1]], 'int64'))",
    "F.cross_entropy(T([[-1, -4], [0, 2]], 'int8'), T([[-128, -128], [0, 4]], 'int8'))",
    "F.cross_entropy(T(shape=(0,), dtype='bool'), T(True, 'bool'))",
    "F.cross_entropy(T(shape=(0,), dtype='int32'), T([0], 'int64'))",
    "F.cross_entropy(T(shape=(2, 1, 1)), T(0, 'uint8', (2, 1)))",
    "F.nll_loss(T(shape=(0,)), T(shape=(0,), dtype='int64'))",
    "F.nll_loss(T(shape=(3,)), T([0, 0], 'int64'))",
    "F.nll_loss(T(shape=(2, 0)), T([0, 0], 'int64'), ignore_index=0)",
    "F.nll_loss(T(shape=(2, 0)), T([0, 0], 'int64'), ignore_index=0, reduction='none')",
    "F.cross_entropy(T(shape=(2, 0)), T([0, 0], 'int64'), ignore_index=0, reduction='sum')",
    # integer inputs: tanhshrink / softsign compute in float, hardtanh refuses limits its type cannot hold
    "F.tanhshrink(T([[-3, -2]], 'int64'))",
    "F.tanhshrink(T([[True]], 'bool'))",
    "F.softsign(T([-2, -1], 'int16'))",
    "F.hardtanh_(T([-3], 'int64'), inf, 0.5)",
    "F.hardtanh(T([-3], 'int8'), -1000, 1)",
    "F.log_softmax(T(-1.2, 'float64'), 2, dtype=m.uint8)",
    "F.normalize(T(3.8, 'float16'))",
    "F.normalize(T([0.94, inf, -1.2], 'float16'), p=inf, dim=-2)",
    "F.nll_loss(T([[False, True], [False, False]], 'bool'), T([0, 0], 'int64'))",
    "F.softmin(T(0.15, 'float16'), -2, dtype=m.bool)",
    "F.pairwise_distance(T(shape=(2, 0), dtype='float64'), T(shape=(2, 0)), p=-1.0, eps=0.0)",
    "F.pairwise_distance(T(shape=(2, 0)), T(shape=(2, 0)), p=2.0)",
    "F.multilabel_margin_loss(T(shape=(0, 3)), T(shape=(0, 3), dtype='int32'), reduction='none')",
    "F.gumbel_softmax(T(shape=(0,), dtype='uint8'))",
    "F.embedding(T([0], 'int64'), T(shape=(0, 3)), max_norm=1.0)",
    "F.embedding(T(100, 'int64'), T(shape=(0, 1), dtype='float64'), max_norm=1.0)",
    "F.rms_norm(T(shape=(0, 1, 3), dtype='int64'), [4, 4])",
    "F.scaled_dot_product_attention(T(shape=(2, 0, 0)), T(shape=(2, 1, 1)), T(shape=(2, 1, 2)), "
    "attn_mask=T(shape=(0,), dtype='bool'), is_causal=True)",
    "F.grid_sample(T([[[[1.0, 2.0], [3.0, 4.0]]]], 'float16'), T([[[[0.3, -1.7], [2.5, 0.1]]]], 'float16'), "
    "padding_mode='reflection', align_corners=False)",
    # float16: computed in float32 and rounded once, as torch's CPU kernels
    "F.logsigmoid(T([-0.8481], 'float16'))",
    "F.multilabel_soft_margin_loss(T([0.8481], 'float16'), T([-4.3949]))",
    "F.softplus(T([-0.8481, 3.3, 20.1], 'float16'), beta=0.7)",
    "F.triplet_margin_loss(T([[0.1328], [-0.826], [10000.0]], 'float16'), T([[-2.14], [0.654], [4.836]], 'float16'), "
    "T([[-0.698], [-1.163], [2.102]], 'float16'))",
    "F.conv_transpose2d(T(shape=(0, 2, 3, 3), dtype='bool'), T(shape=(2, 2, 3, 1), dtype='int64'))",
    "F.conv2d(T(shape=(0, 2, 3, 3), dtype='bool'), T(shape=(2, 2, 3, 1), dtype='int64'))",
    "F.binary_cross_entropy(T([True], 'bool'), T([True], 'bool'))",
    "F.cross_entropy(T(shape=(1, 0)), T(shape=(1, 0)))",
    "F.cross_entropy(T(shape=(2, 0, 3)), T(shape=(2, 0, 3)), reduction='none')",
    "F.cross_entropy(T(shape=(0,)), T(shape=(0,)), reduction='none')",
    "F.batch_norm(T([0.06, -1.4], 'float16'), T([-0.96], 'float16'), T([3.39], 'float16'), training=False)",
    "F.batch_norm(T([0.06, -1.4]), None, None, training=False)",
    "F.normalize(T(shape=(1, 2, 0), dtype='float64'), p=inf, dim=0)",
    "F.normalize(T(shape=(1, 2, 0), dtype='float64'), p=inf, dim=2)",
    "F.normalize(T(shape=(1, 0, 3)), p=2, dim=1)",
    "F.normalize(T(shape=(0, 3), dtype='int64'))",
    "F.softsign(T([-128, 5, 127, -3], 'int8'))",
    "F.softsign(T([True], 'bool'))",
    # transposed convolutions with non-finite weights: only real inputs meet the weights
    "F.conv_transpose1d(T([[[1.0, 0.5], [2.0, -1.0]]]), T([[[inf, 2.0]], [[1.0, nan]]]))",
    "F.conv_transpose2d(T(1.5, shape=(1, 2, 3, 2)), T([[[[-inf, 1.0, 2.0]]], [[[0.5, 1.0, inf]]]]))",
    "F.group_norm(T([[[[300.0, 1.0], [2.0, -500.0]]]], 'float16'), 1)",
    "F.layer_norm(T([[300.0, 1.0, 2.0, -500.0]], 'float16'), [4])",
    "F.pdist(T(shape=(1, 0)), p=inf)",
    "F.pdist(T(shape=(3, 0)), p=inf)",
    "F.threshold(T([2, 3], 'uint8'), 0.5, -1.5)",
    "F.threshold(T([2, 3], 'int8'), 127.5, 0)",
    "F.threshold(T([2, 3], 'int32'), 2.7, 1.9)",
    "F.embedding(T([[2.0]]), T(shape=(4, 3)), padding_idx=4)",
    "F.poisson_nll_loss(T([[[[-3.29]]]], 'float16'), T([[[[3]]]], 'int32'), full=True)",
    # margin losses add only terms above 0 (a NaN term adds nothing), the target class never
    "F.multi_margin_loss(T(-inf, 'float64'), T(0, 'int64'), reduction='none')",
    "F.multi_margin_loss(T([[-inf, 1.0], [2.0, nan]], 'float64'), T([0, 1], 'int64'), reduction='none')",
    "F.multilabel_margin_loss(T([[nan, 1.0, 2.0], [inf, 0.5, 1.0]]), T([[1, -1, 0], [0, 2, -1]], 'int64'), "
    "reduction='none')",
    # activations at zero / NaN with extreme parameters
    "F.elu(T([[-1.0, 0.0], [0.0, -0.0]], 'float64'), inf)",
    "F.elu(T([-3.0, -0.0, 1.0], 'float16'), -inf)",
    "F.celu(T([-1.0, 0.0, -0.0, 2.0]), -inf)",
    "F.celu(T([-1.0, 0.0, -0.0, 2.0], 'float64'), nan)",
    "F.softshrink(T([0.4, nan, -0.5, 0.5, -0.7, 2.0], 'float16'), 0.5)",
]


@pytest.mark.parametrize("expr", CASES)
def test_like_torch(expr):
    same(expr)
