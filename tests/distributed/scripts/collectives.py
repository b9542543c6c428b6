"""Run on N ranks: every collective against NumPy computed from all ranks' inputs.

Each rank builds every rank's input from the rank number, so it knows the
expected result without communication. Prints "rank R ok" at the end.
"""

from datetime import timedelta

import numpy as np

import glasstorch as torch
import glasstorch.distributed as dist
from glasstorch import nn


def inputs(r, shape=(2, 3), dtype=np.float64):
    return (np.arange(np.prod(shape)).reshape(shape) * (r + 1) + r).astype(dtype)


def check(got, want):
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=0)


def main():
    dist.init_process_group("gloo", timeout=timedelta(seconds=60))
    r, n = dist.get_rank(), dist.get_world_size()
    every = np.stack([inputs(k) for k in range(n)])

    for op, fn in [(dist.ReduceOp.SUM, np.sum), (dist.ReduceOp.PRODUCT, np.prod), (dist.ReduceOp.MIN, np.min),
                   (dist.ReduceOp.MAX, np.max), (dist.ReduceOp.AVG, np.mean)]:
        t = torch.tensor(inputs(r))
        dist.all_reduce(t, op=op)
        check(t, fn(every, axis=0))
    # integers and bitwise ops
    ints = torch.tensor(inputs(r, dtype=np.int64))
    dist.all_reduce(ints, op=dist.ReduceOp.BXOR)
    check(ints, np.bitwise_xor.reduce(every.astype(np.int64), axis=0))
    # a non-contiguous tensor is reduced in place through a copy
    base = torch.tensor(inputs(r, (3, 2)))
    view = base.t()
    dist.all_reduce(view)
    check(base, sum(inputs(k, (3, 2)) for k in range(n)))
    # async: the result is there after wait()
    t = torch.tensor(inputs(r))
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() is True and work.is_completed()
    check(t, every.sum(axis=0))

    t = torch.tensor(inputs(r))
    dist.broadcast(t, src=n - 1)
    check(t, every[n - 1])

    t = torch.tensor(inputs(r))
    dist.reduce(t, dst=0, op=dist.ReduceOp.MAX)
    check(t, every.max(axis=0) if r == 0 else every[r])

    parts = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(n)]
    dist.all_gather(parts, torch.tensor(inputs(r)))
    check(np.stack([p.numpy() for p in parts]), every)

    out = torch.zeros(n * 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(out, torch.tensor(inputs(r)))
    check(out, every.reshape(n * 2, 3))

    big = torch.tensor(np.concatenate([inputs(r, (2, 3)) + k for k in range(n)]))
    out = torch.zeros(2, 3, dtype=torch.float64)
    dist.reduce_scatter_tensor(out, big)
    check(out, sum(inputs(k, (2, 3)) + r for k in range(n)))

    gl = [torch.zeros(2, 3, dtype=torch.float64) for _ in range(n)] if r == 1 % n else None
    dist.gather(torch.tensor(inputs(r)), gl, dst=1 % n)
    if r == 1 % n:
        check(np.stack([g.numpy() for g in gl]), every)

    t = torch.zeros(2, 3, dtype=torch.float64)
    dist.scatter(t, [torch.tensor(inputs(k) * 10) for k in range(n)] if r == 0 else None, src=0)
    check(t, inputs(r) * 10)

    # point to point around a ring, blocking and not
    right, left = (r + 1) % n, (r - 1) % n
    t = torch.zeros(2, 3, dtype=torch.float64)
    send = dist.isend(torch.tensor(inputs(r)), right)
    recv = dist.irecv(t, left)
    send.wait()
    recv.wait()
    check(t, inputs(left))
    if r == 0:
        dist.send(torch.tensor(inputs(0)), 1)
    elif r == 1:
        t = torch.zeros(2, 3, dtype=torch.float64)
        assert dist.recv(t) == 0
        check(t, inputs(0))

    # a subgroup of ranks 0 and 1; src/dst are global ranks
    g = dist.new_group([0, 1])
    if r in (0, 1):
        t = torch.tensor(inputs(r))
        dist.all_reduce(t, group=g)
        check(t, inputs(0) + inputs(1))
        assert dist.get_world_size(g) == 2 and dist.get_rank(g) == r
    else:
        assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1

    # objects travel as data
    objs = [{"lr": 0.1, "layers": (1, 2)}, torch.ones(2), "x"] if r == 0 else [None, None, None]
    dist.broadcast_object_list(objs, src=0)
    assert objs[0] == {"lr": 0.1, "layers": (1, 2)} and objs[1].tolist() == [1.0, 1.0] and objs[2] == "x"
    gathered = [None] * n
    dist.all_gather_object(gathered, {"rank": r})
    assert gathered == [{"rank": k} for k in range(n)]

    # a shape mismatch is reported by name on every rank, and nothing hangs
    try:
        dist.all_reduce(torch.ones(r + 1))
    except RuntimeError as e:
        assert "ranks brought different tensors" in str(e) and "shape [1]" in str(e), e
    else:
        raise AssertionError("no error for a shape mismatch")

    # SyncBatchNorm on each rank's slice equals BatchNorm on the whole batch
    x_all = torch.tensor(np.random.default_rng(0).normal(size=(2 * n, 3, 4)))
    torch.manual_seed(0)
    sync = nn.SyncBatchNorm(3).double()
    with torch.no_grad():
        sync.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
    x = x_all[2 * r:2 * r + 2].clone().requires_grad_()
    y = sync(x)
    (y * torch.arange(24, dtype=torch.float64).reshape(2, 3, 4)).sum().backward()
    full = nn.BatchNorm1d(3).double()
    with torch.no_grad():
        full.weight.copy_(torch.tensor([1.0, 2.0, 0.5]))
    xf = x_all.clone().requires_grad_()
    yf = full(xf)
    (yf * torch.arange(24, dtype=torch.float64).reshape(2, 3, 4).repeat(n, 1, 1)).sum().backward()
    check(y.detach(), yf.detach()[2 * r:2 * r + 2].numpy())
    check(x.grad, xf.grad[2 * r:2 * r + 2].numpy())
    check(sync.running_var, full.running_var.numpy())
    wgrad = sync.weight.grad.clone()
    dist.all_reduce(wgrad)
    check(wgrad, full.weight.grad.numpy())

    dist.barrier()
    dist.destroy_process_group()
    print(f"rank {r} ok")


if __name__ == "__main__":
    main()
