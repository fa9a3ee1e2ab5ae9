"""Balanced deep linear networks: E^T E = M^L, and the NFA with alpha = 1/L along the flow.

The depth induction carries the strengthened hypothesis E_l^T (W_l W_l^T)^k E_l = M^{l+k} for
every k >= 0 (symbolic k), built on the push-through identity W^T (W W^T)^k W = (W^T W)^{k+1}.
"""

from __future__ import annotations

from ..symbolic import deeplinear as dl
from ..symbolic import instances as inst
from ..symbolic import lemmas as lm
from ..symbolic.proof import Verdict, induction
from . import register
from .base import Control, Step, Theorem
from .linear import REFS, step

__all__ = ["AGOP_BALANCED_POWER", "NFA_LINEAR_BALANCED", "power_induction_steps",
           "root_uniqueness_step"]

_PUSH_TEX = r"W^{\top}(WW^{\top})^{k}W = (W^{\top}W)^{k+1}\quad\forall k\ge 0"
_HYP_TEX = r"E_l^{\top}(W_lW_l^{\top})^{k}E_l = M^{l+k}\quad\forall k\ge 0,\ E_l = W_l\cdots W_1"


def power_induction_steps() -> list[Step]:
    """Push-through lemma, the strengthened depth induction and its corollary E^T E = M^L."""
    pb, ps, _ = dl.pushthrough("W1", "h_{1}", "h_{0}", "W_{1}")
    bp = dl.balanced_power_induction()
    return [
        step("push-through lemma for any matrix W, by induction on k (base k = 0, step uses the "
             "hypothesis for k)", _PUSH_TEX, "induction", induction("k", 0, pb, ps)),
        step("strengthened induction on the depth l (balancedness W_{l+1}^T W_{l+1} = W_l W_l^T "
             "used as a rewrite rule inside the power; push-through for W_1 gives the base)",
             _HYP_TEX, "induction", induction("l", 1, bp["base"], bp["step"])),
        step("k = 0, l = L gives the claim (E_L = E)",
             r"E^{\top}E = E_L^{\top}(W_LW_L^{\top})^{0}E_L = M^{L}", "symbolic", bp["corollary"]),
    ]


def root_uniqueness_step() -> Step:
    lemma = lm.PSD_ROOT_UNIQUENESS
    return step(f"lemma ({lemma.name}): {lemma.statement}; M = W_1^T W_1 is PSD",
                lemma.latex, "lemma", lm.check_root_uniqueness(), lemma.reference)


def _agop_is_gram() -> Step:
    return step("theorem agop-linear: J(x) = E at every x, so G = E^T E",
                r"G = E^{\top}E", "symbolic", dl.jacobian_constant())


def _balanced_power_steps() -> list[Step]:
    return power_induction_steps() + [
        _agop_is_gram(),
        root_uniqueness_step(),
        step("explicit balanced chains, L = 2..5, symbolic singular values",
             r"D_l = 0,\ E^{\top}E - M^{L} = 0", "instance", inst.balanced_power_instances()),
        step("explicit balanced chains, L = 2..5, random rational singular values",
             r"E^{\top}E - M^{L} = 0", "random",
             inst.balanced_power_instances(symbolic=False)),
    ]


def _exponent_control() -> list[Step]:
    bp = dl.balanced_power_induction(shift=1)
    return [
        step("the same induction for E_l^T (W_l W_l^T)^k E_l = M^{l+k+1}",
             r"E^{\top}E = M^{L+1}", "induction", induction("l", 1, bp["base"], bp["step"])),
        step("balanced chains (M = G^{1/(L+1)} would need M^{L+1} = G)", r"E^{\top}E = M^{L+1}",
             "random", inst.balanced_power_instances(1, symbolic=False)),
    ]


def _unbalanced_control() -> list[Step]:
    bp = dl.balanced_power_induction(balanced=False)
    return [
        step("the depth induction without the balancedness rule", _HYP_TEX, "induction",
             induction("l", 1, bp["base"], bp["step"])),
        step("random unbalanced weights", r"E^{\top}E = M^{L}", "random",
             inst.unbalanced_counter()),
    ]


