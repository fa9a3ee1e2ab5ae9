"""Soundness of the canonical forms: normalising a polynomial or a trace never changes its value
on explicit matrices (property-based, exact rationals)."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from nfacheck.symbolic.crosscheck import Env, evaluate, evaluate_trace
from nfacheck.symbolic.freealg import NCPoly, Power, letter, trace

m = sp.Symbol("m", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
LETTERS = {"A": letter("A", m, m), "B": letter("B", m, m), "C": letter("C", m, m, sym=True)}
ATOMS = []
for p in LETTERS.values():
    (w,) = p.terms
    ATOMS += [w[0], w[0].T]
BASES = [(ATOMS[0], ATOMS[1]), (ATOMS[2],), (ATOMS[0],)]

small = st.fractions(min_value=-3, max_value=3, max_denominator=3)
mat = st.lists(st.lists(small, min_size=2, max_size=2), min_size=2, max_size=2)


def _atom():
    pw = st.builds(lambda b, e, sym: Power(b, k + e if sym else sp.Integer(e)),
                   st.sampled_from(BASES), st.integers(0, 2), st.booleans())
    return st.one_of(st.sampled_from(ATOMS), pw)


words = st.lists(_atom(), min_size=1, max_size=6).map(tuple)
polys = st.dictionaries(words, st.integers(-3, 3).filter(bool), min_size=1, max_size=4).map(
    NCPoly)


def _env(a, b, c, kval):
    c_sym = [[c[0][0], c[0][1]], [c[0][1], c[1][1]]]
    return Env({"A": a, "B": b, "C": c_sym}, {m: 2, k: kval})


@settings(max_examples=40, deadline=None)
@given(polys, mat, mat, mat, st.integers(0, 3))
def test_normal_form_preserves_value(p, a, b, c, kval):
    env = _env(a, b, c, kval)
    assert evaluate(p, env) == evaluate(p.normal(), env)


@settings(max_examples=40, deadline=None)
@given(polys, mat, mat, mat, st.integers(0, 3))
def test_canonical_trace_preserves_value(p, a, b, c, kval):
    env = _env(a, b, c, kval)
    direct = sum((Fraction(int(coef)) * _tr(evaluate(NCPoly({w: 1}), env))
                  for w, coef in p.terms.items()), Fraction(0))
    assert evaluate_trace(trace(p), env) == direct


def _tr(mat_):
    return mat_[0][0] + mat_[1][1]
