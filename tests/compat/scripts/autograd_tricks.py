"""Plain PyTorch: custom Function, no_grad, higher-order grad, hooks."""
import torch
from torch.autograd import Function


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = Square.apply(x).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
seen = []
x.register_hook(lambda grad: seen.append(grad.clone()))
g.sum().backward()
assert x.grad.tolist() == [2.0, 2.0, 2.0], x.grad
assert len(seen) == 1
with torch.no_grad():
    z = x * 2
assert not z.requires_grad
print("ok", g.tolist())
