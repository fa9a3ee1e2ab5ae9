"""The counterexamples stage of `nfacheck check`: certified rows, and controls that must bite."""

import copy

from nfacheck.search import check
from nfacheck.search.check import rows, tampered_copies


def test_quick_stage_rows_are_certified_with_controls(tmp_path):
    out = list(rows(quick=True, workdir=tmp_path))
    assert [r.name for r in out] == [
        f"nonlinear-counterexample-{a}" for a in check.QUICK_ACTIVATIONS
    ] + ["nonlinear-counterexample-relu-trained", "weight-decay-critical-point-tanh"]
    assert "frozen unit moved" in out[-2].details["controls"]
    for r in out:
        assert r.ok and r.status == "certified" and r.section == "counterexamples"
        assert all(r.details["controls"].values())
        n = len(r.details["controls"])
        assert r.controls == f"{n}/{n} rejected"


def test_a_control_that_is_not_rejected_fails_the_row(tmp_path, monkeypatch):
    real = tampered_copies

    def weak(cert):
        out = real(cert)
        untouched = copy.deepcopy(cert)
        out["no tampering at all"] = (untouched, 1, "claims.loss_at_most")
        return out

    monkeypatch.setattr(check, "tampered_copies", weak)
    monkeypatch.setattr(check, "QUICK_ACTIVATIONS", ("relu",))
    row = next(iter(rows(quick=True, workdir=tmp_path)))
    assert row.status == "certified" and not row.ok
    assert row.details["controls"]["no tampering at all"] is False
