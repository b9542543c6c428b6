"""A small decoder-only Transformer (character level) on Tiny Shakespeare that prints generated text.

    python examples/tiny_gpt.py [--steps 1500]

Full run on the 2-core development machine (`python examples/tiny_gpt.py`): mean loss of the
last 50 steps 1.934 after 1500 steps, 90 s; a sample is in docs/examples.md.
"""

from __future__ import annotations

import argparse
import time

import glasstorch as torch
from glasstorch import nn
from glasstorch.datasets import TinyShakespeare
from glasstorch.utils.data import DataLoader, RandomSampler

try:
    from _common import add_progress_flag, data_root, progress
except ImportError:
    from examples._common import add_progress_flag, data_root, progress

F = nn.functional


class Block(nn.Module):
    """Pre-norm Transformer block: causal self-attention then an MLP, each with a residual."""

    def __init__(self, d: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(dropout))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.drop(self.proj(att.transpose(1, 2).reshape(B, T, C)))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, block: int, d: int = 128, heads: int = 4, layers: int = 2,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.block = block
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block, d)
        self.blocks = nn.Sequential(*[Block(d, heads, dropout) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln(self.blocks(x)))


@torch.no_grad()
def generate(model, ds, prompt: str, length: int, temperature: float = 0.8) -> str:
    model.eval()
    idx = torch.tensor([ds.encode(prompt)])
    for _ in range(length):
        logits = model(idx[:, -model.block:])
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        idx = torch.cat([idx, torch.multinomial(probs, 1)], dim=1)
    model.train()
    return ds.decode(idx[0])


def main(steps: int = 1500, block: int = 64, batch_size: int = 16, quiet: bool = False,
         compiled: bool = False) -> dict:
    torch.manual_seed(0)
    ds = TinyShakespeare(data_root("shakespeare").parent, block_size=block, download=True)
    loader = DataLoader(ds, batch_size=batch_size,
                        sampler=RandomSampler(ds, replacement=True, num_samples=steps * batch_size))
    model = TinyGPT(ds.vocab_size, block)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    start = time.time()
    losses = []
    vocab = ds.vocab_size

    def train_step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss

    if compiled:  # --compile: captured once, then replayed (docs/compile.md)
        train_step = torch.compile(train_step)
    bar = progress(loader, total=steps, desc="training", disable=quiet)
    for x, y in bar:
        loss = train_step(x, y)
        sched.step()
        losses.append(loss.item())
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{loss.item():.3f}")
    final = sum(losses[-50:]) / len(losses[-50:])
    sample = generate(model, ds, "ROMEO:\n", 200)
    if not quiet:
        print(f"mean loss over the last 50 steps: {final:.3f}  ({time.time() - start:.0f} s)")
        print(sample)
    return {"loss": final, "first_loss": losses[0], "sample": sample, "seconds": time.time() - start}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    add_progress_flag(ap)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--compile", action="store_true", help="replay the training step with glasstorch.compile")
    args = ap.parse_args()
    main(args.steps, compiled=args.compile)
