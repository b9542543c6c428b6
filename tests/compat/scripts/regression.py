"""Plain PyTorch: fit a line with a Linear layer and SGD."""
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.linspace(-1, 1, 64).unsqueeze(1)
y = 3 * x - 0.5 + 0.01 * torch.randn(64, 1)
model = nn.Linear(1, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(300):
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
w, b = model.weight.item(), model.bias.item()
print(f"w={w:.3f} b={b:.3f} loss={loss.item():.5f}")
assert abs(w - 3) < 0.05 and abs(b + 0.5) < 0.05, (w, b)
sys.stdout.flush()
