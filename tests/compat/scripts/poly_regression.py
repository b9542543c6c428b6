"""Fit a polynomial with one Linear layer and hand-written SGD updates (the regression example's
surface): feature building with cat of powers, smooth_l1_loss, .grad.data, in-place param updates.
The target coefficients and samples come from NumPy, so both libraries print the same numbers."""
import numpy as np
import torch
import torch.nn.functional as F

DEGREE = 3
rng = np.random.default_rng(0)
W_target = torch.from_numpy(rng.standard_normal((DEGREE, 1)).astype(np.float32)) * 5
b_target = torch.from_numpy(rng.standard_normal(1).astype(np.float32)) * 5


def features(x):
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def describe(W, b):
    result = "y = "
    for i, w in enumerate(W):
        result += f"{w:+.2f} x^{len(W) - i} "
    return result + f"{b[0]:+.2f}"


fc = torch.nn.Linear(W_target.size(0), 1)
with torch.no_grad():
    fc.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, (1, DEGREE)).astype(np.float32)))
    fc.bias.zero_()
for step in range(1, 201):  # noqa: B007  (step is printed after the loop)
    x = features(torch.from_numpy(rng.standard_normal(32).astype(np.float32)))
    y = f(x)
    fc.zero_grad()
    loss = F.smooth_l1_loss(fc(x), y)
    loss.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad.data)
    if loss.item() < 1e-3:
        break
print(f"Loss: {loss.item():.6f} after {step} batches")
print("==> Learned function:\t" + describe(fc.weight.view(-1), fc.bias))
print("==> Actual function:\t" + describe(W_target.view(-1), b_target))
