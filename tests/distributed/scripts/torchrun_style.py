"""A script written for torchrun: env:// initialisation, LOCAL_RANK, and `import torch`."""

import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

local_rank = int(os.environ["LOCAL_RANK"])
dist.init_process_group(backend="gloo", init_method="env://")
rank, world = dist.get_rank(), dist.get_world_size()
assert rank == int(os.environ["RANK"]) and world == int(os.environ["WORLD_SIZE"])
assert int(os.environ["LOCAL_WORLD_SIZE"]) == world and os.environ["MASTER_PORT"]
torch.manual_seed(0)
data = TensorDataset(torch.randn(10, 4), torch.randint(0, 3, (10,)))
sampler = DistributedSampler(data, shuffle=True, seed=1)
loader = DataLoader(data, batch_size=2, sampler=sampler)
model = DDP(torch.nn.Linear(4, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
seen = []
for epoch in range(2):
    sampler.set_epoch(epoch)
    for x, y in loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    seen.append(list(sampler))
weights = [None] * world
dist.all_gather_object(weights, model.module.weight.detach().numpy().round(12).tolist())
assert all(w == weights[0] for w in weights), "replicas diverged"
print(f"rank {rank} local_rank {local_rank} samples {seen} ok")
dist.destroy_process_group()
