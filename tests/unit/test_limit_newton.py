"""numeric.limit.newton and krawczyk: the linear weight-decay limit is balanced with an NFA
residual at working precision and a Hessian singular exactly by the O(h) symmetry; the origin of a
tanh net is a certified saddle (the Hessian bound fails); Krawczyk fails on a box off the point."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import mpmath
import pytest

from nfacheck.numeric.limit.hessian import Model, unflatten
from nfacheck.numeric.limit.kits import MpKit, make_kit
from nfacheck.numeric.limit.krawczyk import certify_box, preconditioner, sqrt_bounds
from nfacheck.numeric.limit.newton import find_limit, spectrum, symmetry_zero_modes
from nfacheck.numeric.metrics import nfa_metrics
from nfacheck.numeric.network import imbalances
from nfacheck.problem import load_problem

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def linear_limit():
    p = load_problem(EXAMPLES / "linear-unbalanced-weight-decay.toml")
    return p, find_limit(p)


def test_linear_limit_is_balanced_and_nfa_holds(linear_limit):
    p, r = linear_limit
    assert r.converged and r.gradient_norm < mpmath.mpf(10) ** -35
    with mpmath.workdps(40):
        ws = [mpmath.matrix(w) for w in unflatten(r.theta, p.widths)]
        assert mpmath.norm(imbalances(ws)[0]) < mpmath.mpf(10) ** -30
        m = nfa_metrics(ws, p.X, "linear", dps=30)
    assert m.nfa_residual < mpmath.mpf(10) ** -28
    # the initial weights are unbalanced: the control the limit must differ from
    assert mpmath.norm(imbalances([mpmath.matrix(w) for w in p.weights])[0]) > 0.1


def test_linear_hessian_is_singular_by_the_orthogonal_symmetry(linear_limit):
    p, r = linear_limit
    assert r.spectrum.kind == "degenerate"
    assert r.symmetry_zero_modes == 3 == r.spectrum.near_zero  # dim O(3)
    assert r.spectrum.negative == 0


def test_symmetry_dimensions():
    assert symmetry_zero_modes((2, 3, 2), "linear", F(0)) == 9
    assert symmetry_zero_modes((2, 3, 4, 1), "linear", F(1)) == 3 + 6
    assert symmetry_zero_modes((2, 3, 1), "relu", F(0)) == 3
    assert symmetry_zero_modes((2, 3, 1), "tanh", F(1, 10)) is None


def test_spectrum_classification():
    assert spectrum([[1, 0], [0, 2]], 30).kind == "minimum"
    assert spectrum([[1, 0], [0, -2]], 30).kind == "saddle"
    assert spectrum([[-1, 0], [0, -2]], 30).kind == "maximum"
    assert spectrum([[1, 0], [0, 0]], 30).kind == "degenerate"


X = ((F(1), F(-1, 2), F(1, 3)), (F(1, 4), F(1), F(-1)))
Y = ((F(1), F(-1), F(1, 2)),)


def _tanh(kit):
    return Model((2, 2, 1), "tanh", X, Y, F(1, 100), kit)


@pytest.mark.parametrize("arith", ["arb", "iv"])
def test_origin_is_a_unique_saddle(arith):
    center = [F(0)] * 6
    with MpKit(40).scope():
        spec = spectrum(_tanh(MpKit(40)).hessian([mpmath.mpf(0)] * 6), 30)
    assert spec.kind == "saddle"
    C = preconditioner(_tanh(MpKit(40)), center)
    b = certify_box(_tanh(make_kit(arith, 40)), center, F(1, 10**10), C, mu=F(1, 10**6))
    assert b.unique_zero and b.inclusion_ratio < 1
    assert b.hessian_min_lower is None  # a saddle: no lower bound mu > 0 can be verified
    # the negative-mu claim below the smallest eigenvalue does hold
    lo = F(mpmath.nstr(spec.values[0] * 2, 10))
    assert certify_box(_tanh(make_kit(arith, 40)), center, F(1, 10**10), C, mu=lo
                       ).hessian_min_lower == lo


def test_box_off_the_point_fails():
    C = preconditioner(_tanh(MpKit(40)), [F(0)] * 6)
    off = [F(1, 10**6)] + [F(0)] * 5
    b = certify_box(_tanh(make_kit("arb", 40)), off, F(1, 10**10), C)
    assert not b.unique_zero and "Krawczyk" in b.note


def test_sqrt_bounds():
    lo, hi = sqrt_bounds(F(2))
    assert lo * lo <= 2 <= hi * hi and hi - lo < F(1, 10**70)
    assert sqrt_bounds(F(9, 4)) == (F(3, 2), F(3, 2))
