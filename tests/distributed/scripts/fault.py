"""A job in which rank 1 fails: `raise`, `kill` (SIGKILL), or `leave` (stops calling collectives)."""

import os
import signal
import sys
from datetime import timedelta

import glasstorch as torch
import glasstorch.distributed as dist

mode = sys.argv[1]
dist.init_process_group("mpi", timeout=timedelta(seconds=3))
t = torch.ones(3)
dist.all_reduce(t)
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 breaks on purpose")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "leave":
        sys.exit(0)
for _ in range(3):  # the others go on and must not wait forever
    dist.all_reduce(t)
print(f"rank {dist.get_rank()} finished")
