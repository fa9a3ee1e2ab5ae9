"""FACT at stationary points: the proof, its controls, and exact checks that can fail."""

from __future__ import annotations

import pytest
import sympy as sp

from nfacheck.symbolic.pointwise import canonical_sums, decide_zero
from nfacheck.theorems import fact, get_theorem, run_theorem

LAM = sp.Rational(1, 10)


@pytest.fixture(scope="module")
def result():
    return run_theorem(get_theorem("fact-stationary"))


@pytest.fixture(scope="module")
def instance():
    return fact.stationary_instance()


def test_proved_with_every_layer(result):
    assert result.status == "proved"
    assert all(s.outcome == "holds" for s in result.steps)
    assert {"symbolic", "instance", "random"} <= {s.kind for s in result.steps}
    assert any("tanh" in s.description for s in result.steps if s.kind == "instance")


def test_every_control_refuted_with_exact_evidence(result):
    claims = [c.claim for c in result.controls]
    assert len(claims) == 4
    for word in ("sign", "factor", "output gradient", "stationarity"):
        assert any(word in c for c in claims), word
    for c in result.controls:
        assert c.status == "refuted", c.claim
        assert "exactly" in c.evidence


def test_stationary_instance_is_exactly_stationary(instance):
    Ws, xs, ys = instance
    grads = fact.stationary_gradient(Ws, xs, ys)
    assert all(e == 0 for g in grads for e in g)
    assert fact.fact_residual(Ws, xs, ys) == sp.zeros(2, 2)
    assert Ws[0].T * Ws[0] != sp.zeros(2, 2)


def test_identity_away_from_stationarity(instance):
    # W_1ᵀW_1 + (1/(nλ))Σ∇_xℓ_i x_iᵀ = (1/λ) W_1ᵀ ∂ℒ/∂W_1 at every point, not only stationary ones
    Ws, xs, ys = instance
    ys = [y + sp.Matrix([sp.Rational(2, 7)]) for y in ys]
    grad1 = fact.stationary_gradient(Ws, xs, ys)[0]
    residual = fact.fact_residual(Ws, xs, ys)
    assert residual != sp.zeros(2, 2)
    assert residual == (Ws[0].T * grad1 / LAM).applyfunc(sp.expand)


def test_wrong_coefficients_leave_multiples_of_the_gram(instance):
    Ws, xs, ys = instance
    n, M = len(xs), Ws[0].T * Ws[0]
    assert fact.fact_residual(Ws, xs, ys, coefficient=1 / (n * LAM)) == 2 * M
    assert fact.fact_residual(Ws, xs, ys, coefficient=-1 / LAM) == (1 - n) * M
    half = fact.fact_residual(Ws, xs, ys, coefficient=-1 / (2 * n * LAM))
    assert decide_zero(half)[0] == "fails"


def test_explicit_layer_holds_for_an_undefined_activation():
    step = fact._explicit_step((2, 2, 1), 1, "undefined")
    assert step.outcome == "holds" and step.kind == "instance"


def test_canonical_sums_identifies_renamed_bound_variables():
    i, j, n = sp.symbols("i j n", integer=True)
    a = sp.IndexedBase("a")
    assert canonical_sums(sp.Sum(a[i], (i, 0, n)) - sp.Sum(a[j], (j, 0, n))) == 0
    assert canonical_sums(sp.Sum(a[i], (i, 0, n)) - sp.Sum(a[j], (j, 1, n))) != 0


def test_proof_script_exact_claims(proof_script):
    script = proof_script("fact-stationary")
    ok, detail = script.claim_exact_stationary_point()
    assert ok, detail
    ok, detail = script.claim_wrong_sign_residual()
    assert ok, detail
