"""Seeded exact generators: reproducible Gaussians, exactly orthogonal and balanced weights."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from mpmath import mp

from nfacheck import generate as gen
from nfacheck.errors import InputError
from nfacheck.numeric.network import forward, to_ctx_number


def _imbalance(ws):
    return [
        gen.matmul(gen.transpose(b), b) != gen.matmul(a, gen.transpose(a))
        for a, b in zip(ws, ws[1:], strict=False)
    ]


def test_standard_normal_is_reproducible_and_platform_independent():
    # Pinned values: Mersenne Twister integers + mpmath Box-Muller, no libm, no numpy.
    rng = random.Random(1)
    got = [str(gen.standard_normal(rng)) for _ in range(3)]
    assert got == ["171197/500000", "1734493/1000000", "-36397/50000"]
    a = gen.gaussian_matrix(2, 3, random.Random(9), F(1, 2), digits=4)
    b = gen.gaussian_matrix(2, 3, random.Random(9), F(1, 2), digits=4)
    c = gen.gaussian_matrix(2, 3, random.Random(10), F(1, 2), digits=4)
    assert a == b and a != c
    assert all((x * 10**4).denominator == 1 for row in a for x in row)


def test_standard_normal_moments():
    rng = random.Random(0)
    xs = [gen.standard_normal(rng, 4) for _ in range(3000)]
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / len(xs)
    assert abs(mean) < F(1, 10) and abs(var - 1) < F(1, 10)
    assert sum(1 for x in xs if abs(x) > 2) / len(xs) == pytest.approx(0.0455, abs=0.015)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_rational_orthogonal_is_exactly_orthogonal(n):
    dets = set()
    for seed in range(6):
        q = gen.rational_orthogonal(n, random.Random(seed))
        assert gen.matmul(gen.transpose(q), q) == gen.identity(n)
        assert gen.matmul(q, gen.transpose(q)) == gen.identity(n)
        if n == 2:
            dets.add(q[0][0] * q[1][1] - q[0][1] * q[1][0])
    if n == 2:
        assert dets == {1, -1}
    if n >= 3:  # not a signed permutation: the rotation mixes coordinates
        assert any(x not in (0, 1, -1) for row in q for x in row)


@pytest.mark.parametrize(
    "widths", [[2, 2, 1], [3, 3, 3, 2], [3, 5, 2, 4], [4, 2, 4], [1, 3, 3, 1], [5, 4, 3, 2, 6]]
)
def test_balanced_weights_have_zero_imbalance_exactly(widths):
    r = min(widths)
    svs = [F(1, 2), F(1, 3), F(2, 7)][:r]
    ws = gen.balanced_weights(widths, svs, random.Random(4))
    assert [(len(w), len(w[0])) for w in ws] == list(zip(widths[1:], widths[:-1], strict=True))
    assert not any(_imbalance(ws)), "D_l must be exactly zero"
    # end-to-end E = U_L diag(s^L) U_0^T, so trace(E^T E) = sum s^(2L) exactly
    e = ws[0]
    for w in ws[1:]:
        e = gen.matmul(w, e)
    depth = len(widths) - 1
    assert sum(e[i][j] ** 2 for i in range(len(e)) for j in range(len(e[0]))) == sum(
        s ** (2 * depth) for s in svs
    )


def test_unrotated_balanced_weights_are_diagonal_and_gaussian_ones_are_unbalanced():
    ws = gen.balanced_weights([3, 2, 3], [F(1, 2), F(1, 5)])
    assert ws[0] == ((F(1, 2), 0, 0), (0, F(1, 5), 0))
    assert ws[1] == ((F(1, 2), 0), (0, F(1, 5)), (0, 0))
    # negative controls: random schemes are not balanced
    assert any(_imbalance(gen.gaussian_weights([3, 4, 2], random.Random(1))))
    assert any(_imbalance(gen.small_weights([3, 4, 2], random.Random(1))))


def test_balanced_weights_reject_bad_singular_values():
    with pytest.raises(InputError, match="at most min"):
        gen.balanced_weights([2, 3, 1], [F(1), F(1)])
    with pytest.raises(InputError, match=">= 0"):
        gen.balanced_weights([2, 3, 1], [F(-1)])


def test_orthogonal_weights_are_scaled_partial_isometries():
    s = F(1, 2)
    for w in gen.orthogonal_weights([3, 5, 2, 2], random.Random(2), s):
        rows, cols = len(w), len(w[0])
        if rows <= cols:
            assert gen.matmul(w, gen.transpose(w)) == tuple(
                tuple(s * s * x for x in r) for r in gen.identity(rows)
            )
        else:
            assert gen.matmul(gen.transpose(w), w) == tuple(
                tuple(s * s * x for x in r) for r in gen.identity(cols)
            )


def test_gaussian_weights_use_fan_in_scaling():
    ws = gen.gaussian_weights([400, 3], random.Random(5), digits=5)
    w = ws[0]
    second = sum(x * x for row in w for x in row) / (3 * 400)
    assert abs(second - F(1, 400)) < F(1, 2000)  # variance 1/fan_in
    small = gen.small_weights([400, 3], random.Random(5), F(1, 100), digits=8)[0]
    assert abs(sum(x * x for row in small for x in row) / 1200 - F(1, 10**4)) < F(2, 10**5)


def test_teacher_targets_are_the_teachers_outputs():
    x, y, tw = gen.teacher_data([3, 4, 2], 6, random.Random(1), "relu")
    h = gen.matmul(tw[0], x)
    h = tuple(tuple(max(v, F(0)) for v in row) for row in h)
    assert y == gen.matmul(tw[1], h)  # exact for a ReLU teacher
    x, y, tw = gen.teacher_data([3, 2, 1], 5, random.Random(1), "tanh", digits=6)
    with mp.workdps(40):
        out, _ = forward(tw, x, "tanh")
        for j in range(5):
            assert abs(out[0, j] - to_ctx_number(y[0][j])) <= mp.mpf(10) ** -6 / 2
    x2, y2, _ = gen.teacher_data([3, 2, 1], 5, random.Random(1), "tanh", noise=F(1, 10))
    assert x2 == x and y2 != y  # noise changes the targets, not the inputs


def test_gaussian_data_shapes_and_independent_streams():
    x, y = gen.gaussian_data(3, 2, 7, random.Random(3), F(2), F(1, 2), digits=3)
    assert (len(x), len(x[0]), len(y), len(y[0])) == (3, 7, 2, 7)
    assert max(abs(v) for r in y for v in r) < 3 and max(abs(v) for r in x for v in r) > F(1, 2)
