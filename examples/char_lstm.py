"""A character-level LSTM on Tiny Shakespeare that prints generated text.

    python examples/char_lstm.py [--steps 1500]

Full run on the 2-core development machine (`python examples/char_lstm.py`): mean loss of the
last 50 steps 1.437 after 1500 steps, 240 s; a sample is in docs/examples.md.
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


class CharLSTM(nn.Module):
    def __init__(self, vocab: int, emb: int = 64, hidden: int = 256, layers: int = 1) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.emb(idx), state)
        return self.head(out), state


@torch.no_grad()
def generate(model, ds, prompt: str, length: int, temperature: float = 0.8) -> str:
    model.eval()
    idx = torch.tensor([ds.encode(prompt)])
    logits, state = model(idx)
    out = list(prompt)
    for _ in range(length):
        probs = torch.softmax(logits[:, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1)
        out.append(ds.decode(nxt[0]))
        logits, state = model(nxt, state)
    model.train()
    return "".join(out)


def main(steps: int = 1500, block: int = 64, batch_size: int = 32, quiet: bool = False,
         compiled: bool = False) -> dict:
    torch.manual_seed(0)
    ds = TinyShakespeare(data_root("shakespeare").parent, block_size=block, download=True)
    sampler = RandomSampler(ds, replacement=True, num_samples=steps * batch_size)
    loader = DataLoader(ds, batch_size=batch_size, sampler=sampler)
    model = CharLSTM(ds.vocab_size)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    losses = []
    vocab = ds.vocab_size

    def train_step(x, y):
        opt.zero_grad()
        logits, _ = model(x)
        loss = loss_fn(logits.reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    if compiled:  # --compile: captured once, then replayed (docs/compile.md)
        train_step = torch.compile(train_step)
    bar = progress(loader, total=steps, desc="training", disable=quiet)
    for x, y in bar:
        loss = train_step(x, y)
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
