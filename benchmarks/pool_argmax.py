"""Max pooling's window argmax: the bit-code kernel against its plain version.

    PYTHONPATH=src python benchmarks/pool_argmax.py

2x2 windows over LeNet's first feature maps, (64, 6, 28, 28) float32; best of
5 timings of 20 calls, in milliseconds per call.
"""

from __future__ import annotations

import timeit

import numpy as np

from glasstorch.kernels import first_match, first_match_plain


def main() -> None:
    x = np.random.default_rng(0).standard_normal((64, 6, 28, 28)).astype(np.float32)
    views = [x[:, :, i::2, j::2] for i in range(2) for j in range(2)]
    best = np.maximum.reduce(views)
    for name, fn in (("first_match", first_match), ("first_match_plain", first_match_plain)):
        t = min(timeit.repeat(lambda fn=fn: fn(views, best), number=20, repeat=5)) / 20
        print(f"{name:18s} {t * 1e3:6.2f} ms")


if __name__ == "__main__":
    main()
