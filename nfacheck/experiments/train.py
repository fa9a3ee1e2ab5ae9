"""One training run: a configuration in, final metrics and a metric history out.

Data are a noise-free linear teacher Y = T X (X Gaussian, T with singular values spread from
2 down to 1/2 and, when d = k, det T > 0), so every depth and activation can fit them and the
end-to-end map of a linear net converges to T. Everything is float64 and seeded.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from ..errors import InputError
from .defect import DefectTracker
from .inits import DEFAULT_SCALES, INITS, init_weights
from .metrics64 import metrics
from .models import ACTIVATIONS64, loss_gradients
from .optimizers import OPTIMIZERS, make_optimizer

__all__ = ["RunConfig", "make_data", "train", "run_config", "record_steps"]

# Per-optimizer default step sizes that converge for depths 2–6 on the default data.
DEFAULT_LR = {"gd": 0.02, "sgd": 0.02, "momentum": 0.002, "adam": 0.002, "adamw": 0.002}


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run (and its key in the results file)."""

    optimizer: str = "gd"
    depth: int = 2
    activation: str = "linear"
    init: str = "balanced"
    init_scale: float = 1.0
    weight_decay: float = 0.0
    lr: float = 0.02
    seed: int = 0
    steps: int = 2000
    width: int = 6
    d: int = 4
    k: int = 4
    n: int = 32
    batch_size: int = 8
    record_every: int = 0  # 0: about 30 records, log-spaced early and uniform later

    def key(self) -> str:
        """A stable string identifying the run (used to resume a grid)."""
        return "|".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))

    def widths(self) -> list[int]:
        return [self.d] + [self.width] * (self.depth - 1) + [self.k]

    def validate(self) -> RunConfig:
        """Raise ``InputError`` naming the bad field; return self."""
        checks = [
            ("optimizer", self.optimizer in OPTIMIZERS, "one of " + ", ".join(OPTIMIZERS)),
            ("activation", self.activation in ACTIVATIONS64, "one of " + ", ".join(ACTIVATIONS64)),
            ("init", self.init in INITS, "one of " + ", ".join(INITS)),
            ("depth", isinstance(self.depth, int) and 1 <= self.depth <= 20, "an integer 1..20"),
            ("steps", isinstance(self.steps, int) and 1 <= self.steps <= 10**9,
             "an integer 1..10^9"),
            ("lr", math.isfinite(self.lr) and self.lr > 0, "a positive number"),
            ("weight_decay", math.isfinite(self.weight_decay) and self.weight_decay >= 0,
             "a number >= 0"),
            ("init_scale", math.isfinite(self.init_scale) and self.init_scale > 0,
             "a positive number"),
        ]
        for name, most in (("width", 4096), ("d", 4096), ("k", 4096), ("n", 10**6),
                           ("batch_size", 10**6)):
            v = getattr(self, name)
            checks.append((name, isinstance(v, int) and 1 <= v <= most,
                           f"an integer 1..{most}"))
        checks.append(("seed", isinstance(self.seed, int) and not isinstance(self.seed, bool)
                       and 0 <= self.seed < 2**63, "an integer 0..2**63-1"))
        checks.append(("record_every", isinstance(self.record_every, int)
                       and self.record_every >= 0, "an integer >= 0"))
        for name, ok, what in checks:
            if not ok:
                raise InputError(f"must be {what}", name, getattr(self, name))
        return self


def run_config(**kw) -> RunConfig:
    """A validated ``RunConfig`` with the optimizer's default lr and the init's default scale."""
    opt = kw.get("optimizer", "gd")
    kw.setdefault("lr", DEFAULT_LR.get(opt, 0.02))
    kw.setdefault("init_scale", DEFAULT_SCALES.get(kw.get("init", "balanced"), 1.0))
    return RunConfig(**kw).validate()


