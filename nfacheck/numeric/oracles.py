"""Reference flows with known solutions: whitened, aligned deep linear networks (Saxe et al. 2014).

With Sigma_xx = X X^T / n = s_xx I and Sigma_yx = Y X^T / n = U diag(sigma) V^T, the balanced
aligned initialisation W_1 = R_1 diag(a) V^T, W_l = R_l diag(a) R_{l-1}^T, W_L = U diag(a) R_{L-1}^T
stays of that form, each mode obeying da/dt = a^{L-1} (sigma - s_xx a^L) - lambda a (so u = a^L
obeys du/dt = L u^{2-2/L} (sigma - s_xx u) - L lambda u; logistic for L = 2, lambda = 0).
The U, V, R_l are exact rational orthogonal matrices (Cayley transforms): the weights are not
diagonal.
The mode ODE is solved independently of any ODE integrator: t(a) = int_{a0}^{a} db / g(b) by
quadrature, inverted by Newton's method.

References
----------
A. M. Saxe, J. L. McClelland, S. Ganguli, "Exact solutions to the nonlinear dynamics of learning
in deep linear neural networks", ICLR 2014.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from ..generate import cayley
from ..problem import Problem

__all__ = ["cayley", "saxe_problem", "mode_value", "saxe_weights"]


def _mat(a, b):
    cols = list(zip(*b, strict=True))
    return [[sum(x * y for x, y in zip(r, c, strict=True)) for c in cols] for r in a]


def _t(a):
    return [list(c) for c in zip(*a, strict=True)]


def _diag(v):
    n = len(v)
    return [[Fraction(v[i]) if i == j else Fraction(0) for j in range(n)] for i in range(n)]


def _rotations(m: int, count: int) -> list[list[list[Fraction]]]:
    out = []
    for r in range(count):
        upper = [
            Fraction((-1) ** (i + r) * (i + r + 1), i + 2 * r + 3) for i in range(m * (m - 1) // 2)
        ]
        out.append(cayley(upper, m))
    return out


def saxe_weights(depth: int, a: list, rot) -> list[list[list]]:
    """The aligned weights W_1..W_L for mode strengths ``a`` and rotations ``rot = (U, V, R)``."""
    U, V, R = rot
    D = (
        _diag(a)
        if all(isinstance(x, Fraction | int) for x in a)
        else [[a[i] if i == j else 0 for j in range(len(a))] for i in range(len(a))]
    )
    if depth == 1:
        return [_mat(_mat(U, D), _t(V))]
    ws = [_mat(_mat(R[0], D), _t(V))]
    for l in range(1, depth - 1):
        ws.append(_mat(_mat(R[l], D), _t(R[l - 1])))
    ws.append(_mat(_mat(U, D), _t(R[depth - 2])))
    return ws


def saxe_problem(
    depth: int,
    sigma: list,
    a0: list,
    *,
    scale: Fraction = Fraction(1),
    weight_decay: Fraction = Fraction(0),
    times=(Fraction(1),),
    dps: int = 30,
    rotate: bool = True,
):
    """A whitened, aligned deep linear problem with m = len(sigma) modes (all widths m, n = m).

    Returns
    -------
    (Problem, s_xx, rotations)
        ``s_xx = scale**2 / m``; pass ``rotations`` to :func:`saxe_weights` with the mode values
        from :func:`mode_value` to get the exact weights at any time.
    """
    m = len(sigma)
    rots = _rotations(m, depth + 2) if rotate else [_diag([1] * m)] * (depth + 2)
    Qx, U, V, R = rots[0], rots[1], rots[2], rots[3:]
    X = [[Fraction(scale) * v for v in row] for row in Qx]
    # Y X^T / n = U diag(sigma) V^T  with X^{-T} = Qx / scale
    Y = _mat(_mat(_mat(U, _diag(sigma)), _t(V)), Qx)
    Y = [[Fraction(m) * v / Fraction(scale) for v in row] for row in Y]
    W = saxe_weights(depth, [Fraction(x) for x in a0], (U, V, R))
    p = Problem(
        widths=(m,) * (depth + 1),
        activation="linear",
        X=tuple(tuple(r) for r in X),
        Y=tuple(tuple(r) for r in Y),
        weights=tuple(tuple(tuple(r) for r in w) for w in W),
        weight_decay=Fraction(weight_decay),
        times=tuple(Fraction(t) for t in times),
        dps=dps,
    )
    return p, Fraction(scale) ** 2 / m, (U, V, R)


def mode_value(depth: int, sigma, s_xx, a0, t, dps: int, weight_decay=0):
    """a(t) for da/dt = a^{L-1}(sigma - s_xx a^L) - lambda a, a(0) = a0 > 0, to ``dps`` digits.

    Solved as t = int_{a0}^{a(t)} db / g(b) (Gauss-Legendre quadrature in mpmath) inverted by
    Newton's method; valid while g keeps its sign between a0 and a(t) (no equilibrium crossed).
    """
    with mpmath.mp.workdps(dps + 20):
        L = depth
        sg, sx, lam = (
            mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator
            for v in (sigma, s_xx, weight_decay)
        )
        a0m = mpmath.mpf(Fraction(a0).numerator) / Fraction(a0).denominator
        tm = mpmath.mpf(Fraction(t).numerator) / Fraction(t).denominator

        def g(b):
            return b ** (L - 1) * (sg - sx * b**L) - lam * b

        if L == 2 and lam == 0:  # logistic in u = a^2: closed form
            u0, e = a0m**2, mpmath.exp(2 * sg * tm)
            u = sg * u0 * e / (sg + sx * u0 * (e - 1))
            return +mpmath.sqrt(u)
        if tm == 0:
            return +a0m
        # start from a few RK4 steps (only a starting guess), then Newton on the quadrature
        a, nst = a0m, 64
        h = tm / nst
        for _ in range(nst):
            k1 = g(a)
            k2 = g(a + h * k1 / 2)
            k3 = g(a + h * k2 / 2)
            k4 = g(a + h * k3)
            a = a + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        tol = mpmath.mpf(10) ** (-(dps + 8))
        for _ in range(60):
            ti = mpmath.quad(lambda b: 1 / g(b), [a0m, a])
            step = (ti - tm) * g(a)
            a -= step
            if abs(step) <= tol * abs(a):
                break
        return +a
