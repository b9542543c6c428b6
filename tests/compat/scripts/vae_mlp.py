"""A small VAE on MNIST (the vae example's surface): torchvision data, the reparameterisation
trick, binary cross-entropy summed plus the KL term, Adam, save_image of reconstructions and
samples. The noise for the trick comes from NumPy when --numpy-noise is given, so PyTorch and
glasstorch print the same losses."""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F

try:
    from torchvision import datasets, transforms
    from torchvision.utils import save_image
except ImportError:
    datasets = transforms = save_image = None

parser = argparse.ArgumentParser()
parser.add_argument("--data", default="../data")
parser.add_argument("--batches", type=int, default=4)
parser.add_argument("--numpy-noise", action="store_true")
args = parser.parse_args()
torch.manual_seed(1)
noise_rng = np.random.default_rng(5)


def mnist_test_set(root, n):
    if datasets is not None:
        return torch.utils.data.Subset(datasets.MNIST(root, train=False, transform=transforms.ToTensor()), range(n))
    with gzip.open(os.path.join(root, "MNIST", "raw", "t10k-images-idx3-ubyte.gz")) as f:
        imgs = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n]
    x = torch.from_numpy(imgs.astype(np.float32) / np.float32(255))
    return torch.utils.data.TensorDataset(x, torch.zeros(n, dtype=torch.long))


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc21 = nn.Linear(64, 8)
        self.fc22 = nn.Linear(64, 8)
        self.fc3 = nn.Linear(8, 64)
        self.fc4 = nn.Linear(64, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        if args.numpy_noise:
            eps = torch.from_numpy(noise_rng.standard_normal(tuple(std.shape)).astype(np.float32))
        else:
            eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


model = VAE()
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, size=tuple(p.shape)).astype(np.float32)))
optimizer = optim.Adam(model.parameters(), lr=1e-3)
loader = torch.utils.data.DataLoader(mnist_test_set(args.data, 64 * args.batches), batch_size=64)
model.train()
for i, (data, _) in enumerate(loader):
    optimizer.zero_grad()
    recon, mu, logvar = model(data)
    loss = loss_function(recon, data, mu, logvar)
    loss.backward()
    optimizer.step()
    print(f"batch {i} loss {loss.item() / len(data):.5f}")
model.eval()
with torch.no_grad():
    recon, mu, logvar = model(data)
    comparison = torch.cat([data[:8], recon.view(-1, 1, 28, 28)[:8]])
    sample = model.decode(torch.randn(16, 8))
    if save_image is not None:
        os.makedirs("results", exist_ok=True)
        save_image(comparison.cpu(), "results/reconstruction_1.png", nrow=8)
        save_image(sample.view(16, 1, 28, 28), "results/sample_1.png")
        print("images", sorted(os.listdir("results")))
