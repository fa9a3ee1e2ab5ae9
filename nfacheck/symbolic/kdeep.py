"""Kernel proofs for the deep NFA and gradient descent (every layer, every depth).

Each function builds a :class:`nfacheck.symbolic.kernel.Theorem` from the kernel rules only and
returns it with the statement it was meant to prove; the registry (:mod:`nfacheck.theorems.deep`)
checks the two with :func:`~nfacheck.symbolic.kernel.matches`.

- :func:`suffix_power`: a chain ``W_s, W_{s+1}, ...`` balanced from layer ``s`` on, with
  ``E_s = W_s`` and ``E_{s+j+1} = W_{s+j+1} E_{s+j}``, has, for every ``j, k >= 0``,
  ``E_{s+j}^T (W_{s+j} W_{s+j}^T)^k E_{s+j} = (W_s^T W_s)^{j+1+k}`` (induction on j). With
  ``L = s + j`` and ``k = 0`` this is ``S_s^T S_s = M_s^{L-s+1}``.
- :func:`suffix_root`: from it, ``M_s = (S_s^T S_s)^{1/(L-s+1)}`` by the cited uniqueness of the
  PSD root (``M_s = W_s^T W_s`` is a Gram matrix): the deep NFA of layer ``s``.
- :func:`gd_recursion`: one GD step on a linear net moves ``D_l`` by exactly
  ``a^2 D_l + eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T)``.
- :func:`fact_layer`: at a stationary point of a loss with weight decay, for any layer of any
  net, ``W^T W = -(1/(n lambda)) (W^T Delta) H^T``.
"""

from __future__ import annotations

import functools

import sympy as sp

from . import kernel as K
from .deeplinear import EPS, ROOT_UNIQUENESS, H, W, psd_root, push_for
from .freealg import NCPoly, letter, power, root

__all__ = ["suffix_power", "suffix_statement", "suffix_root", "root_statement", "sub_jacobian",
           "ROOT_UNIQUENESS", "gd_recursion", "fact_layer", "rate_nonsingular",
           "gd_defect", "WEYL", "LIPSCHITZ_ROOT", "REMAINDER_RATE", "REMAINDER_NORM",
           "PSD_DIFFERENCE", "TRIANGLE"]


def _nat(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, nonnegative=True)


def _chain(*steps: K.Theorem) -> K.Theorem:
    out = steps[0]
    for th in steps[1:]:
        out = K.trans(out, th)
    return out


def _rw(eq_th: K.Theorem, term: NCPoly) -> tuple[K.Theorem, NCPoly]:
    th = K.rewrite(eq_th, term)
    return th, th.concl.rhs


# the deep NFA of every layer -----------------------------------------------------------------
_S = sp.Symbol("s", positive=True, integer=True)


def _prefix(i):
    """``E^{(s)}_i = W_i ... W_s`` as a letter (h_i x h_{s-1})."""
    return letter("Es", H(i), H(_S - 1), idx=i, tex="{E^{(s)}_{{i}}}")


def suffix_statement(shift: int = 0, balanced: bool = True):
    """``(statement, hypotheses)`` of :func:`suffix_power` (cheap: no proof)."""
    s, j, i = _S, _nat("j"), _nat("i")
    hyps = [K.Eq(_prefix(s), W(s)),
            K.Forall(i, 0, K.Eq(_prefix(s + i + 1), W(s + i + 1) * _prefix(s + i)))]
    if balanced:
        hyps.append(K.Forall(i, 0, K.Eq(W(s + i + 1).T * W(s + i + 1), W(s + i) * W(s + i).T)))
    E = _prefix(s + j)
    return K.Forall(j, 0, K.Eq(E.T * E, power(W(s).T * W(s), j + 1 + shift))), hyps


