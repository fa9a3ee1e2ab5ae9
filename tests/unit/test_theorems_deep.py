"""Kernel-proved deep-NFA, GD and FACT theorems: proved, controls refuted, and able to fail."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import sympy as sp

from nfacheck.symbolic import kdeep as kd
from nfacheck.symbolic import kernel as K
from nfacheck.theorems import get_theorem, run_theorem
from nfacheck.theorems.deep import kernel_step

IDS = ("deep-nfa-layerwise", "gd-imbalance-recursion", "fact-all-layers", "nfa-rate-nonsingular")


@pytest.mark.parametrize("tid", IDS)
def test_proved_with_every_control_refuted(tid):
    r = run_theorem(get_theorem(tid))
    assert r.status == "proved", [(s.description, s.evidence) for s in r.steps if not s.ok]
    assert r.controls and all(c.status == "refuted" and c.evidence for c in r.controls)
    assert any("kernel theorem" in s.evidence for s in r.steps)


def test_the_suffix_induction_is_for_every_layer_and_depth():
    th, statement, hyps = kd.suffix_power()
    assert K.matches(th, statement, hyps) is None and not th.axioms
    s = sp.Symbol("s", positive=True, integer=True)
    assert isinstance(th.concl, K.Forall) and s in K._prop_symbols(th.concl)
    # the layer and the depth stay symbolic: the same theorem at s = 1 is nfa-linear-balanced
    assert K.matches(th, statement, hyps[:2]) is not None  # balancedness is really used


@pytest.mark.parametrize("build", [lambda: kd.suffix_power(shift=1),
                                   lambda: kd.suffix_power(balanced=False),
                                   lambda: kd.pushthrough(shift=1),
                                   lambda: kd.gd_recursion(drift=False),
                                   lambda: kd.fact_layer(sp.Rational(1, 2)),
                                   lambda: kd.rate_nonsingular(4)])
def test_the_kernel_refuses_the_perturbed_claims(build):
    with pytest.raises(K.KernelError):
        build()


def test_a_step_whose_theorem_is_not_the_declared_statement_is_not_holds():
    def wrong():
        th, statement, hyps = kd.gd_recursion()
        return th, K.Eq(statement.lhs, statement.rhs * 2), hyps

    step = kernel_step("mismatch", wrong)
    assert step.outcome == "unknown" and "not the declared statement" in step.evidence
    undeclared = kernel_step("hidden hypothesis", lambda: (*kd.fact_layer()[:2], []))
    assert undeclared.outcome == "unknown" and "undeclared" in undeclared.evidence
    uncited = kernel_step("axioms", kd.rate_nonsingular)
    assert uncited.outcome == "unknown" and "axioms" in uncited.evidence


@pytest.mark.parametrize("tid", ["deep-nfa-layerwise", "fact-all-layers"])
def test_proof_script_exits_zero(tid, capsys):
    script = Path(__file__).resolve().parents[2] / "proofs" / f"{tid}.py"
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert stop.value.code == 0, out
    assert "FAILS" not in out and out.count("HOLDS") == 4
