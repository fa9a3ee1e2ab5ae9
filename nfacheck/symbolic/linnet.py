"""Explicit deep linear networks for the instance layer of the proofs.

Weights are small matrices whose entries are polynomial-ring generators (or random rationals);
gradients come from differentiating the explicit loss entry by entry, so they are independent of
the matrix-calculus formulas being checked.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from . import explicit as ex

__all__ = [
    "INSTANCE_WIDTHS", "Net", "symbolic_net", "random_net", "balanced_weights", "end_to_end",
    "prefix", "suffix", "loss", "grad_by_diff", "grad_formula", "imbalance", "gram",
    "power_defect", "flow_rate_of_imbalance", "remainder", "remainder_sum",
]

#: Widths used for the explicit instances, one per depth L = 2..5 (mixed, not all square).
INSTANCE_WIDTHS: dict[int, tuple[int, ...]] = {
    2: (2, 3, 2),
    3: (2, 2, 3, 1),
    4: (1, 2, 2, 2, 1),
    5: (2, 1, 2, 2, 1, 2),
}


@dataclass
class Net:
    """Weights, data ``X`` (d x n), ``Y`` (k x n) and ``lam`` (ring element or rational)."""

    weights: list[ex.Mat]
    X: ex.Mat
    Y: ex.Mat
    lam: Any
    ring: Any = None
    one: Any = Fraction(1)

    @property
    def n(self) -> int:
        return len(self.X[0])


def _data(rng: random.Random, widths: Sequence[int], n: int) -> tuple[ex.Mat, ex.Mat]:
    return ex.rand_matrix(rng, widths[0], n), ex.rand_matrix(rng, widths[-1], n)


@lru_cache(maxsize=8)
def symbolic_net(L: int, seed: int = 0, n: int = 3) -> Net:
    """Weights with generator entries and a generator ``lam``; rational random data."""
    widths = INSTANCE_WIDTHS[L]
    r, weights, (lam,) = ex.symbolic_weights(widths, extra=("lam",))
    X, Y = _data(random.Random(seed), widths, n)
    return Net(weights, ex.lift(r, X), ex.lift(r, Y), lam, r, r(1))


def random_net(widths: Sequence[int], seed: int, n: int = 2, lam: Fraction = Fraction(0)) -> Net:
    """Random rational weights and data."""
    rng = random.Random(seed)
    weights = [ex.rand_matrix(rng, widths[l], widths[l - 1]) for l in range(1, len(widths))]
    X, Y = _data(rng, widths, n)
    return Net(weights, X, Y, lam)


def balanced_weights(widths: Sequence[int], sigma: Sequence[Any], seed: int) -> list[ex.Mat]:
    """``W_l = Q_l[:, :r] diag(sigma) Q_{l-1}[:, :r]^T`` with rational orthogonal ``Q_l``.

    Then ``W_{l+1}^T W_{l+1} = Q_l[:, :r] diag(sigma)^2 Q_l[:, :r]^T = W_l W_l^T``: balanced.
    ``sigma`` may hold ring generators (symbolic singular values) or rationals.
    """
    rng = random.Random(seed)
    r = len(sigma)
    qs = [[row[:r] for row in ex.cayley_orthogonal(rng, h)] for h in widths]
    zero = sigma[0] * 0
    diag = [[sigma[i] if i == j else zero for j in range(r)] for i in range(r)]
    out = []
    for l in range(1, len(widths)):
        left = [[zero + x for x in row] for row in qs[l]]
        right = [[zero + x for x in row] for row in ex.transpose(qs[l - 1])]
        out.append(ex.chain([left, diag, right]))
    return out


def end_to_end(weights: Sequence[ex.Mat]) -> ex.Mat:
    """``E = W_L ... W_1``."""
    return ex.chain(list(reversed(weights)))


def prefix(weights: Sequence[ex.Mat], l: int, one: Any) -> ex.Mat:
    """``P_l = W_{l-1} ... W_1`` (identity for l = 1); ``l`` counts from 1."""
    if l == 1:
        return ex.eye(len(weights[0][0]), one, one * 0)
    return end_to_end(weights[: l - 1])


def suffix(weights: Sequence[ex.Mat], l: int, one: Any) -> ex.Mat:
    """``S_l = W_L ... W_{l+1}`` (identity for l = L)."""
    if l == len(weights):
        return ex.eye(len(weights[-1]), one, one * 0)
    return end_to_end(weights[l:])


def loss(net: Net) -> Any:
    """``(1/2n)||E X - Y||_F^2 + (lam/2) sum ||W_l||_F^2``."""
    res = ex.sub(ex.mul(end_to_end(net.weights), net.X), net.Y)
    half = Fraction(1, 2)
    total = ex.frob2(res) * Fraction(1, 2 * net.n)
    for w in net.weights:
        total = total + net.lam * half * ex.frob2(w)
    return total


def grad_by_diff(net: Net, loss_value: Any, l: int) -> ex.Mat:
    """``dL/dW_l`` by differentiating the explicit loss polynomial entry by entry."""
    w = net.weights[l - 1]
    return [[loss_value.diff(x) for x in row] for row in w]


def grad_formula(net: Net, l: int, *, transpose_prefix: bool = True,
                 decay_factor: Fraction = Fraction(1)) -> ex.Mat:
    """``S_l^T (E Sxx - Syx) P_l^T + lam W_l`` (options give the controls' perturbed formulas)."""
    one = net.one
    E = end_to_end(net.weights)
    inv_n = Fraction(1, net.n)
    sxx = ex.scale(inv_n, ex.mul(net.X, ex.transpose(net.X)))
    syx = ex.scale(inv_n, ex.mul(net.Y, ex.transpose(net.X)))
    R = ex.sub(ex.mul(E, sxx), syx)
    S, P = suffix(net.weights, l, one), prefix(net.weights, l, one)
    Pt = ex.transpose(P) if transpose_prefix else P
    g = ex.chain([ex.transpose(S), R, Pt])
    return ex.add(g, ex.scale(net.lam * decay_factor, net.weights[l - 1]))


def imbalance(weights: Sequence[ex.Mat], l: int) -> ex.Mat:
    """``D_l = W_{l+1}^T W_{l+1} - W_l W_l^T`` (l from 1 to L-1)."""
    a, b = weights[l], weights[l - 1]
    return ex.sub(ex.mul(ex.transpose(a), a), ex.mul(b, ex.transpose(b)))


def gram(weights: Sequence[ex.Mat]) -> ex.Mat:
    """``M = W_1^T W_1``."""
    return ex.mul(ex.transpose(weights[0]), weights[0])


def power_defect(weights: Sequence[ex.Mat], power: int | None = None) -> ex.Mat:
    """``E^T E - M^p`` with ``E = W_L ... W_1``, ``M = W_1^T W_1`` and ``p = L`` unless given."""
    E = end_to_end(weights)
    p = len(weights) if power is None else power
    return ex.sub(ex.mul(ex.transpose(E), E), ex.mpow(gram(weights), p))


def flow_rate_of_imbalance(weights: Sequence[ex.Mat], velocities: Sequence[ex.Mat],
                           l: int) -> ex.Mat:
    """``dD_l/dt`` by the product rule, given ``dW_j/dt`` for every layer."""
    a, b = weights[l], weights[l - 1]
    va, vb = velocities[l], velocities[l - 1]
    first = ex.add(ex.mul(ex.transpose(va), a), ex.mul(ex.transpose(a), va))
    second = ex.add(ex.mul(vb, ex.transpose(b)), ex.mul(b, ex.transpose(vb)))
    return ex.sub(first, second)


def remainder(x: ex.Mat, y: ex.Mat, m: int) -> ex.Mat:
    """``R_m(X, Y) = sum_{j<m} X^j (X - Y) Y^{m-1-j}`` (zero for m = 0)."""
    d = ex.sub(x, y)
    out = ex.scale(0, d)
    for j in range(m):
        out = ex.add(out, ex.chain([ex.mpow(x, j), d, ex.mpow(y, m - 1 - j)]))
    return out


def remainder_sum(weights: Sequence[ex.Mat]) -> ex.Mat:
    """``sum_{l=1}^{L-1} E_l^T R_{L-l}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l``."""
    L = len(weights)
    M = gram(weights)
    out = ex.scale(0, M)
    for l in range(1, L):
        El = end_to_end(weights[:l])
        x = ex.mul(ex.transpose(weights[l]), weights[l])
        y = ex.mul(weights[l - 1], ex.transpose(weights[l - 1]))
        out = ex.add(out, ex.chain([ex.transpose(El), remainder(x, y, L - l), El]))
    return out
