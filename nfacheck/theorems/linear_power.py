"""Balanced deep linear networks: E^T E = M^L, and the NFA with alpha = 1/L along the flow.

The depth induction carries the strengthened hypothesis E_l^T (W_l W_l^T)^k E_l = M^{l+k} for
every k >= 0 (symbolic k), built on the push-through identity W^T (W W^T)^k W = (W^T W)^{k+1}.
"""

from __future__ import annotations

from ..symbolic import deeplinear as dl
from ..symbolic import instances as inst
from ..symbolic import kernel as K
from ..symbolic.freealg import power
from . import register
from .base import Control, Proof, Step, Theorem, kstep
from .linear import REFS, step

__all__ = ["AGOP_BALANCED_POWER", "NFA_LINEAR_BALANCED", "power_induction_steps"]


def power_induction_steps() -> tuple[K.Theorem, list[Step]]:
    """Push-through lemma, the strengthened depth induction, E^T E = M^L and M = G^{1/L}."""
    push = dl.pushthrough()
    ind = dl.balanced_power_theorem()
    gram = dl.gram_power_theorem()
    root = dl.root_theorem(gram)
    th = K.conj([gram, root])
    return th, [
        kstep("push-through lemma for any matrix A, by induction on k (the kernel forms the "
              "base k = 0 and the step from the predicate)", push),
        kstep("strengthened induction on the depth l over the predicate P(l): for all k >= 0, "
              "E_l^T (W_l W_l^T)^k E_l = M^{l+k}; base l = 1 from E_1 = W_1 and push-through "
              "for W_1; step from E_{l+1} = W_{l+1} E_l, push-through for W_{l+1} (an instance "
              "of the lemma), balancedness inside the power, and P(l) at k + 1", ind),
        kstep("k = 0, l = L gives E_L^T E_L = M^L (E_L = E)", gram),
        kstep("M = W_1^T W_1 is PSD; by the cited uniqueness of the PSD root, M = G^{1/L} with "
              "G = E^T E (theorem agop-linear)", root),
    ]


def _balanced_power_steps() -> Proof:
    th, steps = power_induction_steps()
    return Proof(th, steps + [
        step("explicit balanced chains, L = 2..5, symbolic singular values",
             r"D_l = 0,\ E^{\top}E - M^{L} = 0", "instance", inst.balanced_power_instances()),
        step("explicit balanced chains, L = 2..5, random rational singular values",
             r"E^{\top}E - M^{L} = 0", "random",
             inst.balanced_power_instances(symbolic=False)),
    ])


def _power_conclusion():
    EL = dl.E(dl.DEPTH)
    return K.And((K.Eq(EL.T * EL, power(dl.M1, dl.DEPTH)),
                  K.Eq(dl.M1, dl.root(EL.T * EL, dl.DEPTH))))


_POWER_HYPS = (dl.DEF_E1, dl.DEF_E, dl.BALANCED)


def _exponent_control() -> list[Step]:
    return [
        step("balanced chains (M = G^{1/(L+1)} would need M^{L+1} = G)", r"E^{\top}E = M^{L+1}",
             "random", inst.balanced_power_instances(1, symbolic=False)),
    ]


def _unbalanced_control() -> list[Step]:
    return [
        step("random unbalanced weights", r"E^{\top}E = M^{L}", "random",
             inst.unbalanced_counter()),
    ]


AGOP_BALANCED_POWER = register(Theorem(
    id="agop-balanced-power",
    title="Balanced linear networks: E^T E = M^L, so M = G^{1/L}",
    statement="If D_l = W_{l+1}^T W_{l+1} - W_l W_l^T = 0 for every l, then E^T E = M^L with "
              "M = W_1^T W_1; hence M = G^{1/L} (the PSD L-th root of the AGOP).",
    statement_prose_latex=r"D_l = 0\ \forall l\ \Longrightarrow\ E^{\top}E = M^{L}\ \text{and}\ "
                    r"M = G^{1/L}",
    conclusion=_power_conclusion(),
    assumptions=_POWER_HYPS,
    axioms=(dl.ROOT_UNIQUENESS,),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths",
                "balanced weights: W_{l+1}^T W_{l+1} = W_l W_l^T for l = 1..L-1"),
    references=(REFS["arora18"], REFS["tansley"], REFS["bhatia"]),
    method="kernel: induction on depth with symbolic power k; PSD root lemma",
    prove=_balanced_power_steps,
    controls=(
        Control("exponent 1/(L+1): M = G^{1/(L+1)}, i.e. E^T E = M^{L+1}", _exponent_control),
        Control("without balancedness: E^T E = M^L for any weights", _unbalanced_control),
    ),
))


def _nfa_balanced_steps() -> Proof:
    cons = dl.balancedness_theorem()
    th, steps = power_induction_steps()
    return Proof(K.conj([cons, th]), [
        kstep("theorem balancedness: with lambda = 0 every D_l is constant, so D_l(0) = 0 gives "
              "D_l(t) = 0: the balancedness hypothesis holds at every t", cons),
        *steps,
        step("explicit balanced points, exact flow velocities (L = 2..5)",
             r"\dot D_l = 0,\ \frac{d}{dt}\left(E^{\top}E - M^{L}\right) = 0", "instance",
             inst.balanced_flow_instances()),
    ])


NFA_LINEAR_BALANCED = register(Theorem(
    id="nfa-linear-balanced",
    title="NFA for balanced deep linear networks: M(t) = G(t)^{1/L}",
    statement="A linear network trained by gradient flow without weight decay from a balanced "
              "initialisation satisfies M(t) = G(t)^{1/L} for all t >= 0: the NFA holds exactly "
              "with alpha = 1/L and c = 1.",
    statement_prose_latex=r"D_l(0) = 0,\ \lambda = 0\ \Longrightarrow\ W_1(t)^{\top}W_1(t) = "
                    r"G(t)^{1/L}\quad\forall t\ge 0",
    conclusion=K.And((K.Const(dl.imbalance()), _power_conclusion())),
    assumptions=dl.flow_hyps(lam=0) + _POWER_HYPS,
    axioms=(dl.ROOT_UNIQUENESS, K.ZERO_DERIVATIVE),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1 and widths",
                "gradient flow of the square loss with lambda = 0",
                "balanced initialisation: W_{l+1}(0)^T W_{l+1}(0) = W_l(0) W_l(0)^T"),
    references=(REFS["tansley"], REFS["radha"], REFS["arora18"]),
    method="kernel: balancedness + AGOP = E^T E + depth induction; PSD root lemma",
    prove=_nfa_balanced_steps,
    controls=(
        Control("unbalanced initialisation: M(t) = G(t)^{1/L} still holds", lambda: [
            step("random unbalanced initial weights (D_l(t) = D_l(0) != 0 by balancedness)",
                 r"M = G^{1/L}", "random", inst.unbalanced_counter(L=3, seed=9))]),
        Control("exponent 1/(L+1): M(t) = G(t)^{1/(L+1)}", lambda: [
            step("balanced chains", r"M^{L+1} = G", "random",
                 inst.balanced_power_instances(1, symbolic=False))]),
    ),
))
