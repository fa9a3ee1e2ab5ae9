"""Symbolic lemmas for deep linear networks, for every depth L and symbolic widths.

Each function checks one identity in the free algebra of matrix letters (see :mod:`.freealg`):
the layer sits between an abstract suffix ``S`` and prefix ``P`` (products of the other layers,
identities allowed), so one check covers every layer of every depth. Induction over depth uses
symbolic exponents. Every identity is also evaluated on random rational instances by
:func:`.proof.check_identity` where it is unconditional.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import sympy as sp

from .freealg import NCPoly, letter, power
from .proof import Env, Unfold, Verdict, calc, check_identity, check_trace_identity, random_env
from .rules import Rule, rule, subs

__all__ = [
    "DIMS", "LAM", "EPS", "K", "J", "LL", "gradient_layer", "local_identity", "imbalance_rate",
    "decay_solution", "pushthrough", "balanced_power_induction", "remainder_lemma",
    "remainder_unrolled", "remainder_power_induction", "remainder_sum_unrolling",
    "network_linear_induction", "jacobian_constant",
]

_nat = {"integer": True, "nonnegative": True}
DIMS = {name: sp.Symbol(name, integer=True, positive=True)
        for name in ("d", "k", "n", "h_{l-1}", "h_{l}", "h_{l+1}", "h_{0}", "h_{1}", "m")}
LAM = sp.Symbol("lambda", nonnegative=True)
EPS = sp.Symbol("epsilon")
T = sp.Symbol("t", nonnegative=True)
K, J, LL = sp.Symbol("k", **_nat), sp.Symbol("j", **_nat), sp.Symbol("l", integer=True,
                                                                        positive=True)
_VALUES = {DIMS["d"]: 2, DIMS["k"]: 2, DIMS["n"]: 3, DIMS["h_{l-1}"]: 2, DIMS["h_{l}"]: 3,
           DIMS["h_{l+1}"]: 2, DIMS["h_{0}"]: 2, DIMS["h_{1}"]: 3, DIMS["m"]: 3,
           LAM: Fraction(3, 2), K: 2, J: 1, LL: 3}


def _dim(name: str, square: bool) -> sp.Symbol:
    return DIMS["m"] if square else DIMS[name]


def _envs(polys, seeds=(1, 2, 3), fixed=None) -> list[Env]:
    return [random_env(polys, _VALUES, s, fixed) for s in seeds]


# gradient ------------------------------------------------------------------------------------
def _layer_letters(square: bool = False):
    g = lambda n: _dim(n, square)  # noqa: E731
    S = letter("S", g("k"), g("h_{l}"), tex="S_{l}")
    W = letter("W", g("h_{l}"), g("h_{l-1}"), tex="W_{l}")
    P = letter("P", g("h_{l-1}"), g("d"), tex="P_{l}")
    X = letter("X", g("d"), DIMS["n"], tex="X")
    Y = letter("Y", g("k"), DIMS["n"], tex="Y")
    V = letter("V", g("h_{l}"), g("h_{l-1}"), tex="V")
    return S, W, P, X, Y, V


def gradient_layer(*, transpose_prefix: bool = True, decay: sp.Expr = sp.S.One,
                   square: bool = False, instances: bool = True) -> Verdict:
    """d/de L(W + eV) at e = 0 equals tr(V^T G) for the claimed gradient G.

    ``L = (1/2n) tr((S W P X - Y)^T (S W P X - Y)) + (lam/2) tr(W^T W)`` (other layers' decay
    terms do not involve ``W``). ``transpose_prefix=False`` and ``decay`` give the controls.
    """
    S, W, P, X, Y, V = _layer_letters(square)
    n = DIMS["n"]
    Wt = W + V * EPS
    res = S * Wt * P * X - Y
    inner = res.T * res * sp.Rational(1, 2) / n + Wt.T * Wt * (LAM / 2)
    dinner = NCPoly({w: sp.diff(c, EPS).subs(EPS, 0) for w, c in inner.terms.items()})
    sxx, syx = X * X.T / n, Y * X.T / n
    claimed = S.T * (S * W * P * sxx - syx) * (P.T if transpose_prefix else P) + W * (LAM * decay)
    envs = _envs([dinner, claimed]) if instances else []
    return check_trace_identity(dinner, V.T * claimed, instances=envs)


# balancedness and the decay law ---------------------------------------------------------------
def _pair_letters(square: bool = False):
    g = lambda n: _dim(n, square)  # noqa: E731
    S = letter("S", g("k"), g("h_{l+1}"), tex="S_{l+1}")
    V = letter("V", g("h_{l+1}"), g("h_{l}"), tex="W_{l+1}")
    W = letter("W", g("h_{l}"), g("h_{l-1}"), tex="W_{l}")
    P = letter("P", g("h_{l-1}"), g("d"), tex="P_{l}")
    R = letter("R", g("k"), g("d"), tex="R")
    A_next = S.T * R * (W * P).T
    A_l = (S * V).T * R * P.T
    return S, V, W, P, R, A_next, A_l


def local_identity(instances: bool = True) -> tuple[Verdict, str]:
    """``W_{l+1}^T A_{l+1} = A_l W_l^T`` with ``A_j = S_j^T R P_j^T``, ``R = E Sxx - Syx``."""
    S, V, W, P, R, A_next, A_l = _pair_letters()
    lhs, rhs = V.T * A_next, A_l * W.T
    envs = _envs([lhs, rhs]) if instances else []
    return check_identity(lhs, rhs, instances=envs), f"{lhs.latex()} = {rhs.latex()}"


def imbalance_rate(*, rate: sp.Expr = -2 * LAM, lam_zero: bool = False, wrong_side: bool = False,
                   instances: bool = True) -> tuple[Verdict, str]:
    """``dD_l/dt`` along the flow ``dW_j/dt = -(A_j + lam W_j)`` against ``rate * D_l``.

    ``wrong_side`` uses ``W_{l+1} W_{l+1}^T - W_l^T W_l`` (a control, square letters).
    """
    S, V, W, P, R, A_next, A_l = _pair_letters(square=wrong_side)
    rates = {"V": -(A_next + V * LAM), "W": -(A_l + W * LAM)}
    D = V * V.T - W.T * W if wrong_side else V.T * V - W * W.T
    dD = _derive(D, rates)
    target = D * rate
    if lam_zero:
        dD, target = subs(dD, {LAM: 0}), subs(target, {LAM: 0})
    envs = _envs([dD, D]) if instances else []
    tex = f"\\frac{{d}}{{dt}}\\left({D.latex()}\\right) = {dD.latex()}"
    return check_identity(dD, target, instances=envs), tex


def _derive(p: NCPoly, rates, t=None) -> NCPoly:
    from .freealg import derive

    return derive(p, rates, t)


def decay_solution(rate: sp.Expr = -2 * LAM) -> Verdict:
    """``d/dt (e^{-rate t} D(t)) = 0`` when ``dD/dt = -2 lam D``: so ``D(t) = e^{rate t} D(0)``."""
    D = letter("D", DIMS["h_{l}"], DIMS["h_{l}"], sym=True, tex="D_{l}")
    F = D * sp.exp(-rate * T)
    dF = _derive(F, {"D": D * (-2 * LAM)}, T)
    envs = [random_env([D], {**_VALUES, T: 0}, s) for s in (1, 2)]
    return check_identity(dF, NCPoly(), instances=envs)


# powers under balancedness ---------------------------------------------------------------------
@cache
def pushthrough(name: str, rows: str, cols: str, tex: str) -> tuple[Verdict, Verdict, Rule]:
    """``W^T (W W^T)^k W = (W^T W)^{k+1}`` for every k >= 0 (induction on k).

    Returns (base verdict, step verdict, the rule with wildcard exponent).
    """
    W = letter(name, DIMS[rows], DIMS[cols], tex=tex)
    WWt, WtW = W * W.T, W.T * W
    base = check_identity(W.T * power(WWt, 0) * W, power(WtW, 1))
    ih = rule(f"IH on k for {tex}", W.T * power(WWt, K) * W, power(WtW, K + 1))
    step = calc([W.T * power(WWt, K + 1) * W, W.T * power(WWt, K) * W * W.T * W,
                 power(WtW, K + 1) * W.T * W, power(WtW, K + 2)], [None, ih, None])
    lemma = rule(f"push-through for {tex}", W.T * power(WWt, J) * W, power(WtW, J + 1), [J])
    return base, step, lemma


def _depth_letters():
    W1 = letter("W1", DIMS["h_{1}"], DIMS["h_{0}"], tex="W_{1}")
    E = letter("E", DIMS["h_{l}"], DIMS["h_{0}"], tex="E_{l}")
    Wl = letter("W", DIMS["h_{l}"], DIMS["h_{l-1}"], tex="W_{l}")
    V = letter("V", DIMS["h_{l+1}"], DIMS["h_{l}"], tex="W_{l+1}")
    E1 = letter("F", DIMS["h_{l+1}"], DIMS["h_{0}"], tex="E_{l+1}")
    M = W1.T * W1
    defs = [rule("E_{l+1} = W_{l+1} E_l", E1, V * E), rule("E_{l+1}^T", E1.T, E.T * V.T)]
    return W1, E, Wl, V, E1, M, defs


def balanced_power_induction(shift: int = 0, balanced: bool = True) -> dict[str, Verdict]:
    """``E_l^T (W_l W_l^T)^k E_l = M^{l+k+shift}`` by induction on l (shift = 0 is the theorem).

    Returns verdicts ``base`` and ``step`` (and ``corollary``: k = 0, l = L gives E^T E = M^L).
    """
    W1, E, Wl, V, E1, M, defs = _depth_letters()
    _, _, push1 = pushthrough("W1", "h_{1}", "h_{0}", "W_{1}")
    _, _, pushv = pushthrough("V", "h_{l+1}", "h_{l}", "W_{l+1}")
    base_lhs = W1.T * power(W1 * W1.T, K) * W1
    base_rhs = power(M, 1 + K + shift)
    base = calc([base_lhs, base_rhs], [push1])
    if not base.ok:  # a failed rewrite proves nothing: look for a counter-instance
        base = check_identity(base_lhs, base_rhs, instances=_envs([W1]))
    ih = rule("IH on l", E.T * power(Wl * Wl.T, J) * E, power(M, LL + J + shift), [J])
    bal = rule("D_l = 0", V.T * V, Wl * Wl.T)
    chain = [E1.T * power(V * V.T, K) * E1, E.T * V.T * power(V * V.T, K) * V * E,
             E.T * power(V.T * V, K + 1) * E, E.T * power(Wl * Wl.T, K + 1) * E,
             power(M, LL + 1 + K + shift)]
    reasons = [None, pushv, bal, ih] if balanced else [None, pushv, None, ih]
    step = calc(chain, reasons, defs=defs)
    corollary = check_identity(subs(E.T * power(Wl * Wl.T, K) * E, {K: 0}), E.T * E)
    return {"base": base, "step": step, "corollary": corollary}


# remainders without balancedness ---------------------------------------------------------------
def _remainder_letters():
    h = DIMS["h_{l}"]
    X = letter("X", h, h, tex="X")
    Y = letter("Y", h, h, tex="Y")
    R = lambda m: letter("R", h, h, idx=sp.sympify(m), tex="R_{{i}}")  # noqa: E731
    return X, Y, R


@cache
def remainder_lemma() -> dict[str, Verdict]:
    """``X^m = Y^m + R_m`` for all m >= 0, with ``R_0 = 0``, ``R_{m+1} = X R_m + (X - Y) Y^m``."""
    X, Y, R = _remainder_letters()
    m = sp.Symbol("m", integer=True, nonnegative=True)
    base = check_identity(power(X, 0), power(Y, 0) + R(0), defs=[rule("R_0 = 0", R(0), NCPoly())])
    ih = rule("IH on m", power(X, J), power(Y, J) + R(J), [J])
    rec = rule("recursion R_{m+1}", R(J), X * R(J - 1) + (X - Y) * power(Y, J - 1), [J])
    chain = [power(X, m + 1), X * power(X, m), X * power(Y, m) + X * R(m),
             power(Y, m + 1) + (X - Y) * power(Y, m) + X * R(m), power(Y, m + 1) + R(m + 1)]
    step = calc(chain, [None, ih, None, Unfold(rec)])
    return {"base": base, "step": step}


def remainder_unrolled(max_m: int = 6) -> Verdict:
    """The recursion unrolls to ``R_m = sum_{j<m} X^j (X - Y) Y^{m-1-j}``: checked for m <= max_m
    by expansion, and for every m by the index shift ``X T_j^{(m)} = T_{j+1}^{(m+1)}``,
    ``(X - Y) Y^m = T_0^{(m+1)}``."""
    X, Y, _ = _remainder_letters()
    D = X - Y
    rm = NCPoly()
    for mm in range(max_m + 1):
        closed = NCPoly()
        for j in range(mm):
            closed = closed + X ** j * D * Y ** (mm - 1 - j)
        if not check_identity(rm, closed).ok:
            return Verdict("fails", f"recursion and closed sum differ at m = {mm}")
        rm = X * rm + D * Y ** mm
    term = lambda j, m: power(X, j) * D * power(Y, m - 1 - j)  # noqa: E731
    shift = check_identity(X * term(J, K), term(J + 1, K + 1))
    first = check_identity(D * power(Y, K), term(0, K + 1))
    # sum_{j=0}^{m} T_j = T_0 + sum_{j=0}^{m-1} T_{j+1}: split off j = 0, then substitute
    # j -> j + 1 (summand and limits computed explicitly and compared)
    f = sp.Function("T")
    lo, hi = sp.S.Zero, K
    split_rest = (f(J), lo + 1, hi)
    shifted = (f(J + 1).subs(J, J - 1), lo + 1, hi - 1 + 1)
    reindex_ok = all(sp.expand(a - b) == 0 for a, b in zip(split_rest, shifted, strict=True))
    if shift.ok and first.ok and reindex_ok:
        return Verdict("holds", f"closed sum equals the recursion for m = 0..{max_m}; for every m:"
                                " X T_j = T_{j+1}, (X - Y) Y^m = T_0 and the index shift j -> j+1"
                                " checked")
    for v in (shift, first):
        if not v.ok:
            return v
    return Verdict("unknown", "index shift not confirmed")


def remainder_power_induction() -> dict[str, Verdict]:
    """``E_l^T (W_l W_l^T)^k E_l = M^{l+k} + Q_{l,k}`` by induction on l, for any weights, with
    ``Q_{1,k} = 0`` and ``Q_{l+1,k} = Q_{l,k+1} + E_l^T R_{k+1}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l``.
    """
    W1, E, Wl, V, E1, M, defs = _depth_letters()
    _, _, push1 = pushthrough("W1", "h_{1}", "h_{0}", "W_{1}")
    _, _, pushv = pushthrough("V", "h_{l+1}", "h_{l}", "W_{l+1}")
    h0, hl = DIMS["h_{0}"], DIMS["h_{l}"]
    Q1 = lambda j: letter("Q1", h0, h0, idx=sp.sympify(j), tex="Q_{1,{i}}")  # noqa: E731
    Ql = lambda j: letter("Ql", h0, h0, idx=sp.sympify(j), tex="Q_{l,{i}}")  # noqa: E731
    Qn = lambda j: letter("Qn", h0, h0, idx=sp.sympify(j), tex="Q_{l+1,{i}}")  # noqa: E731
    Rr = lambda j: letter("Rr", hl, hl, idx=sp.sympify(j),  # noqa: E731
                          tex=r"R_{{i}}(W_{l+1}^{\top}W_{l+1},W_{l}W_{l}^{\top})")
    base = calc([W1.T * power(W1 * W1.T, K) * W1, power(M, 1 + K) + Q1(K)], [push1],
                defs=[rule("Q_{1,k} = 0", Q1(J), NCPoly(), [J])])
    rem = rule("remainder lemma", power(V.T * V, J), power(Wl * Wl.T, J) + Rr(J), [J])
    ih = rule("IH on l", E.T * power(Wl * Wl.T, J) * E, power(M, LL + J) + Ql(J), [J])
    qdef = rule("definition of Q_{l+1}", Qn(J), Ql(J + 1) + E.T * Rr(J + 1) * E, [J])
    chain = [E1.T * power(V * V.T, K) * E1, E.T * V.T * power(V * V.T, K) * V * E,
             E.T * power(V.T * V, K + 1) * E,
             E.T * power(Wl * Wl.T, K + 1) * E + E.T * Rr(K + 1) * E,
             power(M, LL + K + 1) + Ql(K + 1) + E.T * Rr(K + 1) * E,
             power(M, LL + 1 + K) + Qn(K)]
    step = calc(chain, [None, pushv, rem, ih, Unfold(qdef)], defs=defs)
    return {"base": base, "step": step}


def remainder_sum_unrolling() -> Verdict:
    """``Q_{l,k} = sum_{i=1}^{l-1} T(i, l-i+k)`` with ``T(i, m) = E_i^T R_m(X_i, Y_i) E_i``,
    by induction on l: the empty sum for l = 1, and peeling the last term of the sum for l + 1.

    The terms are added, never multiplied, so a commutative placeholder ``T`` is faithful here.
    """
    i = sp.Symbol("i", integer=True, positive=True)
    T_ = sp.Function("T")
    claim = lambda l, k: sp.Sum(T_(i, l - i + k), (i, 1, l - 1))  # noqa: E731
    base_ok = claim(1, K).doit() == 0
    nxt = claim(LL + 1, K)
    # peel the last term i = l off the sum for l + 1
    peeled_rest = sp.Sum(nxt.function, (i, 1, LL - 1))
    last = nxt.function.subs(i, LL)
    prev_plus = claim(LL, K + 1)
    same_summand = sp.expand(peeled_rest.function - prev_plus.function) == 0
    same_limits = peeled_rest.limits == prev_plus.limits
    last_ok = sp.expand(last - T_(LL, K + 1)) == 0
    upper_ok = nxt.limits == ((i, 1, LL),)
    if base_ok and same_summand and same_limits and last_ok and upper_ok:
        return Verdict("holds", "Q_{1,k} = empty sum = 0; sum_{i<=l} T(i, l+1-i+k) peels into "
                                "sum_{i<l} T(i, l-i+(k+1)) + T(l, k+1), matching the recursion "
                                "of Q; with l = L, k = 0: Q_{L,0} = sum_{i=1}^{L-1} T(i, L-i)")
    return Verdict("unknown", "the unrolled sum does not match the recursion")


def network_linear_induction() -> dict[str, Verdict]:
    """``f_l(x) = E_l x`` for every l: f_1(x) = W_1 x; f_{l+1}(x) = W_{l+1} f_l(x)."""
    h0 = DIMS["h_{0}"]
    x = letter("x", h0, 1, tex="x")
    W1 = letter("W1", DIMS["h_{1}"], h0, tex="W_{1}")
    E = letter("E", DIMS["h_{l}"], h0, tex="E_{l}")
    V = letter("V", DIMS["h_{l+1}"], DIMS["h_{l}"], tex="W_{l+1}")
    E1 = letter("F", DIMS["h_{l+1}"], h0, tex="E_{l+1}")
    f = letter("f", DIMS["h_{l}"], 1, tex="f_{l}(x)")
    base = check_identity(W1 * x, W1 * x)
    ih = rule("IH on l", f, E * x)
    step = calc([V * f, V * E * x, E1 * x], [ih, None],
                defs=[rule("E_{l+1} = W_{l+1} E_l", E1, V * E)])
    return {"base": base, "step": step}


def jacobian_constant() -> Verdict:
    """``d/de E (x + e v) |_{e=0} = E v`` for all x, v: the Jacobian is E at every x."""
    h0 = DIMS["h_{0}"]
    E = letter("E", DIMS["k"], h0, tex="E")
    x = letter("x", h0, 1, tex="x")
    v = letter("v", h0, 1, tex="v")
    fx = E * (x + v * EPS)
    d = NCPoly({w: sp.diff(c, EPS).subs(EPS, 0) for w, c in fx.terms.items()})
    return check_identity(d, E * v, instances=_envs([d, E]))
