"""Commutator obstruction: the proof, its controls, the lemmas' spot checks and exact instances."""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp

from nfacheck.symbolic import spectral
from nfacheck.theorems import commutator as com
from nfacheck.theorems import get_theorem, run_theorem


@pytest.fixture(scope="module")
def result():
    return run_theorem(get_theorem("nfa-commutator-obstruction"))


def test_proved_with_cited_lemmas(result):
    assert result.status == "proved"
    assert all(s.outcome == "holds" for s in result.steps)
    lemmas = [s for s in result.steps if s.kind == "lemma"]
    assert len(lemmas) == 2
    for s in lemmas:
        assert s.reference and "50 digits" in s.evidence
    assert {"equality", "inequality", "instance", "random"} <= {s.kind for s in result.steps}
    assert {"functions of G commute with G", "‖[A,G]‖_F ≤ 2‖A‖_F‖G‖_2"} == set(
        result.final.axioms)


def test_every_control_refuted_with_exact_counter_instance(result):
    assert len(result.controls) == 4
    for c in result.controls:
        assert c.status == "refuted", c.claim
        assert "exact" in c.evidence


def test_random_layer_rejects_a_too_strong_constant():
    assert com._random_step().outcome == "holds"
    assert com._random_step(factor=sp.Rational(1, 2)).outcome == "fails"


def test_exact_sides_on_known_instances():
    swap = sp.Matrix([[0, 1], [1, 0]])
    # PSD G: the bound with factor 2 holds, and even factor 1 is attained at c = 0
    lhs, rhs = com.exact_sides(swap, sp.diag(1, 0), sp.diag(1, 0), 0, 1, 2)
    assert (lhs, rhs) == (2, sp.Rational(1, 2))
    lhs, rhs = com.exact_sides(swap, sp.diag(1, 0), sp.diag(1, 0), 0, 1, 1)
    assert lhs == rhs == 2
    # indefinite G: factor 1 fails, factor 2 is tight
    lhs, rhs = com.exact_sides(swap, sp.diag(1, -1), sp.diag(1, -1), 0, 1, 1)
    assert lhs < rhs
    lhs, rhs = com.exact_sides(swap, sp.diag(1, -1), sp.diag(1, -1), 0, 1, 2)
    assert lhs == rhs


def test_function_of_g_commutes_symbolically():
    res = spectral.commutes_in_eigenbasis()
    assert res == sp.ZeroMatrix(*res.shape)
    assert spectral.diagonal_powers_commute(3) == sp.zeros(3, 3)


def test_mp_power_is_scoped_and_accurate():
    rng = random.Random(4)
    G = spectral.random_psd(rng, 3, rank=2)
    prec = mpmath.mp.prec
    with mpmath.workdps(40):
        Gm = spectral.mp_matrix(G)
        P = spectral.mp_sym_power(Gm, sp.Rational(1, 2))
        assert spectral.mp_frobenius(P * P - Gm) < mpmath.mpf(10) ** -30
        assert spectral.mp_spectral_norm(Gm) > 0
    assert mpmath.mp.prec == prec


def test_converse_control_is_exact():
    step = com._converse_step()
    assert step.outcome == "fails" and "1/5" in step.evidence


@pytest.fixture(scope="module")
def sharp():
    return run_theorem(get_theorem("nfa-commutator-obstruction-sharp"))


def test_sharp_form_proved_and_controls_refuted(sharp):
    assert sharp.status == "proved"
    assert all(s.outcome == "holds" for s in sharp.steps)
    assert any("attained" in s.description for s in sharp.steps)
    assert len(sharp.controls) == 2
    for c in sharp.controls:
        assert c.status == "refuted" and "exact" in c.evidence


def test_sharp_symbolic_pieces_and_their_sensitivity():
    res = spectral.eigenbasis_commutator_residual()
    assert res == sp.ZeroMatrix(*res.shape)
    assert spectral.trace_is_cyclic()
    assert spectral.frobenius_invariance_residual() == 0
    assert spectral.diagonal_commutator_entry() == 0
    assert spectral.spread_factorisation() == (0, True)
    # the relabelling test does not accept a genuinely different sum: tr(XY) vs tr(XYᵀ)
    n = sp.Symbol("n", positive=True, integer=True)
    X, Y = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("Y", n, n)
    assert not spectral._relabel_equal(sp.trace(X * Y).rewrite(sp.Sum),
                                       sp.trace(X * Y.T).rewrite(sp.Sum))


def test_sharp_random_layer_rejects_constant_below_one():
    assert com._random_step(factor=1, seed=15).outcome == "holds"
    assert com._random_step(factor=sp.Rational(1, 2), seed=15).outcome == "fails"


def test_proof_script_exact_claims(proof_script):
    script = proof_script("nfa-commutator-obstruction")
    ok, detail = script.claim_exact_instance()
    assert ok, detail
    ok, detail = script.claim_factor_two_needed_for_indefinite_g()
    assert ok, detail
    sharp = proof_script("nfa-commutator-obstruction-sharp")
    for claim in (sharp.claim_exact_instance, sharp.claim_constant_attained):
        ok, detail = claim()
        assert ok, detail
