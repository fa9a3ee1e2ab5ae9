"""The check row of the certified weight-decay critical point: ok with every control rejected,
and not ok when a control is not rejected."""

from nfacheck.search import critical_check
from nfacheck.search.critical_check import rows, tampered_critical


def test_quick_row_is_certified_with_controls(tmp_path):
    (row,) = rows(quick=True, workdir=tmp_path)
    assert row.ok and row.status == "certified" and row.section == "counterexamples"
    assert all(row.details["controls"].values()) and row.controls == "6/6 rejected"
    assert row.details["claims"]["unique_critical_point"] is True


def test_a_control_that_is_not_rejected_fails_the_row(tmp_path, monkeypatch):
    def weak(data):
        out = tampered_critical(data)
        out["untouched"] = (data, 1)
        return out

    monkeypatch.setattr(critical_check, "tampered_critical", weak)
    (row,) = rows(quick=True, workdir=tmp_path)
    assert row.status == "certified" and not row.ok
    assert row.details["controls"]["untouched"] is False