def suffix_power(shift: int = 0, balanced: bool = True):
    """The depth induction behind ``deep-nfa-layerwise`` (see the module docstring).

    Returns ``(theorem, statement, hypotheses)``: the theorem concludes
    ``∀j ≥ 0. ∀k ≥ 0. E_{s+j}^T (W_{s+j} W_{s+j}^T)^k E_{s+j} = (W_s^T W_s)^{j+1+k+shift}``
    from the hypotheses ``E_s = W_s``, ``∀j. E_{s+j+1} = W_{s+j+1} E_{s+j}`` and (when
    ``balanced``) ``∀j. W_{s+j+1}^T W_{s+j+1} = W_{s+j} W_{s+j}^T``.
    """
    s, j, k = _S, _nat("j"), _nat("k")
    Ms = W(s).T * W(s)
    statement, hyps = suffix_statement(shift, balanced)
    hyp_first, hyp_next = hyps[0], hyps[1]
    hyp_bal = hyps[2] if balanced else None

    def body(jj):
        E, Wj = _prefix(s + jj), W(s + jj)
        return K.Forall(k, 0, K.Eq(E.T * power(Wj * Wj.T, k) * E,
                                   power(Ms, jj + 1 + k + shift)))

    pred = K.Pred(j, body(j))
    ind = K.Induction(pred, 0)

    def push_at(idx):
        return push_for(W(idx), H(idx), H(idx - 1), k)

    # base: E_s = W_s, then push-through for W_s
    kk = k
    lhs0 = ind.base_goal.body.lhs
    first = K.assume(hyp_first)
    b1, t1 = _rw(first, lhs0)
    b2, t2 = _rw(K.cong(first, "transpose"), t1)
    b3, t3 = _rw(push_at(s), t2)
    b4 = K.by_canon(t3, ind.base_goal.body.rhs)
    base = K.gen(_chain(b1, b2, b3, b4), kk, 0)

    # step: j = n -> n + 1
    n = ind.var
    nxt = K.spec(K.assume(hyp_next), n)
    lhs = ind.step_goal.body.lhs
    s1, u1 = _rw(nxt, lhs)
    s2, u2 = _rw(K.cong(nxt, "transpose"), u1)
    s3, u3 = _rw(push_at(s + n + 1), u2)
    parts = [s1, s2, s3]
    if balanced:
        s4, u3 = _rw(K.spec(K.assume(hyp_bal), n), u3)
        parts.append(s4)
    s5, u5 = _rw(K.spec(K.assume(ind.hyp), k + 1), u3)
    s6 = K.by_canon(u5, ind.step_goal.body.rhs)
    step = K.gen(_chain(*parts, s5, s6), kk, 0)
    th = ind.conclude(base, step, j)
    E = _prefix(s + j)
    at0 = K.spec(K.spec(th, j), 0)  # k = 0; then print the left side as E^T E
    corollary = K.gen(K.trans(K.by_canon(E.T * E, at0.concl.lhs), at0), j, 0)
    return corollary, statement, hyps


def root_statement():
    """``∀j ≥ 0: W_s^T W_s = (E_{s+j}^T E_{s+j})^{1/(j+1)}`` (cheap: no proof)."""
    j = _nat("j")
    E = _prefix(_S + j)
    return K.Forall(j, 0, K.Eq(W(_S).T * W(_S), root(E.T * E, j + 1)))


def suffix_root(corollary: K.Theorem, shift: int = 0) -> K.Theorem:
    """From :func:`suffix_power`'s ``∀j: E_{s+j}^T E_{s+j} = M_s^{j+1}``: ⊢ ``∀j: M_s =
    (E_{s+j}^T E_{s+j})^{1/(j+1)}``, the cited uniqueness of the PSD root at ``U = W_s`` and
    ``m = j + 1 = L - s + 1`` (``shift = 1`` applies it at ``L - s + 2``: a control)."""
    j = _nat("j")
    return K.gen(psd_root(K.spec(corollary, j), W(_S), j + 1 + shift), j, 0)


def sub_jacobian(statement_only: bool = False):
    """⊢ ``∀j: E_{s+j}(h + eps v) = E_{s+j} h + eps E_{s+j} v``: the sub-network from layer ``s``
    on, ``h -> S_s h`` with ``S_s = E_{s+j}``, is linear, so its Jacobian w.r.t. the layer input
    is ``S_s`` at every point and its AGOP is ``S_s^T S_s``."""
    j, eps = _nat("j"), EPS
    E = _prefix(_S + j)
    h, v = (letter(x, H(_S - 1), 1, tex=x) for x in ("h", "v"))
    body = K.Eq(E * (h + v * eps), E * h + E * v * eps)
    return K.Forall(j, 0, body) if statement_only else K.gen(K.by_canon(body.lhs, body.rhs), j, 0)


