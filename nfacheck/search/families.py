"""Constructions of networks that fit their data while W_1^T W_1 and the AGOP do not commute.

Each mechanism draws, from a seeded ``numpy`` generator, widths, data X and weights on a decimal
grid (so every number is exact); the targets are the network's own outputs, which makes the
network an interpolant: a global minimiser of the data loss, hence a stationary point of gradient
flow without weight decay (lambda = 0). With lambda > 0 the FACT identity ties W_1^T W_1 to the
data at stationarity and weight decay shrinks idle weight, so these are lambda = 0 constructions.

Mechanisms (the first-layer weight they add is seen by M = W_1^T W_1 but not, or hardly, by G):

``dead_units``
    ReLU units whose pre-activations are negative on every sample: they carry first-layer weight
    but contribute nothing to f or to any Jacobian, and gradient flow never moves them.
``idle_units``
    Units with zero outgoing weight (any activation): invisible to f and to the Jacobians.
``data_kernel``
    The samples span a subspace (last coordinate 0); first-layer weight components orthogonal to
    it do not change f on the data, but the Jacobians still see them.
``cancelling_pairs``
    For odd activations (tanh): units (w, a) and (-w, a) cancel exactly in f and in J.
``saturated_units``
    tanh/sigmoid units with |pre-activation| >= 6 on every sample (tanh' <= 4e^-12, sigmoid'
    <= e^-6), so they add large weight to M and little to G.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

__all__ = ["Candidate", "MECHANISMS", "mechanisms_for", "float_scores", "Scores"]

Matrix = tuple[tuple[Fraction, ...], ...]


@dataclass
class Candidate:
    """A drawn network: widths, exact data X, exact weights, and what built it."""

    mechanism: str
    widths: list[int]
    X: Matrix
    weights: tuple[Matrix, ...]
    notes: dict[str, object] = field(default_factory=dict)


def _exact(a: np.ndarray, den: int) -> Matrix:
    return tuple(tuple(Fraction(int(v), den) for v in row) for row in a)


def _ints(rng: np.random.Generator, shape, bound: int, nonzero: bool = False) -> np.ndarray:
    a = rng.integers(-bound, bound + 1, size=shape)
    if nonzero:
        a[a == 0] = 1
    return a


def _dead_units(rng: np.random.Generator, activation: str) -> Candidate | None:
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    live, dead = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    v = _ints(rng, d, 10, nonzero=True)
    X = _ints(rng, (d, n), 10)
    s = v @ X
    X[:, s > 0] *= -1  # every sample in the open half-space v.x < 0
    if np.any(v @ X >= -3):
        return None
    W1 = np.vstack([_ints(rng, (live, d), 10), v + _ints(rng, (dead, d), 2)])
    z = W1 @ X
    if np.any(z[live:] >= 0) or not np.all((z[:live] > 0).any(axis=1)):
        return None
    W2 = _ints(rng, (1, live + dead), 10, nonzero=True)
    return Candidate(
        "dead_units",
        [d, live + dead, 1],
        _exact(X, 10),
        (_exact(W1, 10), _exact(W2, 10)),
        {"dead": list(range(live + 1, live + dead + 1))},
    )


def _idle_units(rng: np.random.Generator, activation: str) -> Candidate | None:
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    live, idle = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    X = _ints(rng, (d, n), 10)
    W1 = _ints(rng, (live + idle, d), 10)
    W2 = np.hstack([_ints(rng, (1, live), 10, nonzero=True), np.zeros((1, idle), dtype=int)])
    return Candidate(
        "idle_units",
        [d, live + idle, 1],
        _exact(X, 10),
        (_exact(W1, 10), _exact(W2, 10)),
        {"idle": list(range(live + 1, live + idle + 1))},
    )


def _data_kernel(rng: np.random.Generator, activation: str) -> Candidate | None:
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    h = int(rng.integers(1, 4))
    X = _ints(rng, (d, n), 10)
    X[-1, :] = 0
    W1 = _ints(rng, (h, d), 10)
    W2 = _ints(rng, (1, h), 10, nonzero=True)
    return Candidate(
        "data_kernel", [d, h, 1], _exact(X, 10), (_exact(W1, 10), _exact(W2, 10)),
        {"kernel": f"e_{d}"},
    )


def _cancelling_pairs(rng: np.random.Generator, activation: str) -> Candidate | None:
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    live, pairs = int(rng.integers(1, 3)), 1
    X = _ints(rng, (d, n), 10)
    Wl = _ints(rng, (live, d), 10)
    w = _ints(rng, (pairs, d), 10, nonzero=True)
    a = _ints(rng, (1, pairs), 10, nonzero=True)
    W1 = np.vstack([Wl, w, -w])
    W2 = np.hstack([_ints(rng, (1, live), 10, nonzero=True), a, a])
    return Candidate(
        "cancelling_pairs", [d, live + 2 * pairs, 1], _exact(X, 10),
        (_exact(W1, 10), _exact(W2, 10)), {"pair": [live + 1, live + 2]},
    )


def _saturated_units(rng: np.random.Generator, activation: str) -> Candidate | None:
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    live, sat = int(rng.integers(1, 3)), 1
    X = _ints(rng, (d, n), 10)
    Wl = _ints(rng, (live, d), 10)
    w = _ints(rng, (sat, d), 10, nonzero=True) * 10
    if np.any(np.abs(w @ X) < 600):  # |z| >= 6 once both grids (1/10 each) are applied
        return None
    W1 = np.vstack([Wl, w])
    W2 = _ints(rng, (1, live + sat), 10, nonzero=True)
    return Candidate(
        "saturated_units", [d, live + sat, 1], _exact(X, 10),
        (_exact(W1, 10), _exact(W2, 10)), {"saturated": [live + 1]},
    )


MECHANISMS: dict[str, Callable[[np.random.Generator, str], Candidate | None]] = {
    "dead_units": _dead_units,
    "idle_units": _idle_units,
    "data_kernel": _data_kernel,
    "cancelling_pairs": _cancelling_pairs,
    "saturated_units": _saturated_units,
}

_FOR = {
    "relu": ("dead_units", "idle_units", "data_kernel"),
    "leaky_relu": ("idle_units", "data_kernel"),
    "linear": ("idle_units", "data_kernel"),
    "tanh": ("saturated_units", "cancelling_pairs", "idle_units", "data_kernel"),
    "sigmoid": ("saturated_units", "idle_units", "data_kernel"),
    "softplus": ("idle_units", "data_kernel"),
}


def mechanisms_for(activation: str) -> tuple[str, ...]:
    """The mechanisms the search tries for ``activation``, in order."""
    return _FOR[activation]


@dataclass
class Scores:
    """Float64 screening figures of a candidate (only used to rank; certify is exact)."""

    defect: float
    min_abs_preactivation: float
    output_sq: float  # (1/2n) sum ||f(x_i)||^2, the loss scale of the eps-family
    agop_norm: float


def _act(name: str, slope: float, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if name == "linear":
        return z, np.ones_like(z)
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z), np.where(z > 0, 1.0, slope)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1 - t * t
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s, s * (1 - s)
    if name == "softplus":
        return np.logaddexp(0, z), 1 / (1 + np.exp(-z))
    raise ValueError(name)


def float_scores(cand: Candidate, activation: str, slope: float) -> Scores:
    """Screen a candidate in float64: commutator defect bound, kink margin, output size."""
    X = np.array([[float(v) for v in row] for row in cand.X])
    Ws = [np.array([[float(v) for v in row] for row in w]) for w in cand.weights]
    n = X.shape[1]
    G = np.zeros((X.shape[0], X.shape[0]))
    out_sq, margin = 0.0, np.inf
    for i in range(n):
        h, derivs = X[:, i], []
        for W in Ws[:-1]:
            z = W @ h
            margin = min(margin, float(np.min(np.abs(z))))
            h, ds = _act(activation, slope, z)
            derivs.append(ds)
        out_sq += float(np.sum((Ws[-1] @ h) ** 2))
        J = Ws[-1]
        for W, ds in zip(reversed(Ws[:-1]), reversed(derivs), strict=True):
            J = (J * ds) @ W
        G += J.T @ J / n
    M = Ws[0].T @ Ws[0]
    gnorm = float(np.linalg.eigvalsh(G)[-1]) if G.any() else 0.0
    mnorm = float(np.linalg.norm(M))
    if gnorm <= 0 or mnorm <= 0:
        return Scores(0.0, margin, out_sq / (2 * n), gnorm)
    comm = float(np.linalg.norm(M @ G - G @ M))
    return Scores(comm / (2 * gnorm * mnorm), margin, out_sq / (2 * n), gnorm)
