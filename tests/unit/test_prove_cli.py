"""`nfacheck prove`: JSON shape, table, exit status, --write-docs."""

from __future__ import annotations

import json

import pytest

from nfacheck.cli import main
from nfacheck.theorems import _REGISTRY, all_theorems
from nfacheck.theorems.base import Control, Step, Theorem


def test_json_has_the_documented_keys(capsys):
    assert main(["prove", "agop-linear", "balancedness", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in out["theorems"]] == ["agop-linear", "balancedness"]
    for t in out["theorems"]:
        assert {"id", "title", "status", "statement", "hypotheses", "method", "seconds",
                "controls"} <= set(t)
        assert t["status"] == "proved"
        assert t["controls"] and all({"claim", "status"} <= set(c) for c in t["controls"])
        assert all(c["status"] == "refuted" for c in t["controls"])


def test_table_and_verdict(capsys):
    assert main(["prove", "agop-linear"]) == 0
    out = capsys.readouterr().out
    assert "agop-linear" in out and "2/2 refuted" in out and "ALL PROVED" in out


def test_unknown_id_is_a_usage_error(capsys):
    assert main(["prove", "no-such-theorem"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nfacheck: error: unknown theorem id") and err.count("\n") == 1


@pytest.fixture
def broken_theorem():
    all_theorems()
    holds = Step("fine", "", "symbolic", "holds", "ok")
    th = Theorem("broken-for-test", "t", "s", "s", (), (), "m", lambda: [holds],
                 (Control("a control that is not refuted", lambda: [holds]),))
    _REGISTRY[th.id] = th
    yield th
    del _REGISTRY[th.id]


def test_exit_1_when_a_control_is_not_refuted(broken_theorem, capsys):
    assert main(["prove", broken_theorem.id]) == 1
    assert "NOT ALL PROVED" in capsys.readouterr().out


def test_write_docs(tmp_path, capsys):
    assert main(["prove", "agop-linear", "--write-docs", str(tmp_path / "d")]) == 0
    page = (tmp_path / "d" / "agop-linear.md").read_text()
    assert page.startswith("# ") and "## Negative controls" in page and "$$" in page


def test_json_lists_axioms_and_kernel_hypotheses(capsys):
    assert main(["prove", "agop-balanced-power", "imbalance-decay", "--json"]) == 0
    power, decay = json.loads(capsys.readouterr().out)["theorems"]
    assert [a["name"] for a in power["axioms"]] == ["uniqueness of the PSD root"]
    assert all(a["statement"] and a["reference"] for a in power["axioms"])
    assert len(power["kernel_hypotheses"]) == 3 and power["kernel"] == "checked"
    assert [a["name"] for a in decay["axioms"]] == ["zero derivative implies constant"]
    assert "\\tfrac{d}{dt}" in decay["kernel_hypotheses"][0]
