"""Neuron-wise balancedness: the proof, its controls, and the layers catching wrong identities."""

from __future__ import annotations

import pytest
import sympy as sp

from nfacheck.symbolic.pointwise import decide_zero, name_derivatives
from nfacheck.theorems import get_theorem, run_theorem
from nfacheck.theorems import homogeneous as hom

R = sp.Rational
W1 = sp.Matrix([[R(1, 2), R(-1, 3)], [2, R(1, 10)]])
W2 = sp.Matrix([[1, R(-2, 5)]])
XS = [sp.Matrix([R(3, 10), -1]), sp.Matrix([-2, R(1, 4)])]
YS = [sp.Matrix([R(1, 2)]), sp.Matrix([-1])]


@pytest.fixture(scope="module")
def result():
    return run_theorem(get_theorem("neuronwise-balancedness-homogeneous"))


def test_proved_with_every_layer(result):
    assert result.status == "proved"
    assert all(s.outcome == "holds" for s in result.steps)
    assert {"symbolic", "instance", "random"} <= {s.kind for s in result.steps}


def test_every_control_refuted_with_evidence(result):
    assert len(result.controls) >= 4
    for c in result.controls:
        assert c.status == "refuted", c.claim
        assert c.evidence
    tanh = next(c for c in result.controls if c.claim.startswith("tanh"))
    # the counter-instance on a net: a non-zero rate at a stated rational point
    net = [s for s in tanh.steps if s.kind == "random"]
    assert net and net[0].outcome == "fails" and "W1 = " in net[0].evidence


def test_rates_vanish_exactly_for_homogeneous_activations():
    for name in ("relu", "leaky_relu", "linear"):
        rates = hom.rates_at(name, [W1, W2], XS, YS)
        assert set(rates) == {(1, 1), (1, 2)}
        assert all(v == 0 for v in rates.values()), name


def test_weight_decay_rate_is_minus_two_lambda_times_imbalance():
    lam = R(1, 10)
    rates = hom.rates_at("relu", [W1, W2], XS, YS, weight_decay=lam)
    for j in range(2):
        q = sum(e**2 for e in W1.row(j)) - W2[0, j] ** 2
        assert rates[(1, j + 1)] == -2 * lam * q


def test_tanh_and_sum_are_not_conserved():
    assert any(abs(v) > 1e-30 for v in hom.rates_at("tanh", [W1, W2], XS, YS).values())
    assert any(v != 0 for v in hom.rates_at("relu", [W1, W2], XS, YS, squared_sign=1).values())


def test_kink_is_rejected():
    with pytest.raises(ValueError):
        hom.rates_at("relu", [sp.Matrix([[1, 1], [0, 1]]), W2], [sp.Matrix([1, -1])],
                     [sp.Matrix([0])])


def test_instance_layer_rejects_a_wrong_reduction():
    # explicit-net rates match −(2/n)Σδ(zσ′ − σ) but not a reduction with the wrong sign inside
    z = sp.Symbol("z")
    rates = hom.unit_rate((2, 2, 1), 1)
    sigma, dsigma = hom._SIGMA, hom._DSIGMA
    point = {s: R(k + 2, 7) * (-1) ** k for k, s in enumerate(
        sorted(set().union(*(r.free_symbols for r, _ in rates.values())), key=str))}

    def at_tanh(e):
        e = e.xreplace(point).replace(sigma, sp.tanh)
        return sp.N(e.replace(dsigma, sp.Lambda(z, 1 - sp.tanh(z) ** 2)), 40)

    for rate, red in rates.values():
        assert sp.expand(rate - red) == 0
        wrong = red.replace(sigma, lambda q: -sigma(q))  # zσ′ + σ instead of zσ′ − σ
        assert sp.expand(rate - wrong) != 0
        assert abs(at_tanh(rate - red)) < 1e-35
        assert abs(at_tanh(rate - wrong)) > 1e-6


def test_homogeneity_residuals():
    for name in ("relu", "leaky_relu", "linear"):
        assert all(sp.simplify(r) == 0 for _, r, _ in hom.homogeneity_residual(name))
    assert decide_zero(hom.homogeneity_residual("sigmoid")[0][1])[0] == "fails"


def test_decide_zero_and_name_derivatives():
    x = sp.Symbol("x")
    f, df = sp.Function("f"), sp.Function("df")
    assert decide_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1)[0] == "holds"
    out, ev = decide_zero(x**2 - x)
    assert out == "fails" and "x=" in ev
    assert decide_zero(f(x) - x)[0] == "unknown"
    named = name_derivatives(sp.diff(f(x**2), x), f, df)
    assert named == 2 * x * df(x**2)


def test_proof_script_exact_claims(proof_script):
    script = proof_script("neuronwise-balancedness-homogeneous")
    ok, detail = script.claim_homogeneous_rates_vanish()
    assert ok, detail
    ok, detail = script.claim_tanh_and_decay_break_it()
    assert ok, detail
