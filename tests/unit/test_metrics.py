"""NFA metrics on constructed (M, G) pairs where the answer is known."""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import random_psd
from mpmath import mp

from nfacheck.errors import InputError
from nfacheck.numeric.linalg import as_matrix, frobenius, sym_power
from nfacheck.numeric.metrics import nfa_metrics, residual_profile


def _pair(alpha, d=4, rank=4, seed=0, scale=1, dps=30):
    """G random PSD and M = scale * G^alpha, both computed well beyond ``dps``."""
    with mp.workdps(dps + 30):
        G = random_psd(d, rank, seed)
        Ga, _ = sym_power(G, alpha)
        return scale * Ga, G


@pytest.mark.parametrize("dps", [30, 50])
def test_exact_power_gives_residual_at_precision_and_recovers_alpha(dps):
    M, G = _pair(Fraction(1, 3), dps=dps)
    m = nfa_metrics(M=M, G=G, alpha=Fraction(1, 3), dps=dps)
    with mp.workdps(dps + 10):
        _check_exact(m, dps)


def _check_exact(m, dps):
    assert m.nfa_residual < mp.mpf(10) ** -dps
    assert m.nfa_residual_c1 < mp.mpf(10) ** -dps
    assert abs(m.c_opt - 1) < mp.mpf(10) ** -(dps - 2)
    assert abs(m.alpha_fit - mp.mpf(1) / 3) < mp.mpf(10) ** -(dps - 5)
    assert m.residual_at_alpha_fit < mp.mpf(10) ** -(dps - 3)
    assert not m.alpha_fit_at_boundary
    assert m.commutator_bound < mp.mpf(10) ** -dps
    assert m.clamp.count == 0


def test_scale_is_found_and_c1_residual_is_not_scale_free():
    M, G = _pair(Fraction(1, 2), scale=3)
    m = nfa_metrics(M=M, G=G, alpha=Fraction(1, 2))
    with mp.workdps(40):
        _check_scaled(m)


def _check_scaled(m):
    assert abs(m.c_opt - 3) < mp.mpf(10) ** -28
    assert m.nfa_residual < mp.mpf(10) ** -30
    assert abs(m.nfa_residual_c1 - mp.mpf(2) / 3) < mp.mpf(10) ** -28


def test_wrong_exponent_gives_clear_residual_and_fit_finds_the_true_one():
    M, G = _pair(Fraction(1, 2))
    m = nfa_metrics(M=M, G=G, alpha=Fraction(1, 3))
    assert m.nfa_residual > mp.mpf(10) ** -3
    assert abs(m.alpha_fit - mp.mpf(1) / 2) < mp.mpf(10) ** -25
    # the residual at the fitted exponent is no larger than at the requested one
    assert m.residual_at_alpha_fit <= m.nfa_residual


def test_commutator_bound_is_below_the_residual_for_every_c_and_alpha():
    with mp.workdps(40):
        for seed in range(4):
            G = random_psd(3, 3, seed=10 + seed)
            M = random_psd(3, 3, seed=20 + seed)
            m = nfa_metrics(M=M, G=G, alpha=Fraction(1, 2))
            bound = m.commutator_bound
            assert bound > mp.mpf(10) ** -3  # non-commuting: the bound is informative
            assert bound <= m.nfa_residual and bound <= m.residual_at_alpha_fit
            nM = frobenius(M)
            for alpha in (Fraction(1, 10), Fraction(1, 3), Fraction(1, 2), 1, Fraction(3, 2)):
                Ga, _ = sym_power(G, alpha)
                for c in (Fraction(-1), Fraction(1, 100), Fraction(1, 2), 1, 2, 50):
                    assert bound <= frobenius(M - c * Ga) / nM


def test_clamp_is_reported_on_singular_agop():
    M, G = _pair(Fraction(1, 3), d=5, rank=2)
    m = nfa_metrics(M=M, G=G, alpha=Fraction(1, 3))
    assert m.clamp.count == 3
    assert m.clamp.largest <= m.clamp.threshold
    assert m.nfa_residual < mp.mpf(10) ** -30  # without the clamp noise**(1/3) ~ 1e-13
    assert m.to_json()["clamp"]["count"] == 3


