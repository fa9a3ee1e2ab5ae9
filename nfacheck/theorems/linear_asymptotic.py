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
from ..symbolic import kernel as K
from ..symbolic import lemmas as lm
from . import register
from .base import Control, Proof, Theorem, kstep
from .linear import REFS, step

__all__ = ["NFA_WEIGHT_DECAY_ASYMPTOTIC"]

_IDENTITY_TEX = (r"E^{\top}E - M^{L} = \sum_{l=1}^{L-1}E_l^{\top}\,R_{L-l}\!\left(W_{l+1}^{\top}"
                 r"W_{l+1},\,W_lW_l^{\top}\right)E_l,\quad R_m(X,Y) = \sum_{j=0}^{m-1}X^{j}"
                 r"(X-Y)\,Y^{m-1-j}")


_r, _g, _C = sp.symbols(r"\|G^{1/L}-M\|_2 \|G-M^{L}\|_F C", nonnegative=True)
_RATE = _C * sp.exp(-2 * dl.LAM * dl.T)
_ROOT = _RATE ** (1 / dl.DEPTH)
_MONO = "monotonicity of the L-th root"
_BOUND = "norm bound of the remainder sum"
_CONT_NAME = "PSD root continuity (with (M^L)^{1/L} = M)"


def _rate_theorem() -> K.Theorem:
    """r <= g^{1/L}, g <= C e^{-2 lambda t}, the monotone root ⊢ r <= (C e^{-2 lambda t})^{1/L}."""
    cont = K.cite(_CONT_NAME, K.Le(_r, _g ** (1 / dl.DEPTH)),
                  lm.PSD_ROOT_CONTINUITY.reference + "; " + lm.PSD_ROOT_UNIQUENESS.reference)
    bound = K.cite(_BOUND, K.Le(_g, _RATE),
                   lm.SUBMULTIPLICATIVITY.reference + "; coercivity: " + lm.COERCIVITY.reference
                   + "; C = L(L-1)/2 B^{2L-2} max_l ||D_l(0)||_F with D_l(t) = e^{-2 lambda t}"
                   " D_l(0) (theorem imbalance-decay)")
    mono = K.cite(_MONO, K.Implies(K.Le(_g, _RATE), K.Le(_g ** (1 / dl.DEPTH), _ROOT)),
                  "t -> t^{1/L} is increasing on [0, oo)")
    return K.real_arith(K.Le(_r, _ROOT), [cont, K.mp(mono, bound)])


def _asymptotic_steps() -> Proof:
    rem = dl.layer_remainder()
    rp = dl.remainder_power_theorem()
    decay = dl.decay_theorem()
    rate = _rate_theorem()
    return Proof(K.conj([rp, decay, rate]), [
        kstep("remainder lemma for X_c = W_{c+1}^T W_{c+1}, Y_c = W_c W_c^T, by induction on m "
              "(R_{c,0} = 0, R_{c,m+1} = X_c R_{c,m} + (X_c - Y_c) Y_c^m; X_c - Y_c = D_c)", rem),
        kstep("depth induction with remainder, no balancedness: push-through, then the "
              "remainder lemma (an instance of the theorem above), then P(l) at k + 1", rp),
        step("explicit unbalanced networks (random rational L = 2..5; symbolic entries L = 2, 3)",
             _IDENTITY_TEX, "instance", inst.remainder_instances()),
        kstep("theorem imbalance-decay: D_l(t) = e^{-2 lambda t} D_l(0)", decay),
        step(f"spot check of the cited lemma ({lm.COERCIVITY.name})", lm.COERCIVITY.latex,
             "numeric", lm.check_coercivity(), lm.COERCIVITY.reference),
        step(f"spot check of the cited lemma ({lm.SUBMULTIPLICATIVITY.name})",
             lm.SUBMULTIPLICATIVITY.latex, "numeric", lm.check_submultiplicativity(),
             lm.SUBMULTIPLICATIVITY.reference),
        step(f"spot check of the cited lemma ({lm.PSD_ROOT_CONTINUITY.name})",
             lm.PSD_ROOT_CONTINUITY.latex, "numeric", lm.check_root_continuity(),
             lm.PSD_ROOT_CONTINUITY.reference),
        step(f"spot check of the cited lemma ({lm.PSD_ROOT_UNIQUENESS.name})",
             lm.PSD_ROOT_UNIQUENESS.latex, "numeric", lm.check_root_uniqueness(),
             lm.PSD_ROOT_UNIQUENESS.reference),
        kstep("the rate: from the cited continuity of the PSD root, the cited norm bound of the "
              "remainder sum and the monotone root, real arithmetic (z3) gives "
              "||G^{1/L} - M||_2 <= (C e^{-2 lambda t})^{1/L} = O(e^{-2 lambda t / L})", rate),
        step("a non-zero critical point (scalar chain L = 2): M = G^{1/2} exactly",
             r"\nabla\mathcal L = 0,\ M = G^{1/2}", "instance", inst.critical_point()),
    ])


_ASYM_HYPS = (dl.DEF_E1, dl.DEF_E, dl.Q1_DEF, dl.Q_DEF, dl.R0_LAYERS, dl.R_LAYERS,
              *dl.flow_hyps())


def _asymptotic_conclusion():
    l = sp.Symbol("l", integer=True, positive=True)
    ident = K.Forall(l, 1, K.Forall(dl.K_, 0, K.Eq(
        dl.E(l).T * dl.power(dl.W(l) * dl.W(l).T, dl.K_) * dl.E(l),
        dl.power(dl.M1, l + dl.K_) + dl._Q(l, dl.K_))))
    D = dl.imbalance()
    return K.And((ident, K.And((K.Rate(D, D * (-2 * dl.LAM)),
                                K.Const(D * sp.exp(2 * dl.LAM * dl.T)))),
                  K.Le(_r, _ROOT)))


NFA_WEIGHT_DECAY_ASYMPTOTIC = register(Theorem(
    id="nfa-weight-decay-asymptotic",
    title="NFA with weight decay from any initialisation, asymptotically",
    statement="For a linear network under gradient flow with lambda > 0 from any initialisation:"
              " E^T E - M^L = sum_l E_l^T R_{L-l}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l exactly, "
              "every term carrying some D_l; D_l -> 0 like exp(-2 lambda t) and the weights stay "
              "bounded, so ||M - G^{1/L}|| = O(exp(-2 lambda t / L)) -> 0; if the flow converges "
              "to a non-zero critical point, the relative residual ||M - G^{1/L}|| / ||M|| -> 0.",
    statement_prose_latex=_IDENTITY_TEX + r",\qquad \|M(t) - G(t)^{1/L}\|_2 = "
                    r"O\!\left(e^{-2\lambda t/L}\right)",
    conclusion=_asymptotic_conclusion(),
    assumptions=_ASYM_HYPS,
    axioms=(_CONT_NAME, _BOUND, _MONO, K.ZERO_DERIVATIVE),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths, any initialisation",
                "gradient flow of L with weight decay lambda > 0",
                "for the relative residual: the flow converges to a critical point with "
                "M_inf = W_1^T W_1 != 0 (weights do not collapse to zero)"),
    references=(REFS["tansley"], REFS["arora18"], REFS["bhatia"]),
    method="kernel: remainder identity by double induction; cited lemmas for the rate",
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
    lemmas=(lm.COERCIVITY.name, lm.SUBMULTIPLICATIVITY.name, lm.PSD_ROOT_CONTINUITY.name,
            lm.PSD_ROOT_UNIQUENESS.name),
))
