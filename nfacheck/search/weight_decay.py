"""The λ > 0 counterexample scan: small random problems whose weight-decayed training ends where
the NFA fails.

Each candidate is a one-hidden-layer network ``[d, h, k]`` with exact rational data (entries in
``{-2, -3/2, ..., 2}``) and an exact two-decimal initialisation in ``[-1, 1]``, so the problem
file written for it is exact. In float64 the regularised loss is minimised from that init
(L-BFGS, a screen only); candidates whose data loss is small are ranked by the commutator bound
‖[M, G]‖_F / (2‖G‖_2‖M‖_F) on the NFA defect at the float64 minimiser. The best ones then go
through the rigorous ``limit`` pipeline (:mod:`nfacheck.numeric.limit`): the Taylor-engine flow from
the stated init, Newton at working precision, and Krawczyk's test, which alone decides whether a
counterexample is *certified*.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import UsageError
from ..experiments.metrics64 import commutator_bound
from ..problem import Problem

__all__ = ["Screened", "draw_problem", "scan", "screen"]

SMOOTH = ("tanh", "sigmoid", "softplus", "linear")


def _pair(name: str):
    if name == "tanh":
        return np.tanh, lambda z: 1.0 - np.tanh(z) ** 2
    if name == "sigmoid":
        def s(z):
            return 1.0 / (1.0 + np.exp(-z))
        return s, lambda z: s(z) * (1.0 - s(z))
    if name == "softplus":
        return (lambda z: np.logaddexp(0.0, z)), (lambda z: 1.0 / (1.0 + np.exp(-z)))
    if name == "linear":
        return (lambda z: z), np.ones_like
    raise UsageError(f"--activation: the weight-decay scan supports {', '.join(SMOOTH)} "
                     f"(smooth activations: Krawczyk needs a differentiable gradient map), "
                     f"not {name}")


def draw_problem(rng: random.Random, activation: str, weight_decay: Fraction,
                 widths=(2, 3, 1), n: int = 4, dps: int = 30) -> Problem:
    """One candidate with exact rational data and init (see the module docstring)."""
    d, h, k = widths

    def grid(rows, cols):
        return tuple(tuple(Fraction(rng.randint(-4, 4), 2) for _ in range(cols))
                     for _ in range(rows))

    def init(rows, cols):
        return tuple(tuple(Fraction(rng.randint(-99, 99), 100) for _ in range(cols))
                     for _ in range(rows))

    return Problem(widths=tuple(widths), activation=activation, X=grid(d, n), Y=grid(k, n),
                   weights=(init(h, d), init(k, h)), weight_decay=weight_decay,
                   times=(Fraction(10),), dps=dps)


def _arrays(problem: Problem):
    def a(m):
        return np.array([[float(x) for x in row] for row in m])
    return a(problem.X), a(problem.Y), [a(w) for w in problem.weights]


@dataclass
class Screened:
    """The float64 screen of one candidate: data loss, gradient norm, commutator bound."""

    index: int
    problem: Problem
    data_loss: float
    gradient_norm: float
    bound: float


def screen(problem: Problem, index: int = 0) -> Screened:
    """Minimise the regularised loss of ``problem`` in float64 from its init and score the end."""
    from scipy.optimize import minimize

    X, Y, (W1, W2) = _arrays(problem)
    sigma, dsigma = _pair(problem.activation)
    lam, n = float(problem.weight_decay), X.shape[1]
    s1 = W1.size

    def split(theta):
        return theta[:s1].reshape(W1.shape), theta[s1:].reshape(W2.shape)

    def fun(theta):
        A, B = split(theta)
        z = A @ X
        r = B @ sigma(z) - Y
        data = 0.5 * float(np.sum(r * r)) / n
        gB = (r / n) @ sigma(z).T + lam * B
        gA = ((B.T @ (r / n)) * dsigma(z)) @ X.T + lam * A
        reg = 0.5 * lam * float(np.sum(theta * theta))
        return data + reg, np.concatenate([gA.ravel(), gB.ravel()]), data

    theta0 = np.concatenate([W1.ravel(), W2.ravel()])
    with np.errstate(all="ignore"):
        res = minimize(lambda t: fun(t)[:2], theta0, jac=True, method="L-BFGS-B",
                       options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 20000})
        _, g, data = fun(res.x)
        A, B = split(res.x)
        z = A @ X
        J = (B[None, :, :] * dsigma(z).T[:, None, :]) @ A  # (n, k, d)
        G = np.einsum("nki,nkj->ij", J, J) / n
        bound = commutator_bound(A.T @ A, G)
    return Screened(index, problem, data, float(np.linalg.norm(g)),
                    bound if np.isfinite(bound) else 0.0)


@dataclass
class ScanResult:
    """All screens of a scan, ranked (best first) among those passing the loss filter."""

    screened: list[Screened]
    ranked: list[Screened] = field(default_factory=list)


def scan(activation: str, weight_decay: Fraction, *, seed: int = 0, candidates: int = 200,
         loss_max: float = 1e-3, dps: int = 30, budget: float | None = None,
         progress: Callable[[int, Screened], None] | None = None) -> ScanResult:
    """Draw ``candidates`` seeded problems, screen each, rank by the commutator bound.

    Only candidates with float64 data loss ``<= loss_max`` and gradient norm ``<= 1e-6`` are
    ranked (largest bound first). ``budget`` (seconds) stops the drawing early.
    """
    if weight_decay <= 0:
        raise UsageError("--weight-decay: must be positive (the scan looks for critical points "
                         "of the weight-decayed loss)")
    _pair(activation)
    rng = random.Random(seed)
    out: list[Screened] = []
    start = time.perf_counter()
    for i in range(candidates):
        if budget is not None and time.perf_counter() - start > budget:
            break
        s = screen(draw_problem(rng, activation, weight_decay, dps=dps), i)
        out.append(s)
        if progress:
            progress(i + 1, s)
    ok = [s for s in out if s.data_loss <= loss_max and s.gradient_norm <= 1e-6]
    ok.sort(key=lambda s: -s.bound)
    return ScanResult(out, ok)
