"""Kernel-proved deep-NFA, GD and FACT theorems: proved, controls refuted, and able to fail."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import sympy as sp

from nfacheck.symbolic import kdeep as kd
from nfacheck.symbolic import kernel as K
from nfacheck.theorems import get_theorem, run_theorem

IDS = ("deep-nfa-layerwise", "deep-nfa-layerwise-asymptotic", "gd-imbalance-recursion",
       "gd-nfa-defect-bound", "fact-all-layers", "nfa-rate-nonsingular")


@pytest.mark.parametrize("tid", IDS)
def test_proved_with_every_control_refuted(tid):
    r = run_theorem(get_theorem(tid))
    assert r.status == "proved", [(s.description, s.evidence) for s in r.steps if not s.ok]
    assert r.controls and all(c.status == "refuted" and c.evidence for c in r.controls)
    assert r.final is not None and r.to_json()["kernel"] == "checked"


def test_the_suffix_induction_is_for_every_layer_and_depth():
    th, statement, hyps = kd.suffix_power()
    assert K.matches(th, statement, hyps) is None and not th.axioms
    s = sp.Symbol("s", positive=True, integer=True)
    assert isinstance(th.concl, K.Forall) and s in K._prop_symbols(th.concl)
    # the layer and the depth stay symbolic: the same theorem at s = 1 is nfa-linear-balanced
    assert K.matches(th, statement, hyps[:2]) is not None  # balancedness is really used


@pytest.mark.parametrize("build", [lambda: kd.suffix_power(shift=1),
                                   lambda: kd.suffix_power(balanced=False),
                                   lambda: kd.gd_recursion(drift=False),
                                   lambda: kd.fact_layer(sp.Rational(1, 2)),
                                   lambda: kd.rate_nonsingular(4),
                                   lambda: kd.gd_defect(kd.defect_symbols()["eta"])])
def test_the_kernel_refuses_the_perturbed_claims(build):
    with pytest.raises(K.KernelError):
        build()


def test_a_proof_of_another_statement_is_not_proved():
    import dataclasses

    t = get_theorem("gd-imbalance-recursion")
    c = t.conclusion
    wrong = dataclasses.replace(t, conclusion=K.Eq(c.lhs, c.rhs * 2), controls=())
    assert run_theorem(wrong).status == "inconclusive"
    fewer = dataclasses.replace(get_theorem("fact-all-layers"), assumptions=(), controls=())
    assert run_theorem(fewer).status == "inconclusive"  # undeclared hypotheses
    t = get_theorem("nfa-rate-nonsingular")
    uncited = dataclasses.replace(t, axioms=t.axioms[:1], controls=())
    assert run_theorem(uncited).status == "inconclusive"


@pytest.mark.parametrize("tid", ["deep-nfa-layerwise", "fact-all-layers", "gd-nfa-defect-bound"])
def test_proof_script_exits_zero(tid, capsys):
    script = Path(__file__).resolve().parents[2] / "proofs" / f"{tid}.py"
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert stop.value.code == 0, out
    assert "FAILS" not in out and out.count("HOLDS") == 4
