"""Kernel-proved deep-NFA, GD and FACT theorems: proved, controls refuted, and able to fail."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
import sympy as sp

from nfacheck.symbolic import deeplinear as dl
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


def test_the_layerwise_conclusion_is_the_nfa_root_and_cites_its_axiom(capsys):
    from nfacheck.cli import main

    t = get_theorem("deep-nfa-layerwise")
    assert K.key(t.conclusion.parts[1]) == K.key(kd.root_statement())
    assert t.axioms == (kd.ROOT_UNIQUENESS,)
    assert kd.ROOT_UNIQUENESS in get_theorem("deep-nfa-layerwise-asymptotic").axioms
    assert main(["prove", "deep-nfa-layerwise", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["theorems"][0]
    assert [a["name"] for a in out["axioms"]] == [kd.ROOT_UNIQUENESS]
    assert r"U^{\top} U = G^{1/m}" in out["axioms"][0]["statement"]


def _j():
    return sp.Symbol("j", integer=True, nonnegative=True)


def _s():
    return sp.Symbol("s", integer=True, positive=True)


def _root_exponent(suffix, shift=0):  # the root step at L - s + 2
    return K.gen(dl.psd_root(K.spec(suffix, _j()), dl.W(_s()), _j() + 2), _j(), 0)


def _root_layer(suffix, shift=0):  # the axiom at U = W_{s+1} (the next layer)
    return K.gen(dl.psd_root(K.spec(suffix, _j()), dl.W(_s() + 1), _j() + 1), _j(), 0)


def _root_suffix(suffix, shift=0):  # applied to S^T S of the suffix one layer longer
    E = kd._prefix(_s() + _j() + 1)
    return K.gen(dl.psd_root(K.spec(suffix, _j()), dl.W(_s()), _j() + 1, g=E.T * E), _j(), 0)


def _root_gram(suffix, shift=0):  # applied to M_s itself (same shape, symmetric)
    M = dl.W(_s()).T * dl.W(_s())
    return K.gen(dl.psd_root(K.spec(suffix, _j()), dl.W(_s()), _j() + 1, g=M), _j(), 0)


def _root_power(suffix, shift=0):  # to M^(j+1), whose premise is provable: M = (M^m)^(1/m)
    p = dl.power(dl.W(_s()).T * dl.W(_s()), _j() + 1)
    return K.gen(dl.psd_root(K.by_canon(p, p), dl.W(_s()), _j() + 1), _j(), 0)


def _no_root(suffix, shift=0):  # the old proof: the root left to a numeric spot check
    return suffix


@pytest.mark.parametrize("mutant, rule", [(_root_exponent, "mp"), (_root_layer, "inst"),
                                          (_root_suffix, "mp"), (_root_gram, "mp"),
                                          (_root_power, "inst"), (_no_root, "matches")])
def test_a_wrong_psd_root_step_is_refused(monkeypatch, capsys, mutant, rule):
    from nfacheck.cli import main

    monkeypatch.setattr(kd, "suffix_root", mutant)
    assert main(["prove", "deep-nfa-layerwise", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)["theorems"][0]
    assert out["status"] == "inconclusive"
    assert f"kernel rule '{rule}' refused" in out["kernel"], out["kernel"]
    assert all(c["status"] == "refuted" for c in out["controls"])
