"""The numpy backend: limb arithmetic against Python integers, and expansions bit-identical to the
pure-Python backend (with controls that a one-bit change is seen)."""

from __future__ import annotations

import dataclasses
import random
from fractions import Fraction as Fr

import mpmath
import numpy as np
import pytest
from helpers import trajectory_max_diff
from hypothesis import given, settings
from hypothesis import strategies as st

from nfacheck.errors import UsageError
from nfacheck.numeric import limbs as lb
from nfacheck.numeric.events import initial_sides
from nfacheck.numeric.flowfield import NetworkField
from nfacheck.numeric.integrate import integrate
from nfacheck.numeric.limbjet import LimbJet
from nfacheck.numeric.taylor import to_fixed
from nfacheck.problem import Problem

BIG = st.integers(min_value=-(1 << 200), max_value=1 << 200)


def _positions(values, P):
    """Python integers as *unnormalised* positions: random split, some limbs far above 2**16."""
    rng = random.Random(len(values))
    out = np.zeros((len(values), P), dtype=np.int64)
    for i, v in enumerate(values):
        rest = v
        for p in range(P - 1):
            limb = (rest % lb.BASE) + rng.randint(-(1 << 20), 1 << 20) * lb.BASE
            out[i, p] = limb
            rest = (rest - limb) >> lb.BITS
        out[i, P - 1] = rest
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(BIG, min_size=1, max_size=6))
def test_round_trip_and_normalise(values):
    S = lb.from_ints(values, 15)
    assert lb.to_ints(S) == values
    assert np.abs(S[:, :-1]).max(initial=0) <= lb.HALF + 1
    raw = _positions(values, 15)
    assert lb.to_ints(raw) == values
    N = lb.normalize(raw, 62)
    assert lb.to_ints(N) == values
    assert np.abs(N[:, :-1]).max(initial=0) < lb.BASE - 1


@settings(max_examples=60, deadline=None)
@given(st.lists(BIG, min_size=1, max_size=6), st.integers(min_value=0, max_value=190))
def test_shift_floor_is_the_python_shift(values, shift):
    got = lb.to_ints(lb.shift_floor(_positions(values, 15), shift))
    assert got == [v >> shift for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(BIG, min_size=1, max_size=6), st.integers(min_value=1, max_value=5000))
