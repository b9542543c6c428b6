"""A first look: one scalar through a chain of ops, then a tensor example."""

import glasstorch as torch

x = torch.tensor(-4.0, requires_grad=True)
z = (((x + 6) * 3) ** 0.5) / 4
z = ((z.tanh() + 1.1) * 1.2).relu()
z = ((z - 2.3) / 1.4).sigmoid()
z.backward()
print(f"scalar chain: z = {z.item():.6f}, dz/dx = {x.grad.item():.6f}")

w = torch.randn(3, 2, requires_grad=True)
inputs = torch.randn(4, 3)
loss = (inputs @ w).tanh().pow(2).mean()
loss.backward()
print("tensor example: loss =", loss)
print("d loss / d w =", w.grad)
