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
from ..symbolic.proof import Verdict, induction
from . import register
from .base import Control, Step, StepKind, Theorem

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


def _gradient_steps() -> list[Step]:
    desc = ("one-layer lemma: with E = S_l W_l P_l (S_l, P_l abstract products of the other "
            "layers, identities at the ends, so every l and every L), the directional derivative"
            " of L in any direction V is tr(V^T G); G is therefore the Frobenius gradient")
    return [
        step(desc, _DIRDERIV_TEX, "symbolic", dl.gradient_layer(instances=False)),
        step("the same trace identity on random rational matrices", _DIRDERIV_TEX, "random",
             dl.gradient_layer()),
        step("explicit networks: entrywise derivative of the loss polynomial equals the formula "
             "at every layer", _GRAD_TEX, "instance", inst.gradient_instances()),
    ]


def _grad_missing_transpose() -> list[Step]:
    tex = r"S_l^{\top}(E\Sigma_{xx}-\Sigma_{yx})P_l + \lambda W_l\ \text{(square widths)}"
    return [
        step("directional derivative against the formula without the prefix transpose", tex,
             "symbolic", dl.gradient_layer(transpose_prefix=False, square=True)),
        step("explicit square networks", tex, "instance",
             inst.gradient_instances(transpose_prefix=False, square=True)),
    ]


def _grad_half_decay() -> list[Step]:
    tex = r"S_l^{\top}(E\Sigma_{xx}-\Sigma_{yx})P_l^{\top} + \tfrac{\lambda}{2} W_l"
    return [
        step("directional derivative against the formula with decay term lambda/2 W_l", tex,
             "symbolic", dl.gradient_layer(decay=sp.Rational(1, 2))),
        step("explicit networks", tex, "instance",
             inst.gradient_instances(decay=Fraction(1, 2))),
    ]


GRADIENT = register(Theorem(
    id="gradient-linear",
    title="Gradient of the loss of a deep linear network",
    statement="For a linear network E = W_L...W_1 and every layer l: dL/dW_l = "
              "(W_L...W_{l+1})^T (E Sxx - Syx) (W_{l-1}...W_1)^T + lambda W_l.",
    statement_latex=_GRAD_TEX,
    hypotheses=("f(x) = W_L ... W_1 x (linear, no biases), any depth L >= 1 and widths",
                "L = (1/2n) sum_i ||f(x_i) - y_i||^2 + (lambda/2) sum_l ||W_l||_F^2",
                "Sxx = X X^T / n, Syx = Y X^T / n"),
    references=(REFS["arora18"], REFS["tansley"]),
    method="sympy: one-layer directional derivative, canonical traces; L=2..5 instances",
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


def _local_steps() -> list[Step]:
    sym, tex = dl.local_identity(instances=False)
    rnd, _ = dl.local_identity()
    return [
        step("gradient flow dW_j/dt = -(A_j + lambda W_j) (theorem gradient-linear); local "
             "identity between neighbouring layers, with abstract S_{l+1}, P_l (every l, every L)",
             _LOCAL_TEX + r"\\ " + tex, "symbolic", sym),
        step("the local identity on random rational matrices", _LOCAL_TEX, "random", rnd),
    ]


def _balancedness_steps() -> list[Step]:
    sym, tex = dl.imbalance_rate(rate=0, lam_zero=True, instances=False)
    rnd, _ = dl.imbalance_rate(rate=0, lam_zero=True)
    return _local_steps() + [
        step("derivative of D_l along the flow (Leibniz rule, order kept) with lambda = 0",
             tex + r" = 0", "symbolic", sym),
        step("the same on random rational matrices", r"\dot D_l = 0", "random", rnd),
        step("explicit networks: velocities from differentiating the loss polynomial",
             r"\dot D_l = 0", "instance", inst.imbalance_instances(lam_zero=True)),
    ]


def _balanced_with_decay() -> list[Step]:
    v, tex = dl.imbalance_rate(rate=0)
    return [step("dD_l/dt = 0 with lambda > 0", tex, "symbolic", v),
            step("explicit networks", r"\dot D_l = 0", "instance",
                 inst.imbalance_instances(rate=Fraction(0)))]


def _wrong_side() -> list[Step]:
    v, tex = dl.imbalance_rate(rate=0, lam_zero=True, wrong_side=True)
    return [step("d/dt (W_{l+1} W_{l+1}^T - W_l^T W_l) = 0 (Grams on the wrong sides; square "
                 "widths)", tex, "symbolic", v)]


BALANCEDNESS = register(Theorem(
    id="balancedness",
    title="Conservation of the imbalance without weight decay",
    statement="For a linear network under gradient flow with lambda = 0, every imbalance "
              "D_l = W_{l+1}^T W_{l+1} - W_l W_l^T is constant in time.",
    statement_latex=r"\lambda = 0:\quad \frac{d}{dt}\left(W_{l+1}^{\top}W_{l+1}-W_lW_l^{\top}"
                    r"\right) = 0\quad (l = 1,\dots,L-1)",
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 2 and widths",
                "gradient flow dW_l/dt = -dL/dW_l of the square loss, lambda = 0"),
    references=(REFS["arora18"], REFS["du18"]),
    method="sympy: local identity W_{l+1}^T A_{l+1} = A_l W_l^T, Leibniz rule",
    prove=_balancedness_steps,
    controls=(
        Control("D_l is conserved also with weight decay lambda > 0", _balanced_with_decay),
        Control("W_{l+1} W_{l+1}^T - W_l^T W_l is conserved", _wrong_side),
    ),
))

_DECAY_TEX = r"\dot D_l = -2\lambda D_l,\qquad D_l(t) = e^{-2\lambda t}D_l(0)"


def _decay_steps() -> list[Step]:
    sym, tex = dl.imbalance_rate(instances=False)
    rnd, _ = dl.imbalance_rate()
    return _local_steps() + [
        step("derivative of D_l along the flow with weight decay", tex + r" = -2\lambda D_l",
             "symbolic", sym),
        step("the same on random rational matrices", r"\dot D_l = -2\lambda D_l", "random", rnd),
        step("explicit networks with symbolic entries and symbolic lambda",
             r"\dot D_l = -2\lambda D_l", "instance", inst.imbalance_instances()),
        step("e^{2 lambda t} D_l(t) has zero derivative, so it is constant (a C^1 function with "
             "zero derivative on an interval): D_l(t) = e^{-2 lambda t} D_l(0)",
             r"\frac{d}{dt}\left(e^{2\lambda t}D_l(t)\right) = e^{2\lambda t}\left(2\lambda D_l"
             r" + \dot D_l\right) = 0", "symbolic", dl.decay_solution()),
    ]


def _decay_rate_lambda() -> list[Step]:
    v, tex = dl.imbalance_rate(rate=-dl.LAM)
    return [step("dD_l/dt = -lambda D_l", tex, "symbolic", v),
            step("explicit networks", r"\dot D_l = -\lambda D_l", "instance",
                 inst.imbalance_instances(rate=Fraction(-1)))]


def _decay_solution_lambda() -> list[Step]:
    return [step("D_l(t) = e^{-lambda t} D_l(0): d/dt (e^{lambda t} D_l) = 0?",
                 r"\frac{d}{dt}\left(e^{\lambda t}D_l(t)\right) = 0", "symbolic",
                 dl.decay_solution(-dl.LAM))]


IMBALANCE_DECAY = register(Theorem(
    id="imbalance-decay",
    title="Exponential decay of the imbalance under weight decay",
    statement="For a linear network under gradient flow with weight decay lambda >= 0, "
              "dD_l/dt = -2 lambda D_l for every l, hence D_l(t) = exp(-2 lambda t) D_l(0).",
    statement_latex=_DECAY_TEX,
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 2 and widths",
                "gradient flow dW_l/dt = -dL/dW_l, L with weight decay lambda >= 0"),
    references=(REFS["arora18"], REFS["tansley"]),
    method="sympy: local identity, Leibniz rule, integrating factor",
    prove=_decay_steps,
    controls=(
        Control("decay rate -lambda instead of -2 lambda", _decay_rate_lambda),
        Control("solution D_l(t) = exp(-lambda t) D_l(0)", _decay_solution_lambda),
    ),
))


