"""The deep NFA for every layer, FACT for every layer, GD's imbalance law, the sharp NFA rate.

Each core identity is proved by the kernel (:mod:`nfacheck.symbolic.kdeep`); the registry checks
the final kernel theorem against the declared conclusion, hypotheses and axioms. Controls run the
same kernel proof with one thing changed (the kernel refuses it, which alone is only
inconclusive) and then exhibit an exact counter-instance.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import sympy as sp

from ..symbolic import instances as inst
from ..symbolic import kdeep as kd
from ..symbolic import kernel as K
from ..symbolic import lemmas as lm
from ..symbolic.crosscheck import Verdict
from ..symbolic.deeplinear import DEPTH
from . import register
from .base import Control, Proof, Step, Theorem, kstep
from .linear import REFS, step

__all__ = ["DEEP_NFA_LAYERWISE", "GD_IMBALANCE_RECURSION", "FACT_ALL_LAYERS",
           "NFA_RATE_NONSINGULAR", "GD_NFA_DEFECT_BOUND", "DEEP_NFA_LAYERWISE_ASYMPTOTIC"]

REFS_DEEP = {
    "beaglehole": "Beaglehole, Radhakrishnan, Pandit, Belkin, Mechanism of feature learning in "
                  "convolutional neural networks / the deep NFA, arXiv:2212.13881",
    "boix": "Boix-Adsera, Mallinar, Simon, Belkin (2025), FACT: the Features At Convergence "
            "Theorem, arXiv:2507.05644",
    "arora19": "Arora, Cohen, Golowich, Hu (2019), A convergence analysis of gradient descent for "
               "deep linear neural networks, ICLR",
}



def _declared(builder) -> dict:
    """The declared kernel conclusion and assumptions of a statement builder (built once)."""
    _, conclusion, assumptions = builder(statement_only=True)
    return {"conclusion": conclusion, "assumptions": tuple(assumptions)}

def _refused(description: str, build: Callable, kind: str = "symbolic") -> Step:
    """A control's kernel attempt: refused is ``unknown`` (inconclusive on its own)."""
    try:
        build()
    except K.KernelError as exc:
        return Step(description, "", kind, "unknown", f"the kernel refused: {exc}")
    return Step(description, "", kind, "holds", "the kernel accepted the perturbed claim")


# deep-nfa-layerwise ---------------------------------------------------------------------------
_SUFFIX_TEX = (r"S_l = W_L\cdots W_l,\quad S_l^{\top}S_l = (W_l^{\top}W_l)^{L-l+1}"
               r"\ \Longrightarrow\ W_l^{\top}W_l = G_l^{1/(L-l+1)}")


def _layerwise_conclusion():
    return K.And((kd.suffix_statement()[0], kd.root_statement(), kd.sub_jacobian(True)))


def _layerwise_steps() -> Proof:
    suffix, _, _ = kd.suffix_power()
    root = kd.suffix_root(suffix)
    jac = kd.sub_jacobian()
    return Proof(K.conj([suffix, root, jac]), [
        kstep("kernel induction on j = L - s for a chain balanced from layer s on, with "
              "E^(s)_{s+j} = W_{s+j} ... W_s and symbolic s, j, k (the strengthened hypothesis "
              "E^T (W W^T)^k E = M_s^{j+1+k}; push-through for W_{s+j+1} as an instance of the "
              "lemma, balancedness inside the power): for every layer s of every depth "
              "L = s + j, S_s^T S_s = (W_s^T W_s)^{L-s+1}", suffix),
        kstep("M_s = W_s^T W_s is a Gram matrix, hence PSD: the cited uniqueness of the PSD root "
              "(the axiom below, stated for Gram matrices), instantiated at U = W_s, "
              "G = S_s^T S_s and m = L - s + 1 and applied by modus ponens to the identity "
              "above, gives M_s = (S_s^T S_s)^{1/(L-s+1)}", root),
        kstep("the sub-network h -> S_s h is linear: its Jacobian w.r.t. the layer input is S_s "
              "at every point, so its AGOP is G_s = S_s^T S_s and M_s = G_s^{1/(L-s+1)}", jac),
        step(f"spot check of the cited axiom ({lm.PSD_ROOT_UNIQUENESS.name}; a cross-check "
             "outside the kernel, which cites the axiom above): M^m = G with M PSD gives "
             "M = G^{1/m} on random PSD M",
             r"M\succeq 0,\ M^{m}=G\ \Longrightarrow\ M=G^{1/m}",
             "numeric", lm.check_root_uniqueness(), lm.PSD_ROOT_UNIQUENESS.reference),
        step("explicit balanced chains, L = 2..5 (the case l = 1; every suffix is such a chain)",
             r"S_1^{\top}S_1 = (W_1^{\top}W_1)^{L}", "random",
             inst.balanced_power_instances(symbolic=False)),
    ])


