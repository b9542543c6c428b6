import numpy as np
from compare import check, gradchecks

import glasstorch as gt


def test_scalar_chain_matches_torch():
    import torch

    def chain(m):
        x = m.tensor(-4.0, requires_grad=True)
        z = (((x + 6) * 3) ** 0.5) / 4
        z = z.tanh()
        z = (z + 1.1) * 1.2
        z = z.relu()
        z = (z - 2.3) / 1.4
        z = z.sigmoid()
        z.backward()
        return z.item(), x.grad.item()

    a, b = chain(gt), chain(torch)
    assert np.allclose(a, b, rtol=1e-6)


def test_check_helper_on_mul():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 1))
    b = rng.standard_normal((1, 4))
    check(lambda x, y: x * y, lambda x, y: x * y, a, b)
    gradchecks(lambda x, y: x * y, a, b)
