"""Exact deep linear problems for the numeric confirmations: balanced and unbalanced inits.

Balanced weights are built from exact rational orthogonal matrices (Cayley transforms of rational
skew-symmetric matrices), so ``W_{l+1}^T W_{l+1} = W_l W_l^T`` holds exactly in the problem file
and the integrator, not the construction, decides how well it is kept.
"""

from __future__ import annotations

from fractions import Fraction as F

from ..generate import cayley
from ..problem import Problem

__all__ = ["cayley", "balanced_linear_weights", "unbalanced_linear_weights",
           "perturbed_linear_weights", "linear_problem", "exact_imbalances"]

Mat = list[list[F]]


def _mul(A: Mat, B: Mat) -> Mat:
    return [[sum((A[i][k] * B[k][j] for k in range(len(B))), F(0)) for j in range(len(B[0]))]
            for i in range(len(A))]


def _t(A: Mat) -> Mat:
    return [list(r) for r in zip(*A, strict=True)]


_SKEW = [[F(1, 2), F(-1, 3), F(1, 4)], [F(-2, 3), F(1, 5), F(1, 2)], [F(1, 3), F(3, 4), F(-1, 2)],
         [F(-1, 4), F(2, 5), F(2, 3)], [F(3, 5), F(-1, 2), F(1, 6)], [F(1, 7), F(-3, 5), F(1, 3)]]


def balanced_linear_weights(L: int, d: int = 3, k: int = 2,
                            sv: tuple[F, ...] = (F(1), F(3, 5))) -> list[Mat]:
    """Exactly balanced weights for widths ``[d] * L + [k]``: ``W_l = U_l S U_{l-1}^T``.

    ``S`` carries the singular values ``sv`` (padded with zeros to ``d``), ``U_0 .. U_{L-1}`` are
    ``d x d`` and ``U_L`` is ``k x k`` rational orthogonal, so every ``D_l`` is exactly zero.
    """
    if len(sv) > min(d, k):
        raise ValueError("more singular values than min(d, k)")
    Us = [cayley(_SKEW[i % len(_SKEW)][: d * (d - 1) // 2], d) for i in range(L)]
    Us.append(cayley(_SKEW[L % len(_SKEW)][: k * (k - 1) // 2], k))
    out = []
    for layer in range(1, L + 1):
        rows = k if layer == L else d
        S = [[sv[i] if (i == j and i < len(sv)) else F(0) for j in range(d)] for i in range(rows)]
        out.append(_mul(_mul(Us[layer], S), _t(Us[layer - 1])))
    return out


def unbalanced_linear_weights(L: int, d: int = 3, k: int = 2) -> list[Mat]:
    """The balanced weights with ``W_1`` perturbed by a fixed rational matrix (``D_1 = O(1)``)."""
    ws = balanced_linear_weights(L, d, k)
    P = [[F(1, 2), F(-1, 5), F(1, 3)], [F(1, 4), F(2, 5), F(-1, 3)], [F(-1, 3), F(1, 6), F(1, 2)]]
    ws[0] = [[ws[0][i][j] + P[i % 3][j % 3] for j in range(d)] for i in range(d)]
    return ws


def perturbed_linear_weights(L: int, d: int = 3, k: int = 2, scale: F = F(1, 4)) -> list[Mat]:
    """The balanced weights with *every* layer perturbed, so every ``D_l`` is ``O(scale)``.

    (``unbalanced_linear_weights`` perturbs ``W_1`` only, which leaves the layers from 2 on
    balanced: their deep NFA holds exactly.)
    """
    ws = balanced_linear_weights(L, d, k)
    P = [[F(1, 3), F(-1, 4), F(1, 5)], [F(-1, 6), F(1, 3), F(1, 4)]]
    return [[[v + scale * P[(r + i) % 2][(c + i) % 3] for c, v in enumerate(row)]
             for r, row in enumerate(W)] for i, W in enumerate(ws)]


_X = [[F(1), F(0), F(1, 2), F(-1, 3)], [F(0), F(1), F(1, 3), F(1, 2)],
      [F(1, 4), F(-1, 2), F(1), F(1, 5)]]
_A = [[F(2), F(-1, 2), F(1)], [F(1, 2), F(3, 2), F(-1)]]  # teacher: Y = A X


def linear_problem(weights: list[Mat], *, weight_decay: F = F(0), times: tuple[F, ...],
                   dps: int = 30, name: str = "") -> Problem:
    """A linear-network :class:`Problem` with fixed exact data ``X`` (d x 4, d <= 3) and
    ``Y = A X`` (the teacher ``A`` restricted to d columns and k <= 2 rows)."""
    d = len(weights[0][0])
    widths = (d, *(len(W) for W in weights))
    X = [row[:] for row in _X[:d]]
    Y = _mul([r[:d] for r in _A[: widths[-1]]], X)  # d = 2: the teacher's first two columns
    return Problem(
        widths=widths, activation="linear",
        X=tuple(tuple(r) for r in X), Y=tuple(tuple(r) for r in Y),
        weights=tuple(tuple(tuple(r) for r in W) for W in weights),
        weight_decay=F(weight_decay), times=tuple(F(t) for t in times), dps=dps,
        source=name or None, generated={"built_by": "nfacheck.numeric.cases"},
    )


def exact_imbalances(weights: list[Mat]) -> list[Mat]:
    """``D_l = W_{l+1}^T W_{l+1} - W_l W_l^T`` in exact arithmetic."""
    return [
        [[a - b for a, b in zip(r1, r2, strict=True)]
         for r1, r2 in zip(_mul(_t(weights[i + 1]), weights[i + 1]),
                           _mul(weights[i], _t(weights[i])), strict=True)]
        for i in range(len(weights) - 1)
    ]
