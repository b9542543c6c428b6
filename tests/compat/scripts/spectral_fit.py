"""A PyTorch script over torch.fft, torch.linalg, torch.special and cdist (deterministic inputs)."""

import math

import torch
import torch.fft
import torch.linalg
import torch.special

t = torch.arange(64, dtype=torch.float64) / 64
signal = torch.sin(2 * math.pi * 5 * t) + 0.5 * torch.cos(2 * math.pi * 12 * t)
spectrum = torch.fft.rfft(signal, norm="ortho")
peaks = torch.topk(spectrum.abs(), 2).indices.tolist()
back = torch.fft.irfft(spectrum, n=64, norm="ortho")

A = torch.stack([torch.ones_like(t), t, t ** 2], dim=1)
y = 1 + 2 * t - 3 * t ** 2
coef = torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)

w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
opt = torch.optim.SGD([w], lr=0.2)
for _ in range(40):
    opt.zero_grad()
    fit = torch.linalg.vector_norm(A @ w - y) ** 2 / 64
    penalty = torch.special.xlogy(w.abs() + 1, w.abs() + 1).sum() * 1e-3
    loss = fit + penalty + torch.special.gammaln(w.abs() + 2).sum() * 1e-3
    loss.backward()
    opt.step()

q, r = torch.linalg.qr(A)
values = {
    "peaks": peaks,
    "roundtrip": float((back - signal).abs().max()) < 1e-12,
    "coef": [round(c, 6) for c in coef.tolist()],
    "loss": round(loss.item(), 8),
    "w": [round(v, 8) for v in w.tolist()],
    "logdet": round(torch.linalg.slogdet(A.T @ A).logabsdet.item(), 8),
    "cond": round((torch.linalg.svdvals(A).max() / torch.linalg.svdvals(A).min()).item(), 6),
    "r_diag": [round(abs(v), 8) for v in r.diagonal().tolist()],
    "eig": [round(v, 8) for v in torch.linalg.eigvalsh(A.T @ A).tolist()],
    "cdist": round(torch.cdist(A[:5], A[:7]).sum().item(), 8),
    "nanmean": round(torch.nanmean(torch.tensor([1.0, float("nan"), 3.0]), axis=0).item(), 6),
}
print(values)
