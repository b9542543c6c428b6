"""The tiny GPT's elementwise layers one at a time: glasstorch against PyTorch.

    python benchmarks/kernels.py [--repeats 5]

Each layer runs at the shape it has in workload e (batch 16, context 64,
d_model 128, 4 heads), float32, forward alone under no_grad and forward +
backward. Both frameworks run in this process (PyTorch with as many threads
as NumPy's BLAS); the figure is the best of ``--repeats`` timings of 20
calls, in milliseconds per call. These layers are where the GPT's step
spends the time that is not matrix products.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from run import _threads


def _layers(lib):
    """(name, forward function, input array) for each layer."""
    rng = np.random.default_rng(0)
    F = lib.nn.functional
    ln = lib.nn.LayerNorm(128)
    return [
        ("layer_norm (16, 64, 128)", ln, rng.standard_normal((16, 64, 128))),
        ("gelu (16, 64, 512)", F.gelu, rng.standard_normal((16, 64, 512))),
        ("softmax (16, 4, 64, 64)", lambda t: F.softmax(t, dim=-1), rng.standard_normal((16, 4, 64, 64))),
        ("causal attention (16, 4, 64, 32)",
         lambda t: F.scaled_dot_product_attention(t, t * 0.5, t * 0.25, is_causal=True),
         rng.standard_normal((16, 4, 64, 32))),
    ]


def _best(fn, repeats: int) -> float:
    return min(timeit.repeat(fn, number=20, repeat=repeats)) / 20 * 1e3


def measure(lib, repeats: int) -> list:
    rows = []
    for name, layer, x in _layers(lib):
        xt = lib.tensor(x.astype(np.float32), requires_grad=True)
        grad = lib.ones(tuple(layer(xt).shape))

        def forward(layer=layer, xt=xt):
            with lib.no_grad():
                layer(xt)

        def both(layer=layer, xt=xt, grad=grad):
            layer(xt).backward(grad)

        rows.append((name, _best(forward, repeats), _best(both, repeats)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    import torch

    import glasstorch

    torch.set_num_threads(_threads())
    gt_rows, th_rows = measure(glasstorch, args.repeats), measure(torch, args.repeats)
    print(f"threads: {_threads()}   best of {args.repeats} x 20 calls, ms per call\n")
    print("| layer | glasstorch forward | PyTorch forward | glasstorch fwd+bwd | PyTorch fwd+bwd | ratio fwd+bwd |")
    print("|---|---:|---:|---:|---:|---:|")
    for (name, gf, gb), (_, tf, tb) in zip(gt_rows, th_rows):
        print(f"| {name} | {gf:.3f} | {tf:.3f} | {gb:.3f} | {tb:.3f} | {gb / tb:.2f} |")


if __name__ == "__main__":
    main()
