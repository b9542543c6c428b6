"""Benchmark workloads, written once against the PyTorch API.

Each ``build_*`` takes the framework module (``torch`` or ``glasstorch``) and
returns ``(step, infer)``: ``step()`` runs one training step (forward,
backward, optimizer step) and ``infer()`` one forward pass under no_grad.
Data are synthetic, float32, with fixed seeds.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("GLASSTORCH_MALLOPT", "1")  # figures are with malloc tuned (glasstorch.backend.tune_malloc)


def _data(shape, seed=0, high=None):
    rng = np.random.default_rng(seed)
    if high is not None:
        return rng.integers(0, high, size=shape).astype(np.int64)
    return rng.standard_normal(shape).astype(np.float32)


def _train_step(torch, model, loss_fn, opt, x, y):
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def infer():
        with torch.no_grad():
            return model(x)

    return step, infer


def build_mlp(torch):
    """a. MLP 784-512-256-10, ReLU, cross-entropy, SGD with momentum, batch 128."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.from_numpy(_data((128, 784)))
    y = torch.from_numpy(_data((128,), high=10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return _train_step(torch, model, nn.CrossEntropyLoss(), opt, x, y)


def build_lenet(torch):
    """b. LeNet-5 on 1x28x28: conv 6@5x5, max-pool, conv 16@5x5, max-pool, fc 120-84-10; Adam, batch 64."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    x = torch.from_numpy(_data((64, 1, 28, 28)))
    y = torch.from_numpy(_data((64,), high=10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return _train_step(torch, model, nn.CrossEntropyLoss(), opt, x, y)


def residual_block(torch):
    """The block of workload c, for ``torch`` or glasstorch: two 3x3 convolutions with
    BatchNorm, and a 1x1 projection on the shortcut when the shape changes."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                          if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return torch.relu(out + self.short(x))

    return Block


def build_resnet(torch):
    """c. A small residual CNN on 3x32x32 with BatchNorm (4 conv layers, 32-64 channels); SGD, batch 64."""
    nn = torch.nn
    Block = residual_block(torch)
    torch.manual_seed(0)
    model = nn.Sequential(Block(3, 32, 1), Block(32, 64, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(64, 10))
    x = torch.from_numpy(_data((64, 3, 32, 32)))
    y = torch.from_numpy(_data((64,), high=10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return _train_step(torch, model, nn.CrossEntropyLoss(), opt, x, y)


def char_lstm(torch, vocab: int, emb: int, hidden: int):
    """The model of workload d, for ``torch`` or glasstorch: embedding, one batch-first
    LSTM layer, a linear head; logits come out as (batch * time, vocab)."""
    nn = torch.nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, emb)
            self.lstm = nn.LSTM(emb, hidden, batch_first=True)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, idx):
            out, _ = self.lstm(self.emb(idx))
            return self.head(out).reshape(-1, vocab)

    return CharLSTM()


def build_lstm(torch):
    """d. Character LSTM: vocab 65, embedding 64, nn.LSTM hidden 256, sequence 64, batch 32; Adam."""
    torch.manual_seed(0)
    model = char_lstm(torch, 65, 64, 256)
    x = torch.from_numpy(_data((32, 64), high=65))
    y = torch.from_numpy(_data((32 * 64,), seed=1, high=65))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    return _train_step(torch, model, torch.nn.CrossEntropyLoss(), opt, x, y)


def build_gpt(torch):
    """e. Tiny GPT: 2 Transformer blocks, d_model 128, 4 heads, context 64, vocab 65, batch 16; AdamW."""
    nn = torch.nn
    F = torch.nn.functional
    d, heads, ctx, vocab = 128, 4, 64, 65

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
            q = q.view(B, T, heads, C // heads).transpose(1, 2)
            k = k.view(B, T, heads, C // heads).transpose(1, 2)
            v = v.view(B, T, heads, C // heads).transpose(1, 2)
            att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(att.transpose(1, 2).reshape(B, T, C))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(ctx, d)
            self.blocks = nn.Sequential(Block(), Block())
            self.ln = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab)

        def forward(self, idx):
            T = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(T))
            return self.head(self.ln(self.blocks(x))).reshape(-1, vocab)

    torch.manual_seed(0)
    model = GPT()
    x = torch.from_numpy(_data((16, ctx), high=vocab))
    y = torch.from_numpy(_data((16 * ctx,), seed=1, high=vocab))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    return _train_step(torch, model, nn.CrossEntropyLoss(), opt, x, y)


def build_small_ops(torch):
    """f. Overhead: a chain of 100 small elementwise ops on a 10-element tensor, forward + backward."""
    x = torch.from_numpy(_data((10,))).requires_grad_()
    ops = [lambda t: t * 1.01, lambda t: t + 0.1, lambda t: t.tanh(), lambda t: t - 0.05,
           lambda t: t.sigmoid()]

    def step():
        y = x
        for i in range(100):
            y = ops[i % len(ops)](y)
        y.sum().backward()
        x.grad = None

    def infer():
        with torch.no_grad():
            y = x
            for i in range(100):
                y = ops[i % len(ops)](y)
            return y

    return step, infer


WORKLOADS = {
    "a_mlp": build_mlp,
    "b_lenet5": build_lenet,
    "c_resnet": build_resnet,
    "d_char_lstm": build_lstm,
    "e_tiny_gpt": build_gpt,
    "f_100_small_ops": build_small_ops,
}

TARGETS = {"a_mlp": 1.3, "b_lenet5": 1.5, "c_resnet": 2.0, "d_char_lstm": 1.8, "e_tiny_gpt": 1.5,
           "f_100_small_ops": 0.5}

# how many timed steps per process (slow workloads fewer)
STEPS = {"a_mlp": 30, "b_lenet5": 15, "c_resnet": 6, "d_char_lstm": 6, "e_tiny_gpt": 8, "f_100_small_ops": 100}

