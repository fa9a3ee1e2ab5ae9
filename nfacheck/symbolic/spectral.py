"""Spectral facts used by the commutator obstruction: functions of G commute with G, and the
Frobenius/spectral commutator bound, with SymPy checks and high-precision mpmath spot checks.

The mpmath helpers evaluate at a scoped precision (``mp.workdps``) and take exact SymPy
rationals as input, so nothing passes through float64.
"""

from __future__ import annotations

import itertools
import random

import mpmath
import sympy as sp

__all__ = [
    "commutes_in_eigenbasis", "diagonal_powers_commute", "eigenbasis_commutator_residual",
    "trace_is_cyclic", "frobenius_invariance_residual", "diagonal_commutator_entry",
    "spread_factorisation", "mp_matrix", "mp_sym_power",
    "mp_frobenius", "mp_spectral_norm", "random_symmetric", "random_psd",
]


def commutes_in_eigenbasis() -> sp.MatrixExpr:
    """GP − PG − Q(ΛΛ_α − Λ_αΛ)Qᵀ with G = QΛQᵀ, P = QΛ_αQᵀ, QᵀQ = I (symbolic n).

    Returns the residual after substituting QᵀQ = I; it is the zero matrix when the reduction
    to the diagonal factors is right.
    """
    n = sp.Symbol("n", positive=True, integer=True)
    Q = sp.MatrixSymbol("Q", n, n)
    L, La = sp.MatrixSymbol("Lambda", n, n), sp.MatrixSymbol("Lambda_alpha", n, n)
    G, P = Q * L * Q.T, Q * La * Q.T
    lhs = (G * P - P * G).doit().expand().subs(Q.T * Q, sp.Identity(n))
    return (lhs - (Q * (L * La - La * L) * Q.T).expand()).doit()


def diagonal_powers_commute(size: int) -> sp.Matrix:
    """ΛΛ^α − Λ^αΛ for Λ = diag(λ_1..λ_size), λ_i ≥ 0 and symbolic α (entrywise, exact)."""
    alpha = sp.Symbol("alpha", positive=True)
    lams = sp.symbols(f"lambda1:{size + 1}", nonnegative=True)
    L = sp.diag(*lams)
    La = sp.diag(*[lam**alpha for lam in lams])
    return (L * La - La * L).applyfunc(sp.expand)


def mp_matrix(A: sp.Matrix) -> mpmath.matrix:
    """An exact SymPy matrix as an mpmath matrix at the current precision."""
    return mpmath.matrix([[mpmath.mpf(sp.Rational(e).p) / sp.Rational(e).q for e in row]
                          for row in A.tolist()])


def mp_sym_power(G: mpmath.matrix, alpha: sp.Rational) -> mpmath.matrix:
    """G^α for symmetric PSD G through ``eigsy``; eigenvalues below 0 (rounding) set to 0."""
    E, Q = mpmath.eigsy(G)
    a = mpmath.mpf(alpha.p) / alpha.q
    D = mpmath.diag([mpmath.power(max(e, 0), a) if e > 0 else mpmath.mpf(0) for e in E])
    return Q * D * Q.T


def mp_frobenius(A: mpmath.matrix) -> mpmath.mpf:
    """‖A‖_F."""
    return mpmath.sqrt(mpmath.fsum(A[i, j] ** 2 for i in range(A.rows) for j in range(A.cols)))


def mp_spectral_norm(G: mpmath.matrix) -> mpmath.mpf:
    """‖G‖_2 of a symmetric matrix (largest |eigenvalue|)."""
    return max(abs(e) for e in mpmath.eigsy(G)[0])


def random_symmetric(rng: random.Random, n: int, bound: int = 9) -> sp.Matrix:
    """Random symmetric matrix with rational entries p/q."""
    A = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            A[i, j] = A[j, i] = sp.Rational(rng.randint(-bound, bound), rng.randint(1, 5))
    return A


def random_psd(rng: random.Random, n: int, rank: int | None = None) -> sp.Matrix:
    """Random PSD matrix BBᵀ with rational B of ``rank`` columns (rank-deficient if < n)."""
    r = n if rank is None else rank
    B = sp.Matrix(n, r, lambda _i, _j: sp.Rational(rng.randint(-6, 6), rng.randint(1, 4)))
    return B * B.T


