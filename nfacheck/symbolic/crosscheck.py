"""Cross-checks outside the kernel: explicit evaluation and random rational instances.

These never prove anything (only :mod:`.kernel` does). A check returns a :class:`Verdict`:
``fails`` on concrete counter-evidence (an explicit instance with a non-zero residual), which
refutes a claim or a control; ``holds`` means every instance agreed (evidence, not proof);
``unknown`` otherwise. The kernel's ``by_canon`` takes :func:`refuter` callables built from these.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

from . import explicit as ex
from .freealg import Letter, NCPoly, Power, Root, TracePoly, Word, trace, word_shape

__all__ = [
    "Verdict", "Env", "evaluate", "evaluate_trace", "random_env", "check_identity",
    "check_trace_identity", "clip", "refuter",
]


@dataclass(frozen=True)
class Verdict:
    """Outcome (``holds``/``fails``/``unknown``), plain-text evidence, optional LaTeX detail."""

    outcome: str
    evidence: str
    latex: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "holds"


def clip(text: str, n: int = 400) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


@dataclass
class Env:
    """An explicit interpretation: matrices for letters (or ``idx -> matrix`` callables) and
    values for the symbols (dimensions, exponents, scalars)."""

    mats: dict[str, Any]
    values: dict[sp.Symbol, Any] = field(default_factory=dict)
    label: str = ""


def _num(c: sp.Expr, values: Mapping) -> Fraction:
    v = sp.nsimplify(sp.sympify(c).subs(values)) if values else sp.sympify(c)
    if not v.is_Rational:
        raise ValueError(f"coefficient {c} is not rational on this instance")
    return Fraction(int(v.p), int(v.q))


def _atom_mat(a, env: Env) -> ex.Mat:
    if isinstance(a, Root):
        raise ValueError(f"a PSD root {a.key()} has no exact rational value")
    if isinstance(a, Power):
        k = sp.sympify(a.exp).subs(env.values)
        if not (k.is_Integer and k >= 0):
            raise ValueError(f"exponent {a.exp} is not a natural number on this instance")
        base = ex.chain([_atom_mat(b, env) for b in a.base])
        return ex.mpow(base, int(k))
    m = env.mats[a.name]
    if callable(m):
        m = m(int(sp.sympify(a.idx).subs(env.values)))
    return ex.transpose(m) if a.t else m


def _word_mat(w: Word, env: Env, size: int) -> ex.Mat:
    if not w:
        return ex.eye(size, Fraction(1), Fraction(0))
    return ex.chain([_atom_mat(a, env) for a in w])


def evaluate(p: NCPoly, env: Env, shape: tuple | None = None) -> ex.Mat:
    """``p`` as an explicit rational matrix on ``env`` (``shape`` when ``p`` has no word)."""
    shape = p.shape() or shape
    if shape is None and not p.terms:
        return [[Fraction(0)]]  # both sides vanish identically
    if shape is None:
        raise ValueError("the shape of an identity-only polynomial must be given")
    r, c = (int(sp.sympify(s).subs(env.values)) for s in shape)
    out = ex.zeros(r, c, Fraction(0))
    for w, coef in p.terms.items():
        out = ex.add(out, ex.scale(_num(coef, env.values), _word_mat(w, env, r)))
    return out


def evaluate_trace(p: TracePoly, env: Env) -> Fraction:
    total = Fraction(0)
    for w, coef in p.terms.items():
        if not w:  # tr(I) is already folded into the coefficient
            total += _num(coef, env.values)
            continue
        r, _ = word_shape(w)
        total += _num(coef, env.values) * ex.trace(_word_mat(w, env, int(r.subs(env.values))))
    return total


def _letters(polys: Iterable[NCPoly]) -> dict[str, Letter]:
    out: dict[str, Letter] = {}

    def visit(a):
        if isinstance(a, (Power, Root)):
            for b in a.base:
                visit(b)
        else:
            out.setdefault(a.name, a)

    for p in polys:
        for w in p.terms:
            for a in w:
                visit(a)
    return out


def random_env(polys: Iterable[NCPoly], values: Mapping[sp.Symbol, Any], seed: int,
               fixed: Mapping[str, Any] | None = None, label: str = "") -> Env:
    """Random rational matrices for every letter in ``polys`` (symmetric ones symmetrised)."""
    rng = random.Random(seed)
    mats: dict[str, Any] = dict(fixed or {})
    for name, a in sorted(_letters(polys).items()):
        if name in mats:
            continue
        r = int(sp.sympify(a.rows).subs(values))
        c = int(sp.sympify(a.cols).subs(values))
        m = ex.rand_matrix(rng, r, c)
        if a.sym:
            m = ex.add(m, ex.transpose(m))
        mats[name] = m
    return Env(mats, dict(values), label or f"random rationals, seed {seed}")


def _instance_report(diff: Callable[[Env], Any], instances: Sequence[Env]) -> tuple[list, list]:
    zero, nonzero = [], []
    for env in instances:
        d = diff(env)
        ok = (d == 0) if not isinstance(d, list) else ex.is_zero(d)
        (zero if ok else nonzero).append((env, d))
    return zero, nonzero


def _show(tex: str, limit: int = 240) -> str:
    """Inline LaTeX, or a note when too long to show (clipping LaTeX would break it)."""
    return f"${tex}$" if len(tex) <= limit else f"(a {len(tex)}-character LaTeX expression)"


def _decide(residual_zero: bool, residual_tex: str, instances: Sequence[Env], zero: list,
            nonzero: list) -> Verdict:
    n = len(instances)
    if residual_zero and not nonzero:
        if not n:
            return Verdict("holds", "canonical residual is 0")
        return Verdict("holds", f"canonical residual is 0; {n} random rational instance(s) "
                                "agree")
    if nonzero:
        env, d = nonzero[0]
        size = ex.max_abs(d) if isinstance(d, list) else abs(d)
        where = env.label or "explicit instance"
        if residual_zero:
            return Verdict("fails", f"layers disagree: canonical residual is 0 but on {where} "
                                    f"the residual has an entry of size {size}")
        return Verdict("fails", f"residual {_show(residual_tex)} is non-zero; on {where} it "
                                f"has an entry of size {size}", residual_tex)
    return Verdict("unknown", f"canonical residual {_show(residual_tex)} is not 0 and no "
                              f"instance separates the sides", residual_tex)


def check_identity(lhs: NCPoly, rhs: NCPoly, *, instances: Sequence[Env] = ()) -> Verdict:
    """Compare canonical forms of ``lhs`` and ``rhs`` and evaluate both sides on each explicit
    instance (evidence only: the kernel's ``by_canon`` is what proves)."""
    res = (lhs - rhs).normal()
    shape = lhs.shape() or rhs.shape()
    zero, nonzero = _instance_report(lambda env: evaluate(lhs - rhs, env, shape), instances)
    return _decide(not res.terms, res.latex(), instances, zero, nonzero)


def check_trace_identity(lhs: NCPoly, rhs: NCPoly, *, instances: Sequence[Env] = ()) -> Verdict:
    """Compare ``tr(lhs)`` and ``tr(rhs)`` in canonical cyclic form, and on instances."""
    res = trace(lhs) - trace(rhs)
    zero, nonzero = _instance_report(
        lambda env: evaluate_trace(trace(lhs), env) - evaluate_trace(trace(rhs), env), instances)
    return _decide(res.is_zero(), res.latex(), instances, zero, nonzero)


def refuter(instances: Sequence[Env]) -> Callable[[object, object], str | None]:
    """A check for ``kernel.by_canon``: the first instance on which the sides differ, if any."""
    def check(lhs, rhs) -> str | None:
        if isinstance(lhs, TracePoly):
            return None
        v = check_identity(lhs, rhs, instances=instances)
        return v.evidence if v.outcome == "fails" else None
    return check