DEEP_NFA_LAYERWISE = register(Theorem(
    id="deep-nfa-layerwise",
    title="The deep NFA of a balanced linear network: W_l^T W_l = G_l^{1/(L-l+1)} for every l",
    statement="If a linear network is balanced from layer l on (D_j = 0 for j >= l), then "
              "S_l^T S_l = (W_l^T W_l)^{L-l+1} with S_l = W_L ... W_l, so W_l^T W_l = "
              "G_l^{1/(L-l+1)} (the PSD root; W_l^T W_l is PSD): the Gram of layer l equals the "
              "AGOP G_l = S_l^T S_l of the sub-network h -> S_l h to the power 1/(L-l+1). For "
              "every depth L and layer l; l = 1 is nfa-linear-balanced (along a balanced flow with "
              "lambda = 0 the hypothesis holds at every t, by balancedness).",
    statement_prose_latex=r"D_j = 0\ (j\ge l)\ \Longrightarrow\ W_l^{\top}W_l = "
                          r"\big((W_L\cdots W_l)^{\top}(W_L\cdots W_l)\big)^{1/(L-l+1)}",
    conclusion=_layerwise_conclusion(),
    assumptions=tuple(kd.suffix_statement()[1]),
    axioms=(kd.ROOT_UNIQUENESS,),
    hypotheses=("f(x) = W_L ... W_1 x, any depth L >= 1, widths and layer l",
                "W_{j+1}^T W_{j+1} = W_j W_j^T for j = l .. L-1"),
    references=(REFS_DEEP["beaglehole"], REFS["tansley"], REFS["arora18"], REFS["bhatia"]),
    method="kernel: induction on the suffix length with symbolic layer and power; cited PSD "
           "root uniqueness",
    prove=_layerwise_steps,
    controls=(
        Control("exponent 1/(L-l+2): S_l^T S_l = (W_l^T W_l)^{L-l+2}", lambda: [
            _refused("the same kernel induction for the power j + 2",
                     lambda: kd.suffix_power(shift=1), "induction"),
            _refused("the PSD-root step at the index L - l + 2",
                     lambda: kd.suffix_root(kd.suffix_power()[0], shift=1)),
            step("balanced chains: S^T S != M^{m+1}", r"S^{\top}S = M^{m+1}", "random",
                 inst.balanced_power_instances(1, symbolic=False))]),
        Control("without balancedness: S_l^T S_l = (W_l^T W_l)^{L-l+1} for any weights", lambda: [
            _refused("the kernel induction without the balancedness hypothesis",
                     lambda: kd.suffix_power(balanced=False), "induction"),
            step("random unbalanced weights", r"S^{\top}S = M^{m}", "random",
                 inst.unbalanced_counter(L=3, seed=9))]),
    ),
    lemmas=(lm.PSD_ROOT_UNIQUENESS.name,),
))


# gd-imbalance-recursion -----------------------------------------------------------------------
def _rand(rng: random.Random, r: int, c: int) -> sp.Matrix:
    return sp.Matrix(r, c, lambda i, j: sp.Rational(rng.randint(-6, 6), rng.randint(1, 5)))


