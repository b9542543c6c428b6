"""Small versions of the benchmark workloads, for compiled-equals-eager tests (the residual
block and the character LSTM are the workloads' own, at small sizes).

Each builder returns ``(model, optimizer, batches)`` made from a fixed seed, in
``dtype``; ``step_for`` builds the training step a user would write.
"""

from __future__ import annotations

import numpy as np

import glasstorch as gt
import glasstorch.nn as nn
import glasstorch.nn.functional as F
from benchmarks.workloads import char_lstm, residual_block


def _batches(n, x_shape, classes, dtype, seed=0, tokens=None):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if tokens is None:
            x = gt.tensor(rng.standard_normal(x_shape), dtype=dtype)
        else:
            x = gt.tensor(rng.integers(0, tokens, x_shape))
        y = gt.tensor(rng.integers(0, classes, x_shape[0] if tokens is None else int(np.prod(x_shape))))
        out.append((x, y))
    return out


def mlp(dtype, n=4):
    gt.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 5)).to(dtype)
    opt = gt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt, _batches(n, (8, 12), 5, dtype)


def lenet(dtype, n=4):
    gt.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3)).to(dtype)
    opt = gt.optim.Adam(model.parameters(), lr=1e-2)
    return model, opt, _batches(n, (4, 1, 8, 8), 3, dtype)


def resnet(dtype, n=4):
    gt.manual_seed(0)
    block = residual_block(gt)
    model = nn.Sequential(block(2, 4, 1), block(4, 6, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(6, 3)).to(dtype)
    opt = gt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
    return model, opt, _batches(n, (4, 2, 6, 6), 3, dtype)


def lstm(dtype, n=4):
    gt.manual_seed(0)
    model = char_lstm(gt, 11, 6, 8).to(dtype)
    opt = gt.optim.Adam(model.parameters(), lr=2e-3)
    return model, opt, _batches(n, (3, 5), 11, dtype, tokens=11)


class _Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d), nn.Dropout(0.1))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, dropout_p=0.1, is_causal=True)
        x = x + self.proj(att.transpose(1, 2).reshape(B, T, C))
        return x + self.mlp(self.ln2(x))


class _GPT(nn.Module):
    def __init__(self, vocab=13, d=8, ctx=6):
        super().__init__()
        self.vocab = vocab
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(ctx, d)
        self.blocks = nn.Sequential(_Attention(d, 2), _Attention(d, 2))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(gt.arange(T))
        return self.head(self.ln(self.blocks(x))).reshape(-1, self.vocab)


def gpt(dtype, n=4):
    gt.manual_seed(0)
    model = _GPT().to(dtype)
    opt = gt.optim.AdamW(model.parameters(), lr=3e-3)
    return model, opt, _batches(n, (2, 6), 13, dtype, tokens=13)


MODELS = {"mlp": mlp, "lenet": lenet, "resnet": resnet, "lstm": lstm, "gpt": gpt}


def step_for(model, opt, clip=None):
    """The training step a user writes: zero_grad, forward, loss, backward, (clip), step."""

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        return loss

    return step


def state_of(model, opt) -> list[np.ndarray]:
    """Every array a step changes: parameters, buffers, gradients, optimizer state."""
    out = [p.detach().numpy().copy() for p in model.parameters()]
    out += [b.numpy().copy() for b in model.buffers()]
    out += [p.grad.numpy().copy() for p in model.parameters() if p.grad is not None]
    for st in opt.state.values():
        out += [v.numpy().copy() for v in st.values() if isinstance(v, gt.Tensor)]
    return out
