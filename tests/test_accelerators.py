"""cuda / accelerator / backends / amp / compile answer like torch does on a machine without GPUs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import glasstorch as gt


def test_cuda_answers_like_torch_without_cuda():
    assert gt.cuda.is_available() is torch.cuda.is_available() is False
    assert gt.cuda.device_count() == torch.cuda.device_count() == 0
    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved"):
        assert getattr(gt.cuda, name)() == getattr(torch.cuda, name)() == 0
    assert gt.cuda.empty_cache() is None and gt.cuda.reset_peak_memory_stats() is None
    assert gt.cuda.manual_seed(1) is None and gt.cuda.manual_seed_all(1) is None
    for name in ("current_device", "get_device_name", "synchronize"):
        with pytest.raises(AssertionError, match="not compiled with CUDA") as ours:
            getattr(gt.cuda, name)()
        with pytest.raises(AssertionError) as theirs:
            getattr(torch.cuda, name)()
        assert str(ours.value) == str(theirs.value)


def test_cuda_tensor_still_refused():
    with pytest.raises(RuntimeError, match="cuda"):
        gt.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        gt.ones(2).to("cuda")


def test_accelerator():
    assert gt.accelerator.is_available() is torch.accelerator.is_available() is False
    assert gt.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert gt.accelerator.device_count() == 0
    with pytest.raises(RuntimeError):
        gt.accelerator.current_device_index()


def test_backends_flags():
    cudnn = gt.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (
        torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic)
    assert cudnn.is_available() is False and cudnn.version() is None
    old = cudnn.benchmark
    cudnn.benchmark = True
    assert gt.backends.cudnn.benchmark is True
    cudnn.benchmark = old
    with cudnn.flags(enabled=False, deterministic=True):
        assert cudnn.deterministic is True and cudnn.enabled is False
    assert cudnn.deterministic is False and cudnn.enabled is True
    assert gt.backends.mps.is_available() is torch.backends.mps.is_available() is False
    assert gt.backends.mps.is_built() is False
    assert isinstance(gt.backends.cpu.get_cpu_capability(), str)


def test_float32_matmul_precision():
    assert gt.get_float32_matmul_precision() == "highest"
    gt.set_float32_matmul_precision("high")
    assert gt.get_float32_matmul_precision() == "high"
    with pytest.warns(UserWarning, match="is not one of"):
        gt.set_float32_matmul_precision("fast")
    assert gt.get_float32_matmul_precision() == "high"
    gt.set_float32_matmul_precision("highest")


def test_autocast_decision():
    x = gt.ones(2, 2)
    with gt.autocast("cpu", enabled=False):
        assert (x @ x).dtype == gt.float32
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling autocast"):
        with gt.autocast("cuda"):
            assert (x @ x).dtype == gt.float32
            assert not gt.is_autocast_enabled()
    with pytest.raises(RuntimeError, match="bfloat16"):
        gt.autocast("cpu")
    with pytest.raises(RuntimeError, match="bfloat16"):
        gt.amp.autocast("cpu", dtype=gt.float16 if False else None)
    with pytest.raises(RuntimeError, match="float16 is not implemented"):
        gt.autocast("cpu", dtype=gt.float16)
    with pytest.raises(RuntimeError, match="unsupported autocast device_type"):
        gt.autocast("tpu")


def _scaler_run(lib, grads_inf_at: int):
    """Three steps of SGD under a CPU GradScaler; step ``grads_inf_at`` gets an inf gradient."""
    lib.manual_seed(0)
    w = lib.nn.Parameter(lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64))
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    scales = []
    for step in range(4):
        opt.zero_grad()
        loss = (w * w).sum() * (float("inf") if step == grads_inf_at else 1.0)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return w.detach().numpy().copy(), scales


def test_grad_scaler_matches_torch_on_cpu():
    ours, our_scales = _scaler_run(gt, grads_inf_at=1)
    theirs, their_scales = _scaler_run(torch, grads_inf_at=1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert our_scales == their_scales


def test_grad_scaler_cuda_is_pass_through():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        scaler = gt.amp.GradScaler()
    assert any("CUDA is not available" in str(r.message) for r in rec)
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0
    loss = gt.tensor(2.0, requires_grad=True)
    assert scaler.scale(loss) is loss and scaler.state_dict() == {}


def test_compile_keeps_orig_mod():
    model = gt.nn.Sequential(gt.nn.Linear(3, 4), gt.nn.ReLU(), gt.nn.Linear(4, 2))
    compiled = gt.compile(model)
    assert compiled._orig_mod is model
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    assert list(compiled.state_dict()) == ["_orig_mod." + k for k in tmodel.state_dict()]
    x = gt.randn(5, 3)
    np.testing.assert_array_equal(compiled(x).detach().numpy(), model(x).detach().numpy())
    with pytest.raises(TypeError):  # dunder methods do not fall through, as in torch
        compiled[0]
    lin = gt.compile(gt.nn.Linear(3, 4))
    assert lin.in_features == 3 and lin.weight is lin._orig_mod.weight  # attributes do
    assert list(compiled.parameters()) == list(model.parameters())
    assert gt.compile(mode="reduce-overhead")(model)._orig_mod is model
    fn = lambda t: t * 2  # noqa: E731
    cfn = gt.compile(fn)
    assert cfn.__wrapped__ is fn and [cfn(x).sum().item() for _ in range(3)] == [fn(x).sum().item()] * 3
    assert gt.compile(model, disable=True) is model


def test_cuda_amp_spellings_under_compat():
    import subprocess
    import sys

    code = ("import warnings; warnings.simplefilter('ignore')\n"
            "from glasstorch import compat; compat.install()\n"
            "from torch.cuda.amp import GradScaler, autocast\nimport torch\n"
            "s = GradScaler(); a = autocast()\n"
            "print(s.is_enabled(), torch.cuda.amp.GradScaler is GradScaler)\n"
            "with autocast():\n    print((torch.ones(2) * 2).dtype)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split() == ["False", "True", "torch.float32"]