def _gd_instances(drift: bool = True) -> Verdict:
    """Exact GD steps on random rational linear nets, L = 2..5, every layer."""
    eta, lam = sp.Rational(1, 10), sp.Rational(1, 5)
    for L in range(2, 6):
        rng = random.Random(40 + L)
        widths = [2] + [rng.randint(2, 3) for _ in range(L - 1)] + [2]
        ws = [_rand(rng, widths[i + 1], widths[i]) for i in range(L)]
        X, Y = _rand(rng, 2, 3), _rand(rng, 2, 3)
        E = sp.eye(2)
        for W in ws:
            E = W * E
        R = (E * X - Y) * X.T / 3
        gs = []
        for i in range(L):
            S, P = sp.eye(widths[-1]), sp.eye(2)
            for W in reversed(ws[i + 1:]):
                S = S * W
            for W in ws[:i]:
                P = W * P
            gs.append(S.T * R * P.T)
        new = [(1 - eta * lam) * W - eta * g for W, g in zip(ws, gs, strict=True)]
        for i in range(L - 1):
            D0 = ws[i + 1].T * ws[i + 1] - ws[i] * ws[i].T
            D1 = new[i + 1].T * new[i + 1] - new[i] * new[i].T
            law = (1 - eta * lam) ** 2 * D0
            if drift:
                law += eta**2 * (gs[i + 1].T * gs[i + 1] - gs[i] * gs[i].T)
            if D1 != law:
                return Verdict("fails", f"L = {L}, layer {i + 1}, eta = 1/10, lambda = 1/5, "
                                        f"widths {widths}: D' - law = {(D1 - law).tolist()}")
    return Verdict("holds", "L = 2..5, random rational weights and data, eta = 1/10, "
                            "lambda = 1/5: D_l after one exact GD step equals the law, every l")


def _gd_steps() -> Proof:
    th, _, _ = kd.gd_recursion()
    return Proof(th, [
        kstep("one GD step W <- (1 - eta lam) W - eta g with the data gradients of "
              "gradient-linear (g_{l+1} = S^T R P^T W_l^T, g_l = W_{l+1}^T S^T R P^T, so "
              "W_{l+1}^T g_{l+1} = g_l W_l^T and the first-order terms cancel); S and P are "
              "abstract, so this is every layer of every depth", th),
        step("exact GD steps on random rational nets", r"D_l' = a^2 D_l + \eta^2(\cdots)",
             "random", _gd_instances()),
    ])


GD_IMBALANCE_RECURSION = register(Theorem(
    id="gd-imbalance-recursion",
    title="Gradient descent on a linear network: D_l <- (1-eta lam)^2 D_l + eta^2 (g_{l+1}^T "
          "g_{l+1} - g_l g_l^T)",
    statement="One step W_l <- (1 - eta lambda) W_l - eta g_l of gradient descent (g_l the data "
              "gradient, full batch or mini-batch) on a linear network changes every imbalance "
              "exactly to D_l' = (1 - eta lambda)^2 D_l + eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T), "
              "for every layer and depth.",
    statement_prose_latex=r"D_l' = (1-\eta\lambda)^2 D_l + \eta^2\left(g_{l+1}^{\top}"
                          r"g_{l+1} - g_lg_l^{\top}\right)",
    **_declared(kd.gd_recursion),
    hypotheses=("f(x) = W_L ... W_1 x, any depth and widths",
                "g_l = S_l^T R P_l^T (theorem gradient-linear; R = (1/n)(E X - Y) X^T)",
                "a = 1 - eta lambda (the proof holds for any scalar a)"),
    references=(REFS_DEEP["arora19"], REFS["arora18"]),
    method="kernel: canonical form after rewriting with the gradient formula",
    prove=_gd_steps,
    controls=(
        Control("the recursion without the eta^2 term", lambda: [
            _refused("the same kernel identity without eta^2 (g^T g - g g^T)",
                     lambda: kd.gd_recursion(drift=False)),
            step("exact GD steps", r"D_l' = a^2 D_l", "random", _gd_instances(drift=False))]),
    ),
))


