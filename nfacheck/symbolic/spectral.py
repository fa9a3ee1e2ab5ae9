"""Spectral facts used by the commutator obstruction: functions of G commute with G, and the
Frobenius/spectral commutator bound, with SymPy checks and high-precision mpmath spot checks.

The mpmath helpers evaluate at a scoped precision (``mp.workdps``) and take exact SymPy
rationals as input, so nothing passes through float64.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

__all__ = [
    "commutes_in_eigenbasis", "diagonal_powers_commute", "mp_matrix", "mp_sym_power",
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
