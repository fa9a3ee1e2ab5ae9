"""Discrete optimizers on lists of weight matrices: gd, sgd, momentum, adam, adamw.

All take the *data* gradients (no weight decay) and apply weight decay λ themselves:

- ``gd`` / ``sgd``: W ← W − η (g + λW). SGD differs only in that ``g`` is a mini-batch
  gradient (the training loop draws the batch).
- ``momentum`` (heavy ball): v ← βv + (g + λW); W ← W − ηv.
- ``adam`` with L2 regularisation: the decay is *coupled*, i.e. g + λW is fed to the moment
  estimates and so gets rescaled per coordinate by 1/(√v̂ + ε).
- ``adamw`` (Loshchilov & Hutter's decoupled weight decay): the moments see only g, and the
  decay is applied separately, W ← W − η (m̂/(√v̂ + ε) + λW).

Only plain GD on a deep *linear* net satisfies the exact discrete imbalance law
D_l ← (1 − ηλ)² D_l + η² (g_{l+1}ᵀg_{l+1} − g_l g_lᵀ) (see ``metrics64.discrete_imbalance_step``);
the adaptive methods rescale coordinates, so their drift is first order in η.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError

__all__ = ["OPTIMIZERS", "Optimizer", "make_optimizer"]

OPTIMIZERS = ("gd", "sgd", "momentum", "adam", "adamw")


class Optimizer:
    """Base class: holds the step size, the weight decay and a step counter.

    Subclasses implement :meth:`step`, which updates ``weights`` in place.
    """

    name = "gd"

    def __init__(self, lr: float, weight_decay: float = 0.0) -> None:
        if not (np.isfinite(lr) and lr > 0):
            raise InputError("learning rate must be a positive number", "lr", lr)
        if not (np.isfinite(weight_decay) and weight_decay >= 0):
            raise InputError("weight decay must be >= 0", "weight_decay", weight_decay)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.t = 0

    def step(self, weights: list[np.ndarray], grads: Sequence[np.ndarray]) -> None:
        self.t += 1
        for W, g in zip(weights, grads, strict=True):
            W -= self.lr * (g + self.weight_decay * W)


class GD(Optimizer):
    """Full-batch (or, for ``sgd``, mini-batch) gradient descent with coupled decay."""


class SGD(GD):
    name = "sgd"


class Momentum(Optimizer):
    """Heavy-ball momentum with coefficient ``beta`` (default 0.9)."""

    name = "momentum"

    def __init__(self, lr: float, weight_decay: float = 0.0, beta: float = 0.9) -> None:
        super().__init__(lr, weight_decay)
        self.beta = float(beta)
        self.v: list[np.ndarray] | None = None

    def step(self, weights, grads) -> None:
        self.t += 1
        if self.v is None:
            self.v = [np.zeros_like(W) for W in weights]
        for W, g, v in zip(weights, grads, self.v, strict=True):
            v *= self.beta
            v += g + self.weight_decay * W
            W -= self.lr * v


class Adam(Optimizer):
    """Adam; ``decoupled=False`` puts λW into the gradient (L2), ``True`` is AdamW."""

    name = "adam"

    def __init__(
        self,
        lr: float,
        weight_decay: float = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        decoupled: bool = False,
    ) -> None:
        super().__init__(lr, weight_decay)
        self.b1, self.b2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.decoupled = decoupled
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def step(self, weights, grads) -> None:
        self.t += 1
        if self.m is None:
            self.m = [np.zeros_like(W) for W in weights]
            self.v = [np.zeros_like(W) for W in weights]
        c1 = 1.0 - self.b1**self.t
        c2 = 1.0 - self.b2**self.t
        for W, g, m, v in zip(weights, grads, self.m, self.v, strict=True):
            gg = g if self.decoupled else g + self.weight_decay * W
            m *= self.b1
            m += (1.0 - self.b1) * gg
            v *= self.b2
            v += (1.0 - self.b2) * gg * gg
            upd = (m / c1) / (np.sqrt(v / c2) + self.eps)
            if self.decoupled:
                upd = upd + self.weight_decay * W
            W -= self.lr * upd


class AdamW(Adam):
    name = "adamw"

    def __init__(self, lr: float, weight_decay: float = 0.0, **kw) -> None:
        super().__init__(lr, weight_decay, decoupled=True, **kw)


_CLASSES = {"gd": GD, "sgd": SGD, "momentum": Momentum, "adam": Adam, "adamw": AdamW}


def make_optimizer(name: str, lr: float, weight_decay: float = 0.0) -> Optimizer:
    """Build an optimizer by name (``gd``, ``sgd``, ``momentum``, ``adam``, ``adamw``)."""
    try:
        cls = _CLASSES[name]
    except (KeyError, TypeError):
        raise InputError("unknown optimizer; known: " + ", ".join(OPTIMIZERS), "optimizer",
                         name) from None
    return cls(lr, weight_decay)