# fact-all-layers ------------------------------------------------------------------------------
def _stationary_instance(factor=1, output_side: bool = False) -> Verdict:
    """An exact stationary layer: D = -n lam W (H H^T)^{-1} H makes dL/dW = 0."""
    rng = random.Random(23)
    n, lam = 4, sp.Rational(1, 10)
    W, Hm = _rand(rng, 2, 2), _rand(rng, 2, n)
    D = -n * lam * W * (Hm * Hm.T).inv() * Hm
    grad = D * Hm.T / n + lam * W
    if grad != sp.zeros(2, 2):
        return Verdict("unknown", "the construction is not stationary")
    lhs = W.T * W
    inner = D if output_side else W.T * D
    rhs = -sp.sympify(factor) / (n * lam) * inner * Hm.T
    if lhs == rhs:
        return Verdict("holds", f"exact stationary layer (n = {n}, lambda = 1/10): "
                                "W^T W = -(1/(n lambda)) sum_i grad_h l_i h_i^T entrywise")
    return Verdict("fails", f"exact stationary layer W = {W.tolist()}, H = {Hm.tolist()}, "
                            f"lambda = 1/10: W^T W - claim = {(lhs - rhs).tolist()}")


def _fact_steps() -> Proof:
    th, _, _ = kd.fact_layer()
    return Proof(th, [
        kstep("for any layer of any network and any differentiable sigma: dL/dW_l = "
              "(1/n) Delta H^T + lambda W_l and grad_{h_{l-1}} l_i = W_l^T delta_i (both because "
              "layer l sees W_l and its input only through z_l = W_l h_{l-1}); multiply by "
              "W_l^T, use dL/dW_l = 0, solve for W_l^T W_l", th),
        step("an exact stationary layer", r"W^{\top}W = -\tfrac{1}{n\lambda}\sum_i"
             r"\nabla_h\ell_i\,h_i^{\top}", "instance", _stationary_instance()),
    ])


FACT_ALL_LAYERS = register(Theorem(
    id="fact-all-layers",
    title="FACT for every layer: W_l^T W_l = -(1/(n lambda)) sum_i grad_{h_{l-1}} l_i "
          "h_{l-1}(x_i)^T",
    statement="At a stationary point of a loss with weight decay lambda > 0, for any "
              "differentiable activation and every layer l, W_l^T W_l = -(1/(n lambda)) sum_i "
              "(grad_{h_{l-1}} l_i) h_{l-1}(x_i)^T, where h_{l-1} is the layer's input "
              "(h_0 = x) and the gradient is taken with respect to it.",
    statement_prose_latex=r"\nabla_{W}\mathcal L = 0\ \Longrightarrow\ W_l^{\top}W_l = "
                          r"-\frac{1}{n\lambda}\sum_{i=1}^{n}\nabla_{h_{l-1}}\ell_i\;"
                          r"h_{l-1}(x_i)^{\top}\quad\forall l",
    **_declared(kd.fact_layer),
    hypotheses=("any depth, widths and differentiable sigma; lambda > 0",
                "stationary point: dL/dW_l = 0 for every l"),
    references=(REFS_DEEP["boix"],),
    method="kernel: one-layer identity with abstract gradients, solved for W_l^T W_l",
    prove=_fact_steps,
    controls=(
        Control("the output-side gradient: W_l^T W_l = -(1/(n lambda)) sum_i delta_i h_i^T",
                lambda: [
            step("an exact stationary layer", "", "instance",
                 _stationary_instance(output_side=True))]),
        Control("factor 1/(2 lambda)", lambda: [
            _refused("the same kernel derivation with the factor 1/(2 n lambda)",
                     lambda: kd.fact_layer(sp.Rational(1, 2))),
            step("an exact stationary layer", "", "instance",
                 _stationary_instance(sp.Rational(1, 2)))]),
    ),
))


