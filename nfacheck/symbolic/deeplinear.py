"""Deep linear networks, for every depth and symbolic widths, proved by the kernel.

Layers are indexed letters ``W_l`` (shape ``h(l) x h(l-1)``) and ``E_l = W_l ⋯ W_1``; the
network's definitions are kernel hypotheses (``E_1 = W_1``, ``E_{l+1} = W_{l+1} E_l`` for all
l), balancedness is a hypothesis, and the depth inductions are :class:`.kernel.Induction` over
predicate objects, so the kernel forms base, hypothesis and step goal itself. The push-through
and remainder rules are instances of proved theorems. ``*_check`` functions are cross-checks
(random rational instances) used by the negative controls; they never prove.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import sympy as sp

from . import kernel as K
from .crosscheck import Env, Verdict, check_identity, check_trace_identity, random_env, refuter
from .freealg import NCPoly, letter, power, root, trace, word_shape  # noqa: F401 - re-exported
from .tactics import meet
from .tactics import rw as _rw
from .tactics import to as _to

__all__ = [
    "DIMS", "LAM", "EPS", "T", "K_", "LL", "H", "W", "E", "M1", "DEF_E1", "DEF_E", "BALANCED",
    "gradient_theorem", "gradient_check", "flow_hyps", "imbalance_rate_theorem",
    "imbalance_rate_check", "balancedness_theorem", "decay_theorem", "decay_solution_check",
    "pushthrough", "balanced_power_theorem", "balanced_power_base", "balanced_power_step",
    "network_linear_theorem", "jacobian_theorem",
    "remainder_lemma", "remainder_power_theorem", "ROOT_UNIQUENESS", "root_uniqueness", "psd_root",
]

_nat = {"integer": True, "nonnegative": True}
DIMS = {name: sp.Symbol(name, integer=True, positive=True)
        for name in ("d", "k", "n", "h_{l-1}", "h_{l}", "h_{l+1}", "h_{a}", "h_{b}", "m")}
LAM = sp.Symbol("lambda", nonnegative=True)
EPS = sp.Symbol("epsilon")
T = K.TIME
K_, J = sp.Symbol("k", **_nat), sp.Symbol("j", **_nat)
LL = sp.Symbol("l", integer=True, positive=True)
DEPTH = sp.Symbol("L", integer=True, positive=True)
H = sp.Function("h", integer=True, positive=True)
_VALUES = {DIMS["d"]: 2, DIMS["k"]: 2, DIMS["n"]: 3, DIMS["h_{l-1}"]: 2, DIMS["h_{l}"]: 3,
           DIMS["h_{l+1}"]: 2, DIMS["h_{a}"]: 2, DIMS["h_{b}"]: 3, DIMS["m"]: 3,
           LAM: Fraction(3, 2), K_: 2, J: 1, EPS: Fraction(2, 7)}


def W(l) -> NCPoly:  # noqa: N802 - the paper's name
    """The weight letter ``W_l`` of shape ``h(l) x h(l-1)``."""
    l = sp.sympify(l)
    return letter("W", H(l), H(l - 1), idx=l, tex="W_{{i}}")


def E(l) -> NCPoly:  # noqa: N802
    """``E_l = W_l ⋯ W_1`` as a letter of shape ``h(l) x h(0)`` (defined by DEF_E1, DEF_E)."""
    l = sp.sympify(l)
    return letter("E", H(l), H(0), idx=l, tex="E_{{i}}")


M1 = W(1).T * W(1)
DEF_E1 = K.Eq(E(1), W(1))
DEF_E = K.Forall(LL, 1, K.Eq(E(LL + 1), W(LL + 1) * E(LL)))
BALANCED = K.Forall(LL, 1, K.Eq(W(LL + 1).T * W(LL + 1), W(LL) * W(LL).T))
ROOT_UNIQUENESS = "uniqueness of the PSD root"


def _envs(polys, seeds=(1, 2, 3)) -> list[Env]:
    return [random_env(polys, _VALUES, s) for s in seeds]


# gradient ------------------------------------------------------------------------------------
def _layer_letters(square: bool = False):
    g = (lambda n: DIMS["m"]) if square else (lambda n: DIMS[n])  # noqa: E731
    S = letter("S", g("k"), g("h_{l}"), tex="S_{l}")
    Wl = letter("W", g("h_{l}"), g("h_{l-1}"), tex="W_{l}")
    P = letter("P", g("h_{l-1}"), g("d"), tex="P_{l}")
    X = letter("X", g("d"), DIMS["n"], tex="X")
    Y = letter("Y", g("k"), DIMS["n"], tex="Y")
    V = letter("V", g("h_{l}"), g("h_{l-1}"), tex="V")
    return S, Wl, P, X, Y, V


def _gradient_sides(transpose_prefix=True, decay=sp.S.One, square=False):
    S, Wl, P, X, Y, V = _layer_letters(square)
    n = DIMS["n"]

    def loss(w):
        res = S * w * P * X - Y
        return res.T * res * sp.Rational(1, 2) / n + w.T * w * (LAM / 2)

    sxx, syx = X * X.T / n, Y * X.T / n
    G = S.T * (S * Wl * P * sxx - syx) * (P.T if transpose_prefix else P) + Wl * (LAM * decay)
    quad = (S * V * P * X).T * (S * V * P * X) * sp.Rational(1, 2) / n + V.T * V * (LAM / 2)
    return loss(Wl + V * EPS), loss(Wl) + V.T * G * EPS + quad * EPS ** 2


def gradient_theorem() -> K.Theorem:
    """⊢ tr ℒ(W_l + εV) = tr ℒ(W_l) + ε tr(VᵀG) + ε² tr(Q): G is the Frobenius gradient."""
    lhs, rhs = _gradient_sides()
    return K.by_canon(trace(lhs), trace(rhs))


def gradient_check(**kw) -> Verdict:
    lhs, rhs = _gradient_sides(**kw)
    return check_trace_identity(lhs, rhs, instances=_envs([lhs, rhs]))


# balancedness and the decay law --------------------------------------------------------------
def _pair_letters(square: bool = False):
    g = (lambda n: DIMS["m"]) if square else (lambda n: DIMS[n])  # noqa: E731
    S = letter("S", g("k"), g("h_{l+1}"), tex="S_{l+1}")
    V = letter("V", g("h_{l+1}"), g("h_{l}"), tex="W_{l+1}")
    Wl = letter("W", g("h_{l}"), g("h_{l-1}"), tex="W_{l}")
    P = letter("P", g("h_{l-1}"), g("d"), tex="P_{l}")
    R = letter("R", g("k"), g("d"), tex="R")
    return S, V, Wl, P, R


def flow_hyps(square: bool = False, lam=LAM) -> tuple[K.Rate, K.Rate]:
    """Gradient flow of two neighbouring layers, gradients from theorem gradient-linear."""
    S, V, Wl, P, R = _pair_letters(square)
    return (K.Rate(V, -(S.T * R * (Wl * P).T + V * lam)),
            K.Rate(Wl, -((S * V).T * R * P.T + Wl * lam)))


def imbalance(square: bool = False, wrong_side: bool = False) -> NCPoly:
    _, V, Wl, _, _ = _pair_letters(square)
    return V * V.T - Wl.T * Wl if wrong_side else V.T * V - Wl * Wl.T


def imbalance_rate_theorem(lam_zero: bool = False) -> K.Theorem:
    """flow ⊢ Rate(D_l, −2λ D_l) (λ = 0: Rate(D_l, 0)), by Leibniz and the canonical form."""
    hv, hw = (K.assume(h) for h in flow_hyps())
    D = imbalance()
    rate = K.leibniz(D, [hv, hw])
    if lam_zero:
        rate = K.inst(rate, {LAM: 0})
    target = D * (0 if lam_zero else -2 * LAM)
    return K.rate_congr(rate, K.by_canon(rate.concl.rate, target,
                                         refute=[refuter(_envs([D]))]))


def imbalance_rate_check(rate=-2 * LAM, lam_zero=False, wrong_side=False) -> Verdict:
    from .freealg import derive

    hv, hw = flow_hyps(square=wrong_side)
    rates = {"V": hv.rate, "W": hw.rate}
    D = imbalance(square=wrong_side, wrong_side=wrong_side)
    dD, target = derive(D, rates), D * rate
    if lam_zero:
        dD, target = K._subs_term(dD, {LAM: 0}), K._subs_term(target, {LAM: 0})
    return check_identity(dD, target, instances=_envs([dD, D]))


def balancedness_theorem() -> K.Theorem:
    """flow (λ = 0) ⊢ Const(D_l)."""
    return K.const_of_zero_rate(imbalance_rate_theorem(lam_zero=True))


def decay_theorem(rate_th: K.Theorem | None = None) -> K.Theorem:
    """flow ⊢ Rate(D_l, −2λD_l) and Const(e^{2λt} D_l), i.e. D_l(t) = e^{−2λt} D_l(0)."""
    rate_th = rate_th or imbalance_rate_theorem()
    scaled = K.rate_scale(rate_th, sp.exp(2 * LAM * T))
    zero = K.rate_congr(scaled, K.by_canon(scaled.concl.rate, NCPoly()))
    return K.conj([rate_th, K.const_of_zero_rate(zero)])


def decay_solution_check(rate=-2 * LAM) -> Verdict:
    """d/dt(e^{−rate t} D) with dD/dt = −2λD, against 0 on random instances."""
    D = letter("D", DIMS["h_{l}"], DIMS["h_{l}"], sym=True, tex="D_{l}")
    from .freealg import derive

    dF = derive(D * sp.exp(-rate * T), {"D": D * (-2 * LAM)}, T)
    envs = [random_env([D], {**_VALUES, T: 0}, s) for s in (1, 2)]
    return check_identity(dF, NCPoly(), instances=envs)


# powers under balancedness -------------------------------------------------------------------
@cache
def pushthrough() -> K.Theorem:
    """⊢ ∀k ≥ 0: Aᵀ(AAᵀ)^k A = (AᵀA)^{k+1} for a letter A (h_a x h_b), by induction on k."""
    A = letter("A", DIMS["h_{a}"], DIMS["h_{b}"], tex="A")
    ind = K.Induction(K.Pred(K_, K.Eq(A.T * power(A * A.T, K_) * A, power(A.T * A, K_ + 1))), 0)
    base = K.by_canon(ind.base_goal.lhs, ind.base_goal.rhs)
    n, goal = ind.var, ind.step_goal
    step = K.by_canon(goal.lhs, A.T * power(A * A.T, n) * A * A.T * A)
    step = _to(_rw(K.assume(ind.hyp), step), goal.rhs)
    return ind.conclude(base, step)


def push_for(w: NCPoly, rows, cols, k) -> K.Theorem:
    """The push-through theorem instantiated at the letter ``w`` and exponent ``k``."""
    th = K.inst(pushthrough(), {DIMS["h_{a}"]: rows, DIMS["h_{b}"]: cols}, {"A": w})
    return K.spec(th, k)


def _unfold_E(l, th: K.Theorem) -> K.Theorem:
    """Rewrite E_{l+1} (and its transpose) in the right side of ``th`` by the definition."""
    d = K.spec(K.assume(DEF_E), l)
    return _rw(d, _rw(K.cong(d, "transpose"), th))


def balanced_power_pred(shift: int = 0) -> K.Pred:
    l = sp.Symbol("l", integer=True, positive=True)
    body = K.Forall(K_, 0, K.Eq(E(l).T * power(W(l) * W(l).T, K_) * E(l),
                                power(M1, l + K_ + shift)))
    return K.Pred(l, body)


def balanced_power_base(ind: K.Induction) -> K.Theorem:
    """P(1) of the balanced power induction: E_1 = W_1 and push-through for W_1."""
    d1 = K.assume(DEF_E1)
    goal = ind.base_goal.body
    b0 = K.by_canon(goal.lhs, goal.lhs)
    b0 = _rw(push_for(W(1), H(1), H(0), K_), _rw(d1, _rw(K.cong(d1, "transpose"), b0)))
    return K.gen(_to(b0, goal.rhs), K_, 0)


def balanced_power_step(ind: K.Induction, hyp=None, balanced: bool = True) -> K.Theorem:
    """P(m) ⊢ P(m + 1): unfold E_{m+1}, push-through for W_{m+1}, balancedness, P(m) at k + 1.

    ``hyp`` is the hypothesis used (the kernel's ``ind.hyp`` unless a test passes another).
    """
    m, goal = ind.var, ind.step_goal.body
    s = _unfold_E(m, K.by_canon(goal.lhs, goal.lhs))
    s = _rw(push_for(W(m + 1), H(m + 1), H(m), K_), s)
    if balanced:
        s = _rw(K.spec(K.assume(BALANCED), m), s)
    s = _rw(K.spec(K.assume(ind.hyp if hyp is None else hyp), K_ + 1), s)
    return K.gen(_to(s, goal.rhs), K_, 0)


def balanced_power_theorem(shift: int = 0, balanced: bool = True) -> K.Theorem:
    """DEF_E1, DEF_E, BALANCED ⊢ ∀ l ≥ 1 ∀ k ≥ 0: E_lᵀ(W_lW_lᵀ)^k E_l = M^{l+k}."""
    ind = K.Induction(balanced_power_pred(shift), 1)
    return ind.conclude(balanced_power_base(ind), balanced_power_step(ind, balanced=balanced))


def gram_power_theorem() -> K.Theorem:
    """… ⊢ E_Lᵀ E_L = M^L for every depth L ≥ 1 (k = 0, l = L)."""
    th = K.spec(K.spec(balanced_power_theorem(), DEPTH), 0)
    return K.trans(K.by_canon(E(DEPTH).T * E(DEPTH), th.concl.lhs), th)


_ROOT_REF = ("Bhatia, Matrix Analysis (GTM 169), ch. X; Higham, Functions of Matrices (SIAM 2008), "
             "ch. 7: a PSD matrix has exactly one PSD m-th root; U^T U is PSD for every real U, "
             "so (U^T U)^m is PSD and U^T U is its PSD m-th root")


_RU, _CU, _MU = (sp.Symbol(x, integer=True, positive=True) for x in ("r", "c", "m"))


def root_uniqueness() -> K.Theorem:
    """⊢ G = (UᵀU)^m ⇒ UᵀU = G^{1/m}: the cited uniqueness of the PSD root.

    For every matrix ``U`` (r x c), symmetric ``G`` (c x c) and integer ``m >= 1``. The side
    condition of the uniqueness (the root sought is PSD) is carried by the Gram form ``UᵀU``:
    an instance ``U -> A`` keeps it ``AᵀA``. ``G^{1/m}`` is the kernel's root atom
    (:class:`.freealg.Root`), a function of ``G``, so no instance can choose the root.
    """
    U, G = letter("U", _RU, _CU, tex="U"), letter("G", _CU, _CU, sym=True, tex="G")
    gram = U.T * U
    return K.cite(ROOT_UNIQUENESS, K.Implies(K.Eq(G, power(gram, _MU)),
                                             K.Eq(gram, root(G, _MU))), _ROOT_REF)


def psd_root(gram_th: K.Theorem, u: NCPoly, m, g: NCPoly | None = None) -> K.Theorem:
    """From a proved ``G = (uᵀu)^m``: ⊢ ``uᵀu = G^{1/m}``, an instance of :func:`root_uniqueness`.

    ``u`` is one letter (its shape gives the instance's dimensions); ``g`` the matrix the axiom
    is applied to (default: the left side of ``gram_th``; tests pass another).
    """
    (w,) = u.terms
    rows, cols = word_shape(w)
    g = gram_th.concl.lhs if g is None else g
    ax = K.inst(root_uniqueness(), {_RU: rows, _CU: cols, _MU: m}, {"U": u, "G": g})
    return K.mp(ax, gram_th)


def root_theorem(gram_th: K.Theorem) -> K.Theorem:
    """From EᵀE = M^L: M = G^{1/L} with G = EᵀE, by the cited uniqueness of the PSD root."""
    return psd_root(gram_th, W(1), DEPTH)


# the linear network and its Jacobian -----------------------------------------------------------
def network_linear_theorem() -> K.Theorem:
    """f_1 = W_1 x, f_{l+1} = W_{l+1} f_l, DEF_E1, DEF_E ⊢ ∀ l ≥ 1: f_l(x) = E_l x."""
    x = letter("x", H(0), 1, tex="x")
    f = lambda l: letter("f", H(l), 1, idx=sp.sympify(l), tex="f_{{i}}(x)")  # noqa: E731
    l = sp.Symbol("l", integer=True, positive=True)
    ind = K.Induction(K.Pred(l, K.Eq(f(l), E(l) * x)), 1)
    base = _rw(K.sym(K.assume(DEF_E1)), K.assume(K.Eq(f(1), W(1) * x)))
    m = ind.var
    s = K.spec(K.assume(K.Forall(LL, 1, K.Eq(f(LL + 1), W(LL + 1) * f(LL)))), m)
    s = _rw(K.sym(K.spec(K.assume(DEF_E), m)), _rw(K.assume(ind.hyp), s))
    return ind.conclude(base, s)


def jacobian_theorem() -> K.Theorem:
    """⊢ E(x + εv) = Ex + ε Ev: the directional derivative of x ↦ Ex is Ev at every x."""
    En = E(DEPTH)
    x, v = letter("x", H(0), 1, tex="x"), letter("v", H(0), 1, tex="v")
    return K.by_canon(En * (x + v * EPS), En * x + En * v * EPS)


# remainders without balancedness ---------------------------------------------------------------
def _R(m) -> NCPoly:  # noqa: N802
    return letter("R", DIMS["h_{a}"], DIMS["h_{a}"], idx=sp.sympify(m), tex="R_{{i}}")


_h = DIMS["h_{a}"]
RX, RY = letter("X", _h, _h, tex="X"), letter("Y", _h, _h, tex="Y")
_MM = sp.Symbol("m", **_nat)
R0_DEF = K.Eq(_R(0), NCPoly())
R_REC = K.Forall(_MM, 0, K.Eq(_R(_MM + 1), RX * _R(_MM) + (RX - RY) * power(RY, _MM)))


@cache
def remainder_lemma() -> K.Theorem:
    """R_0 = 0, R_{m+1} = X R_m + (X − Y)Y^m ⊢ ∀ m ≥ 0: X^m = Y^m + R_m (square X, Y)."""
    X, Y = RX, RY
    ind = K.Induction(K.Pred(_MM, K.Eq(power(X, _MM), power(Y, _MM) + _R(_MM))), 0)
    base = meet(ind.base_goal.lhs, ind.base_goal.rhs, right=[K.assume(R0_DEF)])
    n = ind.var
    step = meet(ind.step_goal.lhs, ind.step_goal.rhs, left=[K.assume(ind.hyp)],
                right=[K.spec(K.assume(R_REC), n)], a_form=X * power(X, n))
    return ind.conclude(base, step)


def _Rl(c, m) -> NCPoly:  # noqa: N802
    """R_m(X_c, Y_c) with X_c = W_{c+1}ᵀW_{c+1}, Y_c = W_cW_cᵀ (a letter, defined below)."""
    return letter("R", H(c), H(c), idx=sp.Tuple(c, m), tex="R_{{i}}")


def _Q(l, k) -> NCPoly:  # noqa: N802
    return letter("Q", H(0), H(0), idx=sp.Tuple(l, k), tex="Q_{{i}}")


_C = sp.Symbol("c", integer=True, positive=True)
XL = lambda c: W(c + 1).T * W(c + 1)  # noqa: E731
YL = lambda c: W(c) * W(c).T  # noqa: E731
R0_LAYERS = K.Forall(_C, 1, K.Eq(_Rl(_C, 0), NCPoly()))
R_LAYERS = K.Forall(_C, 1, K.Forall(_MM, 0, K.Eq(
    _Rl(_C, _MM + 1), XL(_C) * _Rl(_C, _MM) + (XL(_C) - YL(_C)) * power(YL(_C), _MM))))
Q1_DEF = K.Forall(K_, 0, K.Eq(_Q(1, K_), NCPoly()))
Q_DEF = K.Forall(LL, 1, K.Forall(K_, 0, K.Eq(
    _Q(LL + 1, K_), _Q(LL, K_ + 1) + E(LL).T * _Rl(LL, K_ + 1) * E(LL))))


@cache
def layer_remainder() -> K.Theorem:
    """R0_LAYERS, R_LAYERS ⊢ ∀ c ≥ 1 ∀ m ≥ 0: (W_{c+1}ᵀW_{c+1})^m = (W_cW_cᵀ)^m + R_{c,m}."""
    c = _C
    ind = K.Induction(K.Pred(_MM, K.Eq(power(XL(c), _MM), power(YL(c), _MM) + _Rl(c, _MM))), 0)
    base = meet(ind.base_goal.lhs, ind.base_goal.rhs,
                right=[K.spec(K.assume(R0_LAYERS), c)])
    n = ind.var
    rec = K.spec(K.spec(K.assume(R_LAYERS), c), n)
    step = meet(ind.step_goal.lhs, ind.step_goal.rhs, left=[K.assume(ind.hyp)], right=[rec],
                a_form=XL(c) * power(XL(c), n))
    return K.gen(ind.conclude(base, step), c, 1)


def remainder_power_theorem() -> K.Theorem:
    """DEF_E1, DEF_E, Q and R definitions ⊢ ∀ l ≥ 1 ∀ k ≥ 0:
    E_lᵀ(W_lW_lᵀ)^k E_l = M^{l+k} + Q_{l,k} (no balancedness)."""
    l = sp.Symbol("l", integer=True, positive=True)
    pred = K.Pred(l, K.Forall(K_, 0, K.Eq(E(l).T * power(W(l) * W(l).T, K_) * E(l),
                                          power(M1, l + K_) + _Q(l, K_))))
    ind = K.Induction(pred, 1)
    d1 = K.assume(DEF_E1)
    g0 = ind.base_goal.body
    b0 = K.by_canon(g0.lhs, g0.lhs)
    b0 = _rw(push_for(W(1), H(1), H(0), K_), _rw(d1, _rw(K.cong(d1, "transpose"), b0)))
    base = K.gen(K.trans(_to(b0, g0.rhs - _Q(1, K_)),
                         K.sym(_rw(K.spec(K.assume(Q1_DEF), K_), K.by_canon(g0.rhs, g0.rhs)))),
                 K_, 0)
    m, goal = ind.var, ind.step_goal.body
    s = _unfold_E(m, K.by_canon(goal.lhs, goal.lhs))
    s = _rw(push_for(W(m + 1), H(m + 1), H(m), K_), s)
    s = _rw(K.spec(K.spec(layer_remainder(), m), K_ + 1), s)
    s = _rw(K.spec(K.assume(ind.hyp), K_ + 1), s)
    r = _rw(K.spec(K.spec(K.assume(Q_DEF), m), K_), K.by_canon(goal.rhs, goal.rhs))
    step = K.gen(K.trans(_to(s, r.concl.rhs), K.sym(r)), K_, 0)
    return ind.conclude(base, step)