def test_floordiv_is_the_python_floordiv(values, d):
    got = lb.to_ints(lb.floordiv(lb.from_ints(values, 15), d))
    assert got == [v // d for v in values]


def test_floordiv_per_entry_divisors():
    values = [-(10**40) - 7, 10**39 + 3, -5, 0]
    dens = np.array([1, 100, 7, 3], dtype=np.int64)
    got = lb.to_ints(lb.floordiv(lb.from_ints(values, 12), dens))
    assert got == [v // int(d) for v, d in zip(values, dens, strict=True)]


def test_antidiagonal_float_and_int_paths_agree():
    rng = np.random.default_rng(0)
    G = rng.integers(-(1 << 40), 1 << 40, size=(3, 4, 6, 6)).astype(np.float64)
    a = lb.antidiagonal(G, in_float=True)
    b = lb.antidiagonal(G, in_float=False)
    assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)
    ref = np.zeros((3, 4, 11), dtype=np.int64)
    for i in range(6):
        for j in range(6):
            ref[..., i + j] += G[..., i, j].astype(np.int64)
    assert np.array_equal(a, ref)


def test_fit_rejects_values_that_outgrow_the_limbs():
    ok = lb.normalize(_positions([1 << 60, -(1 << 60)], 8), 62)
    assert lb.to_ints(lb.fit(ok, 5)) == [1 << 60, -(1 << 60)]
    with pytest.raises(lb.FixedPointOverflow):
        lb.fit(lb.normalize(_positions([1 << 100], 8), 62), 5)
    with pytest.raises(lb.FixedPointOverflow):
        lb.from_ints([1 << 300], 5)


def test_exactness_bound_is_enforced():
    assert lb.Exactness(terms=65 * 32, limbs=16).gemm
    assert not lb.Exactness(terms=1 << 21, limbs=16).gemm  # 2**21 * 2**32 = 2**53
    field = NetworkField([2, 4096, 1], "tanh", {}, [[1], [2]], [[0]], Fr(0), 64, "numpy")
    with pytest.raises(UsageError, match="exceeds exact float64"):
        LimbJet(field, 1 << 10)  # checked before any buffer is allocated


# -- expansions: bit-identical to the python backend ---------------------------------------------
ACTIVATIONS = ["linear", "tanh", "sigmoid", "softplus", "relu", "leaky_relu"]


def _problem(activation, widths=(3, 4, 5, 2), n=6, seed=3):
    rng = random.Random(seed)

    def mat(r, c, scale):
        return tuple(
            tuple(Fr(rng.randint(-999, 999), 1000) * scale for _ in range(c)) for _ in range(r)
        )

    weights = tuple(mat(widths[i + 1], widths[i], Fr(2, 3)) for i in range(len(widths) - 1))
    return Problem(
        widths=tuple(widths),
        activation=activation,
        X=mat(widths[0], n, Fr(1)),
        Y=mat(widths[-1], n, Fr(1, 2)),
        weights=weights,
        weight_decay=Fr(1, 100),
        times=(Fr(1),),
        dps=30,
    )


def _expansion(p, backend, F, order, h0, perturb=0):
    field = NetworkField(
        p.widths, p.activation, dict(p.activation_params), p.X, p.Y, p.weight_decay, F, backend
    )
    if field.piecewise:
        field.set_masks_from(initial_sides(p))
    y0 = [[to_fixed(v, F) for row in W for v in row] for W in p.weights]
    y0[0][0] += perturb
    e = field.expand(y0, order, to_fixed(h0, F), with_z=field.piecewise)
    return [W.coeffs for W in e.W], [z.coeffs for z in e.z], field


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize(("widths", "n", "F"), [((3, 4, 5, 2), 6, 214), ((2, 3, 1), 4, 107)])
def test_numpy_expansion_is_bit_identical_to_python(activation, widths, n, F):
    p = _problem(activation, widths, n)
    ref = _expansion(p, "python", F, 24, Fr(1, 3))
    got = _expansion(p, "numpy", F, 24, Fr(1, 3))
    assert got[0] == ref[0]
    assert got[1] == (ref[1] if p.activation in ("relu", "leaky_relu") else [])
    # control: one unit in the last place of one weight changes the coefficients
    assert _expansion(p, "numpy", F, 24, Fr(1, 3), perturb=1)[0] != ref[0]


def test_a_step_too_long_overflows_and_integrate_retries_shorter():
    """Time scale 4 makes the order-40 coefficients of this net outgrow the limbs (the python
    backend just carries ~2**60-sized numbers); ``integrate`` then retries the step 16x shorter
    and still agrees with the python backend."""
    p = _problem("tanh")
    _expansion(p, "numpy", 112, 40, Fr(1))  # fine at time scale 1
    with pytest.raises(lb.FixedPointOverflow):
        _expansion(p, "numpy", 112, 40, Fr(4))
    stiff = dataclasses.replace(
        p, X=tuple(tuple(4 * x for x in row) for row in p.X), times=(Fr(1, 2), Fr(2))
    )
    a, b = integrate(stiff, backend="python"), integrate(stiff, backend="numpy")
    assert b.status == "success" and b.rescaled >= 1 and a.rescaled == 0
    assert trajectory_max_diff(a, b, p.dps) <= mpmath.mpf(10) ** -28
    # a fixed step cannot be shortened: the run stops with a message instead of a wrong answer
    fixed = integrate(p, backend="numpy", step=Fr(4), times=(Fr(4),))
    assert fixed.status == "failed" and "fixed-point range" in fixed.message
    assert integrate(p, backend="python", step=Fr(4), times=(Fr(4),)).status == "success"


@pytest.mark.parametrize("activation", ["tanh", "linear", "leaky_relu"])
def test_numpy_integrate_agrees_with_python(activation):
    p = dataclasses.replace(_problem(activation), times=(Fr(1, 2), Fr(1)))
    a, b = integrate(p, backend="python"), integrate(p, backend="numpy")
    assert b.backend == "numpy" and b.status == a.status == "success"
    assert len(a.events) == len(b.events)
    assert trajectory_max_diff(a, b, p.dps) <= mpmath.mpf(10) ** -28


def test_a_slope_too_long_for_int64_is_refused_not_wrapped():
    p = dataclasses.replace(
        _problem("leaky_relu"), activation_params={"slope": Fr((1 << 50) + 1, 1 << 52)}
    )
    with pytest.raises(UsageError, match="slope"):
        integrate(p, backend="numpy")
    # control: a slope of ordinary size is accepted
    q = dataclasses.replace(p, activation_params={"slope": Fr(1, 7)})
    assert integrate(q, backend="numpy").status == "success"


def test_fit_widens_short_positions_without_breaking_the_limb_bound():
    S = np.array([[5, 3 << 20], [-7, -(1 << 25)]], dtype=np.int64)  # top positions far beyond 2**16
    out = lb.fit(S, 4)
    assert lb.to_ints(out) == lb.to_ints(S)
    assert np.abs(out[:, :-1]).max() < lb.BASE - 1
