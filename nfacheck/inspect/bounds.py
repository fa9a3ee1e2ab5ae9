"""Rigorous a-priori rounding-error bounds for float64 (IEEE binary64, round to nearest) numpy.

The stored weights and data are exact binary rationals; every float64 operation on them rounds.
Instead of interval arithmetic (too slow at width 1024 and n = 60 000 in mpmath or Arb) we use
the classical a-priori bounds (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1–3.5)
and carry a bound on the error beside each computed array:

* a sum or dot product of N terms: ``|fl(s) − s| ≤ γ_N Σ|terms|``, γ_N = Nu/(1 − Nu), u = 2^-53,
  whatever the summation order (so any BLAS blocking or FMA use is covered; BLAS libraries use
  no fast, Strassen-type, matrix multiplication) plus an underflow term below ``TINY``;
* a matrix product: ``‖fl(AB) − AB‖_F ≤ γ_K ‖|A||B|‖_F ≤ γ_K ‖A‖_F ‖B‖_F``.

The scalar bookkeeping is done in exact ``Fraction`` arithmetic, so only the bounds above are
used, never a rounded scalar. Functions return Fractions that are rigorous upper (``*_up``) or
lower (``*_lo``) bounds on the exact value.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = [
    "U",
    "TINY",
    "gamma",
    "exact",
    "sumsq_bounds",
    "sum_up",
    "fro_up",
    "fro_lo",
    "sqrt_up",
    "sqrt_lo",
    "sym_spectral_up",
    "round_down",
    "mirror_upper",
    "up",
    "sample_norms_up",
    "inflate",
]

U = Fraction(1, 2**53)
# Underflow: each product that falls below the normal range errs by at most 2^-1075 in absolute
# value; a million of them stay far below TINY, which is added wherever an underflow could occur.
TINY = Fraction(1, 2**990)


def gamma(k: int) -> Fraction:
    """γ_k = ku/(1 − ku) (Higham's constant), exactly."""
    ku = k * U
    if ku >= Fraction(1, 2):
        raise ValueError(f"γ_{k} is not defined in float64 (k too large)")
    return ku / (1 - ku)


def exact(x: float) -> Fraction:
    """The exact binary rational of a finite float."""
    return Fraction(float(x))


def sumsq_bounds(a: np.ndarray) -> tuple[Fraction, Fraction]:
    """Bounds ``(lo, hi)`` on the exact Σ a_ij² of a float64 array (computed by one BLAS dot)."""
    v = np.ascontiguousarray(a, dtype=np.float64).ravel()
    s = float(np.dot(v, v))
    if not math.isfinite(s):
        raise OverflowError("sum of squares overflows float64")
    N = max(v.size, 1)
    g = gamma(N + 1)
    fs = exact(s)
    lo = max(Fraction(0), (fs - TINY) / (1 + g))
    hi = (fs + TINY) / (1 - g)
    return lo, hi


def sum_up(a: np.ndarray) -> Fraction:
    """A rigorous upper bound on the exact Σ a_i of a nonnegative float64 array."""
    v = np.ascontiguousarray(a, dtype=np.float64).ravel()
    s = float(np.sum(v))
    if not math.isfinite(s):
        raise OverflowError("sum overflows float64")
    return (exact(s) + TINY) / (1 - gamma(max(v.size, 1)))


def fro_up(a: np.ndarray) -> Fraction:
    """A rigorous upper bound on ‖a‖_F."""
    return sqrt_up(sumsq_bounds(a)[1])


def fro_lo(a: np.ndarray) -> Fraction:
    """A rigorous lower bound on ‖a‖_F."""
    return sqrt_lo(sumsq_bounds(a)[0])


_SCALE = 2**64


def sqrt_up(q: Fraction) -> Fraction:
    """An upper bound on √q (q ≥ 0) within a relative 2^-60 or so, by integer square roots."""
    if q <= 0:
        return Fraction(0)
    e = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    scale = Fraction(2) ** (-e)  # q·scale² is about 1
    t = q * scale * scale * _SCALE * _SCALE
    r = math.isqrt(math.ceil(t))
    if r * r < t:
        r += 1
    return Fraction(r, _SCALE) / scale


def sqrt_lo(q: Fraction) -> Fraction:
    """A lower bound on √q (q ≥ 0)."""
    if q <= 0:
        return Fraction(0)
    e = (q.numerator.bit_length() - q.denominator.bit_length()) // 2
    scale = Fraction(2) ** (-e)
    t = q * scale * scale * _SCALE * _SCALE
    return Fraction(math.isqrt(math.floor(t)), _SCALE) / scale


def up(q: Fraction) -> float:
    """The smallest float ≥ q."""
    f = float(q)
    if Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def inflate(ops: int) -> float:
    """A float factor c such that c·fl(x) ≥ x for a nonnegative expression x evaluated in
    float64 with at most ``ops`` roundings (each (1 − u)^-1), including the multiplication by c."""
    return up(1 + 2 * gamma(ops + 1))


def sample_norms_up(T: np.ndarray) -> np.ndarray:
    """Per-sample upper bounds on ‖T[i]‖_F of a (b, k, h) float64 array (floats, rigorous)."""
    b = T.shape[0]
    m = T.reshape(b, -1)
    s = np.einsum("ij,ij->i", m, m)
    return np.sqrt(s * inflate(m.shape[1] + 1) + float(TINY)) * inflate(2)


def round_down(q: Fraction) -> float:
    """The largest float ≤ q (so a lower bound stays a lower bound when printed as a float)."""
    f = float(q)
    if Fraction(f) > q:
        f = math.nextafter(f, -math.inf)
    return f


def mirror_upper(a: np.ndarray) -> np.ndarray:
    """The exactly symmetric matrix with ``a``'s upper triangle (no rounding is involved).

    The bound on each computed entry is symmetric, and so is the exact matrix it approximates, so
    mirroring keeps every entrywise bound.
    """
    up = np.triu(a)
    return up + np.triu(a, 1).T


def sym_spectral_up(a: np.ndarray, eig: tuple[np.ndarray, np.ndarray] | None = None) -> Fraction:
    """A rigorous upper bound on ‖a‖_2 of an exactly symmetric float64 matrix.

    With ``a ≈ VΛVᵀ`` from ``eigh``: ‖a‖_2 ≤ ‖V‖_2² max|λ| + ‖a − VΛVᵀ‖_F and
    ‖V‖_2² = ‖VᵀV‖_2 ≤ 1 + ‖VᵀV − I‖_F; both residuals are computed in float64 and enclosed by
    the product bounds above (three d×d products, so it is cheap at width 1024). ``eig`` is
    ``np.linalg.eigh(a)`` if the caller has it (any approximate pair is valid).
    """
    d = a.shape[0]
    if d == 0:
        return Fraction(0)
    w, V = np.linalg.eigh(a) if eig is None else eig
    lam = max(exact(abs(x)) for x in (w[0], w[-1]))
    # ‖VᵀV − I‖_F: fl(VᵀV) errs by γ_d ‖V‖_F², the subtraction of I by u per entry
    vf2 = sumsq_bounds(V)[1]
    VtV = V.T @ V
    Ddiff = VtV - np.eye(d)
    orth = fro_up(Ddiff) * (1 + 2 * U) + gamma(d) * vf2 + TINY
    # ‖a − VΛVᵀ‖_F: VΛ rounds by u per entry, the product by γ_d, the subtraction by u
    VL = V * w
    vlf = fro_up(VL)
    Q = VL @ V.T
    R = a - Q
    vf = sqrt_up(vf2)
    resid = (fro_up(R) * (1 + 2 * U)
             + (U * vlf / (1 - U) + gamma(d) * vlf) * vf * (1 + gamma(1)) + TINY)
    return (1 + orth) * lam + resid
