"""Run on N ranks: DDP training with per-rank batch B/N must equal one process with batch B.

Rank 0 also trains the single-process reference itself and writes both
results to the JSON file named by argv[1].
"""

import json
import sys

import numpy as np

import glasstorch as torch
import glasstorch.distributed as dist
from glasstorch import nn
from glasstorch.nn.parallel import DistributedDataParallel as DDP


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm1d(4)
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        h = torch.relu(self.bn(self.conv(x)))  # (B, 4, L)
        out, _ = self.lstm(h.transpose(1, 2))
        return self.head(out[:, -1])


def make():
    torch.manual_seed(0)
    return nn.SyncBatchNorm.convert_sync_batchnorm(Net().double())


def batches(steps, total):
    rng = np.random.default_rng(1)
    for _ in range(steps):
        yield (torch.tensor(rng.normal(size=(total, 3, 6))), torch.tensor(rng.integers(0, 2, total)))


def train(model, steps, total, rank, world, accumulate, split=1):
    """``split`` > 1 (the one-process reference) reorders the batch so that each
    micro-batch holds what the ``split`` ranks' micro-batches hold together."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    per = total // world
    part, half = total // split, total // split // 2
    order = [r * part + i for k in (0, 1) for r in range(split) for i in range(k * half, (k + 1) * half)]
    for x, y in batches(steps, total):
        if split > 1:
            x, y = x[order], y[order]
        x, y = x[rank * per:(rank + 1) * per], y[rank * per:(rank + 1) * per]
        opt.zero_grad()
        if accumulate:  # two half-batches, averaged only on the second backward
            half = per // 2
            with model.no_sync():
                (nn.functional.cross_entropy(model(x[:half]), y[:half]) / 2).backward()
            (nn.functional.cross_entropy(model(x[half:]), y[half:]) / 2).backward()
        else:
            nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model


def flat(model):
    return {k: v.detach().numpy().tolist() for k, v in model.state_dict().items()}


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    steps, total = 4, 8 * world
    result = {}
    for accumulate in (False, True):
        ddp = DDP(make(), bucket_cap_mb=0.0005)  # tiny buckets: several all-reduces in flight
        train(ddp, steps, total, rank, world, accumulate)
        result[f"ddp_{accumulate}"] = flat(ddp.module)
        result[f"buckets_{accumulate}"] = len(ddp._reducer.buckets)
        result[f"pending_{accumulate}"] = ddp._reducer.pending_at_launch
        result[f"keys_{accumulate}"] = list(ddp.state_dict())[:2]
    gathered = [None] * world
    dist.all_gather_object(gathered, result["ddp_False"])
    if rank == 0:
        # outside a process group SyncBatchNorm is BatchNorm over the whole batch
        dist.destroy_process_group()
        ref_model = make()
        train(_Plain(ref_model), steps, total, 0, 1, False)
        result["reference"] = flat(ref_model)
        ref_acc = make()
        train(_Plain(ref_acc), steps, total, 0, 1, True, split=world)
        result["reference_acc"] = flat(ref_acc)
        result["ranks_agree"] = all(g == gathered[0] for g in gathered)
        with open(sys.argv[1], "w") as f:
            json.dump(result, f)
    else:
        dist.destroy_process_group()


class _Plain(nn.Module):
    """The same calls as DDP (``no_sync``) for the one-process reference."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x)

    def no_sync(self):
        import contextlib

        return contextlib.nullcontext()


if __name__ == "__main__":
    main()
