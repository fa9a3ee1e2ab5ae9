"""Dense symmetric linear algebra at working precision: eigendecomposition, A^alpha, norms.

Everything is written against an mpmath context (``mp`` by default) and runs at the context's
current precision; callers scope the precision with ``ctx.workdps``. Nothing here rounds to float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mpmath import mp

from ..errors import InputError

__all__ = [
    "ClampReport",
    "SymEig",
    "as_matrix",
    "symmetrize",
    "eigh",
    "clamp_threshold",
    "sym_power",
    "frobenius",
    "frobenius_inner",
    "spectral_norm",
    "commutator",
]

# Eigenvalues below lambda_max * 10**(-(ctx.dps - CLAMP_MARGIN)) are treated as zero: an exactly
# singular PSD matrix evaluated at working precision has "zero" eigenvalues of size about
# n * eps * lambda_max, and their fractional powers (eps**(1/L)) would otherwise swamp a residual.
CLAMP_MARGIN = 5


@dataclass(frozen=True)
class ClampReport:
    """What :func:`sym_power` set to zero.

    Attributes
    ----------
    count
        How many eigenvalues were clamped to 0 (including tiny negative ones).
    largest
        The largest absolute value among the clamped eigenvalues (0 if none).
    threshold
        The absolute threshold used: ``lambda_max * 10**(-(dps - 5))`` at the working ``dps``.
    relative_threshold
        ``threshold / lambda_max`` (a power of ten).
    """

    count: int
    largest: Any
    threshold: Any
    relative_threshold: Any

    def to_json(self, digits: int = 6) -> dict[str, Any]:
        return {
            "count": self.count,
            "largest": mp.nstr(self.largest, digits),
            "threshold": mp.nstr(self.threshold, digits),
            "relative_threshold": mp.nstr(self.relative_threshold, 3),
        }


@dataclass(frozen=True)
class SymEig:
    """``A = Q diag(values) Q^T`` with eigenvalues ascending and ``Q`` orthogonal."""

    values: list
    Q: Any


def as_matrix(A: Any, ctx=mp):
    """Convert a nested list, tuple of tuples (Fractions allowed) or matrix to ``ctx.matrix``.

    Fractions are converted exactly to the context's precision via numerator/denominator.
    """
    if isinstance(A, ctx.matrix):
        return A.copy()
    rows = [list(r) for r in A]
    return ctx.matrix([[_to_ctx(x, ctx) for x in r] for r in rows])


def _to_ctx(x: Any, ctx):
    num = getattr(x, "numerator", None)
    den = getattr(x, "denominator", None)
    if num is not None and den is not None and not isinstance(x, int):
        return ctx.mpf(num) / den
    return ctx.mpf(x)


def symmetrize(A, ctx=mp):
    """``(A + A^T)/2`` (removes rounding asymmetry before an eigendecomposition)."""
    n = A.rows
    if A.cols != n:
        raise InputError(f"expected a square matrix, got {A.rows}x{A.cols}", "matrix")
    return ctx.matrix([[(A[i, j] + A[j, i]) / 2 for j in range(n)] for i in range(n)])


def eigh(A, ctx=mp) -> SymEig:
    """Symmetric eigendecomposition at the context's working precision.

    Parameters
    ----------
    A
        Real symmetric square matrix (symmetrized first).
    ctx
        mpmath context (``mp``); uses ``ctx.eigsy`` (Householder tridiagonalisation + implicit QL).

    Returns
    -------
    SymEig
        Ascending eigenvalues and orthonormal eigenvectors as the columns of ``Q``.
    """
    S = symmetrize(as_matrix(A, ctx), ctx)
    E, Q = ctx.eigsy(S)
    return SymEig([E[i] for i in range(S.rows)], Q)


def clamp_threshold(lam_max, ctx=mp):
    """Absolute clamp threshold ``lam_max * 10**(-(dps - CLAMP_MARGIN))`` at the working dps."""
    rel = ctx.mpf(10) ** (-(ctx.dps - CLAMP_MARGIN))
    return abs(lam_max) * rel, rel


def _clamped_values(values, ctx=mp):
    """Eigenvalues with the tiny ones set to 0; raises if the matrix is clearly not PSD."""
    lam_max = max(abs(v) for v in values) if values else ctx.zero
    thr, rel = clamp_threshold(lam_max, ctx)
    out, count, largest = [], 0, ctx.zero
    for v in values:
        if v <= thr:
            if v < -thr:
                raise InputError(
                    "matrix is not positive semidefinite: a fractional power is undefined",
                    "eigenvalue",
                    ctx.nstr(v, 8),
                )
            count += 1
            largest = max(largest, abs(v))
            out.append(ctx.zero)
        else:
            out.append(v)
    return out, ClampReport(count, largest, thr, rel)


def sym_power(A, alpha, ctx=mp, eig: SymEig | None = None):
    """``A**alpha`` of a symmetric positive semidefinite matrix through its eigendecomposition.

    Parameters
    ----------
    A
        Symmetric PSD matrix.
    alpha
        Exponent, ``alpha > 0`` (``alpha = 0`` gives the projector onto the kept eigenspace).
    ctx
        mpmath context.
    eig
        A precomputed :func:`eigh` of ``A`` (reused across exponents).

    Returns
    -------
    (matrix, ClampReport)
        ``Q diag(max(lambda_i, 0)**alpha) Q^T`` where eigenvalues at or below
        ``lambda_max * 10**(-(dps - 5))`` are set to 0, and what was clamped.

    Raises
    ------
    InputError
        If an eigenvalue is more negative than minus the threshold (not PSD), or ``alpha < 0``.

    References
    ----------
    Higham, *Functions of Matrices* (SIAM 2008): the conditioning of ``A -> A**alpha`` near a
    singular ``A`` is why eigenvalues at rounding level are clamped and the clamp reported.
    """
    alpha = _to_ctx(alpha, ctx)
    if alpha < 0:
        raise InputError("exponent must be >= 0", "alpha", ctx.nstr(alpha, 8))
    e = eig if eig is not None else eigh(A, ctx)
    vals, report = _clamped_values(e.values, ctx)
    n = len(vals)
    powered = [ctx.power(v, alpha) if v > 0 else ctx.zero for v in vals]
    Q = e.Q
    out = ctx.matrix(n, n)
    for i in range(n):
        for j in range(i, n):
            s = ctx.fsum(Q[i, k] * powered[k] * Q[j, k] for k in range(n) if powered[k])
            out[i, j] = s
            out[j, i] = s
    return out, report


def frobenius_inner(A, B, ctx=mp):
    """``<A, B>_F = sum_ij A_ij B_ij``."""
    if (A.rows, A.cols) != (B.rows, B.cols):
        raise InputError("shapes differ", "matrix", f"{A.rows}x{A.cols} vs {B.rows}x{B.cols}")
    return ctx.fsum(A[i, j] * B[i, j] for i in range(A.rows) for j in range(A.cols))


def frobenius(A, ctx=mp):
    """Frobenius norm ``sqrt(sum_ij A_ij^2)``."""
    return ctx.sqrt(ctx.fsum(A[i, j] ** 2 for i in range(A.rows) for j in range(A.cols)))


def spectral_norm(A, ctx=mp, *, symmetric_psd: bool = False):
    """Operator 2-norm.

    For a symmetric PSD matrix (``symmetric_psd=True``) the largest eigenvalue; otherwise the
    square root of the largest eigenvalue of ``A^T A``.
    """
    if symmetric_psd:
        vals = eigh(A, ctx).values
        return max(abs(v) for v in vals)
    AtA = A.T * A
    vals = eigh(AtA, ctx).values
    return ctx.sqrt(max(max(vals), ctx.zero))


def commutator(A, B):
    """``[A, B] = AB - BA``."""
    return A * B - B * A
