"""Deep linear networks: the gradient, balancedness, the imbalance decay law and the AGOP.

Every proof checks a one-layer identity with abstract suffix/prefix products (so it holds for
every layer of every depth L and symbolic widths), then cross-checks it on random rational
instances and on explicit networks for L = 2..5 with symbolic entries. The AGOP-power and NFA
theorems are in :mod:`.linear_power` and :mod:`.linear_asymptotic`.
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..symbolic import deeplinear as dl
from ..symbolic import instances as inst
from ..symbolic import kernel as K
from ..symbolic.crosscheck import Verdict
from ..symbolic.freealg import letter
from . import register
from .base import Control, Proof, Step, StepKind, Theorem, kstep

__all__ = ["step", "REFS", "GRADIENT", "BALANCEDNESS", "IMBALANCE_DECAY", "AGOP_LINEAR"]

REFS = {
    "arora18": "Arora, Cohen, Hazan (2018), On the optimization of deep networks: implicit "
               "acceleration by overparameterization, ICML",
    "tansley": "Tansley, Massart, Cartis (2026), On the Neural Feature Ansatz for Deep Neural "
               "Networks, AISTATS 2026, arXiv:2510.15563",
    "radha": "Radhakrishnan, Beaglehole, Pandit, Belkin (2024), Mechanism for feature learning "
             "in neural networks and backpropagation-free machine learning models, Science 383",
    "du18": "Du, Hu, Lee (2018), Algorithmic regularization in learning deep homogeneous models: "
            "layers are automatically balanced, NeurIPS",
    "bhatia": "Bhatia, Matrix Analysis (Springer GTM 169), ch. X",
}


def step(description: str, latex: str, kind: StepKind, v: Verdict, reference: str = "") -> Step:
    """A :class:`Step` from a symbolic verdict (its LaTeX display, when any, is appended)."""
    tex = latex
    if v.latex and v.outcome == "holds":
        tex = f"{latex}\n\n{v.latex}" if latex else v.latex
    return Step(description, tex, kind, v.outcome, v.evidence, reference)


# gradient-linear -----------------------------------------------------------------------------
_GRAD_TEX = (r"\frac{\partial\mathcal L}{\partial W_l} = S_l^{\top}\left(E\Sigma_{xx}-"
             r"\Sigma_{yx}\right)P_l^{\top} + \lambda W_l,\quad S_l = W_L\cdots W_{l+1},\ "
             r"P_l = W_{l-1}\cdots W_1")
_DIRDERIV_TEX = (r"\frac{d}{d\varepsilon}\mathcal L(W_l+\varepsilon V)\Big|_{\varepsilon=0} = "
                 r"\operatorname{tr}\!\left(V^{\top}\left[S_l^{\top}(S_lW_lP_l\Sigma_{xx}-"
                 r"\Sigma_{yx})P_l^{\top}+\lambda W_l\right]\right)")


def _gradient_steps() -> Proof:
    desc = ("one-layer lemma: with E = S_l W_l P_l (S_l, P_l abstract products of the other "
            "layers, identities at the ends, so every l and every L), the loss at W_l + eps V "
            "expands as L(W_l) + eps tr(V^T G) + eps^2 tr(Q): G is the Frobenius gradient "
            "(canonical cyclic traces)")
    th = dl.gradient_theorem()
    return Proof(th, [
        kstep(desc, th),
        step("the same trace identity on random rational matrices", _DIRDERIV_TEX, "random",
             dl.gradient_check()),
        step("explicit networks: entrywise derivative of the loss polynomial equals the formula "
             "at every layer", _GRAD_TEX, "instance", inst.gradient_instances()),
    ])


def _grad_missing_transpose() -> list[Step]:
    tex = r"S_l^{\top}(E\Sigma_{xx}-\Sigma_{yx})P_l + \lambda W_l\ \text{(square widths)}"
    return [
        step("expansion against the formula without the prefix transpose", tex,
             "random", dl.gradient_check(transpose_prefix=False, square=True)),
        step("explicit square networks", tex, "instance",
             inst.gradient_instances(transpose_prefix=False, square=True)),
    ]


def _grad_half_decay() -> list[Step]:
    tex = r"S_l^{\top}(E\Sigma_{xx}-\Sigma_{yx})P_l^{\top} + \tfrac{\lambda}{2} W_l"
    return [
        step("expansion against the formula with decay term lambda/2 W_l", tex,
             "random", dl.gradient_check(decay=sp.Rational(1, 2))),
        step("explicit networks", tex, "instance",
             inst.gradient_instances(decay=Fraction(1, 2))),
    ]


GRADIENT = register(Theorem(
    id="gradient-linear",
    title="Gradient of the loss of a deep linear network",
    statement="For a linear network E = W_L...W_1 and every layer l: dL/dW_l = "
              "(W_L...W_{l+1})^T (E Sxx - Syx) (W_{l-1}...W_1)^T + lambda W_l.",
    statement_prose_latex=_GRAD_TEX,
    conclusion=dl.gradient_theorem().concl,
    hypotheses=("f(x) = W_L ... W_1 x (linear, no biases), any depth L >= 1 and widths",
                "L = (1/2n) sum_i ||f(x_i) - y_i||^2 + (lambda/2) sum_l ||W_l||_F^2",
                "Sxx = X X^T / n, Syx = Y X^T / n"),
    references=(REFS["arora18"], REFS["tansley"]),
    method="kernel: one-layer directional derivative, canonical traces; L=2..5 instances",
    prove=_gradient_steps,
    controls=(
        Control("missing transpose: dL/dW_l = S_l^T (E Sxx - Syx) P_l + lambda W_l",
                _grad_missing_transpose),
        Control("decay term lambda/2 W_l instead of lambda W_l", _grad_half_decay),
    ),
))


# balancedness and imbalance-decay ------------------------------------------------------------
_LOCAL_TEX = (r"W_{l+1}^{\top}A_{l+1} = A_lW_l^{\top},\quad A_j = S_j^{\top}RP_j^{\top},\ "
              r"R = E\Sigma_{xx}-\Sigma_{yx},\ S_l = S_{l+1}W_{l+1},\ P_{l+1} = W_lP_l")


def _balancedness_steps() -> Proof:
    rate = dl.imbalance_rate_theorem(lam_zero=True)
    th = K.const_of_zero_rate(rate)
    return Proof(th, [
        kstep("gradient flow dW_j/dt = -(A_j + lambda W_j) with A_j from theorem gradient-linear "
              "(abstract S_{l+1}, P_l: every l, every L); Leibniz rule (order kept), lambda = 0; "
              "the rate is 0 in canonical form (random rational instances may only refute)",
              rate),
        kstep("a zero derivative on [0, oo) makes D_l constant (cited: mean value theorem)", th),
        step("explicit networks: velocities from differentiating the loss polynomial",
             r"\dot D_l = 0", "instance", inst.imbalance_instances(lam_zero=True)),
    ])


def _balanced_with_decay() -> list[Step]:
    v = dl.imbalance_rate_check(rate=0)
    return [step("dD_l/dt = 0 with lambda > 0", r"\dot D_l = 0", "random", v),
            step("explicit networks", r"\dot D_l = 0", "instance",
                 inst.imbalance_instances(rate=Fraction(0)))]


def _wrong_side() -> list[Step]:
    v = dl.imbalance_rate_check(rate=0, lam_zero=True, wrong_side=True)
    return [step("d/dt (W_{l+1} W_{l+1}^T - W_l^T W_l) = 0 (Grams on the wrong sides; square "
                 "widths)", r"\dot D_l = 0", "random", v)]


BALANCEDNESS = register(Theorem(
    id="balancedness",
    title="Conservation of the imbalance without weight decay",
    statement="For a linear network under gradient flow with lambda = 0, every imbalance "
              "D_l = W_{l+1}^T W_{l+1} - W_l W_l^T is constant in time.",
    statement_prose_latex=r"\lambda = 0:\quad \frac{d}{dt}\left(W_{l+1}^{\top}W_{l+1}-"
                          r"W_lW_l^{\top}\right) = 0\quad (l = 1,\dots,L-1)",
    conclusion=K.Const(dl.imbalance()),
    assumptions=dl.flow_hyps(lam=0),
    axioms=(K.ZERO_DERIVATIVE,),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 2 and widths",
                "gradient flow dW_l/dt = -dL/dW_l of the square loss, lambda = 0"),
    references=(REFS["arora18"], REFS["du18"]),
    method="kernel: local identity W_{l+1}^T A_{l+1} = A_l W_l^T, Leibniz rule",
    prove=_balancedness_steps,
    controls=(
        Control("D_l is conserved also with weight decay lambda > 0", _balanced_with_decay),
        Control("W_{l+1} W_{l+1}^T - W_l^T W_l is conserved", _wrong_side),
    ),
))

_DECAY_TEX = r"\dot D_l = -2\lambda D_l,\qquad D_l(t) = e^{-2\lambda t}D_l(0)"


def _decay_steps() -> Proof:
    rate = dl.imbalance_rate_theorem()
    th = dl.decay_theorem(rate)
    return Proof(th, [
        kstep("gradient flow with weight decay, Leibniz rule: dD_l/dt = -2 lambda D_l in "
              "canonical form (every l, every L)", rate),
        kstep("integrating factor: the product rule gives d/dt(e^{2 lambda t} D_l) = "
              "e^{2 lambda t}(2 lambda D_l + dD_l/dt) = 0, so e^{2 lambda t} D_l(t) is constant "
              "(cited: mean value theorem), i.e. D_l(t) = e^{-2 lambda t} D_l(0)", th),
        step("the rate on random rational matrices", r"\dot D_l = -2\lambda D_l", "random",
             dl.imbalance_rate_check()),
        step("explicit networks with symbolic entries and symbolic lambda",
             r"\dot D_l = -2\lambda D_l", "instance", inst.imbalance_instances()),
    ])


def _decay_rate_lambda() -> list[Step]:
    v = dl.imbalance_rate_check(rate=-dl.LAM)
    return [step("dD_l/dt = -lambda D_l", r"\dot D_l = -\lambda D_l", "random", v),
            step("explicit networks", r"\dot D_l = -\lambda D_l", "instance",
                 inst.imbalance_instances(rate=Fraction(-1)))]


def _decay_solution_lambda() -> list[Step]:
    return [step("D_l(t) = e^{-lambda t} D_l(0): d/dt (e^{lambda t} D_l) = 0?",
                 r"\frac{d}{dt}\left(e^{\lambda t}D_l(t)\right) = 0", "random",
                 dl.decay_solution_check(-dl.LAM))]


IMBALANCE_DECAY = register(Theorem(
    id="imbalance-decay",
    title="Exponential decay of the imbalance under weight decay",
    statement="For a linear network under gradient flow with weight decay lambda >= 0, "
              "dD_l/dt = -2 lambda D_l for every l, hence D_l(t) = exp(-2 lambda t) D_l(0).",
    statement_prose_latex=_DECAY_TEX,
    conclusion=K.And((K.Rate(dl.imbalance(), dl.imbalance() * (-2 * dl.LAM)),
                      K.Const(dl.imbalance() * sp.exp(2 * dl.LAM * dl.T)))),
    assumptions=dl.flow_hyps(),
    axioms=(K.ZERO_DERIVATIVE,),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 2 and widths",
                "gradient flow dW_l/dt = -dL/dW_l, L with weight decay lambda >= 0"),
    references=(REFS["arora18"], REFS["tansley"]),
    method="kernel: local identity, Leibniz rule, integrating factor",
    prove=_decay_steps,
    controls=(
        Control("decay rate -lambda instead of -2 lambda", _decay_rate_lambda),
        Control("solution D_l(t) = exp(-lambda t) D_l(0)", _decay_solution_lambda),
    ),
))


# agop-linear ---------------------------------------------------------------------------------
def _agop_steps() -> Proof:
    net = dl.network_linear_theorem()
    jac = dl.jacobian_theorem()
    n, i = sp.symbols("n i", integer=True, positive=True)
    avg = K.by_canon(sp.Sum(1, (i, 1, n)).doit() / n, sp.Integer(1))
    th = K.conj([net, jac, avg])
    return Proof(th, [
        kstep("induction on the layer (the kernel forms f_1 = E_1 x and f_m = E_m x => "
              "f_{m+1} = E_{m+1} x from the predicate): f_l(x) = E_l x", net),
        kstep("E(x + eps v) = E x + eps E v for all x, v: the directional derivative is E v, so "
              "J(x) = E at every x", jac),
        kstep("the AGOP averages n equal terms E^T E: (1/n) sum_{i=1}^n 1 = 1", avg),
        step("explicit networks with symbolic weights and input", r"J(x) = E,\ G = E^{\top}E",
             "instance", inst.agop_instances()),
    ])


_NET_HYPS = (dl.DEF_E1, dl.DEF_E, K.Eq(letter("f", dl.H(1), 1, idx=sp.Integer(1),
                                              tex="f_{{i}}(x)"),
                                       dl.W(1) * letter("x", dl.H(0), 1, tex="x")),
             K.Forall(dl.LL, 1, K.Eq(
                 letter("f", dl.H(dl.LL + 1), 1, idx=dl.LL + 1, tex="f_{{i}}(x)"),
                 dl.W(dl.LL + 1) * letter("f", dl.H(dl.LL), 1, idx=dl.LL, tex="f_{{i}}(x)"))))


def _agop_conclusion():
    l = sp.Symbol("l", integer=True, positive=True)
    x, v = letter("x", dl.H(0), 1, tex="x"), letter("v", dl.H(0), 1, tex="v")
    EL = dl.E(dl.DEPTH)
    n = sp.Symbol("n", integer=True, positive=True)
    return K.And((K.Forall(l, 1, K.Eq(letter("f", dl.H(l), 1, idx=l, tex="f_{{i}}(x)"),
                                      dl.E(l) * x)),
                  K.Eq(EL * (x + v * dl.EPS), EL * x + EL * v * dl.EPS),
                  K.Eq(n / n, sp.Integer(1))))


AGOP_LINEAR = register(Theorem(
    id="agop-linear",
    title="The AGOP of a linear network is E^T E",
    statement="For a linear network f(x) = E x with E = W_L...W_1, J(x) = E for every x, so the "
              "(uncentered) AGOP is G = E^T E, whatever the data.",
    statement_prose_latex=r"J(x) = E\ \ \forall x,\qquad G = \frac1n\sum_iJ(x_i)^{\top}"
                          r"J(x_i) = E^{\top}E",
    conclusion=_agop_conclusion(),
    assumptions=_NET_HYPS,
    hypotheses=("f(x) = W_L ... W_1 x, no biases, any depth L >= 1",
                "AGOP uncentered: G = (1/n) sum_i J(x_i)^T J(x_i)"),
    references=(REFS["radha"], REFS["tansley"]),
    method="kernel: induction on layers, directional derivative",
    prove=_agop_steps,
    controls=(
        Control("G = E E^T (factors in the other order)", lambda: [
            step("square random instance", r"E^{\top}E = EE^{\top}", "random",
                 inst.gram_order_counter())]),
        Control("a ReLU network also has J(x) = W_L ... W_1 at every x", lambda: [
            step("explicit ReLU counter-instance", r"J(x) = E", "instance",
                 inst.relu_jacobian_counter())]),
    ),
))
