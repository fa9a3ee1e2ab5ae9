"""Gradient-descent rows of the numeric stage: each holds, and each is able to fail."""

from __future__ import annotations

from fractions import Fraction as F

from nfacheck.numeric import confirm_gd as cg


def test_rows_hold_with_their_controls():
    rec, bound = list(cg.rows(quick=True))
    assert rec.ok and rec.status == "confirmed" and rec.controls == "2/2 refuted"
    assert bound.ok and bound.status == "confirmed" and bound.controls == "2/2 refuted"
    assert "bound/measured" in bound.method


def test_recursion_row_refutes_a_step_with_another_weight_decay(monkeypatch):
    real = cg.gd_step
    monkeypatch.setattr(cg, "gd_step", lambda ws, X, Y, eta, lam, activation="linear":
                        real(ws, X, Y, eta, 2 * F(lam), activation))
    row = cg.recursion_row(True)
    assert row.status == "refuted" and not row.ok


def test_defect_row_refutes_a_bound_three_times_too_small(monkeypatch):
    real = cg.defect_bound_mp
    monkeypatch.setattr(cg, "defect_bound_mp", lambda ws, d: real(ws, d) / 3)
    row = cg.defect_row(True)
    assert row.status == "refuted" and not row.ok
