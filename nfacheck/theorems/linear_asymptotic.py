"""Unbalanced deep linear networks with weight decay: the NFA holds asymptotically.

Exact part (every L): E^T E - M^L = sum_l E_l^T R_{L-l}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l with
R_m(X, Y) = sum_j X^j (X - Y) Y^{m-1-j}, so every term carries an imbalance D_l. Analytic part
(cited lemmas): D_l decays like e^{-2 lambda t}, the weights stay bounded (coercive loss), and the
PSD root is Hoelder continuous, so ||M - G^{1/L}|| = O(e^{-2 lambda t / L}).
"""

from __future__ import annotations

import sympy as sp

from ..symbolic import deeplinear as dl
from ..symbolic import instances as inst
from ..symbolic import lemmas as lm
from ..symbolic.proof import Verdict, all_hold, induction
from . import register
from .base import Control, Step, Theorem
from .linear import REFS, step

__all__ = ["NFA_WEIGHT_DECAY_ASYMPTOTIC"]

_IDENTITY_TEX = (r"E^{\top}E - M^{L} = \sum_{l=1}^{L-1}E_l^{\top}\,R_{L-l}\!\left(W_{l+1}^{\top}"
                 r"W_{l+1},\,W_lW_l^{\top}\right)E_l,\quad R_m(X,Y) = \sum_{j=0}^{m-1}X^{j}"
                 r"(X-Y)\,Y^{m-1-j}")


def _bound_algebra() -> Verdict:
    """Exponent bookkeeping and the constant of the bound, checked by SymPy."""
    L, l, j, B = sp.symbols("L l j B", positive=True, integer=True)
    exps = sp.expand(2 * l + 2 * j + 2 * (L - l - 1 - j))
    const = sp.simplify(sp.Sum(L - l, (l, 1, L - 1)).doit() - L * (L - 1) / 2)
    if exps == 2 * L - 2 and const == 0:
        return Verdict("holds", "each term <= B^(2l) B^(2j) ||D_l|| B^(2(L-l-1-j)) = "
                                "B^(2L-2) ||D_l||; sum_(l=1)^(L-1) (L - l) = L(L-1)/2")
    return Verdict("unknown", f"exponent sum {exps}, constant residual {const}")


def _limit_checks() -> Verdict:
    t, lam, C, m0, L = sp.symbols("t lambda C m_0 L", positive=True)
    abs_bound = sp.expand_power_base((C * sp.exp(-2 * lam * t)) ** (1 / L))
    same = sp.simplify(abs_bound - C ** (1 / L) * sp.exp(-2 * lam * t / L)) == 0
    rel_bound = 2 * abs_bound / m0
    a, r = sp.limit(abs_bound, t, sp.oo), sp.limit(rel_bound, t, sp.oo)
    if same and a == 0 and r == 0:
        return Verdict("holds", "(C e^(-2 lambda t))^(1/L) = C^(1/L) e^(-2 lambda t / L) -> 0 and "
                                "2 C^(1/L) e^(-2 lambda t / L) / m_0 -> 0 as t -> oo (SymPy "
                                "limits, all symbols positive)")
    return Verdict("unknown", f"limits came out as {a}, {r}")


