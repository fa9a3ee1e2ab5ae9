"""Explicit matrices (lists of rows) over exact rings: rationals or polynomials in the entries.

The explicit layer of a proof: small shapes, entries that are polynomial-ring generators
(``sympy.polys.rings``) or random rationals, so an identity is checked entry by entry with no
matrix calculus involved.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from sympy import QQ
from sympy.polys.rings import ring

from ..generate import cayley

__all__ = [
    "Mat", "mul", "add", "sub", "scale", "transpose", "trace", "eye", "zeros", "mpow", "chain",
    "is_zero", "max_abs", "rand_rational", "rand_matrix", "inverse", "cayley_orthogonal",
    "entry_ring", "symbolic_weights", "frob2", "lift",
]

Mat = list[list[Any]]


def zeros(r: int, c: int, zero: Any = 0) -> Mat:
    return [[zero for _ in range(c)] for _ in range(r)]


def eye(n: int, one: Any = 1, zero: Any = 0) -> Mat:
    return [[one if i == j else zero for j in range(n)] for i in range(n)]


def mul(a: Mat, b: Mat) -> Mat:
    if len(a[0]) != len(b):
        raise ValueError(f"shapes {len(a)}x{len(a[0])} and {len(b)}x{len(b[0])} do not fit")
    bt = list(zip(*b, strict=True))
    out = []
    for row in a:
        out.append([_dot(row, col) for col in bt])
    return out


def _dot(u: Sequence[Any], v: Sequence[Any]) -> Any:
    acc = u[0] * v[0]
    for x, y in zip(u[1:], v[1:], strict=True):
        acc = acc + x * y
    return acc


def add(a: Mat, b: Mat) -> Mat:
    return [[x + y for x, y in zip(r, s, strict=True)] for r, s in zip(a, b, strict=True)]


def sub(a: Mat, b: Mat) -> Mat:
    return [[x - y for x, y in zip(r, s, strict=True)] for r, s in zip(a, b, strict=True)]


def scale(c: Any, a: Mat) -> Mat:
    return [[c * x for x in r] for r in a]


def transpose(a: Mat) -> Mat:
    return [list(col) for col in zip(*a, strict=True)]


def trace(a: Mat) -> Any:
    acc = a[0][0]
    for i in range(1, len(a)):
        acc = acc + a[i][i]
    return acc


def mpow(a: Mat, k: int) -> Mat:
    one, zero = _one_zero(a)
    out = eye(len(a), one, zero)
    for _ in range(k):
        out = mul(out, a)
    return out


def chain(mats: Sequence[Mat]) -> Mat:
    """``mats[0] @ mats[1] @ ...``."""
    out = mats[0]
    for m in mats[1:]:
        out = mul(out, m)
    return out


def _one_zero(a: Mat) -> tuple[Any, Any]:
    x = a[0][0]
    return x ** 0 if not isinstance(x, int) else 1, x * 0


def is_zero(a: Mat) -> bool:
    return all(x == 0 for r in a for x in r)


def frob2(a: Mat) -> Any:
    """Squared Frobenius norm ``tr(a^T a)``."""
    return _sumsq(a)


def _sumsq(a: Mat) -> Any:
    acc = None
    for r in a:
        for x in r:
            acc = x * x if acc is None else acc + x * x
    return acc


def max_abs(a: Mat) -> Fraction:
    return max(abs(Fraction(x)) for r in a for x in r)


def rand_rational(rng: random.Random, num: int = 9, den: int = 4) -> Fraction:
    return Fraction(rng.randint(-num, num), rng.randint(1, den))


def rand_matrix(rng: random.Random, r: int, c: int, num: int = 9, den: int = 4) -> Mat:
    return [[rand_rational(rng, num, den) for _ in range(c)] for _ in range(r)]


def inverse(a: Mat) -> Mat:
    """Exact inverse of a square rational matrix (Gauss-Jordan over ``Fraction``)."""
    n = len(a)
    m = [[Fraction(x) for x in row] + [Fraction(int(i == j)) for j in range(n)]
         for i, row in enumerate(a)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            raise ZeroDivisionError("singular matrix")
        m[col], m[piv] = m[piv], m[col]
        p = m[col][col]
        m[col] = [x / p for x in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [row[n:] for row in m]


def cayley_orthogonal(rng: random.Random, n: int) -> Mat:
    """A random rational orthogonal matrix ``(I - K)(I + K)^{-1}``, ``K`` skew-symmetric."""
    upper = [rand_rational(rng, 5, 3) for _ in range(n * (n - 1) // 2)]
    return [list(row) for row in cayley(upper, n)]


def entry_ring(names: Sequence[str]):
    """A polynomial ring over QQ with one generator per name; returns ``(ring, gens)``."""
    r, *gens = ring(",".join(names), QQ)
    return r, gens


def lift(r, a: Mat) -> Mat:
    """Rational matrix ``a`` as constants of the polynomial ring ``r``."""
    return [[r(QQ(Fraction(x).numerator, Fraction(x).denominator)) for x in row] for row in a]


def symbolic_weights(widths: Sequence[int], extra: Sequence[str] = ()):
    """Weights ``W_1..W_L`` whose entries are ring generators ``w{l}_{i}{j}``.

    Returns ``(ring, weights, extra_gens)`` where ``extra_gens`` are generators for ``extra``
    names (e.g. ``lam``).
    """
    names = [f"w{l}_{i}{j}" for l in range(1, len(widths))
             for i in range(widths[l]) for j in range(widths[l - 1])]
    r, gens = entry_ring(names + list(extra))
    it = iter(gens)
    weights = []
    for l in range(1, len(widths)):
        weights.append([[next(it) for _ in range(widths[l - 1])] for _ in range(widths[l])])
    return r, weights, list(it)