def test_correlation_barely_separates_exponents():
    """The cosine <M,G>/(|M||G|) is near 1 whatever the exponent; the residual is not.

    For G with eigenvalues 1, 2, 4 the cosine of G^alpha with G stays above 0.93 for every
    alpha in [1/4, 1] (a spread of about 0.06), while the residual at alpha = 1/3 moves from
    ~1e-40 (alpha = 1/3) to above 1e-2 (any other alpha).
    """
    with mp.workdps(60):
        Q = as_matrix([[Fraction(3, 5), Fraction(-4, 5), 0], [Fraction(4, 5), Fraction(3, 5), 0],
                       [0, 0, 1]])
        G = Q * mp.diag([1, 2, 4]) * Q.T
    cors, ress = {}, {}
    for alpha in (Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(1)):  # vs G^1
        with mp.workdps(60):
            Ma, _ = sym_power(G, alpha)
        m = nfa_metrics(M=Ma, G=G, alpha=Fraction(1, 3))
        cors[alpha], ress[alpha] = m.correlation, m.nfa_residual
    assert all(c > mp.mpf("0.93") for c in cors.values())
    assert max(cors.values()) - min(cors.values()) < mp.mpf("0.07")
    assert ress[Fraction(1, 3)] < mp.mpf(10) ** -30
    assert all(ress[a] > mp.mpf(10) ** -2 for a in ress if a != Fraction(1, 3))


def test_residual_profile_is_minimal_at_the_true_exponent():
    M, G = _pair(Fraction(1, 4), d=3, seed=7)
    prof = residual_profile(M, G, [Fraction(k, 20) for k in range(1, 21)])
    k = min(range(20), key=lambda i: prof[i])
    assert k == 4  # alpha = 5/20 = 1/4
    assert prof[4] < mp.mpf(10) ** -30 < prof[3]


def test_alpha_fit_at_the_boundary_is_flagged():
    M, G = _pair(Fraction(5, 2), d=3, seed=8)
    m = nfa_metrics(M=M, G=G, alpha=1)  # alpha_max = 2 < 5/2
    assert m.alpha_fit_at_boundary
    assert abs(m.alpha_fit - 2) < mp.mpf(10) ** -20


def test_input_errors():
    M, G = _pair(Fraction(1, 2), d=2)
    with pytest.raises(InputError, match="alpha is required"):
        nfa_metrics(M=M, G=G)
    with pytest.raises(InputError, match="M and G"):
        nfa_metrics(M=M)
    with pytest.raises(InputError, match="same size"):
        nfa_metrics(M=M, G=mp.eye(3), alpha=1)
    with pytest.raises(InputError, match="positive"):
        nfa_metrics(M=M, G=G, alpha=0)


def test_zero_gram_is_undefined_not_a_crash():
    _, G = _pair(Fraction(1, 2), d=2)
    m = nfa_metrics(M=mp.zeros(2, 2), G=G, alpha=Fraction(1, 2))
    assert mp.isnan(m.nfa_residual) and m.notes


def test_from_weights_balanced_and_unbalanced_linear_nets():
    from nfacheck.numeric import cases

    p = cases.linear_problem(cases.balanced_linear_weights(3), times=(0,))
    m = nfa_metrics(p.weights, p.X)  # alpha defaults to 1/L
    with mp.workdps(40):
        assert abs(m.alpha - mp.mpf(1) / 3) < mp.mpf(10) ** -29
        assert m.nfa_residual < mp.mpf(10) ** -30
        assert m.imbalance < mp.mpf(10) ** -30
        assert abs(m.alpha_fit - m.alpha) < mp.mpf(10) ** -25
    u = cases.linear_problem(cases.unbalanced_linear_weights(3), times=(0,))
    mu = nfa_metrics(u.weights, u.X)
    assert mu.nfa_residual > mp.mpf("0.1") and mu.imbalance > mp.mpf("0.1")
    assert mu.commutator_bound <= mu.nfa_residual
    # nonlinear activations go through the network's AGOP
    mt = nfa_metrics(u.weights, u.X, "tanh")
    assert 0 < mt.nfa_residual < 1 and mt.commutator_bound <= mt.nfa_residual
    with pytest.raises(InputError, match="not both"):
        nfa_metrics(u.weights, u.X, M=mp.eye(3), G=mp.eye(3))
