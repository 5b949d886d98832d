#!/usr/bin/env python3
"""The seed model in PyTorch, timed the way `npm run bench` times ours: the same-machine baseline
for README's Speed section. Not part of the package or of the tests (PyTorch is not a dependency;
on Debian, `apt-get install python3-torch`).

It builds the model SEED.md describes (encoder 784-512-512 with mean and softplus-scale heads of
16, the content/warp split 10 + 6, the warp `[y, x, 1] @ (0.1 P3 + I)`, the per-pixel decoder
12-512-512-1 with a sigmoid, the predictor on `z[:, :-1]`, the original's loss with its double KL
division) and times, on random images of MNIST's size (the speed does not depend on the values):
  - training steps (forward, backward, Adam) at `--batch`;
  - forward-only decoding with the warp switched off, as normalization does.

    python3 scripts/torch-reference.py --batch 1000 --steps 5 --threads 2 --json docs/bench-torch.json
"""
import argparse
import json
import os
import platform
import resource
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class Seed(nn.Module):
    def __init__(self, side=28, hidden=512, content=10, warp=6):
        super().__init__()
        self.content = content
        self.encoder = nn.Sequential(nn.Linear(side * side, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.mean = nn.Linear(hidden, content + warp)
        self.scale = nn.Linear(hidden, content + warp)
        self.decoder = nn.Sequential(nn.Linear(2 + content, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.predictor = nn.Sequential(nn.Linear(content + warp - 1, hidden), nn.ReLU(), nn.Linear(hidden, 10))
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, side), torch.linspace(-1, 1, side), indexing='ij')
        # Grid points as homogeneous (y, x, 1) rows: P × 3.
        self.register_buffer('grid', torch.stack([ys.flatten(), xs.flatten(), torch.ones(side * side)], 1))

    def decode(self, c, p, warp=True):
        b = c.shape[0]
        if warp:
            m = 0.1 * torch.cat([p.view(b, 2, 3), torch.zeros(b, 1, 3)], 1) + torch.eye(3)
            uv = (self.grid.unsqueeze(0) @ m)[:, :, :2]  # B × P × 2
        else:
            uv = self.grid[:, :2].unsqueeze(0).expand(b, -1, -1)
        rows = torch.cat([uv, c.unsqueeze(1).expand(-1, uv.shape[1], -1)], 2)  # B × P × 12
        return torch.sigmoid(self.decoder(rows)).squeeze(2)

    def forward(self, x):
        h = self.encoder(x)
        mean, scale = self.mean(h), F.softplus(self.scale(h))
        z = mean + scale * torch.randn_like(scale)
        c, p = z[:, : self.content], z[:, self.content :]
        return self.decode(c, p), mean, scale, self.predictor(z[:, :-1])


def loss_of(model, x, labels):
    y, mean, scale, logits = model(x)
    b, latent = mean.shape
    sigma = scale + 1e-8
    kl = (-torch.log(sigma) + (sigma**2 + mean**2) / 2 - 0.5).sum() / (b * latent) ** 2
    return F.mse_loss(y, x) + 5 * kl + 1e-3 * F.cross_entropy(logits, labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=1000)
    ap.add_argument('--steps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--json')
    o = ap.parse_args()
    torch.set_num_threads(o.threads)
    torch.manual_seed(0)
    model = Seed()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.rand(o.batch, 784)
    labels = torch.randint(0, 10, (o.batch,))
    train = []
    for step in range(o.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_of(model, x, labels).backward()
        opt.step()
        if step > 0:  # the first step pays for allocation
            train.append(o.batch / (time.perf_counter() - t0))
    decode = []
    with torch.no_grad():
        for step in range(o.steps + 1):
            t0 = time.perf_counter()
            h = model.encoder(x)
            model.decode(model.mean(h)[:, : model.content], None, warp=False)
            if step > 0:
                decode.append(o.batch / (time.perf_counter() - t0))
    result = {
        'engine': f'pytorch {torch.__version__}',
        'threads': o.threads,
        'batch': o.batch,
        'steps': o.steps,
        'cpu': platform.processor() or platform.machine(),
        'train_images_per_second': statistics.median(train),
        'decode_images_per_second': statistics.median(decode),
        'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(result, indent=2))
    if o.json:
        with open(o.json, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