# gradient descent ----------------------------------------------------------------------------
@functools.cache
def gd_recursion(drift: bool = True, statement_only: bool = False):
    """⊢ the one-step imbalance law of GD (``drift=False`` drops the eta^2 term: a control).

    Letters: ``S`` (``W_L ... W_{l+2}``, k x h_{l+1}), ``B = W_{l+1}``, ``A = W_l``,
    ``P = W_{l-1} ... W_1`` and ``R`` (k x d, the residual ``(1/n)(E X - Y) X^T``). Hypotheses:
    the data gradients of the linear net, ``g_{l+1} = S^T R P^T A^T`` and
    ``g_l = B^T S^T R P^T`` (theorem gradient-linear with ``S_l = S B``, ``P_{l+1} = A P``).
    """
    k, d = sp.Symbol("k", positive=True, integer=True), sp.Symbol("d", positive=True,
                                                                    integer=True)
    h0, h1, h2 = (sp.Symbol(f"h_{i}", positive=True, integer=True) for i in range(3))
    # a = 1 - eta lambda: any scalar factor works, so it stays one symbol (fast canonical forms)
    eta, a = sp.Symbol("eta", positive=True), sp.Symbol("a", real=True)
    S, B, A = letter("S", k, h2), letter("B", h2, h1, tex="W_{l+1}"), letter("A", h1, h0,
                                                                            tex="W_l")
    P, R = letter("P", h0, d), letter("R", k, d)
    g1, g0 = letter("G", h2, h1, tex="g_{l+1}"), letter("g", h1, h0, tex="g_l")
    hyp1 = K.Eq(g1, S.T * R * P.T * A.T)
    hyp0 = K.Eq(g0, B.T * S.T * R * P.T)
    B1, A1 = B * a - g1 * eta, A * a - g0 * eta
    lhs = B1.T * B1 - A1 * A1.T
    rhs = (B.T * B - A * A.T) * a**2
    if drift:
        rhs = rhs + (g1.T * g1 - g0 * g0.T) * eta**2
    statement = K.Eq(lhs, rhs)
    if statement_only:
        return None, statement, [hyp1, hyp0]
    e1, e0 = K.assume(hyp1), K.assume(hyp0)
    l1, x = _rw(e1, lhs)
    l2, x = _rw(K.cong(e1, "transpose"), x)
    l3, x = _rw(e0, x)
    l4, x = _rw(K.cong(e0, "transpose"), x)
    r_parts, y = [], rhs
    if drift:
        for eq in (e1, K.cong(e1, "transpose"), e0, K.cong(e0, "transpose")):
            th, y = _rw(eq, y)
            r_parts.append(th)
    middle = K.by_canon(x, y)
    right = _chain(*r_parts) if r_parts else None
    th = _chain(l1, l2, l3, l4, middle)
    if right is not None:
        th = K.trans(th, K.sym(right))
    return th, statement, [hyp1, hyp0]


# FACT ----------------------------------------------------------------------------------------
def fact_layer(factor=1, statement_only: bool = False):
    """⊢ FACT for one layer of any net (``factor != 1`` is a control).

    Letters: ``W`` (the layer, h_l x h_{l-1}), ``D`` (its output-side gradients
    ``delta_i = dl_i/dz_l`` as columns, h_l x n), ``X`` (its inputs ``h_{l-1}(x_i)``, h_{l-1} x n),
    ``Q`` (``dL/dW_l``) and ``N`` (the input-side gradients ``grad_{h_{l-1}} l_i`` as columns).
    Hypotheses: ``Q = (1/n) D X^T + lambda W`` (the layer sees its weights only through
    ``z_l = W h_{l-1}``), ``N = W^T D`` (the chain rule through the same ``z_l``), and
    stationarity ``Q = 0``.
    """
    n = sp.Symbol("n", positive=True, integer=True)
    h0, h1 = sp.Symbol("h_0", positive=True, integer=True), sp.Symbol("h_1", positive=True,
                                                                        integer=True)
    lam = sp.Symbol("lambda", positive=True)
    Wl, D, X = letter("W", h1, h0, tex="W_l"), letter("D", h1, n, tex=r"\Delta"), letter(
        "X", h0, n, tex="H")
    Q, N = letter("Q", h1, h0, tex=r"\partial\mathcal L/\partial W_l"), letter(
        "N", h0, n, tex=r"\nabla_{h}\ell")
    hyp_grad = K.Eq(Q, D * X.T / n + Wl * lam)
    hyp_in = K.Eq(N, Wl.T * D)
    hyp_stat = K.Eq(Q, NCPoly())
    fact = N * X.T * (-sp.sympify(factor) / (n * lam))
    statement = K.Eq(Wl.T * Wl, fact)
    if statement_only:
        return None, statement, [hyp_grad, hyp_in, hyp_stat]
    g = K.cong(K.assume(hyp_grad), "mul_left", Wl.T)  # W^T Q = W^T ((1/n) D X^T + lam W)
    z = K.cong(K.assume(hyp_stat), "mul_left", Wl.T)  # W^T Q = 0
    zero_form = K.trans(K.sym(g), z)  # W^T((1/n) D X^T + lam W) = 0
    scaled = K.cong(K.cong(zero_form, "scale", 1 / lam), "add",
                    Wl.T * D * X.T * (-1 / (n * lam)))
    left = K.by_canon(Wl.T * Wl, scaled.concl.lhs)
    right = K.by_canon(scaled.concl.rhs, Wl.T * D * X.T * (-1 / (n * lam)))
    solved = _chain(left, scaled, right)
    back, _ = _rw(K.sym(K.assume(hyp_in)), solved.concl.rhs)
    th = K.trans(solved, back)
    if factor != 1:
        th = K.trans(th, K.by_canon(th.concl.rhs, fact))
    return th, statement, [hyp_grad, hyp_in, hyp_stat]


