"""The proof kernel: each rule with the misuse it must refuse, the de Bruijn boundary (nothing
outside the kernel makes a Theorem), and the five wrong proofs of issue 10 refused by name."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import sympy as sp

from nfacheck.cli import main
from nfacheck.symbolic import deeplinear as dl
from nfacheck.symbolic import kernel as K
from nfacheck.symbolic.freealg import letter, power

m, p = sp.symbols("m p", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
A, B = letter("A", m, m), letter("B", m, m)
Wm = letter("W", m, p)
ROOT = Path(__file__).resolve().parents[2]


def test_theorems_are_made_only_by_the_kernel_and_immutable():
    with pytest.raises(K.KernelError, match="only kernel rules"):
        K.Theorem(object(), {}, K.Eq(A, A), (), "forged")
    th = K.by_canon(A * B, A * B)
    with pytest.raises(K.KernelError, match="immutable"):
        th.concl = K.Eq(A * B, B * A)


def test_no_module_outside_the_kernel_touches_its_private_token():
    for path in (ROOT / "nfacheck").rglob("*.py"):
        if path.name == "kernel.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not names & {"_TOKEN", "_thm", "_CITED"}, path


def test_by_canon_and_trans_refuse_what_does_not_hold():
    with pytest.raises(K.KernelError, match="by_canon"):
        K.by_canon(A * B, B * A)
    with pytest.raises(K.KernelError, match="shapes"):
        K.by_canon(Wm, letter("V", p, m))
    with pytest.raises(K.KernelError, match="layers disagree"):
        K.by_canon(A, A, refute=[lambda lhs, rhs: "instance 3 differs"])
    with pytest.raises(K.KernelError, match="middle terms"):
        K.trans(K.by_canon(A + B, B + A), K.by_canon(A * B, A * B))


def test_inst_keeps_shapes_symmetry_and_assumptions():
    th = K.gen(K.by_canon(power(A, k) * A, power(A, k + 1)), k, 0)
    with pytest.raises(K.KernelError, match="spec"):
        K.spec(th, -1)
    assert K.key(K.spec(th, 2).concl) == K.key(K.Eq(A ** 3, A ** 3))
    with pytest.raises(K.KernelError, match="shape"):
        K.inst(K.by_canon(A * B, A * B), letters={"A": Wm})
    s = letter("S", m, m, sym=True)
    with pytest.raises(K.KernelError, match="symmetric"):
        K.inst(K.by_canon(s, s), letters={"S": A})
    with pytest.raises(K.KernelError, match="nonnegative"):
        K.inst(K.by_canon(power(A, k), power(A, k)), {k: -k})


def test_gen_refuses_a_variable_free_in_a_hypothesis():
    h = K.assume(K.Eq(power(A, k), B))
    with pytest.raises(K.KernelError, match="gen"):
        K.gen(h, k, 0)


def test_rewrite_needs_an_occurrence_of_a_proved_left_side():
    eq = K.assume(K.Eq(A * B, B))
    assert K.key(K.rewrite(eq, A * B * A).concl) == K.key(K.Eq(A * B * A, B * A))
    with pytest.raises(K.KernelError, match="does not occur"):
        K.rewrite(eq, B * A)


def test_induction_accepts_only_the_goals_the_kernel_formed():
    ind = K.Induction(K.Pred(k, K.Eq(power(A, k) * A, A * power(A, k))), 0)
    base = K.by_canon(ind.base_goal.lhs, ind.base_goal.rhs)
    step = K.by_canon(ind.step_goal.lhs, ind.step_goal.rhs)
    assert isinstance(ind.conclude(base, step).concl, K.Forall)
    with pytest.raises(K.KernelError, match="base case"):
        ind.conclude(step, step)
    circular = K.assume(ind.step_goal)
    with pytest.raises(K.KernelError, match="other than P"):
        ind.conclude(base, circular)


def test_cite_is_an_axiom_with_one_statement_per_name():
    th = K.cite("test axiom", K.Eq(A * B, B * A), "a test")
    assert th.axioms == {"test axiom"}
    with pytest.raises(K.KernelError, match="another statement"):
        K.cite("test axiom", K.Eq(A, B), "a test")
    assert K.matches(th, th.concl, (), ()) is not None
    assert K.matches(th, th.concl, (), ("test axiom",)) is None


def test_real_arith_is_decided_by_z3_and_refuses_a_wrong_constant():
    x, a, g = sp.symbols("x a g", positive=True)
    fact = K.assume(K.Le(x, 2 * a * g))
    assert K.real_arith(K.Le(x / (2 * g), a), [fact]).rule == "real_arith"
    with pytest.raises(K.KernelError, match="real_arith"):
        K.real_arith(K.Le(x / (g / 2), a), [fact])
    with pytest.raises(K.KernelError, match="scalar"):
        K.real_arith(K.Eq(A, A))


def test_leibniz_needs_a_rate_for_every_letter():
    with pytest.raises(K.KernelError, match="no proved rate"):
        K.leibniz(A * B, [K.assume(K.Rate(A, B))])
    with pytest.raises(K.KernelError, match="not 0"):
        K.const_of_zero_rate(K.assume(K.Rate(A, B)))


# the five wrong proofs of issue 10 -----------------------------------------------------------
def _refused(capsys, tid: str, rule: str) -> None:
    assert main(["prove", tid, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)["theorems"][0]
    assert out["status"] in ("inconclusive", "refuted")
    assert f"kernel rule '{rule}' refused" in out["kernel"], out["kernel"]


def test_shifted_exponent_in_hypothesis_and_goal_is_refused(monkeypatch, capsys):
    def mutant(shift=0, balanced=True):
        ind = K.Induction(dl.balanced_power_pred(1), 1)  # shifted in IH and goal
        base = dl.balanced_power_base(K.Induction(dl.balanced_power_pred(0), 1))  # untouched
        return ind.conclude(base, dl.balanced_power_step(ind))

    monkeypatch.setattr(dl, "balanced_power_theorem", mutant)
    _refused(capsys, "agop-balanced-power", "induct")


def test_circular_induction_hypothesis_is_refused(monkeypatch, capsys):
    def mutant(shift=0, balanced=True):
        ind = K.Induction(dl.balanced_power_pred(), 1)
        step = dl.balanced_power_step(ind, hyp=ind.step_goal)  # P(l + 1) assumed
        return ind.conclude(dl.balanced_power_base(ind), step)

    monkeypatch.setattr(dl, "balanced_power_theorem", mutant)
    _refused(capsys, "agop-balanced-power", "rewrite")

    def bare(shift=0, balanced=True):  # the step is its own hypothesis
        ind = K.Induction(dl.balanced_power_pred(), 1)
        return ind.conclude(dl.balanced_power_base(ind), K.assume(ind.step_goal))

    monkeypatch.setattr(dl, "balanced_power_theorem", bare)
    _refused(capsys, "agop-balanced-power", "induct")


def test_remainder_rule_without_remainder_is_refused(monkeypatch, capsys):
    def proved():  # (V^T V)^j = (W W^T)^j as a "proved" rule
        c, j = sp.Symbol("c", integer=True, positive=True), sp.Symbol("m", integer=True,
                                                                       nonnegative=True)
        return K.gen(K.gen(K.by_canon(power(dl.XL(c), j), power(dl.YL(c), j)), j, 0), c, 1)

    monkeypatch.setattr(dl, "layer_remainder", proved)
    _refused(capsys, "nfa-weight-decay-asymptotic", "by_canon")

    def assumed():  # the same equation smuggled in as an assumption
        c, j = sp.Symbol("c", integer=True, positive=True), sp.Symbol("m", integer=True,
                                                                       nonnegative=True)
        return K.assume(K.Forall(c, 1, K.Forall(j, 0, K.Eq(
            power(dl.XL(c), j), power(dl.YL(c), j) + dl._Rl(c, j)))))

    monkeypatch.setattr(dl, "layer_remainder", assumed)
    _refused(capsys, "nfa-weight-decay-asymptotic", "matches")


def test_deduction_constant_one_half_is_refused(monkeypatch, capsys):
    from nfacheck.theorems import commutator as cm

    original = cm._deduction_theorem
    monkeypatch.setattr(cm, "_deduction_theorem", lambda k=2: original(sp.Rational(1, 2)))
    _refused(capsys, "nfa-commutator-obstruction", "real_arith")


def test_integrating_factor_with_the_wrong_rate_is_refused(monkeypatch, capsys):
    def wrong_factor(rate_th=None):  # e^{lambda t} against the proved rate -2 lambda
        rate_th = rate_th or dl.imbalance_rate_theorem()
        scaled = K.rate_scale(rate_th, sp.exp(dl.LAM * dl.T))
        zero = K.rate_congr(scaled, K.by_canon(scaled.concl.rate, 0 * dl.imbalance()))
        return K.conj([rate_th, K.const_of_zero_rate(zero)])

    monkeypatch.setattr(dl, "decay_theorem", wrong_factor)
    _refused(capsys, "imbalance-decay", "by_canon")

    def assumed_rate(rate_th=None):  # dD/dt = -lambda D assumed instead of the proved -2 lambda
        D = dl.imbalance()
        rate = K.assume(K.Rate(D, D * (-dl.LAM)))
        scaled = K.rate_scale(rate, sp.exp(dl.LAM * dl.T))
        zero = K.rate_congr(scaled, K.by_canon(scaled.concl.rate, 0 * D))
        return K.conj([dl.imbalance_rate_theorem(), K.const_of_zero_rate(zero)])

    monkeypatch.setattr(dl, "decay_theorem", assumed_rate)
    _refused(capsys, "imbalance-decay", "matches")


def test_trust_page_states_the_sizes_of_the_trusted_code():
    page = (ROOT / "docs" / "trust.md").read_text(encoding="utf-8")
    for rel in ("nfacheck/symbolic/kernel.py", "nfacheck/symbolic/freealg.py"):
        lines = len((ROOT / rel).read_text(encoding="utf-8").splitlines())
        assert f"| `{rel}` | {lines} |" in page, (rel, lines)


def test_the_psd_root_axiom_fixes_its_root_and_its_side_condition():
    from nfacheck.symbolic.freealg import root

    ax = dl.root_uniqueness()
    assert ax.axioms == {dl.ROOT_UNIQUENESS} and set(K._letters_of(ax.concl)) == {"U", "G"}
    with pytest.raises(K.KernelError, match="no letter root"):  # the root is not a free letter
        K.inst(ax, letters={"root": A})
    r, c, mm = dl._RU, dl._CU, dl._MU
    with pytest.raises(K.KernelError, match="positive"):  # the 0-th root is not an instance
        K.inst(ax, {mm: 0})
    with pytest.raises(K.KernelError, match="symmetric"):  # G must stay a symmetric matrix
        K.inst(ax, {r: m, c: p}, {"U": Wm, "G": letter("N", p, p)})
    with pytest.raises(K.KernelError, match="one word of letters"):
        K.inst(ax, {r: m, c: m}, {"U": A + B})
    # an instance at U -> W keeps the Gram form W^T W: the PSD side condition travels with it
    th = K.inst(ax, {r: m, c: p, mm: k + 1}, {"U": Wm})
    assert K.key(th.concl.concl) == K.key(K.Eq(Wm.T * Wm, root(letter("G", p, p, sym=True),
                                                               k + 1)))
    with pytest.raises(K.KernelError, match="by_canon"):  # no power law for the root atom
        K.by_canon(root(Wm.T * Wm, 2) * root(Wm.T * Wm, 2), Wm.T * Wm)
    with pytest.raises(K.KernelError, match="root index"):
        K.by_canon(root(Wm.T * Wm, k), root(Wm.T * Wm, k))
    with pytest.raises(K.KernelError, match="mp"):  # applied to a matrix it was not proved for
        dl.psd_root(dl.gram_power_theorem(), dl.W(1), dl.DEPTH, g=dl.W(1).T * dl.W(1))
