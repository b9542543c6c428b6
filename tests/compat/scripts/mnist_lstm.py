"""MNIST read row by row by an LSTM (the mnist_rnn example's surface): torchvision data,
nn.LSTM(batch_first=True), Adadelta + StepLR, log-softmax + NLL. Deterministic weights and batch
order, so PyTorch and glasstorch print the same losses."""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR

try:
    from torchvision import datasets, transforms
except ImportError:
    datasets = transforms = None


def mnist_test_set(root, n):
    if datasets is not None:
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
        return torch.utils.data.Subset(datasets.MNIST(root, train=False, transform=tf), range(n))
    raw = os.path.join(root, "MNIST", "raw")
    with gzip.open(os.path.join(raw, "t10k-images-idx3-ubyte.gz")) as f:
        imgs = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(os.path.join(raw, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
    x = (imgs.astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(labels))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=24, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(24)
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        x = x.reshape(-1, 28, 28)
        out, (h, c) = self.rnn(x)
        x = self.batchnorm(out[:, -1, :])
        return F.log_softmax(self.fc(x), dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../data")
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(1)
    n = 32 * args.batches
    data = mnist_test_set(args.data, n)
    loader = torch.utils.data.DataLoader(data, batch_size=32)
    model = Net()
    print(model.rnn)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, size=tuple(p.shape)).astype(np.float32)))
    optimizer = optim.Adadelta(model.parameters(), lr=0.1)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in (1, 2):
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            optimizer.step()
            print(f"epoch {epoch} loss {loss.item():.6f}")
        scheduler.step()
    model.eval()
    with torch.no_grad():
        out = model(next(iter(loader))[0])
    print(f"eval logit_sum {out.sum().item():.4f}")


if __name__ == "__main__":
    main()
