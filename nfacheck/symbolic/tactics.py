"""Tactics: untrusted conveniences that chain kernel rules (a bug here can only make a proof
fail, never make a false one pass — every theorem still comes from :mod:`.kernel`).

Writing a proof (a guide for theorem authors)
    Declare the conclusion as a Prop (``Eq(E.T * E, power(M, L))``), the hypotheses as Props and
    the axiom names you cite; build the proof only from the rules of :mod:`.kernel` (the tactics
    below chain them); return the final theorem. For induction make a predicate
    ``Pred(l, body)`` whose body mentions ``l`` in exponents, indices or shapes, prove
    ``ind.base_goal``, prove ``ind.step_goal`` from ``assume(ind.hyp)``, then ``ind.conclude``.
    A fact SymPy cannot prove is ``cite(name, prop, reference)`` and its name goes in the declared
    axioms. Controls are the same steps with one thing changed; they must end in a counter-instance
    (numeric or exact), a ``KernelError`` alone only makes them inconclusive.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import kernel as K

__all__ = ["chain", "rw", "to", "meet"]


def chain(*ths: K.Theorem) -> K.Theorem:
    """a = b, b = c, ... ⊢ a = z."""
    out = ths[0]
    for th in ths[1:]:
        out = K.trans(out, th)
    return out


def rw(eq: K.Theorem, th: K.Theorem) -> K.Theorem:
    """Extend ``th: a = b`` by rewriting ``b`` with the proved equation ``eq``."""
    return K.trans(th, K.rewrite(eq, th.concl.rhs))


def to(th: K.Theorem, target) -> K.Theorem:
    """Extend ``th: a = b`` to ``a = target`` when ``b`` and ``target`` agree canonically."""
    return K.trans(th, K.by_canon(th.concl.rhs, target))


def meet(a, b, left: Sequence[K.Theorem] = (), right: Sequence[K.Theorem] = (), a_form=None,
         b_form=None) -> K.Theorem:
    """⊢ a = b: rewrite ``a`` (first written as ``a_form``) with ``left`` and ``b`` with
    ``right`` until both sides agree canonically."""
    ta = K.by_canon(a, a if a_form is None else a_form)
    for eq in left:
        ta = rw(eq, ta)
    tb = K.by_canon(b, b if b_form is None else b_form)
    for eq in right:
        tb = rw(eq, tb)
    return chain(ta, K.by_canon(ta.concl.rhs, tb.concl.rhs), K.sym(tb))