def eigenbasis_commutator_residual() -> sp.MatrixExpr:
    """[A, G] − Q[Ã, Λ]Qᵀ with A = QÃQᵀ, G = QΛQᵀ and QᵀQ = I (symbolic n); zero when right."""
    n = sp.Symbol("n", positive=True, integer=True)
    Q, L, At = (sp.MatrixSymbol(s, n, n) for s in ("Q", "Lambda", "A_tilde"))
    A, G = Q * At * Q.T, Q * L * Q.T
    lhs = (A * G - G * A).doit().expand().subs(Q.T * Q, sp.Identity(n))
    return (lhs - (Q * (At * L - L * At) * Q.T).expand()).doit()


def _relabel_equal(a: sp.Sum, b: sp.Sum) -> bool:
    """Two finite sums with the same ranges are equal after some renaming of bound variables."""
    if len(a.limits) != len(b.limits):
        return False
    va, vb = [lim[0] for lim in a.limits], [lim[0] for lim in b.limits]
    for perm in itertools.permutations(range(len(vb))):
        ren = {vb[p]: va[i] for i, p in enumerate(perm)}
        lims = sorted((tuple(lim.xreplace(ren)) for lim in b.limits), key=str)
        if lims == sorted((tuple(lim) for lim in a.limits), key=str) and \
                sp.expand(a.function - b.function.xreplace(ren)) == 0:
            return True
    return False


def trace_is_cyclic() -> bool:
    """tr(XY) = tr(YX) for n×n matrix symbols, as index sums equal up to relabelling."""
    n = sp.Symbol("n", positive=True, integer=True)
    X, Y = sp.MatrixSymbol("X", n, n), sp.MatrixSymbol("Y", n, n)
    return _relabel_equal(sp.trace(X * Y).rewrite(sp.Sum), sp.trace(Y * X).rewrite(sp.Sum))


def frobenius_invariance_residual() -> sp.Expr:
    """tr((QBQᵀ)ᵀQBQᵀ) − tr(BᵀB) after QᵀQ = I and one cyclic move tr(XY) = tr(YX)."""
    n = sp.Symbol("n", positive=True, integer=True)
    Q, B = sp.MatrixSymbol("Q", n, n), sp.MatrixSymbol("B", n, n)
    t = sp.trace((Q * B * Q.T).T * (Q * B * Q.T)).doit()
    t = t.subs(Q.T * Q, sp.Identity(n))  # tr(Q BᵀB Qᵀ)
    moved = sp.trace(B.T * B * Q.T * Q).subs(Q.T * Q, sp.Identity(n))  # cyclic with X = Q
    same_form = t == sp.trace(Q * (B.T * B * Q.T))
    return (moved - sp.trace(B.T * B)) if same_form else t - sp.trace(B.T * B)


def diagonal_commutator_entry() -> sp.Expr:
    """(ÃΛ − ΛÃ)_ij − Ã_ij(λ_j − λ_i) for Λ = diag(λ), symbolic n, 0 ≤ i, j < n."""
    n = sp.Symbol("n", positive=True, integer=True)
    i, j, k = sp.symbols("i j k", integer=True, nonnegative=True)
    At, lam = sp.IndexedBase("A_tilde"), sp.IndexedBase("lambda")
    right = sp.Sum(At[i, k] * lam[k] * sp.KroneckerDelta(k, j), (k, 0, n - 1)).doit()
    left = sp.Sum(lam[i] * sp.KroneckerDelta(i, k) * At[k, j], (k, 0, n - 1)).doit()

    def inside(e):  # the branch for an index inside 0..n-1
        return e.args[0][0] if isinstance(e, sp.Piecewise) else e

    return sp.expand(inside(right) - inside(left) - At[i, j] * (lam[j] - lam[i]))


def spread_factorisation() -> tuple[sp.Expr, bool]:
    """g² − (a − b)² = (g − a + b)(g + a − b), both factors ≥ 0 for a, b ∈ [0, g].

    Returns the factorisation residual and whether SymPy signs both factors, with a = g·p,
    b = g·q and p = 1 − u, q = 1 − w where needed (g, p, q, u, w non-negative symbols).
    """
    a, b, g = sp.symbols("a b g", real=True)
    res = sp.expand(g**2 - (a - b) ** 2 - (g - a + b) * (g + a - b))
    gn, p, q, u, w = sp.symbols("g p q u w", nonnegative=True)
    f1 = sp.factor((gn - gn * p + gn * q).subs(p, 1 - u))  # g(u + q)
    f2 = sp.factor((gn + gn * p - gn * q).subs(q, 1 - w))  # g(p + w)
    return res, bool(f1.is_nonnegative) and bool(f2.is_nonnegative)
