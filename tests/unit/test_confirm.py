"""The numeric stage of `nfacheck check`: every row ok, and each check able to fail."""

from __future__ import annotations

import dataclasses
from fractions import Fraction as F

import pytest
from mpmath import mp

from nfacheck.numeric import cases, confirm, confirm_fact
from nfacheck.numeric.confirm import (
    LAMBDA,
    _asymptotic_row,
    _balanced_row,
    _imbalance_row,
    _unbalanced_pair,
    fit_rate,
    rows,
)


@pytest.fixture(scope="module")
def pair2():
    return _unbalanced_pair(2, quick=True)


def test_fit_rate_recovers_an_exponential():
    with mp.workdps(30):
        ts = [F(k, 2) for k in range(6)]
        vals = [3 * mp.exp(-mp.mpf("0.3") * mp.mpf(t.numerator) / t.denominator) for t in ts]
        assert abs(fit_rate(ts, vals) - mp.mpf("0.3")) < mp.mpf(10) ** -25


def test_quick_stage_all_rows_ok(tmp_path):
    out = list(rows(quick=True, workdir=tmp_path))
    names = [r.name for r in out]
    assert {"nfa-balanced-linear L=2", "nfa-balanced-linear L=3",
            "nfa-asymptotic-weight-decay L=2", "imbalance-decay L=3",
            "fact-stationary-flow L=2"} <= set(names)
    bad = [(r.name, r.status, r.controls, r.details) for r in out if not r.ok]
    assert not bad
    assert all(r.section == "numeric" and r.status == "confirmed" for r in out)
    assert (tmp_path / "balanced-L2.toml").exists()
    row = next(r for r in out if r.name == "nfa-asymptotic-weight-decay L=2")
    assert mp.mpf(row.details["fitted_rate"]) >= mp.mpf(row.details["bound_rate_2lambda_over_L"])


def test_balanced_row_refutes_an_unbalanced_init(monkeypatch, pair2):
    unbalanced = cases.unbalanced_linear_weights(2)
    monkeypatch.setattr(confirm.cases, "balanced_linear_weights", lambda L: unbalanced)
    row = _balanced_row(2, True, pair2[F(0)])
    assert row.status == "refuted" and not row.ok


def test_asymptotic_row_refutes_no_weight_decay(pair2):
    swapped = {LAMBDA: pair2[F(0)], F(0): pair2[F(0)]}
    row = _asymptotic_row(2, swapped, 0.0)
    assert row.status == "refuted" and not row.ok


def test_imbalance_row_refutes_a_wrong_rate(pair2):
    prob, traj = pair2[LAMBDA]
    wrong = dataclasses.replace(prob, weight_decay=2 * LAMBDA)
    row = _imbalance_row(2, {LAMBDA: (wrong, traj), F(0): pair2[F(0)]}, 0.0)
    assert row.status == "refuted" and not row.ok


def test_fact_row_refutes_a_wrong_fact_matrix(monkeypatch):
    real = confirm_fact.fact_matrices
    monkeypatch.setattr(confirm_fact, "fact_matrices",
                        lambda ws, X, Y, lam, factor=1: real(ws, X, Y, lam, 2 * F(factor)))
    row = confirm_fact.fact_row(True, LAMBDA, 20)
    assert row.status == "refuted" and not row.ok