def make_data(d: int, k: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs X (d x n) and teacher outputs Y = T X, T with spread singular values."""
    rng = np.random.default_rng([seed, 1])
    X = rng.standard_normal((d, n))
    r = min(d, k)
    qa, _ = np.linalg.qr(rng.standard_normal((k, r)))
    qb, _ = np.linalg.qr(rng.standard_normal((d, r)))
    if d == k and np.linalg.det(qa) * np.linalg.det(qb) < 0:
        qa[:, 0] *= -1.0  # det T > 0: reachable from the balanced init (see inits.balanced)
    s = np.geomspace(2.0, 0.5, r)
    return X, (qa * s) @ qb.T @ X


@dataclass
class RunResult:
    config: RunConfig
    status: str
    final: dict
    history: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict:
        out = asdict(self.config)
        out.update(
            status=self.status,
            final_loss=self.final.get("loss"),
            alpha_fit=self.final.get("alpha_fit"),
            nfa_residual=self.final.get("nfa_residual"),
            imbalance=self.final.get("imbalance"),
            layer_alpha_fit=[lay["alpha_fit"] for lay in self.final.get("layers") or []],
            final=self.final,
            history=self.history,
            seconds=round(self.seconds, 4),
        )
        return out


def record_steps(steps: int, every: int = 0) -> set[int]:
    """Steps at which metrics are recorded: every ``every`` steps, or (``every = 0``) about 20
    log-spaced steps (the imbalance drift happens early) plus 10 uniform ones; always the last."""
    if every:
        return set(range(every, steps + 1, every)) | {steps}
    geo = np.unique(np.round(np.geomspace(1, steps, 20)).astype(int))
    uni = np.linspace(0, steps, 11).astype(int)[1:]
    return {int(x) for x in np.concatenate([geo, uni])} | {steps}


_TRACKED = ("loss", "imbalance", "nfa_residual", "nfa_residual_c1", "alpha_fit",
            "correlation", "commutator_bound")


def train(cfg: RunConfig, return_weights: bool = False):
    """Train one network and record the metrics along the way.

    Returns
    -------
    RunResult
        ``status`` is ``ok`` or ``diverged`` (non-finite or exploding loss; the run stops).
        With ``return_weights`` a pair ``(result, final weights)``.
    """
    start = time.perf_counter()
    cfg.validate()
    X, Y = make_data(cfg.d, cfg.k, cfg.n, cfg.seed)
    weights = init_weights(cfg.init, cfg.widths(), cfg.init_scale, seed=cfg.seed)
    opt = make_optimizer(cfg.optimizer, cfg.lr, cfg.weight_decay)
    rng = np.random.default_rng([cfg.seed, 2])
    marks = record_steps(cfg.steps, cfg.record_every)
    history: list[dict] = []
    status = "ok"
    # gd-nfa-defect-bound applies to plain (mini-batch) gradient descent on linear nets
    tracker = (DefectTracker(weights, cfg.lr, cfg.weight_decay)
               if cfg.optimizer in ("gd", "sgd") and cfg.activation == "linear" else None)

    def record(step: int) -> dict:
        m = metrics(weights, X, Y, cfg.activation, cfg.weight_decay)
        entry = {"step": step, **{k: m[k] for k in _TRACKED}}
        entry["layer_residual"] = [lay["nfa_residual"] for lay in m["layers"]]
        entry["layer_alpha_fit"] = [lay["alpha_fit"] for lay in m["layers"]]
        if tracker is not None:
            rep = tracker.report(weights)
            entry.update(defect=rep["defect"], defect_bound=rep["defect_bound"])
        history.append(entry)
        return m

    def measurable(step: int | None) -> bool:
        """Record at ``step`` (None: only test); False when the weights have blown up so far
        that the metrics cannot be computed (an eigen-solver failure is divergence too)."""
        if not all(np.isfinite(W).all() for W in weights):
            return False
        try:
            with np.errstate(all="ignore"):
                if step is None:
                    metrics(weights, X, Y, cfg.activation, cfg.weight_decay)
                else:
                    record(step)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError, OverflowError):
            return False
        return True

    m0 = record(0)
    limit = 1e6 * max(m0["loss"], 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, cfg.steps + 1):
            if cfg.optimizer == "sgd" and cfg.batch_size < cfg.n:
                idx = rng.choice(cfg.n, cfg.batch_size, replace=False)
                grads, cur = loss_gradients(weights, X[:, idx], Y[:, idx], cfg.activation)
            else:
                grads, cur = loss_gradients(weights, X, Y, cfg.activation)
            if not math.isfinite(cur) or cur > limit:
                status = "diverged"
                break
            if tracker is not None:
                tracker.step(grads)
            opt.step(weights, grads)
            if step in marks and not measurable(step):
                status = "diverged"
                break
    if status == "ok" and not measurable(None):
        status = "diverged"
    final = metrics(weights, X, Y, cfg.activation, cfg.weight_decay) if status == "ok" else {
        k: None for k in ("loss", "alpha_fit", "nfa_residual", "imbalance")}
    if tracker is not None and status == "ok":
        final["gd_defect"] = tracker.report(weights)
    res = RunResult(cfg, status, final, history, time.perf_counter() - start)
    return (res, weights) if return_weights else res
