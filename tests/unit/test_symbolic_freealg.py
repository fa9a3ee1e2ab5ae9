"""The noncommutative layer: canonical forms, traces, and the instance layer catching what
canonical forms get wrong (rules, calculations and induction: test_symbolic_kernel)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from nfacheck.symbolic.crosscheck import (
    Env,
    check_identity,
    check_trace_identity,
    evaluate,
    random_env,
)
from nfacheck.symbolic.freealg import ShapeError, derive, letter, power, trace

m, p, q = sp.symbols("m p q", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
A = letter("A", m, m)
B = letter("B", m, m)
W = letter("W", m, p)
VALS = {m: 3, p: 2, q: 2, k: 2}


def envs(*polys):
    return [random_env(polys, VALS, s) for s in (1, 2)]


def test_products_do_not_commute():
    assert not (A * B - B * A).is_zero()
    v = check_identity(A * B, B * A, instances=envs(A, B))
    assert v.outcome == "fails" and "non-zero" in v.evidence


def test_expansion_keeps_order():
    lhs = (A + B) * (A - B)
    assert check_identity(lhs, A * A - A * B + B * A - B * B, instances=envs(A, B)).ok
    assert check_identity(lhs, A * A - B * B, instances=envs(A, B)).outcome == "fails"


def test_transpose_reverses_products():
    assert check_identity((A * B).T, B.T * A.T, instances=envs(A, B)).ok
    assert check_identity((A * B).T, A.T * B.T, instances=envs(A, B)).outcome == "fails"


def test_trace_is_cyclic_but_not_commutative():
    C = letter("C", m, m)
    assert check_trace_identity(A * B * C, C * A * B, instances=envs(A, B, C)).ok
    assert check_trace_identity(A * B * C, (A * B * C).T, instances=envs(A, B, C)).ok
    # tr(ABC) != tr(ACB) in general: traces are not reordered as if commutative
    assert check_trace_identity(A * B * C, A * C * B, instances=envs(A, B, C)).outcome == "fails"


def test_distinct_traces_do_not_collapse():
    t = trace(A * B + B * A.T)
    assert len(t.terms) == 2
    assert not (trace(A * B) - trace(A * B.T)).is_zero()


def test_power_laws_and_symbolic_exponents():
    WWt = W * W.T
    assert (power(WWt, k) * W * W.T - power(WWt, k + 1)).is_zero()
    assert (W * W.T * power(WWt, k) - power(WWt, k + 1)).is_zero()
    assert (power(WWt, 0) * W - W).is_zero()
    # push-through is true but not a power law: the canonical form must not claim it
    v = check_identity(W.T * power(WWt, k) * W, power(W.T * W, k + 1),
                       instances=[random_env([W], VALS, 3)])
    assert v.outcome == "unknown"


def test_shapes_are_checked():
    with pytest.raises(ShapeError):
        (W * A).shape()
    with pytest.raises(ShapeError):
        power(W, k).terms and power(W, k).shape()


def test_derive_is_the_leibniz_rule_in_order():
    V = letter("V", m, p)
    d = derive(W * W.T, {"W": V})
    assert check_identity(d, V * W.T + W * V.T, instances=envs(W, V)).ok
    assert check_identity(d, 2 * (V * W.T), instances=envs(W, V)).outcome == "fails"


def test_layers_disagreeing_is_a_hard_failure(monkeypatch):
    # Simulate the classic pitfall: a canonical form that reorders factors as if they commuted.
    # The instance layer must turn the wrong "proof" of AB = BA into a failure.
    from nfacheck.symbolic import freealg

    monkeypatch.setattr(freealg, "normal_word", lambda w: tuple(sorted(w, key=lambda a: a.key())))
    v = check_identity(A * B, B * A, instances=envs(A, B))
    assert v.outcome == "fails" and "layers disagree" in v.evidence
    assert check_identity(A * B, B * A).ok  # without instances the bug would have passed


def test_evaluate_matches_hand_computation():
    env = Env({"A": [[Fraction(1), Fraction(2)], [Fraction(3), Fraction(4)]],
               "B": [[Fraction(0), Fraction(1)], [Fraction(1), Fraction(0)]]}, {m: 2})
    assert evaluate(A * B - B * A, env) == [[-1, -3], [3, 1]]


def test_a_psd_root_is_an_opaque_atom_of_its_base():
    from nfacheck.symbolic.freealg import root

    r = root(W.T * W, k + 1)
    assert r.shape() == (p, p) and (r.T - r).is_zero()  # the base W^T W is its own transpose
    assert not (root(A, 2).T - root(A, 2)).is_zero()  # the root of A^T is another atom
    assert not (r * r - power(W.T * W, 1)).is_zero()  # no power law: r r stays r r
    assert r.latex() == r"\left(W^{\top} W\right)^{1/(k + 1)}"
    for bad in (W.T * W + A, power(A, k), A * 2):
        with pytest.raises(ShapeError):
            root(bad, 2)
    with pytest.raises(ShapeError, match="root"):
        derive(r, {"W": W})
    with pytest.raises(ValueError, match="no exact rational value"):
        evaluate(r, random_env([W], VALS, 1))