# the sharp rate ------------------------------------------------------------------------------
WEYL = "Weyl's inequality"
LIPSCHITZ_ROOT = "operator monotone Lipschitz bound"
REMAINDER_RATE = "explicit remainder rate"
_REFS = {
    WEYL: "Bhatia, Matrix Analysis (GTM 169), Cor. III.2.6: lambda_min(A + E) >= lambda_min(A) "
          "- ||E||_2",
    LIPSCHITZ_ROOT: "Bhatia, Matrix Analysis (GTM 169), Thm X.3.8: f operator monotone, "
                    "A, B >= mu I > 0 => |||f(A) - f(B)||| <= f'(mu) |||A - B|||; f(x) = x^(1/L)",
    REMAINDER_RATE: "theorem nfa-weight-decay-asymptotic: ||E^T E - M^L||_F <= C e^(-2 lambda t) "
                    "with C = L(L-1)/2 B^(2L-2) max_l ||D_l(0)||_F",
}


def rate_symbols() -> dict:
    """The scalars of :func:`rate_nonsingular` (norms and eigenvalue bounds at time t)."""
    pos = {"positive": True}
    return {
        "lam": sp.Symbol("lambda", **pos), "L": sp.Symbol("L", positive=True, integer=True),
        "C": sp.Symbol("C", **pos), "mu": sp.Symbol("mu", **pos),
        "delta": sp.Symbol("delta", nonnegative=True), "rho": sp.Symbol("rho", nonnegative=True),
        "lmin_ML": sp.Symbol("m_L", real=True), "lmin_G": sp.Symbol("g_min", real=True),
    }


def rate_nonsingular(rate_factor=2, statement_only: bool = False):
    """⊢ ||G^{1/L} - M||_F <= (C mu^{1/L-1} / L) e^{-2 lambda t} when the limit Gram is
    non-singular (``rate_factor = 4`` asks for e^{-4 lambda t}: a control).

    Scalars at a time t: ``delta = ||G - M^L||_F``, ``rho = ||G^{1/L} - M||_F``,
    ``m_L = lambda_min(M^L)``, ``g_min = lambda_min(G)``. Hypotheses (a non-singular limit Gram
    and t large): ``m_L >= 2 mu``, ``C e^{-2 lambda t} <= mu``. Cited: the remainder rate,
    Weyl's inequality and the operator monotone Lipschitz bound (Bhatia X.3.8, which needs
    ``M^L, G >= mu I``: proved here from Weyl by real arithmetic).
    """
    v = rate_symbols()
    lam, L, C, mu, delta, rho = (v[k] for k in ("lam", "L", "C", "mu", "delta", "rho"))
    e = sp.exp(-2 * lam * K.TIME)
    a = mu ** (sp.Integer(1) / L - 1) / L
    hyps = [K.Le(2 * mu, v["lmin_ML"]), K.Le(C * e, mu)]
    goal = K.Le(rho, a * C * sp.exp(-rate_factor * lam * K.TIME))
    statement = K.And((goal, K.Le(mu, v["lmin_G"]), K.Le(mu, v["lmin_ML"])))
    if statement_only:
        return None, statement, hyps
    rem = K.cite(REMAINDER_RATE, K.Le(delta, C * e), _REFS[REMAINDER_RATE])
    weyl = K.cite(WEYL, K.Le(v["lmin_ML"] - delta, v["lmin_G"]), _REFS[WEYL])
    lip = K.cite(LIPSCHITZ_ROOT, K.Le(rho, a * delta), _REFS[LIPSCHITZ_ROOT])
    both = K.real_arith(K.Le(mu, v["lmin_G"]),
                        [rem, weyl, K.assume(hyps[0]), K.assume(hyps[1])])
    side = K.real_arith(K.Le(mu, v["lmin_ML"]), [K.assume(hyps[0])])
    th = K.real_arith(goal, [lip, rem])
    return K.conj([th, both, side]), statement, hyps


