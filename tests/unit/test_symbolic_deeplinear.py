"""Deep-linear lemmas (every depth) and the explicit layer; each perturbed claim must fail."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp

from nfacheck.symbolic import deeplinear as dl
from nfacheck.symbolic import explicit as ex
from nfacheck.symbolic import instances as inst
from nfacheck.symbolic import kernel as K
from nfacheck.symbolic import lemmas as lm
from nfacheck.symbolic import linnet as ln


def test_gradient_theorem_and_its_perturbations():
    th = dl.gradient_theorem()
    assert th.rule == "by_canon" and not th.hyps and not th.axioms
    assert dl.gradient_check().ok
    assert dl.gradient_check(transpose_prefix=False, square=True).outcome == "fails"
    assert dl.gradient_check(decay=sp.Rational(1, 2)).outcome == "fails"


def test_imbalance_rate_and_decay_law():
    rate = dl.imbalance_rate_theorem()
    assert isinstance(rate.concl, K.Rate) and set(rate.hyps) == {K.key(h) for h in dl.flow_hyps()}
    assert dl.balancedness_theorem().axioms == {K.ZERO_DERIVATIVE}
    assert isinstance(dl.decay_theorem().concl, K.And)
    assert dl.imbalance_rate_check().ok and dl.imbalance_rate_check(rate=0, lam_zero=True).ok
    assert dl.imbalance_rate_check(rate=-dl.LAM).outcome == "fails"
    assert dl.imbalance_rate_check(rate=0).outcome == "fails"
    assert dl.decay_solution_check().ok
    assert dl.decay_solution_check(-dl.LAM).outcome == "fails"


def test_depth_inductions_and_their_perturbations():
    th = dl.balanced_power_theorem()
    assert th.rule == "induct" and isinstance(th.concl, K.Forall)
    with pytest.raises(K.KernelError, match="by_canon"):
        dl.balanced_power_theorem(shift=1)
    with pytest.raises(K.KernelError, match="rewrite"):
        dl.balanced_power_theorem(balanced=False)
    assert dl.remainder_power_theorem().rule == "induct"
    assert dl.layer_remainder().rule == "gen" and dl.remainder_lemma().rule == "induct"
    assert dl.network_linear_theorem().rule == "induct"
    assert dl.jacobian_theorem().rule == "by_canon"
    assert dl.root_theorem(dl.gram_power_theorem()).axioms == {dl.ROOT_UNIQUENESS}


def test_cayley_orthogonal_and_balanced_construction():
    q = ex.cayley_orthogonal(random.Random(0), 3)
    assert ex.mul(ex.transpose(q), q) == ex.eye(3, Fraction(1), Fraction(0))
    ws = ln.balanced_weights((2, 3, 2), [Fraction(2), Fraction(1, 3)], seed=1)
    assert ex.is_zero(ln.imbalance(ws, 1))


def test_explicit_gradient_matches_derivative_of_loss():
    net = ln.symbolic_net(3)
    value = ln.loss(net)
    for l in (1, 2, 3):
        assert ex.is_zero(ex.sub(ln.grad_by_diff(net, value, l), ln.grad_formula(net, l)))


def test_instance_layers_and_counter_instances():
    for f in (inst.gradient_instances, inst.imbalance_instances, inst.agop_instances,
              inst.balanced_power_instances, inst.balanced_flow_instances,
              inst.remainder_instances, inst.critical_point):
        assert f().ok, f.__name__
    for f in (inst.unbalanced_counter, inst.first_order_counter, inst.collapse_chain,
              inst.relu_jacobian_counter, inst.gram_order_counter):
        assert f().outcome == "fails", f.__name__
    assert inst.imbalance_instances(rate=Fraction(-1)).outcome == "fails"
    assert inst.balanced_power_instances(1, symbolic=False).outcome == "fails"
    assert inst.critical_point(1).outcome == "fails"


def test_lemma_spot_checks_hold():
    for f in (lm.check_root_continuity, lm.check_root_uniqueness, lm.check_coercivity,
              lm.check_submultiplicativity):
        assert f().ok, f.__name__