# nfa-rate-nonsingular -------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _measured_rate() -> tuple:
    """Fitted decay rate of the first-layer residual of a dps-30 flow with a non-singular limit
    (L = 2, d = k = 2, lambda = 1/5, last quarter of t <= 24), lambda_min(M(t_end)), the span."""
    from fractions import Fraction as F

    from mpmath import mp

    from ..numeric import cases
    from ..numeric.confirm import fit_rate
    from ..numeric.integrate import integrate
    from ..numeric.layerwise import layer_metrics

    lam = F(1, 5)
    times = tuple(F(24 * j, 16) for j in range(17))
    prob = cases.linear_problem(cases.perturbed_linear_weights(2, d=2, k=2), weight_decay=lam,
                                times=times, dps=30)
    traj = integrate(prob)
    tail = [i for i, t in enumerate(times) if t >= 18]
    res = [layer_metrics(traj.weights[i], prob.X, dps=30)[0].gram_residual for i in tail]
    W1 = mp.matrix(traj.weights[-1][0])
    return (fit_rate([times[i] for i in tail], res), min(mp.eigsy(W1.T * W1)[0]), lam,
            times[tail[0]], times[-1])


def _flow_rate(rate_factor: int = 2) -> Verdict:
    """The measured rate against ``rate_factor * lambda``."""
    from mpmath import mp

    rate, lmin, lam, ta, tb = _measured_rate()
    want = rate_factor * mp.mpf(lam.numerator) / lam.denominator
    where = (f"dps-30 Taylor flow, L = 2, d = k = 2, lambda = {lam}, t in [{ta}, {tb}]: fitted "
             f"rate {mp.nstr(rate, 5)}, lambda_min(M(t_end)) = {mp.nstr(lmin, 4)}")
    if rate >= mp.mpf("0.9") * want:
        return Verdict("holds", where + f" >= 0.9 * {mp.nstr(want, 3)}")
    span = mp.mpf((tb - ta).numerator) / (tb - ta).denominator
    growth = mp.exp((want - rate) * span)
    return Verdict("fails", where + f": the residual times e^({mp.nstr(want, 3)} t) grows by "
                                    f"{mp.nstr(growth, 4)}x over the interval")


_RATE_AXIOMS = (kd.REMAINDER_RATE, kd.WEYL, kd.LIPSCHITZ_ROOT)


def _rate_steps() -> Proof:
    th, _, _ = kd.rate_nonsingular()
    return Proof(th, [
        kstep("from the remainder rate delta <= C e^{-2 lambda t}, Weyl (lambda_min(G) >= "
              "lambda_min(M^L) - delta, so G >= mu I once C e^{-2 lambda t} <= mu and "
              "M^L >= 2 mu I, which a non-singular limit Gram gives for large t) and the "
              "Lipschitz bound of x^(1/L) on [mu, oo): ||G^{1/L} - M||_F <= (C mu^{1/L-1}/L) "
              "e^{-2 lambda t} (real arithmetic by z3)", th),
        step("numeric cross-check on a flow with a non-singular limit", "", "numeric",
             _flow_rate()),
    ])