def _asymptotic_steps() -> list[Step]:
    rl = dl.remainder_lemma()
    rp = dl.remainder_power_induction()
    rate, rate_tex = dl.imbalance_rate()
    decay = all_hold([rate, dl.decay_solution()])
    coer, sub, cont = lm.COERCIVITY, lm.SUBMULTIPLICATIVITY, lm.PSD_ROOT_CONTINUITY
    return [
        step("remainder lemma for square X, Y, by induction on m (R_0 = 0, "
             "R_{m+1} = X R_m + (X - Y) Y^m)", r"X^{m} = Y^{m} + R_m(X,Y)\quad\forall m\ge 0",
             "induction", induction("m", 0, rl["base"], rl["step"])),
        step("the recursion unrolls to the closed sum; every term carries the factor X - Y",
             r"R_m(X,Y) = \sum_{j=0}^{m-1}X^{j}(X-Y)Y^{m-1-j}", "symbolic",
             dl.remainder_unrolled()),
        step("depth induction with remainder, no balancedness: push-through, then the remainder "
             "lemma with X = W_{l+1}^T W_{l+1}, Y = W_l W_l^T (X - Y = D_l)",
             r"E_l^{\top}(W_lW_l^{\top})^{k}E_l = M^{l+k} + Q_{l,k},\ Q_{1,k} = 0,\ "
             r"Q_{l+1,k} = Q_{l,k+1} + E_l^{\top}R_{k+1}E_l", "induction",
             induction("l", 1, rp["base"], rp["step"])),
        step("unrolling Q_{L,0} (peeling the last term of a finite sum, induction on l): the "
             "explicit identity, each term carrying some D_l", _IDENTITY_TEX, "induction",
             dl.remainder_sum_unrolling()),
        step("explicit unbalanced networks (random rational L = 2..5; symbolic entries L = 2, 3)",
             _IDENTITY_TEX, "instance", inst.remainder_instances()),
        step("theorem imbalance-decay: D_l(t) = e^{-2 lambda t} D_l(0)",
             rate_tex + r" = -2\lambda D_l\ \Rightarrow\ D_l(t) = e^{-2\lambda t}D_l(0)",
             "symbolic", decay),
        step(f"lemma ({coer.name}): {coer.statement}; write B^2 = 2 L(W(0)) / lambda",
             coer.latex + r",\qquad \|W_l(t)\|_F\le B", "lemma", lm.check_coercivity(),
             coer.reference),
        step(f"lemma ({sub.name}): {sub.statement}", sub.latex, "lemma",
             lm.check_submultiplicativity(), sub.reference),
        step("with ||E_l|| <= B^l, ||X_l||, ||Y_l|| <= B^2, G = E^T E (agop-linear): an explicit "
             "rate for the Gram defect",
             r"\|G - M^{L}\|_F\le\tfrac{L(L-1)}{2}\,B^{2L-2}\,e^{-2\lambda t}\max_l\|D_l(0)\|_F",
             "symbolic", _bound_algebra()),
        step(f"lemma ({cont.name}): {cont.statement}; with M = (M^L)^{{1/L}} and "
             "||.||_2 <= ||.||_F", cont.latex + r"\ \Rightarrow\ \|G^{1/L} - M\|_2\le\left("
             r"\tfrac{L(L-1)}{2}B^{2L-2}\max_l\|D_l(0)\|_F\right)^{1/L}e^{-2\lambda t/L}",
             "lemma", lm.check_root_continuity(), cont.reference),
        step("absolute residual -> 0; relative residual -> 0 because M(t) -> M_inf != 0 gives "
             "||M(t)|| >= m_0 = ||M_inf|| / 2 for large t (the non-zero-limit hypothesis)",
             r"\frac{\|M - G^{1/L}\|}{\|M\|}\le\frac{2}{m_0}\left(C e^{-2\lambda t}\right)^{1/L}"
             r"\to 0", "symbolic", _limit_checks()),
        step("a non-zero critical point (scalar chain L = 2): M = G^{1/2} exactly",
             r"\nabla\mathcal L = 0,\ M = G^{1/2}", "instance", inst.critical_point()),
    ]


NFA_WEIGHT_DECAY_ASYMPTOTIC = register(Theorem(
    id="nfa-weight-decay-asymptotic",
    title="NFA with weight decay from any initialisation, asymptotically",
    statement="For a linear network under gradient flow with lambda > 0 from any initialisation:"
              " E^T E - M^L = sum_l E_l^T R_{L-l}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l exactly, "
              "every term carrying some D_l; D_l -> 0 like exp(-2 lambda t) and the weights stay "
              "bounded, so ||M - G^{1/L}|| = O(exp(-2 lambda t / L)) -> 0; if the flow converges "
              "to a non-zero critical point, the relative residual ||M - G^{1/L}|| / ||M|| -> 0.",
    statement_latex=_IDENTITY_TEX + r",\qquad \|M(t) - G(t)^{1/L}\|_2 = "
                    r"O\!\left(e^{-2\lambda t/L}\right)",
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths, any initialisation",
                "gradient flow of L with weight decay lambda > 0",
                "for the relative residual: the flow converges to a critical point with "
                "M_inf = W_1^T W_1 != 0 (weights do not collapse to zero)"),
    references=(REFS["tansley"], REFS["arora18"], REFS["bhatia"]),
    method="sympy: remainder identity by double induction; cited lemmas for the rate",
    prove=_asymptotic_steps,
    controls=(
        Control("collapse: the relative residual -> 0 without the non-zero-limit hypothesis",
                lambda: [step("exact collapsing flow (X = 0, scalar chain, L = 2)",
                              r"w_l(t) = e^{-\lambda t}w_l(0),\ \frac{|M - G^{1/2}|}{M} = 1",
                              "symbolic", inst.collapse_chain())]),
        Control("exponent 1/(L+1) at a non-zero critical point", lambda: [
            step("scalar chain L = 2 at its non-zero critical point", r"M^{3} = G", "instance",
                 inst.critical_point(1))]),
        Control("first-order remainder only: E^T E - M^L = sum_l E_l^T D_l E_l", lambda: [
            step("random unbalanced weights, L = 3",
                 r"E^{\top}E - M^{L} = \sum_l E_l^{\top}D_lE_l", "random",
                 inst.first_order_counter())]),
    ),
    lemmas=(lm.COERCIVITY.name, lm.SUBMULTIPLICATIVITY.name, lm.PSD_ROOT_CONTINUITY.name),
))
