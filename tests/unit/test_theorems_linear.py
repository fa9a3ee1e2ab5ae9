"""The seven deep-linear theorems: proved with every layer of evidence, every control refuted."""

from __future__ import annotations

import pytest

from nfacheck.check import CheckRow
from nfacheck.theorems import get_theorem, run_theorem
from nfacheck.theorems.base import Control, Step, Theorem
from nfacheck.theorems.check import row_of

IDS = ("gradient-linear", "balancedness", "imbalance-decay", "agop-linear",
       "agop-balanced-power", "nfa-linear-balanced", "nfa-weight-decay-asymptotic")


@pytest.fixture(scope="module")
def results():
    return {i: run_theorem(get_theorem(i)) for i in IDS}


@pytest.mark.parametrize("tid", IDS)
def test_proved_and_controls_refuted(results, tid):
    r = results[tid]
    assert r.status == "proved", [(s.description, s.evidence) for s in r.steps if not s.ok]
    assert r.controls
    for c in r.controls:
        assert c.status == "refuted", c.claim
        assert c.evidence


@pytest.mark.parametrize("tid", IDS)
def test_every_proof_has_a_symbolic_and_an_explicit_layer(results, tid):
    kinds = {s.kind for s in results[tid].steps}
    assert kinds & {"equality", "induction", "rate"}
    assert kinds & {"instance", "random"}
    assert results[tid].final is not None and not results[tid].kernel_error


def test_depth_results_use_induction_and_cite_lemmas(results):
    for tid in ("agop-balanced-power", "nfa-linear-balanced", "nfa-weight-decay-asymptotic"):
        steps = results[tid].steps
        assert any(s.kind == "induction" for s in steps)
        assert results[tid].final.axioms, tid
        assert set(results[tid].final.axioms) == set(results[tid].theorem.axioms)


def test_asymptotic_theorem_states_nonzero_limit_and_refutes_collapse(results):
    r = results["nfa-weight-decay-asymptotic"]
    assert any("!= 0" in h or "non-zero" in h for h in r.theorem.hypotheses)
    collapse = next(c for c in r.controls if c.claim.startswith("collapse"))
    assert collapse.status == "refuted" and "relative residual is 1" in collapse.evidence


def test_controls_named_in_the_issue_exist(results):
    claims = " | ".join(c.claim for r in results.values() for c in r.controls)
    for needle in ("1/(L+1)", "-lambda instead of -2 lambda", "unbalanced", "transpose"):
        assert needle in claims


def test_check_row_summarises_a_result(results):
    row = row_of(results["balancedness"])
    assert isinstance(row, CheckRow)
    assert (row.section, row.status, row.ok) == ("proofs", "proved", True)
    assert row.controls == "2/2 refuted"


def test_a_control_that_is_not_refuted_makes_the_row_fail():
    holds = Step("trivially true", "", "symbolic", "holds", "0 = 0")
    th = Theorem("dummy", "t", "s", "s", (), (), "m", lambda: [holds],
                 (Control("not refuted", lambda: [holds]),))
    row = row_of(run_theorem(th))  # steps outside the kernel can never make it proved
    assert row.status == "inconclusive" and not row.ok and row.controls == "0/1 refuted"


@pytest.mark.parametrize("tid", IDS)
def test_proof_script_exits_zero_and_prints_verdicts(tid, capsys):
    import runpy
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "proofs" / f"{tid}.py"
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert stop.value.code == 0, out
    assert "FAILS" not in out and out.count("HOLDS") >= 3
