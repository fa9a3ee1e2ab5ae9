"""Explicit small networks with symbolic entries, and zero tests that return evidence.

The explicit-instance layer of the nonlinear theorems (neuronwise balancedness, FACT): build
f(x) = W_L σ(⋯σ(W_1 x)) with symbol entries and any activation (an undefined SymPy ``Function``
included), differentiate with SymPy's own ``diff``, and decide whether a residual is zero with a
concrete witness when it is not.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction

import sympy as sp

__all__ = [
    "weight_matrices", "vector", "forward", "sample_loss", "loss", "gradient",
    "velocities_at", "imbalance_rate", "name_derivatives", "random_rational",
    "random_rational_matrix", "decide_zero", "canonical_sums",
]

Activation = Callable[[sp.Expr], sp.Expr]


def weight_matrices(widths: Sequence[int], prefix: str = "w") -> list[sp.Matrix]:
    """Weights ``W_1 ... W_L`` with entries ``w{l}_{r}{c}`` as SymPy symbols.

    Parameters
    ----------
    widths
        ``[d, h_1, ..., k]``; ``W_l`` is ``widths[l] x widths[l-1]``.
    prefix
        Symbol name prefix.

    Returns
    -------
    list of sympy.Matrix
    """
    return [
        sp.Matrix(widths[li + 1], widths[li],
                  lambda r, c, li=li: sp.Symbol(f"{prefix}{li + 1}_{r + 1}{c + 1}"))
        for li in range(len(widths) - 1)
    ]


def vector(name: str, size: int) -> sp.Matrix:
    """Column vector of symbols ``name_1 ... name_size``."""
    return sp.Matrix(size, 1, lambda r, _c: sp.Symbol(f"{name}_{r + 1}"))


def forward(
    weights: Sequence[sp.Matrix], x: sp.Matrix, sigma: Activation
) -> tuple[list[sp.Matrix], sp.Matrix]:
    """Pre-activations of the hidden layers and the output ``f(x)``.

    Returns
    -------
    (pre, out)
        ``pre[l-1] = W_l h_{l-1}`` for ``l = 1 .. L-1``; ``out = W_L h_{L-1}``.
    """
    h = x
    pre = []
    for W in weights[:-1]:
        z = W * h
        pre.append(z)
        h = z.applyfunc(sigma)
    return pre, weights[-1] * h


def sample_loss(
    weights: Sequence[sp.Matrix], x: sp.Matrix, y: sp.Matrix, sigma: Activation
) -> sp.Expr:
    """ℓ = ½‖f(x) − y‖² for one sample."""
    r = forward(weights, x, sigma)[1] - y
    return sum((e**2 for e in r), sp.Integer(0)) / 2


def loss(
    weights: Sequence[sp.Matrix], xs: Sequence[sp.Matrix], ys: Sequence[sp.Matrix],
    sigma: Activation, weight_decay: sp.Expr | int = 0,
) -> sp.Expr:
    """ℒ = (1/n) Σ ℓ_i + (λ/2) Σ_l ‖W_l‖_F² (the project's convention)."""
    n = len(xs)
    data = sum((sample_loss(weights, x, y, sigma) for x, y in zip(xs, ys, strict=True)),
               sp.Integer(0)) / n
    decay = sum((sum((e**2 for e in W), sp.Integer(0)) for W in weights), sp.Integer(0))
    return data + weight_decay * decay / 2


def gradient(expr: sp.Expr, M: sp.Matrix) -> sp.Matrix:
    """Entrywise derivative ``∂expr/∂M`` (same shape as ``M``) by SymPy's ``diff``."""
    return M.applyfunc(lambda e: sp.diff(expr, e))


def velocities_at(
    weights: Sequence[sp.Matrix], X: sp.Matrix, Y: sp.Matrix,
    sigma: Activation = lambda z: z, weight_decay: sp.Expr | int = 0,
) -> list[sp.Matrix]:
    """Gradient-flow velocities ``dW_l/dt = −∂ℒ/∂W_l`` at an exact point.

    The loss is :func:`loss` over symbol weights of the same shapes, differentiated entry by
    entry with SymPy and evaluated at ``weights`` (independent of any matrix-calculus formula).

    Parameters
    ----------
    weights
        ``W_1 ... W_L`` with exact entries.
    X, Y
        Data, ``d x n`` and ``k x n`` (columns are samples).
    sigma
        Activation (default: identity, a linear network).
    weight_decay
        λ, exact.

    Returns
    -------
    list of sympy.Matrix
        ``−∂ℒ/∂W_l`` for ``l = 1 .. L``.
    """
    widths = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    Ws = weight_matrices(widths)
    xs, ys = [X.col(i) for i in range(X.cols)], [Y.col(i) for i in range(Y.cols)]
    value = loss(Ws, xs, ys, sigma, weight_decay)
    at = {s: v for S, V in zip(Ws, weights, strict=True) for s, v in zip(S, V, strict=True)}
    return [S.applyfunc(lambda e: -sp.diff(value, e).subs(at)) for S in Ws]


def imbalance_rate(weights: Sequence[sp.Matrix], velocities: Sequence[sp.Matrix],
                   l: int = 1) -> sp.Matrix:
    """``dD_l/dt`` for ``D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ`` along the velocities (l 1-based)."""
    W, V = weights[l - 1], velocities[l - 1]
    Wn, Vn = weights[l], velocities[l]
    return Vn.T * Wn + Wn.T * Vn - V * W.T - W * V.T


def name_derivatives(expr: sp.Expr, sigma: sp.FunctionClass, dsigma: sp.FunctionClass) -> sp.Expr:
    """Replace SymPy's ``Subs(Derivative(σ(ξ), ξ), ξ, a)`` by ``dsigma(a)``.

    SymPy writes the derivative of an undefined function at a compound argument as a ``Subs``;
    naming it makes residuals comparable term by term.
    """
    def is_dsigma(q: sp.Basic) -> bool:
        return (isinstance(q, sp.Subs) and isinstance(q.expr, sp.Derivative)
                and getattr(q.expr.expr, "func", None) == sigma)

    expr = expr.replace(is_dsigma, lambda q: dsigma(q.point[0]))
    # a derivative at a bare symbol stays a Derivative
    return expr.replace(
        lambda q: isinstance(q, sp.Derivative) and getattr(q.expr, "func", None) == sigma
        and len(q.variables) == 1 and q.expr.args == q.variables,
        lambda q: dsigma(q.variables[0]),
    )


def random_rational(rng: random.Random, bound: int = 9, den: int = 7) -> sp.Rational:
    """A random rational ``p/q`` with ``|p| <= bound``, ``1 <= q <= den``, non-zero."""
    while True:
        v = Fraction(rng.randint(-bound, bound), rng.randint(1, den))
        if v != 0:
            return sp.Rational(v.numerator, v.denominator)


def random_rational_matrix(rng: random.Random, rows: int, cols: int) -> sp.Matrix:
    """Matrix of :func:`random_rational` entries."""
    return sp.Matrix(rows, cols, lambda _r, _c: random_rational(rng))


def canonical_sums(expr: sp.Expr) -> sp.Expr:
    """Rename the bound variables of every ``Sum`` positionally, so equal sums compare equal."""
    def rename(s: sp.Sum) -> sp.Sum:
        new = {lim[0]: sp.Symbol(f"_k{i}", integer=True) for i, lim in enumerate(s.limits)}
        return s.xreplace(new)

    return expr.replace(lambda q: isinstance(q, sp.Sum), rename)


def decide_zero(
    residual: sp.Expr | sp.Matrix,
    variables: Iterable[sp.Symbol] = (),
    *,
    seed: int = 0,
    tries: int = 6,
    dps: int = 50,
) -> tuple[str, str]:
    """Decide whether a residual is identically zero, with evidence either way.

    ``expand`` (then ``simplify`` if needed) to 0 gives ``holds``. Otherwise a witness is searched
    at random rational points of ``variables``: an exact non-zero rational, or a value whose
    modulus exceeds ``10**(-dps/2)`` when evaluated with ``dps`` digits, gives ``fails`` with the
    point. Anything else is ``unknown``.

    Returns
    -------
    (outcome, evidence)
    """
    entries = list(residual) if isinstance(residual, sp.MatrixBase) else [residual]
    simplified = [sp.expand(e) for e in entries]
    if all(e == 0 for e in simplified):
        return "holds", "residual expands to 0"
    simplified = [sp.simplify(e) if e != 0 else e for e in simplified]
    if all(e == 0 for e in simplified):
        return "holds", "residual simplifies to 0"
    variables = sorted(set(variables) | set().union(*(e.free_symbols for e in simplified)),
                       key=str)
    rng = random.Random(seed)
    for _ in range(tries):
        point = {v: random_rational(rng, 5, 4) for v in variables}
        for idx, e in enumerate(simplified):
            val = sp.expand(e.xreplace(point))
            if val.is_Rational and val != 0:
                return "fails", _witness(idx, entries, val, point, exact=True)
            if val.is_number:
                num = sp.N(val, dps)
                if num.is_real is not False and abs(num) > sp.Float(10) ** (-(dps // 2)):
                    return "fails", _witness(idx, entries, sp.N(val, 20), point, exact=False)
    return "unknown", "residual did not simplify to 0 and no witness was found: " + str(
        simplified[0] if len(simplified) == 1 else simplified)


def _witness(idx: int, entries: list, val: sp.Expr, point: dict, exact: bool) -> str:
    where = ", ".join(f"{k}={v}" for k, v in sorted(point.items(), key=lambda kv: str(kv[0])))
    what = "exactly" if exact else "to 20 digits (evaluated with 50)"
    entry = f" entry {idx}" if len(entries) > 1 else ""
    shown = where if len(where) < 400 else where[:400] + " ..."
    return f"residual{entry} = {val} {what}" + (f" at {shown}" if shown else "")
