"""Plain PyTorch: a small classifier with Dataset/DataLoader, a scheduler and a checkpoint."""
import argparse
import os
import tempfile

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
args = parser.parse_args()

torch.manual_seed(0)
n = 256
x = torch.randn(n, 2)
y = ((x[:, 0] * x[:, 1]) > 0).long()
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = Net()
opt = optim.Adam(model.parameters(), lr=0.02)
sched = StepLR(opt, step_size=10, gamma=0.5)
for _ in range(args.epochs):
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    sched.step()
with torch.no_grad():
    acc = (model(x).argmax(dim=1) == y).float().mean().item()
path = os.path.join(tempfile.mkdtemp(), "model.pt")
torch.save(model.state_dict(), path)
clone = Net()
clone.load_state_dict(torch.load(path, weights_only=True))
assert torch.equal(clone(x), model(x))
print(f"accuracy={acc:.3f} lr={sched.get_last_lr()[0]:.5f}")
assert acc > 0.9, acc
