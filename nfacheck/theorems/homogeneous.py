"""Neuron-wise balancedness for positively homogeneous activations (Du, Hu, Lee 2018).

For σ(z) = zσ′(z) and λ = 0, ‖row_j W_l‖² − ‖col_j W_{l+1}‖² is conserved by gradient flow. The
abstract proof sees one hidden unit through scalar functions only (its pre-activation z_i and the
rest of the network as an undefined φ_i), so it holds for every layer, depth and width.
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from ..activations import ACTIVATIONS
from ..symbolic import kernel as K
from ..symbolic.pointwise import (
    decide_zero,
    forward,
    gradient,
    loss,
    name_derivatives,
    random_rational_matrix,
    vector,
    weight_matrices,
)
from . import register
from .base import Control, Proof, Step, Theorem, kstep

__all__ = [
    "THEOREM", "prove", "unit_rate", "homogeneity_residual", "rates_at", "rates_at_random_point",
]

_SIGMA, _DSIGMA = sp.Function("sigma"), sp.Function("dsigma")
_SLOPE = sp.Rational(ACTIVATIONS["leaky_relu"].params["slope"])


_Z, _EPS, _S = sp.Symbol("z"), sp.Symbol("epsilon"), sp.Symbol("s")
_PHI = sp.Function("phi")
_DS = sp.Derivative(_SIGMA(_Z), _Z)
_DELTA = sp.Subs(sp.Derivative(_PHI(_S), _S), _S, _SIGMA(_Z))
_HOMOGENEOUS = K.Eq(_SIGMA(_Z), _Z * _DS)
_UNIT_RATE = "gradient flow of one unit's weights"
_RATE = sp.Symbol(r"\tfrac{d}{dt}(\|u\|^2-\|v\|^2)", real=True)
_I, _NS = sp.Symbol("i", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
_SUMMAND = sp.Function("delta")(_I) * (sp.Function("z")(_I) * sp.Function("dsigma")(
    sp.Function("z")(_I)) - _SIGMA(sp.Function("z")(_I)))


def _per_sample() -> K.Theorem:
    """⊢ d/dε[φ(σ((1+ε)z)) − φ((1+ε)σ(z))]₀ = δ(zσ′(z) − σ(z)), then 0 under homogeneity."""
    lhs = sp.Subs(sp.Derivative(_PHI(_SIGMA((1 + _EPS) * _Z)) - _PHI((1 + _EPS) * _SIGMA(_Z)),
                                _EPS), _EPS, 0)
    red = K.by_canon(lhs, _DELTA * (_Z * _DS - _SIGMA(_Z)))
    zero = K.real_arith(K.Eq(_DELTA * (_Z * _DS - _SIGMA(_Z)), 0), [K.assume(_HOMOGENEOUS)])
    rate = K.cite(_UNIT_RATE, K.Eq(_RATE, -2 * sp.Sum(_SUMMAND, (_I, 1, _NS)) / _NS),
                  "Du, Hu, Lee (2018): d/dt‖u‖² = −2uᵀ∇_uℒ = −2 d/dε ℒ((1+ε)u, v)|₀ (Euler, "
                  "the definition of the gradient), likewise for v; per sample the difference "
                  "is the reduction above with φ_i(s) = Φ_i(r_i + vs)")
    return K.conj([rate, red, zero])


_HOM_CONCLUSION = K.And((
    K.Eq(_RATE, -2 * sp.Sum(_SUMMAND, (_I, 1, _NS)) / _NS),
    K.Eq(sp.Subs(sp.Derivative(_PHI(_SIGMA((1 + _EPS) * _Z)) - _PHI((1 + _EPS) * _SIGMA(_Z)),
                               _EPS), _EPS, 0), _DELTA * (_Z * _DS - _SIGMA(_Z))),
    K.Eq(_DELTA * (_Z * _DS - _SIGMA(_Z)), 0)))


def _abstract_steps() -> list[Step]:
    m, p = sp.symbols("m p", positive=True, integer=True)
    eps, zz = sp.symbols("epsilon z")
    u, a = sp.MatrixSymbol("u", m, 1), sp.MatrixSymbol("a", m, 1)
    v, r = sp.MatrixSymbol("v", p, 1), sp.MatrixSymbol("r", p, 1)
    s_ = sp.Symbol("s")
    steps = []

    # A. scaling u scales z; scaling v scales the unit's output as seen by the next layer
    res_u = (((1 + eps) * u).T * a - (1 + eps) * (u.T * a)).doit().expand()
    res_v = (r + ((1 + eps) * v) * s_ - (r + v * ((1 + eps) * s_))).doit().expand()
    ok = all(e == sp.ZeroMatrix(*e.shape) or e == 0 for e in (res_u, res_v))
    steps.append(Step(
        "unit j of layer l: u = row_j W_l (length m), v = col_j W_{l+1} (length p), "
        "a_i = h_{l−1}(x_i), z_i = uᵀa_i; ℓ_i depends on (u, v) only as "
        "Φ_i(r_i + v σ(z_i)) (r_i free of u, v). Scaling u by 1+ε scales z_i; scaling v by 1+ε "
        "scales σ(z_i) — symbolic m, p",
        r"((1+\varepsilon)u)^\top a = (1+\varepsilon)z,\quad "
        r"r + (1+\varepsilon)v\,\sigma(z) = r + v\,\big((1+\varepsilon)\sigma(z)\big)",
        "symbolic", "holds" if ok else "unknown",
        "both residuals expand to 0" if ok else f"residuals {res_u}, {res_v}"))

    # B. Euler: u·∇_u F = d/dε F((1+ε)u) at 0 — chain rule, checked for an undefined F
    bad = []
    for k in (1, 2, 3, 4):
        us = sp.symbols(f"u1:{k + 1}")
        F = sp.Function("F")
        lhs = sum(ui * sp.diff(F(*us), ui) for ui in us)
        rhs = sp.diff(F(*[(1 + eps) * ui for ui in us]), eps).subs(eps, 0).doit()
        if sp.simplify(lhs - rhs) != 0:
            bad.append(k)
    steps.append(Step(
        "gradient flow with λ = 0: d/dt‖u‖² = −2 uᵀ∇_uℒ = −2 d/dε ℒ((1+ε)u, v)|₀ and "
        "d/dt‖v‖² = −2 d/dε ℒ(u, (1+ε)v)|₀, since uᵀ∇F(u) = DF(u)[u] = d/dε F((1+ε)u)|₀ by "
        "the definition of the gradient (sanity check: SymPy's chain rule for an undefined F "
        "of 1..4 variables)",
        r"\tfrac{d}{dt}\|u\|^2 = -2\,u^\top\nabla_u\mathcal L = "
        r"-2\,\tfrac{d}{d\varepsilon}\mathcal L((1+\varepsilon)u,v)\big|_0",
        "symbolic", "holds" if not bad else "unknown",
        "chain rule residual simplifies to 0" if not bad else f"not reduced for m in {bad}"))

    # C. the reduction with φ_i(s) = Φ_i(r_i + v s) and undefined σ
    phi, dphi = sp.Function("phi"), sp.Function("dphi")
    e_u = sp.diff(phi(_SIGMA((1 + eps) * zz)), eps).subs(eps, 0).doit()
    e_v = sp.diff(phi((1 + eps) * _SIGMA(zz)), eps).subs(eps, 0).doit()
    diff_ = name_derivatives(name_derivatives(e_u - e_v, phi, dphi), _SIGMA, _DSIGMA)
    claimed = dphi(_SIGMA(zz)) * (zz * _DSIGMA(zz) - _SIGMA(zz))
    outcome, ev = decide_zero(diff_ - claimed)
    steps.append(Step(
        "per sample: d/dε[ℓ_i((1+ε)u, v) − ℓ_i(u, (1+ε)v)]₀ = δ_i (z_iσ′(z_i) − σ(z_i)) with "
        "δ_i = φ_i′(σ(z_i)) = vᵀ∇Φ_i the backpropagated signal at the unit's output "
        "(σ, φ_i undefined functions), so d/dt(‖u‖² − ‖v‖²) = −(2/n) Σ_i δ_i "
        "(z_iσ′(z_i) − σ(z_i))",
        r"\frac{d}{dt}\big(\|u\|^2-\|v\|^2\big) = -\frac2n\sum_{i=1}^n "
        r"\delta_i\,\big(z_i\sigma'(z_i)-\sigma(z_i)\big)",
        "symbolic", outcome, ev))

    # D. under σ(z) = zσ′(z) every summand vanishes, for every n
    n, i = sp.symbols("n i", positive=True, integer=True)
    zi, di = sp.IndexedBase("z")[i], sp.IndexedBase("delta")[i]
    total = sp.Sum(di * (zi * _DSIGMA(zi) - _SIGMA(zi)), (i, 1, n))
    reduced = total.replace(_SIGMA, lambda q: q * _DSIGMA(q)).doit()
    steps.append(Step(
        "with the hypothesis σ(z) = zσ′(z) substituted, the sum over samples is 0 for every n",
        r"\sigma(z)=z\sigma'(z) \implies \sum_{i=1}^n \delta_i\big(z_i\sigma'(z_i)-\sigma(z_i)"
        r"\big) = 0",
        "symbolic", "holds" if reduced == 0 else "unknown", f"sum reduces to {reduced}"))
    return steps


def homogeneity_residual(name: str) -> list[tuple[str, sp.Expr, sp.Symbol]]:
    """``zσ′(z) − σ(z)`` for a named activation, per region (z > 0, z < 0, z = 0).

    At the kink of relu / leaky relu σ′(0) is any subgradient ``s``; the residual there is
    ``0·s − σ(0)``.
    """
    zp, zn, z, s = (sp.Symbol("z", positive=True), sp.Symbol("z", negative=True),
                    sp.Symbol("z", real=True), sp.Symbol("s"))
    if name in ("relu", "leaky_relu"):
        slope = 0 if name == "relu" else _SLOPE
        f = sp.Lambda(z, sp.Piecewise((z, z > 0), (slope * z, True)))
        return [("z > 0", zp * sp.diff(f(zp), zp) - f(zp), zp),
                ("z < 0", zn * sp.diff(f(zn), zn) - f(zn), zn),
                ("z = 0, any subgradient s", 0 * s - f(0), z)]
    if name == "linear":
        return [("all z", z * 1 - z, z)]
    f = {"tanh": sp.tanh, "softplus": lambda q: sp.log(1 + sp.exp(q)),
         "sigmoid": lambda q: 1 / (1 + sp.exp(-q))}[name]
    return [("all z", z * sp.diff(f(z), z) - f(z), z)]


def _homogeneity_step(name: str) -> Step:
    parts = []
    worst = "holds"
    for region, res, var in homogeneity_residual(name):
        outcome, ev = decide_zero(res, [var], seed=1)
        parts.append(f"{region}: {ev}")
        if outcome != "holds":
            worst = outcome if worst == "holds" or outcome == "fails" else worst
    return Step(f"homogeneity σ(z) = zσ′(z) for σ = {name}", r"z\sigma'(z) - \sigma(z) = 0",
                "symbolic",
                worst, "; ".join(parts))


@functools.lru_cache(maxsize=8)
def _unit_rates(widths: tuple[int, ...], n: int, squared_sign: int = -1,
                weight_decay: sp.Rational | int = 0):
    """Symbolic d/dt(‖row_j W_l‖² ± ‖col_j W_{l+1}‖²) for every hidden unit, undefined σ.

    Returns ``(weights, xs, ys, {(l, j): (rate, reduction)})`` where ``reduction`` is
    −(2/n)Σ_i δ_i(z_iσ′(z_i) − σ(z_i)) computed independently with a placeholder for the unit.
    """
    Ws = weight_matrices(widths)
    xs = [vector(f"x{i + 1}", widths[0]) for i in range(n)]
    ys = [vector(f"y{i + 1}", widths[-1]) for i in range(n)]
    lam = sp.Rational(weight_decay)
    L = loss(Ws, xs, ys, _SIGMA, lam)
    grads = [gradient(L, W).applyfunc(lambda e: name_derivatives(e, _SIGMA, _DSIGMA))
             for W in Ws]
    out = {}
    for li in range(len(Ws) - 1):
        for j in range(widths[li + 1]):
            row = [(Ws[li][j, c], grads[li][j, c]) for c in range(widths[li])]
            col = [(Ws[li + 1][r, j], grads[li + 1][r, j]) for r in range(widths[li + 2])]
            rate = (sum(-2 * w * g for w, g in row) + squared_sign
                    * sum(-2 * w * g for w, g in col))
            red = sp.Integer(0)
            for x, y in zip(xs, ys, strict=True):
                z, delta = _unit_signal(Ws, x, y, li, j)
                red += -sp.Rational(2, n) * delta * (z * _DSIGMA(z) - _SIGMA(z))
            out[(li + 1, j + 1)] = (rate, red)
    return Ws, xs, ys, out


def _unit_signal(Ws, x, y, li: int, j: int) -> tuple[sp.Expr, sp.Expr]:
    """Pre-activation z and backpropagated signal δ = ∂ℓ/∂(output of unit j of layer li+1)."""
    s = sp.Symbol("s_unit")
    h = x
    z = None
    for k, W in enumerate(Ws[:-1]):
        pre = W * h
        h = pre.applyfunc(_SIGMA)
        if k == li:
            z = pre[j]
            h[j] = s
    r = Ws[-1] * h - y
    ell = sum((e**2 for e in r), sp.Integer(0)) / 2
    delta = name_derivatives(sp.diff(ell, s), _SIGMA, _DSIGMA).xreplace({s: _SIGMA(z)})
    return z, delta


def unit_rate(widths: tuple[int, ...], n: int, **kw) -> dict:
    """Public access to the per-unit rates (see :func:`_unit_rates`)."""
    return _unit_rates(tuple(widths), n, **kw)[3]


def _instance_step(widths: tuple[int, ...], n: int) -> Step:
    rates = unit_rate(widths, n)
    residual = sp.Matrix([rate - red for rate, red in rates.values()])
    outcome, ev = decide_zero(residual)
    linear = sp.Matrix([rate.replace(_SIGMA, sp.Lambda(sp.Symbol("q"), sp.Symbol("q")))
                        .replace(_DSIGMA, sp.Lambda(sp.Symbol("q"), 1)) for rate, _ in
                        rates.values()])
    lin_outcome, lin_ev = decide_zero(linear)
    ok = outcome == "holds" and lin_outcome == "holds"
    return Step(
        f"explicit net widths {list(widths)}, n = {n}, symbol entries, every hidden unit: the "
        "rate from SymPy's diff of ℒ equals the reduction −(2/n)Σδ_i(z_iσ′ − σ) for undefined "
        "σ, and is 0 for σ(z) = z",
        r"\tfrac{d}{dt}(\|W_l[j,:]\|^2-\|W_{l+1}[:,j]\|^2) = -\tfrac2n\sum_i\delta_i"
        r"(z_i\sigma'(z_i)-\sigma(z_i))",
        "instance", "holds" if ok else ("fails" if "fails" in (outcome, lin_outcome)
                                        else "unknown"),
        f"{len(rates)} units; reduction: {ev}; linear: {lin_ev}")


def _activation_fns(name: str):
    if name == "tanh":
        return sp.tanh, lambda q: 1 - sp.tanh(q) ** 2
    slope = {"relu": 0, "leaky_relu": _SLOPE, "linear": 1}[name]
    return (lambda q: q if q > 0 else slope * q), (lambda q: 1 if q > 0 else slope)


def rates_at(name: str, weights, xs, ys, squared_sign: int = -1,
             weight_decay: sp.Rational | int = 0) -> dict[tuple[int, int], sp.Expr]:
    """d/dt(‖W_l[j,:]‖² ∓ ‖W_{l+1}[:,j]‖²) for every hidden unit at a given exact point.

    Parameters
    ----------
    name
        ``linear``, ``relu``, ``leaky_relu`` (exact) or ``tanh`` (50 digits).
    weights, xs, ys
        SymPy matrices with exact entries (``xs``/``ys`` are lists of column vectors).
    squared_sign
        −1 for the conserved difference, +1 for the sum (a control).
    weight_decay
        λ, exact (0 for the theorem).

    Returns
    -------
    dict
        ``{(l, j): rate}`` with 1-based layer and unit.

    Raises
    ------
    ValueError
        When a pre-activation is exactly 0 (a kink of relu / leaky relu).
    """
    widths = tuple([weights[0].shape[1]] + [W.shape[0] for W in weights])
    Ws, xsym, ysym, rates = _unit_rates(widths, len(xs), squared_sign, weight_decay)
    f, df = _activation_fns(name)
    point = {s: v for Ms, Mv in zip(list(Ws) + xsym + ysym, list(weights) + list(xs) + list(ys),
                                    strict=True) for s, v in zip(Ms, Mv, strict=True)}
    if name != "tanh" and any(z == 0 for x in xs for pre in forward(weights, x, f)[0]
                              for z in pre):
        raise ValueError("a pre-activation is 0 (kink); choose another point")
    out = {}
    for key, (rate, _) in rates.items():
        e = rate.xreplace(point).replace(_SIGMA, f).replace(_DSIGMA, df)
        out[key] = sp.N(e, 50) if name == "tanh" else sp.nsimplify(e)
    return out


def rates_at_random_point(name: str, widths: tuple[int, ...], n: int, seed: int,
                          squared_sign: int = -1, weight_decay: sp.Rational | int = 0):
    """:func:`rates_at` at a random rational point (seeded), skipping points on a kink.

    Returns ``(rates, description of the point)``.
    """
    rng = random.Random(seed)
    for _ in range(50):
        Wn = [random_rational_matrix(rng, widths[k + 1], widths[k])
              for k in range(len(widths) - 1)]
        xs = [random_rational_matrix(rng, widths[0], 1) for _ in range(n)]
        ys = [random_rational_matrix(rng, widths[-1], 1) for _ in range(n)]
        try:
            vals = rates_at(name, Wn, xs, ys, squared_sign, weight_decay)
        except ValueError:
            continue
        shown = "; ".join(f"W{k + 1} = {W.tolist()}" for k, W in enumerate(Wn))
        shown += "; x_i = " + str([x.T.tolist()[0] for x in xs])
        shown += "; y_i = " + str([y.T.tolist()[0] for y in ys])
        return list(vals.values()), shown
    raise RuntimeError("every random point hit a kink")  # pragma: no cover


_PROOF_NETS = (((3, 2, 2), 2), ((2, 2, 2, 1), 2))
_CONTROL_NETS = (((2, 2, 1), 2),)


def _random_step(name: str, seed: int = 7, nets=_PROOF_NETS, **kw) -> Step:
    results = []
    for widths, n in nets:
        vals, shown = rates_at_random_point(name, widths, n, seed, **kw)
        outcome, ev = decide_zero(sp.Matrix(vals))
        where = f" at {shown}" if outcome == "fails" else ""
        results.append((outcome, f"widths {list(widths)}, n = {n}: {ev}{where}"))
    outcome = ("fails" if any(o == "fails" for o, _ in results)
               else "holds" if all(o == "holds" for o, _ in results) else "unknown")
    what = {-1: "‖row‖² − ‖col‖²", 1: "‖row‖² + ‖col‖²"}[kw.get("squared_sign", -1)]
    lam = f", λ = {sp.Rational(kw.get('weight_decay', 0))}"
    return Step(
        f"random rational point (seed {seed}), σ = {name}{lam}: d/dt({what}) for every hidden "
        "unit, pre-activations away from 0",
        r"\tfrac{d}{dt}\big(\|W_l[j,:]\|^2 " + ("+" if kw.get("squared_sign", -1) == 1 else "-")
        + r" \|W_{l+1}[:,j]\|^2\big) = 0",
        "random", outcome, "; ".join(ev for _, ev in results))


def prove() -> Proof:
    """Neuron-wise balancedness for every layer, depth and width, layered."""
    th = _per_sample()
    steps = [kstep("the unit's rate is −(2/n) Σ_i δ_i(z_iσ′(z_i) − σ(z_i)) (cited: gradient flow "
                   "and Euler's identity); the per-sample reduction by SymPy (σ, φ undefined); "
                   "under σ(z) = zσ′(z) the summand is 0 (z3), so every summand and the rate "
                   "vanish", th)]
    steps += _abstract_steps()
    steps += [_homogeneity_step(a) for a in ("linear", "relu", "leaky_relu")]
    steps.append(_instance_step((2, 2, 1), 2))
    steps.append(_instance_step((2, 2, 2, 1), 2))
    steps += [_random_step(a) for a in ("relu", "leaky_relu")]
    return Proof(th, steps)


CONTROLS = (
    Control("tanh (σ(z) ≠ zσ′(z)): ‖row_j W_l‖² − ‖col_j W_{l+1}‖² conserved",
            lambda: [_homogeneity_step("tanh"), _random_step("tanh", nets=_CONTROL_NETS)]),
    Control("softplus: ‖row_j W_l‖² − ‖col_j W_{l+1}‖² conserved",
            lambda: [_homogeneity_step("softplus")]),
    Control("wrong sign, relu: ‖row_j W_l‖² + ‖col_j W_{l+1}‖² conserved",
            lambda: [_random_step("relu", nets=_CONTROL_NETS, squared_sign=1)]),
    Control("weight decay λ = 1/10, relu: ‖row_j W_l‖² − ‖col_j W_{l+1}‖² conserved",
            lambda: [_random_step("relu", nets=_CONTROL_NETS,
                                  weight_decay=sp.Rational(1, 10))]),
)

THEOREM = register(Theorem(
    id="neuronwise-balancedness-homogeneous",
    title="Neuron-wise balancedness for homogeneous activations under gradient flow",
    statement=(
        "For f(x) = W_L σ(⋯σ(W_1 x)) with σ(z) = zσ′(z) (linear, ReLU, leaky ReLU), λ = 0 and "
        "gradient flow, for every hidden layer l and unit j, ‖W_l[j,:]‖² − ‖W_{l+1}[:,j]‖² is "
        "constant in time, for every depth and width."
    ),
    statement_prose_latex=(
        r"\sigma(z)=z\sigma'(z),\ \lambda=0:\quad \frac{d}{dt}\Big(\|W_l[j,:]\|_2^2 - "
        r"\|W_{l+1}[:,j]\|_2^2\Big) = 0\quad \forall\, l<L,\ j"
    ),
    hypotheses=(
        "σ(z) = zσ′(z) for all z (at a kink, any subgradient s: 0·s = σ(0) = 0)",
        "λ = 0, gradient flow dW_l/dt = −∂ℒ/∂W_l",
        "no biases; any depth L ≥ 2 and widths",
    ),
    references=(
        "Du, Hu, Lee (2018), Algorithmic regularization in learning deep homogeneous models: "
        "layers are automatically balanced, NeurIPS",
    ),
    method="one unit seen through scalar functions (abstract φ_i, σ), symbolic m, p, n; "
           "explicit nets; random rational points",
    prove=prove,
    controls=CONTROLS,
    conclusion=_HOM_CONCLUSION,
    assumptions=(_HOMOGENEOUS,),
    axioms=(_UNIT_RATE,),
    lemmas=(_UNIT_RATE,),
))