# agop-linear ---------------------------------------------------------------------------------
def _agop_steps() -> list[Step]:
    nl = dl.network_linear_induction()
    ind = induction("l", 1, nl["base"], nl["step"])
    jac_sym = dl.jacobian_constant()
    n, i = sp.symbols("n i", integer=True, positive=True)
    avg = sp.simplify(sp.Sum(1, (i, 1, n)).doit() / n)
    avg_v = Verdict("holds" if avg == 1 else "unknown",
                    f"(1/n) sum_(i=1)^n 1 simplifies to {avg}")
    return [
        step("induction on the layer: f_1(x) = W_1 x and f_{l+1}(x) = W_{l+1} f_l(x), so "
             "f_l(x) = E_l x with E_l = W_l ... W_1", r"f_l(x) = E_lx\ \ \forall l", "induction",
             ind),
        step("Jacobian as a directional derivative: d/de f(x + e v) at e = 0 is E v for all x, "
             "v, so J(x) = E at every x (canonical form and random instances)",
             r"\frac{d}{d\varepsilon}E(x+\varepsilon v)\Big|_{\varepsilon=0} = Ev\ \Rightarrow\ "
             r"J(x) = E", "symbolic", jac_sym),
        step("the AGOP averages n equal terms", r"G = \frac1n\sum_{i=1}^{n}J(x_i)^{\top}J(x_i)"
             r" = \frac1n\sum_{i=1}^{n}E^{\top}E = E^{\top}E", "symbolic", avg_v),
        step("explicit networks with symbolic weights and input", r"J(x) = E,\ G = E^{\top}E",
             "instance", inst.agop_instances()),
    ]


AGOP_LINEAR = register(Theorem(
    id="agop-linear",
    title="The AGOP of a linear network is E^T E",
    statement="For a linear network f(x) = E x with E = W_L...W_1, J(x) = E for every x, so the "
              "(uncentered) AGOP is G = E^T E, whatever the data.",
    statement_latex=r"J(x) = E\ \ \forall x,\qquad G = \frac1n\sum_iJ(x_i)^{\top}J(x_i) = "
                    r"E^{\top}E",
    hypotheses=("f(x) = W_L ... W_1 x, no biases, any depth L >= 1",
                "AGOP uncentered: G = (1/n) sum_i J(x_i)^T J(x_i)"),
    references=(REFS["radha"], REFS["tansley"]),
    method="sympy: induction on layers, directional derivative",
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
