"""FACT at a stationary point: W_1ᵀW_1 = −(1/(nλ)) Σ_i ∇_x ℓ_i(x_i) x_iᵀ (Boix-Adserà et al. 2025).

The abstract proof uses only that ℓ_i depends on W_1 and on x_i through p_i = W_1 x_i, so it holds
for any differentiable σ and any depth; explicit nets and exact stationary points cross-check it.
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from ..symbolic import kernel as K
from ..symbolic.freealg import letter
from ..symbolic.pointwise import (
    canonical_sums,
    decide_zero,
    forward,
    gradient,
    loss,
    name_derivatives,
    random_rational_matrix,
    sample_loss,
    vector,
    weight_matrices,
)
from . import register
from .base import Control, Proof, Step, Theorem, kstep

__all__ = ["THEOREM", "prove", "stationary_instance", "stationary_gradient", "fact_residual"]

_LAMBDA = sp.Rational(1, 10)
_STAT_WIDTHS = (2, 2, 1)
_STAT_N = 6


_h, _d, _n = sp.symbols("h d n", positive=True, integer=True)
_lam = sp.Symbol("lambda", positive=True)
_W = letter("W", _h, _d, tex="W_{1}")
_Gam, _Xd = letter("Gamma", _h, _n, tex="\\Gamma"), letter("X", _d, _n, tex="X")
_GW = letter("GW", _h, _d, tex="\\partial_{W_1}\\mathcal{L}")
_SX = letter("SX", _d, _d, tex="\\sum_i \\nabla_x\\ell_i\\, x_i^{\\top}")
_CHAIN = "chain rule through p = W_1 x"
_STATIONARY = K.Eq(_GW, letter("GW", _h, _d, tex="\\partial_{W_1}\\mathcal{L}") * 0)


def _kernel_fact() -> K.Theorem:
    """chain rule (cited), ∂ℒ/∂W_1 = 0 ⊢ W_1ᵀW_1 + (1/(nλ))Σ∇ℓx = (1/λ)W_1ᵀ∂ℒ/∂W_1 and FACT."""
    chain = K.cite(_CHAIN, K.And((K.Eq(_GW, _Gam * _Xd.T / _n + _W * _lam),
                                  K.Eq(_SX, _W.T * _Gam * _Xd.T))),
                   "ℓ_i depends on W_1 and x_i only through p_i = W_1x_i (any σ, any depth "
                   "after layer 1), so with g_i = ∇_pℓ_i: ∂ℓ_i/∂W_1 = g_ix_iᵀ and "
                   "∇_xℓ_i = W_1ᵀg_i; stacked Γ = [g_1 … g_n]; the decay term gives λW_1")
    grad, sx = K.proj(chain, 0), K.proj(chain, 1)
    start = _W.T * _GW / _lam
    ident = K.trans(K.rewrite(grad, start),
                    K.by_canon((_W.T * (_Gam * _Xd.T / _n + _W * _lam)) / _lam,
                               _W.T * _W + _W.T * _Gam * _Xd.T / (_n * _lam)))
    ident = K.trans(ident, K.rewrite(K.sym(sx), ident.concl.rhs))
    zero = K.trans(K.sym(K.rewrite(K.assume(_STATIONARY), start)), ident)
    moved = K.cong(zero, "add", -_SX / (_n * _lam))
    fact = K.trans(K.by_canon(_W.T * _W, moved.concl.rhs), K.sym(moved))
    fact = K.trans(fact, K.by_canon(fact.concl.rhs, -_SX / (_n * _lam)))
    return K.conj([ident, fact])


_FACT_CONCLUSION = K.And((K.Eq(_W.T * _GW / _lam, _W.T * _W + _SX / (_n * _lam)),
                          K.Eq(_W.T * _W, -_SX / (_n * _lam))))


def _abstract_steps() -> list[Step]:
    h, d, n = sp.symbols("h d n", positive=True, integer=True)
    lam, eps = sp.symbols("lambda epsilon", positive=True)
    W, V = sp.MatrixSymbol("W_1", h, d), sp.MatrixSymbol("V", h, d)
    x, xi = sp.MatrixSymbol("x", d, 1), sp.MatrixSymbol("xi", d, 1)
    g = sp.MatrixSymbol("g", h, 1)
    Gam, X = sp.MatrixSymbol("Gamma", h, n), sp.MatrixSymbol("X", d, n)
    steps = []

    # 1. perturbing W_1 or x moves p = W_1 x along a line; chain rule gives g^T q
    lines = [((W + eps * V) * x - (W * x + eps * V * x)).doit().expand(),
             (W * (x + eps * xi) - (W * x + eps * W * xi)).doit().expand()]
    d_w = sp.diff(g.T * (W * x + eps * V * x), eps)
    d_x = sp.diff(g.T * (W * x + eps * W * xi), eps)
    frob = canonical_sums((g.T * V * x)[0, 0]) - canonical_sums(
        sp.trace((g * x.T).T * V).rewrite(sp.Sum))
    ok = (all(e == sp.ZeroMatrix(*e.shape) or e == 0 for e in lines)
          and sp.simplify(d_w - g.T * V * x) == sp.ZeroMatrix(1, 1)
          and sp.simplify(d_x - (W.T * g).T * xi) == sp.ZeroMatrix(1, 1)
          and sp.simplify(frob) == 0)
    steps.append(Step(
        "ℓ_i depends on W_1 and on x only through p = W_1 x (any σ, any depth after layer 1); "
        "with g_i = ∇_p ℓ_i (the backpropagated vector) the chain rule gives directional "
        "derivatives gᵀVx = ⟨g xᵀ, V⟩_F and gᵀW_1ξ = ⟨W_1ᵀg, ξ⟩, checked for symbolic h×d",
        r"\frac{\partial \ell_i}{\partial W_1} = g_i x_i^\top,\quad "
        r"\nabla_x \ell_i = W_1^\top g_i,\quad g_i = \frac{\partial \ell_i}{\partial (W_1x)}",
        "symbolic", "holds" if ok else "fails",
        "line perturbations, ε-derivatives and the Frobenius pairing (index sums) agree"
        if ok else f"a chain-rule identity did not reduce: {lines}, {frob}"))

    # 2. weight decay term and stacking over samples
    decay = sp.diff(sp.trace(W.T * W) / 2, W)
    stack = canonical_sums((Gam * X.T)[0, 1]) - canonical_sums(
        sp.Sum(Gam[0, sp.Symbol("i")] * X[1, sp.Symbol("i")], (sp.Symbol("i"), 0, n - 1)))
    ok = sp.simplify(decay - W) == sp.ZeroMatrix(h, d) and sp.simplify(stack) == 0
    steps.append(Step(
        "∂/∂W_1 of (λ/2)‖W_1‖_F² is λW_1; Σ_i g_i x_iᵀ = ΓXᵀ with Γ = [g_1 … g_n], so "
        "∂ℒ/∂W_1 = (1/n)ΓXᵀ + λW_1 and Σ_i ∇_xℓ_i x_iᵀ = W_1ᵀΓXᵀ",
        r"\frac{\partial\mathcal L}{\partial W_1} = \tfrac1n \Gamma X^\top + \lambda W_1,\quad "
        r"\sum_i \nabla_x\ell_i\, x_i^\top = W_1^\top \Gamma X^\top",
        "symbolic", "holds" if ok else "fails",
        "matrix derivative of the trace and the index sum agree" if ok
        else f"decay: {decay}, stack: {stack}"))

    # 3. the key identity, valid at every point; stationarity kills the right side
    S = Gam * X.T / n + lam * W
    R = W.T * W + W.T * Gam * X.T / (n * lam) - W.T * S / lam
    res = R.doit().expand()
    ok = res == sp.ZeroMatrix(d, d) or res == 0
    steps.append(Step(
        "for every W_1: W_1ᵀW_1 + (1/(nλ)) Σ_i ∇_xℓ_i x_iᵀ = (1/λ) W_1ᵀ ∂ℒ/∂W_1 (symbolic "
        "h, d, n); at a stationary point the right side is 0, which is the theorem (λ > 0)",
        r"W_1^\top W_1 + \tfrac{1}{n\lambda}\sum_i \nabla_x\ell_i x_i^\top "
        r"= \tfrac1\lambda W_1^\top \frac{\partial\mathcal L}{\partial W_1} = 0",
        "symbolic", "holds" if ok else "fails",
        "residual expands to the zero matrix" if ok else f"residual {res}"))
    return steps


def _explicit_step(widths: tuple[int, ...], n: int, act: str) -> Step:
    """Chain rule and the key identity on an explicit net with symbol entries."""
    sigma = sp.Function("sigma") if act == "undefined" else sp.tanh
    Ws = weight_matrices(widths)
    lam = sp.Symbol("lambda", positive=True)
    xs = [vector(f"x{i + 1}", widths[0]) for i in range(n)]
    ys = [vector(f"y{i + 1}", widths[-1]) for i in range(n)]
    W1 = Ws[0]
    P = vector("p", widths[1])
    dsigma = sp.Function("dsigma")

    def named(m: sp.Matrix) -> sp.Matrix:
        if act != "undefined":
            return m
        return m.applyfunc(lambda e: name_derivatives(e, sigma, dsigma))

    residuals = []
    grad_x_sum = sp.zeros(widths[0], widths[0])
    for x, y in zip(xs, ys, strict=True):
        li = sample_loss(Ws, x, y, sigma)
        # g_i independently: the loss as a function of the placeholder p = W_1 x
        lp = sample_loss([sp.eye(widths[1])] + list(Ws[1:]), P, y, sigma)
        g = named(gradient(lp, P)).xreplace(dict(zip(P, W1 * x, strict=True)))
        gx = named(gradient(li, x))
        residuals += list(named(gradient(li, W1)) - g * x.T) + list(gx - W1.T * g)
        grad_x_sum += gx * x.T
    L = loss(Ws, xs, ys, sigma, lam)
    key = W1.T * W1 + grad_x_sum / (n * lam) - W1.T * named(gradient(L, W1)) / lam
    outcome, ev = decide_zero(sp.Matrix(residuals + list(key)))
    return Step(
        f"explicit net widths {list(widths)}, n = {n}, σ = {act}, symbol entries: "
        "∂ℓ_i/∂W_1 = g_i x_iᵀ, ∇_xℓ_i = W_1ᵀg_i (g_i from a placeholder for W_1x_i) and the "
        "key identity, entry by entry with SymPy's diff",
        r"W_1^\top W_1 + \tfrac{1}{n\lambda}\sum_i\nabla_x\ell_i x_i^\top - "
        r"\tfrac1\lambda W_1^\top\partial_{W_1}\mathcal L = 0",
        "instance", outcome, ev)


def _poly_sigma(z: sp.Expr) -> sp.Expr:
    return z - z**3 / 3


def stationary_instance(seed: int = 3, sigma=_poly_sigma, widths=_STAT_WIDTHS, n=_STAT_N,
                        weight_decay: sp.Expr = _LAMBDA):
    """An exact stationary point of ℒ: random rational W, X; Y solved so that ∇ℒ = 0.

    Every ∂ℒ/∂W_l is affine in the residuals R = f(X) − Y, so for fixed W, X the stationary
    residuals solve a linear system; Y = f(X) − R. Returns ``(weights, xs, ys)``.

    The system needs rank (number of weights): with a polynomial σ its rows are polynomials in
    x, so σ must carry enough monomials (an odd cubic spans 6 functions of x ∈ ℝ², enough for
    widths [2, 2, 1] but not for [2, 3, 1]). Raises ``RuntimeError`` after 5 singular draws.
    """
    rng = random.Random(seed)
    for _ in range(5):
        Ws = [random_rational_matrix(rng, widths[i + 1], widths[i])
              for i in range(len(widths) - 1)]
        xs = [random_rational_matrix(rng, widths[0], 1) for _ in range(n)]
        sym = weight_matrices(widths, "u")
        rs = [vector(f"r{i + 1}", widths[-1]) for i in range(n)]
        ys_sym = [vector(f"y{i + 1}", widths[-1]) for i in range(n)]
        L = loss(sym, xs, ys_sym, sigma, weight_decay)
        at = {s: v for Ms, Mv in zip(sym, Ws, strict=True) for s, v in zip(Ms, Mv, strict=True)}
        outs = [forward(Ws, x, sigma)[1] for x in xs]
        yval = {s: o - r for y, out, rr in zip(ys_sym, outs, rs, strict=True)
                for s, o, r in zip(y, out, rr, strict=True)}
        eqs = [sp.expand(sp.diff(L, s).xreplace(at).xreplace(yval)) for s in at]
        unknowns = [r for rr in rs for r in rr]
        A, b = sp.linear_eq_to_matrix(eqs, unknowns)
        try:
            sol, params = A.gauss_jordan_solve(b)
        except ValueError:  # inconsistent for this draw
            continue
        sol = sol.xreplace({q: 0 for q in params})  # any solution will do
        if all(e == 0 for e in sol):
            continue
        at_r = dict(zip(unknowns, sol, strict=True))
        ys = [out - rr.xreplace(at_r) for out, rr in zip(outs, rs, strict=True)]
        return Ws, xs, ys
    raise RuntimeError("no non-degenerate stationary instance found")  # pragma: no cover


def fact_residual(Ws, xs, ys, sigma=_poly_sigma, weight_decay: sp.Expr = _LAMBDA,
                  coefficient: sp.Expr | None = None, wrt: str = "input") -> sp.Matrix:
    """W_1ᵀW_1 − coefficient · Σ_i ∇ℓ_i x_iᵀ at a numeric point (default coefficient −1/(nλ)).

    ``wrt="input"`` differentiates ℓ_i in x (the theorem); ``wrt="hidden"`` in the first
    layer's output h_1 = σ(W_1x) (a control; needs h_1 = d).
    """
    n = len(xs)
    if coefficient is None:
        coefficient = -1 / (n * weight_decay)
    d = xs[0].shape[0]
    total = sp.zeros(Ws[0].shape[0] if wrt == "hidden" else d, d)
    yv = vector("yout", ys[0].shape[0])
    if wrt == "input":  # differentiate once with symbolic x, y; then substitute each sample
        var = vector("xin", d)
        grad = gradient(sample_loss(Ws, var, yv, sigma), var)
    else:
        var = vector("hid", Ws[0].shape[0])
        grad = gradient(sample_loss(list(Ws[1:]), var, yv, sigma), var)
    for x, y in zip(xs, ys, strict=True):
        val = x if wrt == "input" else (Ws[0] * x).applyfunc(sigma)
        at = dict(zip(var, val, strict=True)) | dict(zip(yv, y, strict=True))
        total += grad.xreplace(at) * x.T
    return (Ws[0].T * Ws[0] - coefficient * total).applyfunc(sp.expand)


@functools.lru_cache(maxsize=1)
def _default_instance():
    return stationary_instance()


def stationary_gradient(Ws, xs, ys, sigma=_poly_sigma, weight_decay: sp.Expr = _LAMBDA):
    """∂ℒ/∂W_l for every layer at a numeric point (exact for exact inputs)."""
    sym = weight_matrices([Ws[0].shape[1]] + [W.shape[0] for W in Ws], "u")
    L = loss(sym, xs, ys, sigma, weight_decay)
    at = {s: v for Ms, Mv in zip(sym, Ws, strict=True) for s, v in zip(Ms, Mv, strict=True)}
    return [gradient(L, S).xreplace(at).applyfunc(sp.expand) for S in sym]


def _stationary_step(claim: str = "theorem", **kw) -> Step:
    Ws, xs, ys = _default_instance()
    if claim == "non-stationary":
        ys = [y + sp.ones(*y.shape) / 3 for y in ys]
    grads = stationary_gradient(Ws, xs, ys)
    stationary = all(e == 0 for g in grads for e in g)
    res = fact_residual(Ws, xs, ys, **kw)
    outcome, ev = decide_zero(res)
    if claim != "non-stationary" and not stationary:
        outcome, ev = "unknown", "the constructed point is not stationary: " + str(grads)
    ev += f"; ∇ℒ = 0 exactly: {stationary}"
    return Step(
        f"exact stationary point: widths {list(_STAT_WIDTHS)}, n = {_STAT_N}, σ(z) = z − z³/3, "
        f"λ = {_LAMBDA}, random rational W, X, Y solved from ∇ℒ = 0 "
        "(stationary_instance(seed=3))"
        + ("; then Y shifted by 1/3 (not stationary)" if claim == "non-stationary" else ""),
        r"W_1^\top W_1 + \tfrac{1}{n\lambda}\sum_i \nabla_x\ell_i(x_i) x_i^\top = 0",
        "random", outcome, ev + f"; W_1ᵀW_1 = {(Ws[0].T * Ws[0]).tolist()}")


def _tanh_stationary_step(dps: int = 50) -> Step:
    """The same at a tanh stationary point, solved and checked at ``dps + 10`` digits.

    SymPy differentiates the output f(x) once in the weights and in x (symbolic entries); the
    derivatives are evaluated with mpmath. Since ∂ℒ/∂W = (1/n)Σ_i r_i ∂f(x_i)/∂W + λW with
    r_i = f(x_i) − y_i, stationarity is a linear system for r; ∇_xℓ_i = r_i ∇_x f(x_i).
    """
    import mpmath

    widths, n, lam = _STAT_WIDTHS, _STAT_N, _LAMBDA
    assert widths[-1] == 1
    rng = random.Random(5)
    Ws = [random_rational_matrix(rng, widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    xs = [random_rational_matrix(rng, widths[0], 1) for _ in range(n)]
    sym = weight_matrices(widths, "u")
    wvars = [e for W in sym for e in W]
    xv = vector("xin", widths[0])
    out = forward(sym, xv, sp.tanh)[1][0]
    fn = sp.lambdify(wvars + list(xv), [out] + [sp.diff(out, w) for w in wvars]
                     + [sp.diff(out, v) for v in xv], "mpmath")
    wvals = [e for W in Ws for e in W]
    nw, d = len(wvars), widths[0]
    with mpmath.workdps(dps + 10):
        def mpq(q):
            return mpmath.mpf(int(q.p)) / int(q.q)

        evals = [fn(*[mpq(v) for v in wvals + list(x)]) for x in xs]
        A = mpmath.matrix(nw, n)
        for i, ev in enumerate(evals):
            for k in range(nw):
                A[k, i] = ev[1 + k] / n
        r = mpmath.lu_solve(A, mpmath.matrix([-mpq(lam) * mpq(w) for w in wvals]))
        W1 = mpmath.matrix([[mpq(e) for e in row] for row in Ws[0].tolist()])
        res = W1.T * W1
        for i, (x, ev) in enumerate(zip(xs, evals, strict=True)):
            gx = mpmath.matrix([r[i] * ev[1 + nw + c] for c in range(d)])
            res += gx * mpmath.matrix([[mpq(e) for e in x]]) / (n * mpq(lam))
        err = max(abs(e) for e in res)
        scale = max(abs(e) for e in W1.T * W1)
        ok = err < mpmath.mpf(10) ** (-(dps - 5)) * scale
        # rounding-level: report the bound met, not the digits (stable derivation pages)
        shown = (f"{'<' if ok else '='} " + (f"1e-{dps - 5}" if ok else mpmath.nstr(err, 5))
                 + f" × max|W_1ᵀW_1| (= {mpmath.nstr(scale, 5)})")
    return Step(
        f"tanh stationary point (widths {list(widths)}, n = {n}, λ = {lam}, random rational W, "
        f"X with seed 5): residuals r = f(X) − Y solved from ∇ℒ = 0 and the FACT residual "
        f"evaluated at {dps + 10} digits (derivatives of f by SymPy)",
        r"\max_{ab}\big|W_1^\top W_1 + \tfrac{1}{n\lambda}\sum_i\nabla_x\ell_i x_i^\top\big|_{ab}"
        r"\approx 0",
        "numeric", "holds" if ok else "fails",
        f"max |residual| {shown} (mpmath at {dps + 10} digits: confirmed, not exact)")


def prove() -> Proof:
    """The FACT identity at stationary points, layered."""
    th = _kernel_fact()
    steps = [kstep("from the cited chain rule through p = W_1x: (1/λ)W_1ᵀ∂ℒ/∂W_1 = W_1ᵀW_1 + "
                   "(1/(nλ))Σ_i∇_xℓ_i x_iᵀ at every point (canonical form, symbolic h, d, n); "
                   "at a stationary point the left side is 0, which is the theorem (λ > 0)",
                   th)]
    steps += _abstract_steps()
    steps.append(_explicit_step((2, 2, 1), 2, "undefined"))
    steps.append(_explicit_step((2, 2, 1, 1), 2, "tanh"))
    steps.append(_stationary_step())
    steps.append(_tanh_stationary_step())
    return Proof(th, steps)


_N_LAM = _STAT_N * _LAMBDA
CONTROLS = (
    Control("wrong sign: W_1ᵀW_1 = +(1/(nλ)) Σ_i ∇_xℓ_i x_iᵀ at a stationary point",
            lambda: [_stationary_step(coefficient=1 / _N_LAM)]),
    Control("wrong factor: W_1ᵀW_1 = −(1/λ) Σ_i ∇_xℓ_i x_iᵀ at a stationary point",
            lambda: [_stationary_step(coefficient=-1 / _LAMBDA)]),
    Control("first layer's output gradient: W_1ᵀW_1 = −(1/(nλ)) Σ_i ∇_{h_1}ℓ_i x_iᵀ, "
            "h_1 = σ(W_1x)",
            lambda: [_stationary_step(wrt="hidden")]),
    Control("no stationarity: the identity at a non-stationary point",
            lambda: [_stationary_step(claim="non-stationary")]),
)

THEOREM = register(Theorem(
    id="fact-stationary",
    title="FACT: the Gram matrix at a stationary point of the weight-decayed loss",
    statement=(
        "For any differentiable activation σ, any depth and widths, and weight decay λ > 0, at "
        "every stationary point of ℒ = (1/2n)Σ_i‖f(x_i) − y_i‖² + (λ/2)Σ_l‖W_l‖_F²: "
        "W_1ᵀW_1 = −(1/(nλ)) Σ_i ∇_xℓ_i(x_i) x_iᵀ with ℓ_i = ½‖f(x_i) − y_i‖² and ∇_x the "
        "gradient in the input. More generally W_1ᵀW_1 + (1/(nλ))Σ_i∇_xℓ_i x_iᵀ = "
        "(1/λ) W_1ᵀ ∂ℒ/∂W_1 at every point."
    ),
    statement_prose_latex=(
        r"\nabla\mathcal L(W)=0,\ \lambda>0 \implies W_1^\top W_1 = -\frac{1}{n\lambda}"
        r"\sum_{i=1}^n \nabla_x \ell_i(x_i)\, x_i^\top"
    ),
    hypotheses=(
        "f(x) = W_L σ(W_{L−1} ⋯ σ(W_1 x)), no biases, σ differentiable (any depth L ≥ 1)",
        "λ > 0",
        "W is a stationary point: ∂ℒ/∂W_l = 0 for every l (only l = 1 is used)",
    ),
    references=(
        "Boix-Adserà, Mallinar, Simon, Belkin (2025), FACT: the Features At Convergence "
        "Theorem, arXiv:2507.05644",
    ),
    method="chain rule through p = W_1x (abstract g_i), symbolic h, d, n; explicit nets; "
           "exact stationary points",
    prove=prove,
    controls=CONTROLS,
    conclusion=_FACT_CONCLUSION,
    assumptions=(_STATIONARY,),
    axioms=(_CHAIN,),
    lemmas=(_CHAIN,),
))
