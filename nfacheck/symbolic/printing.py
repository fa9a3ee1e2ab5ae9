"""LaTeX for kernel propositions and theorems, and the derivation a theorem records.

Untrusted: it only reads kernel objects. Statements on derivation pages and in ``--json`` come
from here, so what a reader sees is printed from the object the kernel checked.
"""

from __future__ import annotations

import sympy as sp

from . import kernel as K
from .freealg import NCPoly, TracePoly

__all__ = ["term_latex", "prop_latex", "sequent_latex", "rule_summary", "axioms_of",
           "axiom_reference", "derivation"]


def term_latex(x) -> str:
    if isinstance(x, (NCPoly, TracePoly)):
        return x.latex()
    return sp.latex(x)


def prop_latex(p) -> str:
    """A proposition in LaTeX (no surrounding ``$``)."""
    if isinstance(p, K.Eq):
        return f"{term_latex(p.lhs)} = {term_latex(p.rhs)}"
    if isinstance(p, K.Le):
        return f"{term_latex(p.lhs)} \\le {term_latex(p.rhs)}"
    if isinstance(p, K.Lt):
        return f"{term_latex(p.lhs)} < {term_latex(p.rhs)}"
    if isinstance(p, K.Forall):
        return f"\\forall {sp.latex(p.var)} \\ge {p.start}:\\ {prop_latex(p.body)}"
    if isinstance(p, K.Rate):
        return (f"\\tfrac{{d}}{{dt}}\\left({term_latex(p.of)}\\right) = "
                f"{term_latex(p.rate)}")
    if isinstance(p, K.Const):
        return f"{term_latex(p.of)}\\ \\text{{is constant in }} t"
    if isinstance(p, K.Implies):
        return f"\\left({prop_latex(p.premise)}\\right) \\Rightarrow {prop_latex(p.concl)}"
    if isinstance(p, K.And):
        return ",\\quad ".join(prop_latex(q) for q in p.parts)
    return str(p)


def sequent_latex(th: K.Theorem, limit: int = 1500) -> str:
    hyps = ",\\ ".join(prop_latex(h) for h in th.hypotheses)
    text = (hyps + " \\ \\vdash\\ " if hyps else "\\vdash\\ ") + prop_latex(th.concl)
    return text if len(text) <= limit else "\\vdash\\ " + _clip(prop_latex(th.concl), limit)


def _clip(tex: str, limit: int) -> str:
    return tex if len(tex) <= limit else f"\\text{{(a {len(tex)}-character expression)}}"


def _nodes(th: K.Theorem) -> list[K.Theorem]:
    seen, order = set(), []

    def visit(t):
        if id(t) in seen:
            return
        seen.add(id(t))
        for p in t.premises:
            visit(p)
        order.append(t)

    visit(th)
    return order


def rule_summary(th: K.Theorem) -> str:
    """``rule`` of the theorem and the counts of the rules below it."""
    counts: dict[str, int] = {}
    for t in _nodes(th):
        counts[t.rule] = counts.get(t.rule, 0) + 1
    below = ", ".join(f"{r} x{n}" for r, n in sorted(counts.items()))
    return f"{th.rule} ({below})"


def axioms_of(th: K.Theorem | None) -> dict[str, tuple[str, str]]:
    """``{name: (statement LaTeX, reference)}`` of every axiom the theorem rests on."""
    out: dict[str, tuple[str, str]] = {}
    if th is None:
        return out
    for t in _nodes(th):
        if t.rule == "cite":
            (name,) = t.axioms
            out[name] = (prop_latex(t.concl), t.detail)
        elif t.rule == "const_of_zero_rate":
            out[K.ZERO_DERIVATIVE] = (r"\dot p = 0 \text{ on } [0,\infty) \Rightarrow "
                                      r"p(t) = p(0)", t.detail)
    return dict(sorted(out.items()))


def axiom_reference(th: K.Theorem) -> str:
    return th.detail if th.rule == "cite" else ""


def derivation(th: K.Theorem, limit: int = 300) -> list[str]:
    """The kernel's derivation of ``th``, one line per distinct theorem (premises first)."""
    nodes = _nodes(th)
    index = {id(t): i for i, t in enumerate(nodes, 1)}
    lines = []
    for i, t in enumerate(nodes, 1):
        prem = ", ".join(f"({index[id(p)]})" for p in t.premises)
        via = f" from {prem}" if prem else ""
        detail = f"; {t.detail}" if t.detail and t.rule != "cite" else ""
        lines.append(f"({i}) `{t.rule}`{via}{detail}: ${_clip(prop_latex(t.concl), limit)}$")
    return lines
