"""A small MNIST convnet in the style of the classic example: torchvision data and transforms,
Adadelta with StepLR, dropout, max-pooling, log-softmax + NLL, accelerator checks, saving.

Weights come from a NumPy generator and batches are taken in order, so the printed losses are
the same under PyTorch and glasstorch. Without torchvision (PyTorch here), the same tensors are
built from the IDX files by hand.
"""
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
        ds = datasets.MNIST(root, train=False, download=False, transform=tf)
        return torch.utils.data.Subset(ds, range(n))
    raw = os.path.join(root, "MNIST", "raw")
    with gzip.open(os.path.join(raw, "t10k-images-idx3-ubyte.gz")) as f:
        imgs = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    with gzip.open(os.path.join(raw, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n].astype(np.int64)
    x = (imgs.astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(labels))


class Net(nn.Module):
    def __init__(self, p_drop):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(p_drop)
        self.fc1 = nn.Linear(16 * 12 * 12, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../data")
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.0)
    args = parser.parse_args()
    use_accel = torch.accelerator.is_available()
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    assert not torch.cuda.is_available() and torch.cuda.device_count() == 0
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(1)
    n_train = 32 * args.batches
    data = mnist_test_set(args.data, n_train + 200)
    train = torch.utils.data.Subset(data, range(n_train))
    test = torch.utils.data.Subset(data, range(n_train, n_train + 200))
    train_loader = torch.utils.data.DataLoader(train, batch_size=32, shuffle=False)
    test_loader = torch.utils.data.DataLoader(test, batch_size=100)
    model = Net(args.dropout).to(device)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, size=tuple(p.shape)).astype(np.float32)))
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        model.train()
        for data_b, target in train_loader:
            data_b, target = data_b.to(device), target.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(data_b), target)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch} loss {loss.item():.6f} lr {scheduler.get_last_lr()[0]:.4f}")
        scheduler.step()
        model.eval()
        test_loss, correct = 0.0, 0
        with torch.no_grad():
            for data_b, target in test_loader:
                output = model(data_b)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        print(f"epoch {epoch} test_loss {test_loss / len(test):.6f} correct {correct}")
    torch.save(model.state_dict(), "mnist_cnn.pt")
    again = Net(args.dropout)
    again.load_state_dict(torch.load("mnist_cnn.pt"))
    assert torch.equal(again.fc2.weight, model.fc2.weight)
    print("saved", sorted(model.state_dict())[0])


if __name__ == "__main__":
    main()