NFA_RATE_NONSINGULAR = register(Theorem(
    id="nfa-rate-nonsingular",
    title="The sharp rate: ||M - G^{1/L}|| = O(e^{-2 lambda t}) when the limit Gram is "
          "non-singular",
    statement="For a linear network trained by gradient flow with weight decay lambda > 0 whose "
              "Gram M(t) converges to a non-singular limit, ||M - G^{1/L}||_F <= (C mu^{1/L-1}/L)"
              " e^{-2 lambda t} for all large t, where M(t)^L >= 2 mu I eventually and C is the "
              "constant of the explicit remainder: the rate is e^{-2 lambda t}, not only the "
              "e^{-2 lambda t / L} of the Hoelder bound. Proved (not refuted).",
    statement_prose_latex=r"\lambda_{\min}(M_\infty) > 0\ \Longrightarrow\ \|G^{1/L} - M\|_F "
                          r"\le \frac{C\mu^{1/L-1}}{L}\,e^{-2\lambda t}\quad (t \text{ large})",
    **_declared(kd.rate_nonsingular),
    axioms=_RATE_AXIOMS,
    hypotheses=("f(x) = W_L ... W_1 x, gradient flow, lambda > 0, any init",
                "M(t) -> M_inf with M_inf non-singular; so M(t)^L >= 2 mu I for t >= t_0",
                "t large enough that C e^{-2 lambda t} <= mu"),
    references=(REFS["tansley"], REFS["bhatia"]),
    method="kernel: real arithmetic (z3) over cited remainder rate, Weyl and Bhatia X.3.8",
    prove=_rate_steps,
    controls=(
        Control("rate e^{-4 lambda t}", lambda: [
            _refused("the same real arithmetic for C' e^{-4 lambda t}",
                     lambda: kd.rate_nonsingular(4)),
            step("the dps-30 flow", "", "numeric", _flow_rate(4))]),
    ),
    lemmas=_RATE_AXIOMS,
))


# gd-nfa-defect-bound --------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _gd_run() -> dict:
    """40 exact-rational-start GD steps (eta = 1/20, lambda = 0, L = 2) at dps 30."""
    from fractions import Fraction as F

    from mpmath import mp

    from ..numeric.confirm_gd import GUARD_DIGITS, _gd_defect_run

    with mp.workdps(30 + GUARD_DIGITS):
        return _gd_defect_run(2, F(1, 20), 40)


def _gd_bound_check(scale=1) -> Verdict:
    from mpmath import mp

    r = _gd_run()
    bound = r["bound"] * scale
    where = (f"dps-30 GD run (L = 2, balanced init, eta = 1/20, 40 steps): measured "
             f"||E^T E - M^L||_F = {mp.nstr(r['defect'], 4)}, layer-by-layer bound "
             f"{'x ' + str(scale) + ' ' if scale != 1 else ''}= {mp.nstr(bound, 4)}")
    if r["defect"] <= bound:
        return Verdict("holds", where + f" (ratio {mp.nstr(bound / r['defect'], 3)})")
    return Verdict("fails", where + ": the measured defect exceeds it")


_DEFECT_AXIOMS = (kd.TRIANGLE, kd.PSD_DIFFERENCE, kd.REMAINDER_NORM)


def _defect_steps() -> Proof:
    th, _, _ = kd.gd_defect()
    rec, _, _ = kd.gd_recursion()
    return Proof(th, [
        kstep("theorem gd-imbalance-recursion (every layer): D_l(k+1) = a^2 D_l(k) + eta^2 "
              "Delta_l(k); with lambda = 0, a = 1", rec),
        kstep("induction on the step k with real arithmetic (z3): the triangle inequality on the "
              "recursion, ||Delta_l|| <= sqrt(2) gamma^2 (Gram difference), gamma(k) <= Gamma "
              "give ||D_l(k)|| <= ||D_l(0)|| + sqrt(2) eta^2 Gamma^2 k; the cited norm bound of "
              "the remainder identity (nfa-weight-decay-asymptotic) turns it into "
              "||E^T E - M^L||_F <= C_omega (||D(0)|| + sqrt(2) eta t Gamma^2), t = k eta", th),
        step("numeric cross-check: the layer-by-layer form of the bound on a GD run", "",
             "numeric", _gd_bound_check()),
    ])


