"""Taylor-mode recurrences against mpmath's own Taylor coefficients, and the Cauchy products."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from nfacheck.numeric.taylor import (
    SeriesMatrix,
    activation_next,
    cauchy_matmul,
    from_fixed,
    horner,
    to_fixed,
)

F = 160
ORDER = 12
# z(s) = 3/10 - s/2 + s^2/7 for entry 0 and -1/4 + 2s/3 for entry 1
ZPOLY = [[Fraction(3, 10), Fraction(-1, 2), Fraction(1, 7)], [Fraction(-1, 4), Fraction(2, 3)]]
FUNCS = {
    "tanh": mpmath.tanh,
    "sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
    "softplus": lambda x: mpmath.log(1 + mpmath.exp(x)),
}


def _series(name):
    z = SeriesMatrix(1, 2)
    a, ds, aux = SeriesMatrix(1, 2), SeriesMatrix(1, 2), SeriesMatrix(1, 2)
    for k in range(ORDER + 1):
        z.append([to_fixed(p[k] if k < len(p) else 0, F) for p in ZPOLY])
        activation_next(name, z, a, ds, aux, k, F)
    return a


def _reference(fn, entry):
    with mpmath.workdps(60):
        p = [mpmath.mpf(c.numerator) / c.denominator for c in ZPOLY[entry]]
        return mpmath.taylor(lambda s: fn(mpmath.polyval(p[::-1], s)), 0, ORDER)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_activation_recurrence_matches_mpmath_taylor(name):
    a = _series(name)
    with mpmath.workdps(60):
        for entry in (0, 1):
            ref = _reference(FUNCS[name], entry)
            got = [from_fixed(a.coeffs[k][entry], F) for k in range(ORDER + 1)]
            err = max(abs(g - r) for g, r in zip(got, ref, strict=True))
            assert err < mpmath.mpf(2) ** (-F + 12)


def test_recurrence_check_rejects_the_wrong_function():
    # negative control: the tanh series must not pass as the sigmoid series
    a = _series("tanh")
    with mpmath.workdps(60):
        ref = _reference(FUNCS["sigmoid"], 0)
        err = max(abs(from_fixed(a.coeffs[k][0], F) - ref[k]) for k in range(ORDER + 1))
        assert err > mpmath.mpf(2) ** (-F + 12)


def _random_series(rows, cols, order, seed):
    import random

    rng = random.Random(seed)
    s = SeriesMatrix(rows, cols)
    for _ in range(order + 1):
        s.append([rng.randint(-(1 << F), 1 << F) for _ in range(rows * cols)])
    return s


@pytest.mark.parametrize("trans", [(False, False), (True, False), (False, True)])
def test_cauchy_matmul_python_flint_and_naive_agree(trans):
    pytest.importorskip("flint")
    tp, tq = trans
    k = 4
    p = _random_series(*((3, 2) if not tp else (2, 3)), k, 1)
    q = _random_series(*((2, 4) if not tq else (4, 2)), k, 2)

    def entry(m, k_, i, j, t):
        return m.coeffs[k_][(j * m.cols + i) if t else (i * m.cols + j)]

    naive = [
        sum(
            entry(p, j, i, r, tp) * entry(q, k - j, r, c, tq)
            for j in range(k + 1)
            for r in range(2)
        )
        for i in range(3)
        for c in range(4)
    ]
    assert cauchy_matmul(p, q, k, trans_p=tp, trans_q=tq) == naive
    assert cauchy_matmul(p, q, k, trans_p=tp, trans_q=tq, backend="flint") == naive


def test_fixed_point_round_trip_and_horner():
    assert to_fixed(Fraction(1, 3), 10) == 341  # nearest of 1024/3
    assert to_fixed(Fraction(-1, 3), 10) == -341
    with mpmath.workdps(50):
        assert from_fixed(to_fixed(Fraction(5, 4), F), F) == mpmath.mpf(5) / 4
    one = 1 << F
    # 1 + 2s + 3s^2 at s = 1/2 is 11/4
    coeffs = [[one], [2 * one], [3 * one]]
    assert horner(coeffs, one // 2, F) == [11 * one // 4]