AGOP_BALANCED_POWER = register(Theorem(
    id="agop-balanced-power",
    title="Balanced linear networks: E^T E = M^L, so M = G^{1/L}",
    statement="If D_l = W_{l+1}^T W_{l+1} - W_l W_l^T = 0 for every l, then E^T E = M^L with "
              "M = W_1^T W_1; hence M = G^{1/L} (the PSD L-th root of the AGOP).",
    statement_latex=r"D_l = 0\ \forall l\ \Longrightarrow\ E^{\top}E = M^{L}\ \text{and}\ "
                    r"M = G^{1/L}",
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths",
                "balanced weights: W_{l+1}^T W_{l+1} = W_l W_l^T for l = 1..L-1"),
    references=(REFS["arora18"], REFS["tansley"], REFS["bhatia"]),
    method="sympy: induction on depth with symbolic power k; PSD root lemma",
    prove=_balanced_power_steps,
    controls=(
        Control("exponent 1/(L+1): M = G^{1/(L+1)}, i.e. E^T E = M^{L+1}", _exponent_control),
        Control("without balancedness: E^T E = M^L for any weights", _unbalanced_control),
    ),
    lemmas=(lm.PSD_ROOT_UNIQUENESS.name,),
))


def _nfa_balanced_steps() -> list[Step]:
    cons, tex = dl.imbalance_rate(rate=0, lam_zero=True)
    held = Verdict(cons.outcome, cons.evidence + "; with D_l(0) = 0 a zero derivative keeps "
                                                 "D_l(t) = 0 for all t")
    return [
        step("theorem balancedness: dD_l/dt = 0 with lambda = 0, and D_l(0) = 0, so D_l(t) = 0 "
             "for every t", tex + r" = 0\ \Rightarrow\ D_l(t) = D_l(0) = 0", "symbolic", held),
        _agop_is_gram(),
    ] + power_induction_steps() + [
        root_uniqueness_step(),
        step("explicit balanced points, exact flow velocities (L = 2..5)",
             r"\dot D_l = 0,\ \frac{d}{dt}\left(E^{\top}E - M^{L}\right) = 0", "instance",
             inst.balanced_flow_instances()),
    ]


NFA_LINEAR_BALANCED = register(Theorem(
    id="nfa-linear-balanced",
    title="NFA for balanced deep linear networks: M(t) = G(t)^{1/L}",
    statement="A linear network trained by gradient flow without weight decay from a balanced "
              "initialisation satisfies M(t) = G(t)^{1/L} for all t >= 0: the NFA holds exactly "
              "with alpha = 1/L and c = 1.",
    statement_latex=r"D_l(0) = 0,\ \lambda = 0\ \Longrightarrow\ W_1(t)^{\top}W_1(t) = "
                    r"G(t)^{1/L}\quad\forall t\ge 0",
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths",
                "gradient flow of the square loss with lambda = 0",
                "balanced initialisation: W_{l+1}(0)^T W_{l+1}(0) = W_l(0) W_l(0)^T"),
    references=(REFS["tansley"], REFS["radha"], REFS["arora18"]),
    method="sympy: balancedness + AGOP = E^T E + depth induction; PSD root lemma",
    prove=_nfa_balanced_steps,
    controls=(
        Control("unbalanced initialisation: M(t) = G(t)^{1/L} still holds", lambda: [
            step("random unbalanced initial weights (D_l(t) = D_l(0) != 0 by balancedness)",
                 r"M = G^{1/L}", "random", inst.unbalanced_counter(L=3, seed=9))]),
        Control("exponent 1/(L+1): M(t) = G(t)^{1/(L+1)}", lambda: [
            step("balanced chains", r"M^{L+1} = G", "random",
                 inst.balanced_power_instances(1, symbolic=False))]),
    ),
    lemmas=(lm.PSD_ROOT_UNIQUENESS.name,),
))