GD_NFA_DEFECT_BOUND = register(Theorem(
    id="gd-nfa-defect-bound",
    title="The NFA defect of gradient descent: ||E^T E - M^L||_F = O(eta) at a fixed time",
    statement="Gradient descent with step eta and lambda = 0 on a linear network, with every "
              "gradient met bounded by Gamma and the weights after k steps by omega in spectral "
              "norm: ||D_l(k)||_F <= ||D_l(0)||_F + sqrt(2) eta^2 Gamma^2 k and ||E^T E - M^L||_F "
              "<= omega^{2(L-1)} L(L-1)/2 (max_l ||D_l(0)||_F + sqrt(2) eta t Gamma^2) at "
              "t = k eta: from a balanced init the defect is O(eta) over a fixed training time. "
              "The layer-by-layer form (nfacheck.experiments.defect) uses the gradients met and "
              "the spectral norms of every layer.",
    statement_prose_latex=r"\|E^{\top}E - M^{L}\|_F \le \omega^{2(L-1)}\tfrac{L(L-1)}{2}\left("
                          r"\max_l\|D_l(0)\|_F + \sqrt2\,\eta\,t\,\Gamma^2\right),\quad t = k\eta",
    **_declared(kd.gd_defect),
    axioms=_DEFECT_AXIOMS,
    hypotheses=("f(x) = W_L ... W_1 x, any depth and widths; GD with lambda = 0",
                "||g_l(j)||_F <= Gamma for every step j < k and layer l",
                "||W_l(k)||_2 <= omega for every l"),
    references=(REFS_DEEP["arora19"], REFS["tansley"]),
    method="kernel: induction on the step with z3 over the GD law and cited norm bounds",
    prove=_defect_steps,
    controls=(
        Control("a defect O(eta^2) over a fixed time (the drift term times eta)", lambda: [
            _refused("the same induction with eta^3 in place of eta^2",
                     lambda: kd.gd_defect(kd.defect_symbols()["eta"])),
            step("the dps-30 GD run against eta times the bound", "", "numeric",
                 _gd_bound_check(sp.Rational(1, 20)))]),
    ),
    lemmas=_DEFECT_AXIOMS,
))


# deep-nfa-layerwise-asymptotic ----------------------------------------------------------------
_M_SUB = sp.Symbol("m", positive=True, integer=True)
_RHO_L = sp.Symbol(r"\|G_l^{1/m}-M_l\|_2", nonnegative=True)
_G_L = sp.Symbol(r"\|G_l-M_l^{m}\|_F", nonnegative=True)
_C_L = sp.Symbol("C_l", nonnegative=True)


def _layer_rate():
    """nfa-weight-decay-asymptotic's rate, instantiated on the sub-network from layer l on (a
    linear network of depth m = L - l + 1 with weights W_l..W_L and imbalances D_l..D_{L-1})."""
    from . import linear_asymptotic as la

    th = la._rate_theorem()
    return K.inst(th, symbols={DEPTH: _M_SUB, la._r: _RHO_L, la._g: _G_L, la._C: _C_L})


def _layer_rate_statement():
    return K.Le(_RHO_L, (_C_L * sp.exp(-2 * sp.Symbol("lambda", nonnegative=True) * K.TIME))
                ** (1 / _M_SUB))


@functools.lru_cache(maxsize=4)
def _perturbed_flow(lam_zero: bool) -> tuple:
    """A dps-30 flow from an init with every layer perturbed (L = 3, d = k = 2), t = 0 and 24."""
    from fractions import Fraction as F

    from ..numeric import cases
    from ..numeric.integrate import integrate

    lam = F(0) if lam_zero else F(1, 5)
    prob = cases.linear_problem(cases.perturbed_linear_weights(3, d=2, k=2), weight_decay=lam,
                                times=(F(0), F(24)), dps=30)
    return prob, integrate(prob)


def _layer_decay_check(wrong: bool = False, lam0: bool = False) -> Verdict:
    from fractions import Fraction as F

    from mpmath import mp

    from ..numeric.layerwise import layer_metrics

    prob, traj = _perturbed_flow(lam0)
    alphas = [F(1, 4), F(1, 3), F(1, 2)] if wrong else None
    first, last = ([m.gram_residual for m in layer_metrics(ws, prob.X, alphas=alphas, dps=30)][:2]
                   for ws in (traj.weights[0], traj.weights[-1]))
    where = (f"dps-30 flow, L = 3, every layer perturbed, lambda = {prob.weight_decay}, "
             f"t = 0..{prob.times[-1]}" + (", exponents 1/(L-l+2)" if wrong else "")
             + f": layers 1, 2 residual {[mp.nstr(v, 3) for v in first]} -> "
               f"{[mp.nstr(v, 3) for v in last]}")
    if all(b < a * mp.mpf("1e-3") for a, b in zip(first, last, strict=True)):
        return Verdict("holds", where)
    return Verdict("fails", where + " (does not decay to 0)")


