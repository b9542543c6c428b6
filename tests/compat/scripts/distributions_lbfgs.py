"""A PyTorch script touching distributions, LBFGS, checkpointing, parametrizations and
grid sampling; every printed figure is deterministic (weights come from NumPy)."""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical, MultivariateNormal, Normal, kl_divergence
from torch.nn.utils import parametrizations
from torch.utils.checkpoint import checkpoint

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()

rng = np.random.default_rng(0)


def init(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.5))
    return module


# LBFGS fits a sine wave with a small MLP, in float64
x = torch.linspace(-3, 3, 50, dtype=torch.float64).unsqueeze(1)
y = torch.sin(x)
net = init(nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)).double())
opt = torch.optim.LBFGS(net.parameters(), lr=0.8, history_size=10, line_search_fn="strong_wolfe")


def closure():
    opt.zero_grad()
    loss = F.mse_loss(net(x), y)
    loss.backward()
    return loss


for step in range(args.steps):
    loss = opt.step(closure)
    print(f"lbfgs step {step} loss {loss.item():.8f}")

# distributions: log-probs, entropies, KL and a policy-gradient style loss
logits = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
policy = Categorical(logits=logits)
actions = torch.tensor([0, 2, 1, 2])
pg_loss = -(policy.log_prob(actions) * torch.tensor([1.0, -0.5, 2.0, 0.3])).sum()
pg_loss.backward()
print(f"policy loss {pg_loss.item():.8f} grad {logits.grad.abs().sum().item():.8f}")
p = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
q = Normal(torch.tensor([0.5, 0.0]), torch.tensor([1.5, 1.0]))
print(f"normal kl {kl_divergence(p, q).sum().item():.8f} entropy {p.entropy().sum().item():.8f}")
cov = torch.tensor([[2.0, 0.3], [0.3, 1.0]], dtype=torch.float64)
mvn = MultivariateNormal(torch.zeros(2, dtype=torch.float64), covariance_matrix=cov)
print(f"mvn log_prob {mvn.log_prob(torch.tensor([0.5, -1.0], dtype=torch.float64)).item():.8f}")

# checkpointing and weight norm give the plain run's values
block = init(nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 3)).double())
inp = torch.tensor(rng.standard_normal((5, 3)), requires_grad=True)
out = checkpoint(block, inp, use_reentrant=False)
out.pow(2).sum().backward()
print(f"checkpoint grad {inp.grad.abs().sum().item():.8f}")
layer = parametrizations.weight_norm(init(nn.Linear(3, 2).double()))
print(f"weight_norm out {layer(inp.detach()).sum().item():.8f} keys {sorted(layer.state_dict())}")

# an identity affine grid samples the image back
img = torch.tensor(rng.standard_normal((1, 1, 4, 5)))
theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=torch.float64)
grid = F.affine_grid(theta, [1, 1, 4, 5], align_corners=False)
back = F.grid_sample(img, grid, align_corners=False)
print(f"grid_sample identity error {(back - img).abs().max().item():.2e}")
