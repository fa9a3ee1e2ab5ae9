"""Seeded, exact generators for problem files: Gaussian data, teacher targets and initial weights.

Every number produced is a Fraction, and the same seed gives the same Fractions on every
platform: uniforms come from ``random.Random(seed).getrandbits`` (Mersenne Twister, integer
output), Gaussians from Box-Muller evaluated with mpmath (integer arithmetic, no libm) and
rounded to a stated number of decimal places. Orthogonal matrices are exactly orthogonal
rationals (Cayley transform of a rational skew-symmetric matrix), so a balanced initialisation
has imbalance D_l = 0 exactly.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import mpmath

from .errors import InputError

__all__ = [
    "Matrix",
    "balanced_weights",
    "cayley",
    "gaussian_data",
    "gaussian_matrix",
    "gaussian_weights",
    "identity",
    "matmul",
    "orthogonal_weights",
    "rational_orthogonal",
    "small_weights",
    "standard_normal",
    "teacher_data",
    "transpose",
]

Matrix = tuple[tuple[Fraction, ...], ...]
_GUARD = 20  # extra digits for Box-Muller before rounding to `digits` places


# ------------------------------------------------------------------------- exact matrix helpers


def identity(n: int) -> Matrix:
    """The n x n identity with Fraction entries."""
    return tuple(tuple(Fraction(int(i == j)) for j in range(n)) for i in range(n))


def transpose(a: Sequence[Sequence[Fraction]]) -> Matrix:
    """Transpose of a matrix given as rows."""
    return tuple(tuple(c) for c in zip(*a, strict=True))


def matmul(a: Sequence[Sequence[Fraction]], b: Sequence[Sequence[Fraction]]) -> Matrix:
    """Exact product a @ b."""
    cols = list(zip(*b, strict=True))
    return tuple(
        tuple(sum((x * y for x, y in zip(r, c, strict=True)), Fraction(0)) for c in cols) for r in a
    )


def _solve(a: Sequence[Sequence[Fraction]], b: Sequence[Sequence[Fraction]]) -> Matrix:
    """Solve a @ x = b exactly (Gauss-Jordan with the first non-zero pivot)."""
    n = len(a)
    m = [list(ra) + list(rb) for ra, rb in zip(a, b, strict=True)]
    for col in range(n):
        piv = next((r for r in range(col, n) if m[r][col] != 0), None)
        if piv is None:
            raise ArithmeticError("singular matrix")  # pragma: no cover - I + skew never is
        m[col], m[piv] = m[piv], m[col]
        inv = 1 / m[col][col]
        m[col] = [v * inv for v in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return tuple(tuple(row[n:]) for row in m)


# ------------------------------------------------------------------------------- random numbers


def standard_normal(rng: random.Random, digits: int = 6) -> Fraction:
    """One N(0, 1) sample rounded to ``digits`` decimal places, as a Fraction.

    Box-Muller on two 53-bit uniforms, evaluated with mpmath at ``digits + 20`` digits so the
    rounding (and hence the Fraction) does not depend on the platform's libm.
    """
    u1 = Fraction(rng.getrandbits(53) + 1, 2**53)  # (0, 1]
    u2 = Fraction(rng.getrandbits(53), 2**53)
    return _round_places(_box_muller(u1, u2, digits), digits)


def _box_muller(u1: Fraction, u2: Fraction, digits: int) -> Any:
    with mpmath.mp.workdps(digits + _GUARD):
        a = mpmath.mpf(u1.numerator) / u1.denominator
        b = mpmath.mpf(u2.numerator) / u2.denominator
        return mpmath.sqrt(-2 * mpmath.log(a)) * mpmath.cospi(2 * b)


def _round_places(value: Any, digits: int) -> Fraction:
    """Round to ``digits`` decimal places, ties to even (exactly for Fractions)."""
    if isinstance(value, Fraction):
        return Fraction(round(value * 10**digits), 10**digits)
    with mpmath.mp.workdps(digits + _GUARD + 10):
        scaled = mpmath.nint(mpmath.mpf(value) * mpmath.mpf(10) ** digits)
    return Fraction(int(scaled), 10**digits)


def gaussian_matrix(
    rows: int, cols: int, rng: random.Random, scale: Any = 1, digits: int = 6
) -> Matrix:
    """A rows x cols matrix of N(0, scale^2) entries rounded to ``digits`` decimal places.

    ``scale`` may be exact (Fraction/int) or an mpmath number (e.g. ``1/sqrt(fan_in)``); the
    product is formed before rounding.
    """
    out = []
    for _ in range(rows):
        row = []
        for _ in range(cols):
            u1 = Fraction(rng.getrandbits(53) + 1, 2**53)
            u2 = Fraction(rng.getrandbits(53), 2**53)
            with mpmath.mp.workdps(digits + _GUARD):
                s = _mp_number(scale)
                row.append(_round_places(_box_muller(u1, u2, digits) * s, digits))
        out.append(tuple(row))
    return tuple(out)


def _mp_number(x: Any) -> Any:
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(x)


def rational_orthogonal(n: int, rng: random.Random) -> Matrix:
    """A random exactly orthogonal n x n matrix with rational entries.

    Cayley transform Q = (I + A)^{-1} (I - A) of a skew-symmetric A whose entries above the
    diagonal are drawn from {+-1/4, +-1/2, +-3/4} (never 0 and never +-1, which would give
    permutation blocks; I + A is always invertible), followed by a random sign flip of each
    column so that both determinants +-1 occur. Q^T Q = I holds exactly.
    """
    if n < 1:
        raise InputError("matrix size must be at least 1", received=n)
    upper = [Fraction(rng.choice((-3, -2, -1, 1, 2, 3)), 4) for _ in range(n * (n - 1) // 2)]
    q = cayley(upper, n)
    signs = [1 if rng.getrandbits(1) else -1 for _ in range(n)]
    return tuple(tuple(q[i][j] * signs[j] for j in range(n)) for i in range(n))


def cayley(skew_upper: Sequence[Any], n: int) -> Matrix:
    """The exactly orthogonal Cayley transform ``(I + A)^{-1}(I - A) = (I - A)(I + A)^{-1}``.

    Parameters
    ----------
    skew_upper
        The ``n(n-1)/2`` entries of the skew-symmetric ``A`` above the diagonal, row by row
        (anything ``Fraction`` accepts).
    n
        Matrix size.

    Returns
    -------
    Matrix
        Rational orthogonal ``n x n`` matrix (``I + A`` is invertible for every real skew ``A``).
    """
    a = [[Fraction(0)] * n for _ in range(n)]
    it = iter(skew_upper)
    for i in range(n):
        for j in range(i + 1, n):
            v = Fraction(next(it))
            a[i][j], a[j][i] = v, -v
    eye = identity(n)
    plus = [[eye[i][j] + a[i][j] for j in range(n)] for i in range(n)]
    minus = [[eye[i][j] - a[i][j] for j in range(n)] for i in range(n)]
    return _solve(plus, minus)


# ------------------------------------------------------------------------------- initialisations


def balanced_weights(
    widths: Sequence[int],
    singular_values: Sequence[Fraction],
    rng: random.Random | None = None,
) -> tuple[Matrix, ...]:
    """Exactly balanced weights W_l = U_l S_l U_{l-1}^T with shared singular values.

    ``S_l`` is h_l x h_{l-1} with ``singular_values`` on its diagonal (zeros elsewhere) and the
    ``U_l`` are rational orthogonal (identity when ``rng`` is None: aligned, diagonal weights).
    Then W_{l+1}^T W_{l+1} = U_l diag(s^2) U_l^T = W_l W_l^T, i.e. D_l = 0 exactly, and the
    end-to-end matrix is U_L diag(s^L) U_0^T.

    Raises
    ------
    InputError
        More singular values than the narrowest width, or a negative one.
    """
    r = min(widths)
    if len(singular_values) > r:
        raise InputError(
            f"at most min(widths) = {r} singular values",
            "init.singular_values",
            len(singular_values),
            show_received=True,
        )
    if any(s < 0 for s in singular_values):
        raise InputError(
            "singular values must be >= 0",
            "init.singular_values",
            [str(s) for s in singular_values],
        )
    us = [identity(h) if rng is None else rational_orthogonal(h, rng) for h in widths]
    weights = []
    for layer in range(1, len(widths)):
        rows, cols = widths[layer], widths[layer - 1]
        sig = [[Fraction(0)] * cols for _ in range(rows)]
        for i, s in enumerate(singular_values):
            sig[i][i] = Fraction(s)
        weights.append(matmul(matmul(us[layer], sig), transpose(us[layer - 1])))
    return tuple(weights)


def gaussian_weights(
    widths: Sequence[int], rng: random.Random, scale: Fraction = Fraction(1), digits: int = 6
) -> tuple[Matrix, ...]:
    """W_l with entries N(0, scale^2 / h_{l-1}) (fan-in scaling), rounded to ``digits`` places."""
    out = []
    for layer in range(1, len(widths)):
        fan_in = widths[layer - 1]
        with mpmath.mp.workdps(digits + _GUARD):
            s = _mp_number(scale) / mpmath.sqrt(fan_in)
            out.append(gaussian_matrix(widths[layer], fan_in, rng, s, digits))
    return tuple(out)


def small_weights(
    widths: Sequence[int], rng: random.Random, scale: Fraction = Fraction(1, 100), digits: int = 6
) -> tuple[Matrix, ...]:
    """W_l with entries N(0, scale^2) (no fan-in scaling), rounded to ``digits`` places."""
    return tuple(
        gaussian_matrix(widths[i], widths[i - 1], rng, scale, digits) for i in range(1, len(widths))
    )


def orthogonal_weights(
    widths: Sequence[int], rng: random.Random, scale: Fraction = Fraction(1)
) -> tuple[Matrix, ...]:
    """W_l = scale * (the leading h_l x h_{l-1} block of a rational orthogonal matrix).

    The block of an m x m orthogonal matrix (m = max(h_l, h_{l-1})) has orthonormal rows or
    columns, so every W_l is exactly ``scale`` times a partial isometry.
    """
    out = []
    for layer in range(1, len(widths)):
        rows, cols = widths[layer], widths[layer - 1]
        q = rational_orthogonal(max(rows, cols), rng)
        out.append(tuple(tuple(scale * q[i][j] for j in range(cols)) for i in range(rows)))
    return tuple(out)


# ------------------------------------------------------------------------------------------ data


def gaussian_data(
    d: int,
    k: int,
    n: int,
    rng: random.Random,
    scale: Fraction = Fraction(1),
    target_scale: Fraction = Fraction(1),
    digits: int = 6,
) -> tuple[Matrix, Matrix]:
    """X (d x n) with N(0, scale^2) entries and independent Y (k x n) with N(0, target_scale^2)."""
    x = gaussian_matrix(d, n, rng, scale, digits)
    y = gaussian_matrix(k, n, rng, target_scale, digits)
    return x, y


def _exact_forward(
    weights: Sequence[Matrix], x: Matrix, activation: str, slope: Fraction
) -> Matrix:
    h = x
    for w in weights[:-1]:
        z = matmul(w, h)
        if activation == "linear":
            h = z
        else:
            h = tuple(tuple(v if v > 0 else slope * v for v in row) for row in z)
    return matmul(weights[-1], h)


def teacher_data(
    widths: Sequence[int],
    n: int,
    rng: random.Random,
    activation: str,
    params: dict[str, Fraction] | None = None,
    scale: Fraction = Fraction(1),
    teacher_scale: Fraction = Fraction(1),
    noise: Fraction = Fraction(0),
    digits: int = 6,
) -> tuple[Matrix, Matrix, tuple[Matrix, ...]]:
    """Gaussian inputs and targets from a random teacher network (no biases).

    The teacher has ``widths = [d, ..., k]``, Gaussian weights with fan-in scaling
    (``teacher_scale``) and the given activation. For linear, relu and leaky_relu teachers the
    targets are the teacher's outputs exactly (plus noise); for smooth ones the outputs are
    evaluated with mpmath at ``digits + 20`` digits and rounded to ``digits`` decimal places.
    ``noise * N(0, 1)`` (rounded to ``digits`` places) is added to every target.

    Returns
    -------
    (X, Y, teacher_weights)
    """
    x = gaussian_matrix(widths[0], n, rng, scale, digits)
    tw = gaussian_weights(widths, rng, teacher_scale, digits)
    if activation in ("linear", "relu", "leaky_relu"):
        slope = Fraction(0) if activation == "relu" else Fraction(1)
        if activation == "leaky_relu":
            slope = Fraction((params or {}).get("slope", Fraction(1, 100)))
        clean = _exact_forward(tw, x, activation, slope)
    else:
        from .numeric.network import forward

        with mpmath.mp.workdps(digits + _GUARD):
            out, _ = forward(tw, x, activation, params, mpmath.mp)
            clean = tuple(
                tuple(_round_places(out[i, j], digits) for j in range(n)) for i in range(widths[-1])
            )
    if noise:
        clean = tuple(
            tuple(v + _round_places(noise * standard_normal(rng, digits), digits) for v in row)
            for row in clean
        )
    return x, clean, tw
