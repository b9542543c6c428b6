"""LeNet-5 on MNIST, data-parallel over several processes (DistributedDataParallel on MPI).

    python -m glasstorch.distributed.run --nproc-per-node 2 examples/mnist_ddp.py [--epochs 1]

Each rank reads its own share of the training set (DistributedSampler), holds a
copy of the model, and after every backward the ranks' gradients are averaged
(all-reduced in buckets while backward is still running), so the copies stay
equal. Rank 0 reports the test accuracy; every rank checks that its weights
equal rank 0's.

Full run on the 2-core development machine (`python -m glasstorch.distributed.run
--nproc-per-node 2 examples/mnist_ddp.py`, 2 ranks x 1 thread, global batch 64):
see docs/distributed.md for the figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import glasstorch as torch
import glasstorch.distributed as dist
from glasstorch import nn
from glasstorch.nn.parallel import DistributedDataParallel as DDP
from glasstorch.utils.data import DataLoader, DistributedSampler, Subset

try:
    from _common import accuracy, load_mnist
    from mnist_cnn import lenet5
except ImportError:
    from examples._common import accuracy, load_mnist
    from examples.mnist_cnn import lenet5


def main(epochs: int = 1, batch_size: int = 64, train_limit: int | None = None,
         test_limit: int | None = None) -> dict:
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    train = load_mnist("mnist", train=True)
    test = load_mnist("mnist", train=False)
    if train_limit:
        train = Subset(train, range(train_limit))
    if test_limit:
        test = Subset(test, range(test_limit))
    sampler = DistributedSampler(train, shuffle=True, seed=0)
    # the global batch is split over the ranks
    loader = DataLoader(train, batch_size=batch_size // world, sampler=sampler)
    model = DDP(lenet5())  # rank 0's initial weights go to every rank
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    start = time.time()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()  # gradients averaged over the ranks here
            opt.step()
        seconds = time.time() - start
        if rank == 0:
            acc = accuracy(model.module, DataLoader(test, batch_size=500))
            print(f"epoch {epoch + 1}: test accuracy {acc:.4f} ({seconds:.0f} s, {world} ranks)", flush=True)
    # the replicas never drifted apart
    mine = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    first = torch.from_numpy(mine.copy())
    dist.broadcast(first, src=0)
    flags = [None] * world
    dist.all_gather_object(flags, bool(np.array_equal(first.numpy(), mine)))
    same = all(flags)
    acc = accuracy(model.module, DataLoader(test, batch_size=500)) if rank == 0 else None
    dist.destroy_process_group()
    if rank == 0:
        print(f"replicas identical: {same}")
    return {"rank": rank, "test_accuracy": acc, "replicas_identical": same, "seconds": time.time() - start}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--train-limit", type=int)
    ap.add_argument("--test-limit", type=int)
    a = ap.parse_args()
    main(a.epochs, a.batch_size, a.train_limit, a.test_limit)
