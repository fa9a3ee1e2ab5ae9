"""Measured laws of discrete training: the per-step imbalance drift and the decay under λ > 0.

Gradient flow keeps D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ constant (λ = 0) or shrinks it as
e^{−2λt}. A gradient-descent step on a deep linear net gives exactly
D_l ← (1 − ηλ)² D_l + η² (g_{l+1}ᵀg_{l+1} − g_lg_lᵀ): the drift per step is second order in η.
Optimizers that do not move along the gradient (Adam, momentum) or activations without the
balance identity (tanh) drift at first order — the controls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .inits import init_weights
from .metrics64 import discrete_imbalance_step, imbalances
from .models import loss_gradients
from .optimizers import make_optimizer
from .train import RunConfig, make_data

__all__ = ["DriftFit", "one_step_drift", "drift_slope", "imbalance_law_trace"]


@dataclass
class DriftFit:
    """A least-squares fit log(drift) = slope · log(η) + intercept."""

    lrs: list[float]
    drifts: list[float]
    slope: float
    intercept: float

    def to_json(self) -> dict:
        return {"lrs": self.lrs, "drifts": self.drifts, "slope": self.slope,
                "intercept": self.intercept}


def _state(cfg: RunConfig, warmup: int):
    X, Y = make_data(cfg.d, cfg.k, cfg.n, cfg.seed)
    W = init_weights(cfg.init, cfg.widths(), cfg.init_scale, seed=cfg.seed)
    opt = make_optimizer(cfg.optimizer, cfg.lr, cfg.weight_decay)
    for _ in range(warmup):  # move off the init so optimizer state (moments) is non-trivial
        g, _ = loss_gradients(W, X, Y, cfg.activation)
        opt.step(W, g)
    return X, Y, W, opt


def _drift_from(state, cfg: RunConfig, lr: float) -> float:
    import copy

    X, Y, W, opt = state
    before = imbalances(W)
    W2 = [w.copy() for w in W]
    opt2 = copy.deepcopy(opt)
    opt2.lr = float(lr)
    g, _ = loss_gradients(W2, X, Y, cfg.activation)
    opt2.step(W2, g)
    a = (1.0 - lr * cfg.weight_decay) ** 2
    after = imbalances(W2)
    return max((float(np.linalg.norm(d1 - a * d0))
                for d0, d1 in zip(before, after, strict=True)), default=0.0)


def one_step_drift(cfg: RunConfig, lr: float, warmup: int = 20) -> float:
    """max_l ‖D_l(after) − (1 − ηλ)² D_l(before)‖_F for one step of size ``lr``.

    The state (weights and optimizer moments) is produced by ``warmup`` steps at ``cfg.lr``;
    then one step is taken with the step size set to ``lr``. For λ = 0 this is the plain change
    of the imbalance.
    """
    return _drift_from(_state(cfg, warmup), cfg, lr)


def drift_slope(cfg: RunConfig, lrs=None, warmup: int = 20) -> DriftFit:
    """Regress log one-step drift on log η; slope ≈ 2 for GD on linear nets."""
    lrs = list(np.geomspace(1e-4, 1e-2, 7)) if lrs is None else [float(x) for x in lrs]
    state = _state(cfg, warmup)
    drifts = [_drift_from(state, cfg, lr) for lr in lrs]
    x = np.log(lrs)
    y = np.log(np.maximum(drifts, 1e-300))
    slope, intercept = np.polyfit(x, y, 1)
    return DriftFit([float(v) for v in lrs], drifts, float(slope), float(intercept))


def imbalance_law_trace(cfg: RunConfig, every: int | None = None) -> dict:
    """Train with GD and follow ‖D‖ beside the laws it is compared with.

    Returns
    -------
    dict
        ``step``, ``t`` (= η·step), ``measured`` (max_l ‖D_l‖_F), ``flow`` (e^{−2λt}·‖D(0)‖, the
        gradient-flow law), ``geometric`` ((1 − ηλ)^{2·step}·‖D(0)‖, the discrete law without the
        drift), ``discrete`` (the exact recursion with the η² drift, propagated alongside) and
        ``law_error`` = max over steps of ‖D_measured − D_discrete‖_F / max(1, ‖D(0)‖).
    """
    X, Y = make_data(cfg.d, cfg.k, cfg.n, cfg.seed)
    W = init_weights(cfg.init, cfg.widths(), cfg.init_scale, seed=cfg.seed)
    opt = make_optimizer("gd", cfg.lr, cfg.weight_decay)
    D = imbalances(W)
    d0 = max((float(np.linalg.norm(x)) for x in D), default=0.0)
    every = every or max(1, cfg.steps // 100)
    out = {k: [] for k in ("step", "t", "measured", "flow", "geometric", "discrete")}
    err = 0.0
    eta, lam = cfg.lr, cfg.weight_decay

    def rec(step: int) -> None:
        meas = imbalances(W)
        out["step"].append(step)
        out["t"].append(eta * step)
        out["measured"].append(max(float(np.linalg.norm(x)) for x in meas))
        out["flow"].append(math.exp(-2 * lam * eta * step) * d0)
        out["geometric"].append((1 - eta * lam) ** (2 * step) * d0)
        out["discrete"].append(max(float(np.linalg.norm(x)) for x in D))

    rec(0)
    for step in range(1, cfg.steps + 1):
        g, _ = loss_gradients(W, X, Y, cfg.activation)
        D = discrete_imbalance_step(D, g, eta, lam)
        opt.step(W, g)
        if step % every == 0 or step == cfg.steps:
            rec(step)
            diff = max(float(np.linalg.norm(a - b)) for a, b in zip(imbalances(W), D,
                                                                    strict=True))
            err = max(err, diff / max(1.0, d0))
    out["law_error"] = err
    out["lr"], out["weight_decay"] = eta, lam
    return out