def _layer_asym_steps() -> Proof:
    suffix, _, _ = kd.suffix_power()
    root = kd.suffix_root(suffix)
    rate = _layer_rate()
    return Proof(K.conj([suffix, root, rate]), [
        kstep("the deep NFA of layer s when the layers from s on are balanced (the limit the "
              "imbalances D_s..D_{L-1} approach): S_s^T S_s = M_s^{L-s+1}", suffix),
        kstep("and so, M_s being a Gram matrix, the cited uniqueness of the PSD root at "
              "U = W_s gives M_s = (S_s^T S_s)^{1/(L-s+1)} = G_s^{1/(L-s+1)}", root),
        kstep("the sub-network from layer l on is a linear network of depth m = L - l + 1 "
              "(weights W_l..W_L, imbalances D_l..D_{L-1}, each e^{-2 lambda t} D(0) by "
              "imbalance-decay) whose AGOP w.r.t. its input is G_l: the rate of "
              "nfa-weight-decay-asymptotic, instantiated at depth m, gives "
              "||G_l^{1/m} - M_l||_2 <= (C_l e^{-2 lambda t})^{1/m}", rate),
        step("numeric cross-check: every layer of a perturbed flow", "", "numeric",
             _layer_decay_check()),
    ])


def _layer_asym_axioms() -> tuple:
    from . import linear_asymptotic as la

    return (la._CONT_NAME, la._BOUND, la._MONO, kd.ROOT_UNIQUENESS)


DEEP_NFA_LAYERWISE_ASYMPTOTIC = register(Theorem(
    id="deep-nfa-layerwise-asymptotic",
    title="The deep NFA with weight decay from any init: every layer, asymptotically",
    statement="For a linear network under gradient flow with lambda > 0 from any initialisation, "
              "for every layer l: ||G_l^{1/(L-l+1)} - W_l^T W_l||_2 <= (C_l e^{-2 lambda t})^"
              "{1/(L-l+1)}, with G_l the AGOP of the sub-network from layer l on and C_l the "
              "explicit remainder constant of that sub-network (nfa-weight-decay-asymptotic "
              "applied to it); at lambda = 0 balancedness from layer l on gives equality "
              "(deep-nfa-layerwise).",
    statement_prose_latex=r"\|G_l^{1/(L-l+1)} - W_l^{\top}W_l\|_2 \le \left(C_l\,e^{-2\lambda t}"
                          r"\right)^{1/(L-l+1)}\quad\forall l",
    conclusion=K.And((kd.suffix_statement()[0], kd.root_statement(), _layer_rate_statement())),
    assumptions=tuple(kd.suffix_statement()[1]),
    axioms=_layer_asym_axioms(),
    hypotheses=("f(x) = W_L ... W_1 x, any depth, widths and initialisation; lambda > 0",
                "m = L - l + 1 (the depth of the sub-network from layer l on)"),
    references=(REFS_DEEP["beaglehole"], REFS["tansley"], REFS["bhatia"]),
    method="kernel: nfa-weight-decay-asymptotic's rate instantiated on the sub-network",
    prove=_layer_asym_steps,
    controls=(
        Control("exponent 1/(L-l+2) asymptotically", lambda: [
            step("the same flow at the wrong exponents", "", "numeric",
                 _layer_decay_check(wrong=True))]),
        Control("without weight decay (lambda = 0) from the same init", lambda: [
            step("the same init, lambda = 0", "", "numeric", _layer_decay_check(lam0=True))]),
    ),
    lemmas=_layer_asym_axioms(),
))
