"""Deep-NFA rows of the numeric stage: each holds, and each is able to fail."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from nfacheck.numeric import confirm_deep as cd


@pytest.fixture(scope="module")
def pairs():
    return {L: (cd._perturbed_pair(L, quick=True), 0.0) for L in (2, 3)}


def test_layerwise_row_holds_and_refutes_an_unbalanced_init(monkeypatch, pairs):
    prob0, traj0, _ = pairs[3][0][F(0)]
    row = cd._layerwise_row(3, True, (prob0, traj0))
    assert row.ok and row.status == "confirmed" and row.controls == "2/2 refuted"
    perturbed = {L: cd.cases.perturbed_linear_weights(L) for L in (3,)}
    monkeypatch.setattr(cd.cases, "balanced_linear_weights", lambda L: perturbed[L])
    bad = cd._layerwise_row(3, True, (prob0, traj0))
    assert bad.status == "refuted" and not bad.ok


def test_asymptotic_and_rate_rows_hold_and_refute_no_weight_decay(pairs):
    for L in (2, 3):
        row = cd._asymptotic_row(L, pairs[L][0], 0.0)
        assert row.ok, row.details
    rate = cd._rate_row(pairs, 0.0)
    assert rate.ok and rate.details["hypothesis_met"] == ["L=2", "L=3"]
    swapped = {L: ({cd.LAMBDA: p[F(0)], F(0): p[F(0)]}, 0.0) for L, (p, _) in pairs.items()}
    assert cd._asymptotic_row(2, swapped[2][0], 0.0).status == "refuted"
    assert cd._rate_row(swapped, 0.0).status == "refuted"


def test_fact_row_holds_and_refutes_a_wrong_fact_matrix(monkeypatch):
    row = cd._fact_row(True)
    assert row.ok and row.status == "confirmed"
    real = cd.fact_matrices_nonlinear
    monkeypatch.setattr(cd, "fact_matrices_nonlinear",
                        lambda p, ws, side="input", factor=1: real(p, ws, side, F(11, 10) * factor))
    bad = cd._fact_row(True)
    assert bad.status == "refuted" and not bad.ok
