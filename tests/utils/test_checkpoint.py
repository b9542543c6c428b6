"""utils.checkpoint: recomputation in backward gives the plain run's gradients and dropout masks."""

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt
from glasstorch.utils.checkpoint import checkpoint, checkpoint_sequential


def _net(lib, p=0.0):
    lib.manual_seed(0)
    net = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.Tanh(), lib.nn.Dropout(p), lib.nn.Linear(6, 5),
                            lib.nn.GELU(), lib.nn.Linear(5, 3)).double()
    with lib.no_grad():
        for i, q in enumerate(net.parameters()):
            q.copy_(lib.tensor(np.random.default_rng(i).standard_normal(tuple(q.shape))))
    return net


def _grads(lib, net, x, run):
    xt = lib.tensor(x, requires_grad=True)
    out = run(net, xt)
    (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))).sum().backward()
    return [out.detach().numpy()] + [xt.grad.numpy()] + [q.grad.numpy() for q in net.parameters()]


X = np.random.default_rng(9).standard_normal((7, 4))


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_gradients_match_plain_run_and_torch(reentrant):
    plain = _grads(gt, _net(gt), X, lambda n, x: n(x))
    ck = _grads(gt, _net(gt), X, lambda n, x: checkpoint(n, x, use_reentrant=reentrant))
    ref = _grads(torch, _net(torch), X,
                 lambda n, x: torch.utils.checkpoint.checkpoint(n, x, use_reentrant=reentrant))
    for a, b, c in zip(ck, plain, ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, c, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dropout_inside_gets_the_same_mask_on_recomputation(reentrant):
    def run(net, x, ck):
        gt.manual_seed(123)
        return checkpoint(net, x, use_reentrant=reentrant) if ck else net(x)

    plain = _grads(gt, _net(gt, 0.5).train(), X, lambda n, x: run(n, x, False))
    ck = _grads(gt, _net(gt, 0.5).train(), X, lambda n, x: run(n, x, True))
    for a, b in zip(ck, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # without preserving the state, the rerun draws another mask: the gradients differ
    net = _net(gt, 0.5).train()
    gt.manual_seed(123)
    off = _grads(gt, net, X, lambda n, x: checkpoint(n, x, use_reentrant=reentrant, preserve_rng_state=False))
    assert not np.allclose(off[1], plain[1])


def test_checkpoint_sequential_matches_plain_run():
    plain = _grads(gt, _net(gt), X, lambda n, x: n(x))
    for segments in (1, 2, 3):
        ck = _grads(gt, _net(gt), X, lambda n, x, s=segments: checkpoint_sequential(n, s, x, use_reentrant=False))
        for a, b in zip(ck, plain):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_multiple_outputs_kwargs_and_params_only():
    w = gt.tensor([1.0, 2.0], requires_grad=True)

    def f(x, scale=1.0):
        return x * w * scale, (x + w).sum()

    a, b = checkpoint(f, gt.tensor([3.0, 4.0]), use_reentrant=False, scale=2.0)
    (a.sum() + b).backward()
    np.testing.assert_allclose(w.grad.numpy(), [2 * 3.0 + 1, 2 * 4.0 + 1])


def test_checkpoint_warnings_and_errors_as_torch():
    x = gt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(gt.sin, x)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = checkpoint(gt.sin, gt.ones(2), use_reentrant=True)
    assert not y.requires_grad
    assert type(checkpoint(gt.sin, x, use_reentrant=True).grad_fn).__name__ == "CheckpointFunctionBackward"
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        checkpoint(gt.sin, x, use_reentrant=True, foo=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(gt.sin, x, use_reentrant=False)
