"""Deep-linear lemmas (every depth) and the explicit layer; each perturbed claim must fail."""

from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from nfacheck.symbolic import deeplinear as dl
from nfacheck.symbolic import explicit as ex
from nfacheck.symbolic import instances as inst
from nfacheck.symbolic import lemmas as lm
from nfacheck.symbolic import linnet as ln


def test_gradient_lemma_and_its_perturbations():
    assert dl.gradient_layer().ok
    assert dl.gradient_layer(transpose_prefix=False, square=True).outcome == "fails"
    assert dl.gradient_layer(decay=sp.Rational(1, 2)).outcome == "fails"


def test_local_identity_and_decay_law():
    assert dl.local_identity()[0].ok
    assert dl.imbalance_rate()[0].ok
    assert dl.imbalance_rate(rate=0, lam_zero=True)[0].ok
    assert dl.imbalance_rate(rate=-dl.LAM)[0].outcome == "fails"
    assert dl.imbalance_rate(rate=0)[0].outcome == "fails"
    assert dl.decay_solution().ok
    assert dl.decay_solution(-dl.LAM).outcome == "fails"


def test_depth_inductions():
    bp = dl.balanced_power_induction()
    assert all(v.ok for v in bp.values())
    assert dl.balanced_power_induction(shift=1)["base"].outcome == "fails"
    assert dl.balanced_power_induction(balanced=False)["step"].outcome == "unknown"
    rl, rp = dl.remainder_lemma(), dl.remainder_power_induction()
    assert all(v.ok for v in (*rl.values(), *rp.values()))
    assert dl.remainder_unrolled().ok and dl.remainder_sum_unrolling().ok
    nl = dl.network_linear_induction()
    assert nl["base"].ok and nl["step"].ok and dl.jacobian_constant().ok


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