# the GD defect bound -------------------------------------------------------------------------
REMAINDER_NORM = "norm bound of the remainder sum by the imbalances"
PSD_DIFFERENCE = "norm of a difference of Gram matrices"
TRIANGLE = "triangle inequality on the GD imbalance law"
_REFS.update({
    REMAINDER_NORM: "Horn and Johnson, Matrix Analysis, sec. 5.6 (submultiplicativity) on the "
                    "remainder identity of nfa-weight-decay-asymptotic: ||E^T E - M^L||_F <= "
                    "omega^(2(L-1)) sum_l (L - l) ||D_l||_F <= C_omega max_l ||D_l||_F, "
                    "C_omega = omega^(2(L-1)) L(L-1)/2, omega = max_l ||W_l||_2",
    PSD_DIFFERENCE: "for PSD A, B: ||A - B||_F^2 = ||A||_F^2 + ||B||_F^2 - 2<A, B>_F with "
                    "<A, B>_F >= 0, and ||g^T g||_F <= ||g||_F^2",
    TRIANGLE: "||a^2 D + eta^2 Delta||_F <= a^2 ||D||_F + eta^2 ||Delta||_F applied to the "
              "theorem gd-imbalance-recursion",
})


def defect_symbols() -> dict:
    """Scalars of :func:`gd_defect`: norms after k steps, as functions of the step k."""
    nn = {"nonnegative": True}
    return {
        "d": sp.Function("d", **nn), "delta": sp.Function("delta", **nn),
        "gamma": sp.Function("gamma", **nn), "Gamma": sp.Symbol("Gamma", **nn),
        "eta": sp.Symbol("eta", positive=True),
        "C_omega": sp.Symbol(r"C_{\omega}", **nn),
        "defect": sp.Function("defect", **nn),
    }


def gd_defect(factor=1, statement_only: bool = False):
    """⊢ after k GD steps with lambda = 0: ||D_l(k)||_F <= ||D_l(0)||_F + sqrt(2) eta^2 Gamma^2 k
    and ||E^T E - M^L||_F <= omega^{2(L-1)} L(L-1)/2 (||D(0)|| + sqrt(2) eta^2 Gamma^2 k), i.e.
    O(eta) at a fixed time t = k eta (``factor`` scales the drift term: a control).

    ``d(k)`` bounds every ``||D_l(k)||_F``, ``delta(k) = ||g_{l+1}^T g_{l+1} - g_l g_l^T||_F``,
    ``gamma(k)`` the largest gradient norm of step k; hypothesis: ``gamma(k) <= Gamma`` for
    every step met. ``C_omega = omega^{2(L-1)} L(L-1)/2`` with ``omega`` a bound on the weights'
    spectral norms after k steps (the cited remainder norm bound).
    """
    v = defect_symbols()
    d, delta, gamma, G, eta, cw, defect = (v[x] for x in ("d", "delta", "gamma", "Gamma",
                                                          "eta", "C_omega", "defect"))
    k, i = _nat("k"), _nat("i")
    c = sp.sqrt(2) * eta**2 * G**2 * sp.sympify(factor)
    hyps = [K.Forall(i, 0, K.Le(gamma(i), G))]
    closed = K.Forall(k, 0, K.Le(d(k), d(0) + c * k))
    bound = K.Forall(k, 0, K.Le(defect(k), cw * (d(0) + c * k)))
    statement = K.And((closed, bound))
    if statement_only:
        return None, statement, hyps
    tri = K.cite(TRIANGLE, K.Forall(i, 0, K.Le(d(i + 1), d(i) + eta**2 * delta(i))),
                 _REFS[TRIANGLE])
    psd = K.cite(PSD_DIFFERENCE, K.Forall(i, 0, K.Le(delta(i), sp.sqrt(2) * gamma(i) ** 2)),
                 _REFS[PSD_DIFFERENCE])
    rem = K.cite(REMAINDER_NORM, K.Forall(i, 0, K.Le(defect(i), cw * d(i))),
                 _REFS[REMAINDER_NORM])
    ind = K.Induction(K.Pred(k, closed.body), 0)
    base = K.real_arith(ind.base_goal)
    n = ind.var
    step = K.real_arith(ind.step_goal, [K.assume(ind.hyp), K.spec(tri, n), K.spec(psd, n),
                                        K.spec(K.assume(hyps[0]), n)])
    first = ind.conclude(base, step, k)
    second = K.gen(K.real_arith(bound.body, [K.spec(first, k), K.spec(rem, k)]), k, 0)
    return K.conj([first, second]), statement, hyps
