"""Train a bias-free MLP on scikit-learn's digits with PyTorch SGD, saved for `nfacheck inspect`.

The deep-NFA set-up (Beaglehole, Radhakrishnan et al.): fully connected, no biases, one-hot
targets, square loss, SGD with learning rate 0.1 on minibatches. Here the loss is nfacheck's
(1/2n)Σ‖f(x_i) − y_i‖² + (λ/2)Σ‖W_l‖_F², so FACT applies with the same λ.

    python docs/examples/inspect_digits.py OUT [--activation relu|linear] [--epochs E]
        [--width H] [--depth L] [--weight-decay λ] [--seed S] [--init-scale s] [--lr η]
        [--batch B]

writes OUT/digits.npz (X: 1797 × 64 pixels / 16, Y: one-hot 1797 × 10), OUT/init.safetensors
and OUT/trained.safetensors; then run

    nfacheck inspect OUT/trained.safetensors --data OUT/digits.npz --init OUT/init.safetensors
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from sklearn.datasets import load_digits


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The digits as float32 rows in [0, 1] and one-hot float32 targets."""
    d = load_digits()
    X = (d.data / 16.0).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[d.target]
    return X, Y


def make_net(width: int, depth: int, activation: str) -> torch.nn.Sequential:
    """A bias-free MLP 64 → width → … → 10 with ``depth`` linear layers."""
    layers: list[torch.nn.Module] = []
    dims = [64] + [width] * (depth - 1) + [10]
    for i in range(depth):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1], bias=False))
        if i < depth - 1:
            layers.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Identity())
    return torch.nn.Sequential(*layers)


def train(net, X, Y, epochs: int, lr: float = 0.1, batch: int = 128, weight_decay: float = 0.0,
          seed: int = 0) -> float:
    """Minibatch SGD on (1/2n)Σ‖f − y‖² (+ weight decay through the optimizer); final loss."""
    g = torch.Generator().manual_seed(seed)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    opt = torch.optim.SGD(net.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), generator=g)
        for i in range(0, len(Xt), batch):
            idx = perm[i:i + batch]
            loss = 0.5 * ((net(Xt[idx]) - Yt[idx]) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float(0.5 * ((net(Xt) - Yt) ** 2).sum(dim=1).mean())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--activation", choices=("relu", "linear"), default="relu")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init-scale", type=float, default=1.0,
                    help="multiply PyTorch's default init by this (small: nearly balanced)")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=128, help="minibatch size (1797: full batch)")
    a = ap.parse_args(argv)
    torch.manual_seed(a.seed)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    X, Y = digits()
    np.savez(out / "digits.npz", X=X, Y=Y)
    net = make_net(a.width, a.depth, a.activation)
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(a.init_scale)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, out / "init.safetensors")
    loss = train(net, X, Y, a.epochs, lr=a.lr, batch=a.batch, weight_decay=a.weight_decay,
                 seed=a.seed)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()},
              out / "trained.safetensors")
    acc = float((net(torch.from_numpy(X)).argmax(1).numpy() == Y.argmax(1)).mean())
    print(f"{a.activation} net {[64] + [a.width] * (a.depth - 1) + [10]}: {a.epochs} epochs, "
          f"loss {loss:.4g}, train accuracy {acc:.3f}; wrote {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
