"""Rewrite rules on noncommutative polynomials: a proved identity or a hypothesis used as
``lhs -> rhs``, matched as a contiguous subword (order respected), with wildcard exponents.

Replacing a subword by an equal polynomial is sound in any associative algebra, so a chain of
rule applications and power-law normalisations is a proof of equality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from .freealg import Letter, NCPoly, Power, Word, word_latex

__all__ = ["Rule", "rule", "apply_rule", "apply_defs", "subs"]


@dataclass(frozen=True)
class Rule:
    """``lhs -> rhs`` with ``lhs`` a single word; ``wild`` symbols match any exponent/index."""

    name: str
    lhs: Word
    rhs: NCPoly
    wild: tuple[sp.Symbol, ...] = ()

    def latex(self) -> str:
        return f"{word_latex(self.lhs)} = {self.rhs.latex()}"


def rule(name: str, lhs: NCPoly, rhs: NCPoly, wild: Sequence[sp.Symbol] = ()) -> Rule:
    """Build a rule; ``lhs`` must be one word with coefficient 1."""
    (w, c), = lhs.terms.items()
    if c != 1:
        raise ValueError("a rule's left side is one word with coefficient 1")
    return Rule(name, w, rhs, tuple(wild))


def _bind(pat: sp.Expr | None, val: sp.Expr | None, wild: tuple, b: dict) -> bool:
    if pat is None or val is None:
        return pat is None and val is None
    if pat in wild:
        if pat in b:
            return sp.expand(b[pat] - val) == 0
        b[pat] = val
        return True
    return sp.expand(pat - val) == 0


def _match_atom(p, a, wild: tuple, b: dict) -> bool:
    if isinstance(p, Letter) and isinstance(a, Letter):
        return (p.name, p.t) == (a.name, a.t) and _bind(p.idx, a.idx, wild, b)
    if isinstance(p, Power) and isinstance(a, Power):
        return p.base == a.base and _bind(p.exp, a.exp, wild, b)
    return False


def _match(r: Rule, w: Word, i: int) -> dict | None:
    if i + len(r.lhs) > len(w):
        return None
    b: dict = {}
    for p, a in zip(r.lhs, w[i:i + len(r.lhs)], strict=True):
        if not _match_atom(p, a, r.wild, b):
            return None
    return b


def subs(p: NCPoly, binding: Mapping[sp.Symbol, sp.Expr]) -> NCPoly:
    """Substitute symbols in coefficients, exponents and indices."""
    if not binding:
        return p

    def atom(a):
        if isinstance(a, Power):
            return Power(a.base, sp.expand(a.exp.subs(binding)))
        if a.idx is not None:
            return Letter(a.name, a.rows, a.cols, a.t, a.sym, sp.expand(a.idx.subs(binding)), a.tex)
        return a

    return NCPoly({tuple(atom(a) for a in w): sp.sympify(c).subs(binding)
                   for w, c in p.terms.items()})


def _base_swap(r: Rule, a: Power) -> Power | None:
    """Rewrite the base of a power when it is exactly a rule's (wildcard-free) left side."""
    if r.wild or a.base != r.lhs or len(r.rhs.terms) != 1:
        return None
    (w, c), = r.rhs.terms.items()
    if c != 1 or not w or any(isinstance(x, Power) for x in w):
        return None
    return Power(w, a.exp)


def _apply_word(r: Rule, w: Word) -> tuple[NCPoly, int]:
    for i in range(len(w)):
        b = _match(r, w, i)
        if b is not None:
            rest, n = _apply_word(r, w[i + len(r.lhs):])
            return NCPoly({w[:i]: 1}) * subs(r.rhs, b) * rest, n + 1
        a = w[i]
        if isinstance(a, Power):
            nb = _base_swap(r, a)
            if nb is not None:
                rest, n = _apply_word(r, w[i + 1:])
                return NCPoly({w[:i] + (nb,): 1}) * rest, n + 1
    return NCPoly({w: 1}), 0


def apply_rule(r: Rule, p: NCPoly) -> tuple[NCPoly, int]:
    """Apply ``r`` once at every non-overlapping match, left to right; returns the count."""
    out, total = NCPoly(), 0
    for w, c in p.terms.items():
        q, n = _apply_word(r, w)
        out = out + q * c
        total += n
    return out, total


def apply_defs(defs: Sequence[Rule], p: NCPoly, limit: int = 40) -> NCPoly:
    """Unfold definitions exhaustively (each definition must strictly unfold, e.g. ``D -> V^T V -
    W W^T``); ``limit`` rounds guard against a rule that reproduces its own left side."""
    for _ in range(limit):
        changed = 0
        for d in defs:
            p, n = apply_rule(d, p)
            changed += n
        if not changed:
            return p
    raise RecursionError("definitions did not finish unfolding")
