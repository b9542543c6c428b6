"""A user-defined autograd.Function (a numerically stable softplus), checked with gradcheck.

    python examples/custom_function.py

Full run (`python examples/custom_function.py`, 0.6 s): gradcheck and gradgradcheck pass;
softplus(+-1000) gives [1000, 0].
"""

from __future__ import annotations

import glasstorch as torch


class SoftPlus(torch.autograd.Function):
    """softplus(x) = log(1 + e^x), written so large |x| never overflows.

    d/dx softplus(x) = sigmoid(x).
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)


def main() -> dict:
    x = torch.linspace(-5, 5, 11, dtype=torch.float64, requires_grad=True)
    y = SoftPlus.apply(x)
    y.sum().backward()
    print("softplus:", y)
    print("gradient:", x.grad)
    print("grad_fn:", y.grad_fn.name())
    ok = torch.autograd.gradcheck(SoftPlus.apply, (x,))
    ok2 = torch.autograd.gradgradcheck(SoftPlus.apply, (x,))
    big = SoftPlus.apply(torch.tensor([1000.0, -1000.0]))
    print("gradcheck:", ok, " gradgradcheck:", ok2, " softplus(+-1000):", big)
    return {"gradcheck": ok, "gradgradcheck": ok2, "big": big.tolist()}


if __name__ == "__main__":
    main()
