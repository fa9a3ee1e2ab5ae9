"""How far a network is from the Neural Feature Ansatz, at high precision.

``nfa_metrics`` compares the Gram matrix ``M = W_1^T W_1`` with powers of the AGOP ``G``: the
best-scaled residual at a given exponent, the exponent that fits best, the literature's cosine and
a commutator lower bound. Computed with guard digits and rounded to the caller's ``dps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from mpmath import mp

from ..errors import InputError
from .linalg import (
    ClampReport,
    SymEig,
    _clamped_values,
    _to_ctx,
    as_matrix,
    commutator,
    eigh,
    frobenius,
    frobenius_inner,
    sym_power,
)

__all__ = ["NFAMetrics", "nfa_metrics", "residual_profile", "GUARD_DIGITS", "ALPHA_MAX"]

GUARD_DIGITS = 10
ALPHA_MAX = 2
_SCAN_POINTS = 200


@dataclass(frozen=True)
class NFAMetrics:
    """NFA diagnostics of one (M, G) pair, each rounded to ``dps`` digits.

    Attributes
    ----------
    alpha
        Exponent the residuals refer to (``1/L`` by default for a network).
    nfa_residual
        ``min_c ||M - c G^alpha||_F / ||M||_F``.
    c_opt
        The minimising ``c = <M, G^alpha>_F / ||G^alpha||_F^2``.
    nfa_residual_c1
        ``||M - G^alpha||_F / ||M||_F`` (no rescaling).
    alpha_fit
        The exponent in ``[0, alpha_max]`` minimising the min-c residual (see :func:`nfa_metrics`).
    residual_at_alpha_fit
        The min-c residual at ``alpha_fit``.
    alpha_fit_at_boundary
        True when the minimiser sits at ``0`` or ``alpha_max`` (the true minimiser may lie outside).
    correlation
        The literature's cosine ``<M, G>_F / (||M||_F ||G||_F)`` (for comparison only: it is close
        to 1 for any exponent when ``G`` is well conditioned).
    commutator_bound
        ``||[M, G]||_F / (2 ||G||_2 ||M||_F)``, a lower bound on the residual for every ``c`` and
        ``alpha``.
    imbalance
        ``max_l ||W_{l+1}^T W_{l+1} - W_l W_l^T||_F`` when weights were given, else ``None``.
    clamp
        Eigenvalues of ``G`` clamped to zero before taking powers (at the guarded precision).
    dps, guard
        Output precision and the guard digits used for the computation.
    notes
        Anything undefined (e.g. ``M = 0``) is explained here and its value is NaN.
    """

    alpha: Any
    nfa_residual: Any
    c_opt: Any
    nfa_residual_c1: Any
    alpha_fit: Any
    residual_at_alpha_fit: Any
    alpha_fit_at_boundary: bool
    correlation: Any
    commutator_bound: Any
    imbalance: Any
    clamp: ClampReport
    dps: int
    guard: int = GUARD_DIGITS
    notes: tuple[str, ...] = field(default_factory=tuple)

    _NUMBERS = (
        "alpha", "nfa_residual", "c_opt", "nfa_residual_c1", "alpha_fit",
        "residual_at_alpha_fit", "correlation", "commutator_bound", "imbalance",
    )

    def to_json(self) -> dict[str, Any]:
        """Numbers as decimal strings with ``dps`` significant digits."""
        out: dict[str, Any] = {}
        for name in self._NUMBERS:
            v = getattr(self, name)
            out[name] = None if v is None else mp.nstr(v, self.dps, strip_zeros=False)
        out["alpha_fit_at_boundary"] = self.alpha_fit_at_boundary
        out["clamp"] = self.clamp.to_json()
        out["notes"] = list(self.notes)
        return out


def _eigen_data(M, eig: SymEig, ctx):
    """``Q^T M Q`` split into the diagonal and the squared off-diagonal mass."""
    Mt = eig.Q.T * M * eig.Q
    n = Mt.rows
    diag = [Mt[i, i] for i in range(n)]
    off2 = ctx.fsum(Mt[i, j] ** 2 for i in range(n) for j in range(n) if i != j)
    return diag, off2


def _residual_eigenbasis(alpha, lams, diag, off2, normM, ctx):
    """Min-c residual at ``alpha`` in G's eigenbasis (no cancellation: a sum of squares)."""
    p = [ctx.power(v, alpha) if v > 0 else ctx.zero for v in lams]
    pp = ctx.fsum(x * x for x in p)
    if pp == 0:
        return ctx.one
    c = ctx.fsum(m * x for m, x in zip(diag, p, strict=True)) / pp
    r2 = off2 + ctx.fsum((m - c * x) ** 2 for m, x in zip(diag, p, strict=True))
    return ctx.sqrt(r2) / normM


def _golden(f, lo, hi, ctx, tol):
    """Golden-section minimisation of a unimodal ``f`` on ``[lo, hi]``."""
    invphi = (ctx.sqrt(5) - 1) / 2
    a, b = lo, hi
    x1 = b - invphi * (b - a)
    x2 = a + invphi * (b - a)
    f1, f2 = f(x1), f(x2)
    while b - a > tol:
        if f1 <= f2:
            b, x2, f2 = x2, x1, f1
            x1 = b - invphi * (b - a)
            f1 = f(x1)
        else:
            a, x1, f1 = x1, x2, f2
            x2 = a + invphi * (b - a)
            f2 = f(x2)
    return (x1, f1) if f1 <= f2 else (x2, f2)


def _fit_alpha(lams, diag, off2, normM, alpha_max, ctx):
    """Scan ``[0, alpha_max]`` on a uniform grid, then golden-section inside the best cell."""
    f = lambda a: _residual_eigenbasis(a, lams, diag, off2, normM, ctx)  # noqa: E731
    h = alpha_max / _SCAN_POINTS
    grid = [h * k for k in range(_SCAN_POINTS + 1)]
    vals = [f(a) for a in grid]
    k = min(range(len(grid)), key=lambda i: vals[i])
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, _SCAN_POINTS)]
    tol = ctx.mpf(10) ** (-(ctx.dps - 3)) * max(ctx.one, alpha_max)
    a, r = _golden(f, lo, hi, ctx, tol)
    if vals[k] < r:  # a grid point can beat the interior search only if f is flat there
        a, r = grid[k], vals[k]
    at_boundary = a - tol <= 0 or a + 2 * tol >= alpha_max
    return a, r, at_boundary


def residual_profile(M, G, alphas, *, dps: int = 30) -> list:
    """The min-c NFA residual at each exponent in ``alphas`` (for plots and scans).

    Uses the same eigenbasis formula as ``alpha_fit``; values rounded to ``dps``.
    """
    ctx = mp
    with ctx.workdps(dps + GUARD_DIGITS):
        Mm, Gm = as_matrix(M, ctx), as_matrix(G, ctx)
        eig = eigh(Gm, ctx)
        lams, _ = _clamped_values(eig.values, ctx)
        diag, off2 = _eigen_data(Mm, eig, ctx)
        normM = frobenius(Mm, ctx)
        out = [_residual_eigenbasis(_to_ctx(a, ctx), lams, diag, off2, normM, ctx)
               for a in alphas]
    with ctx.workdps(dps):
        return [+v for v in out]


def _network_mg(weights, X, activation, activation_params, ctx):
    """Gram, AGOP and imbalance of a network given by its weights (via ``numeric.network``)."""
    from . import network

    M = network.gram(weights, ctx)
    G = network.agop(weights, X, activation, activation_params or {}, ctx)
    imb = max((frobenius(D, ctx) for D in network.imbalances(weights, ctx)), default=ctx.zero)
    return M, G, imb


def nfa_metrics(
    weights=None,
    X=None,
    activation: str = "linear",
    *,
    M=None,
    G=None,
    alpha=None,
    dps: int = 30,
    activation_params: dict | None = None,
    alpha_max=ALPHA_MAX,
) -> NFAMetrics:
    """NFA residuals, fitted exponent, cosine and commutator bound of one network state.

    Give either ``weights`` and ``X`` (and ``activation``), or ``M`` and ``G`` directly.

    Parameters
    ----------
    weights
        ``W_1 ... W_L`` (mpmath matrices, or nested lists / tuples of Fractions or decimals).
    X
        Data, ``d x n`` (columns are samples).
    activation, activation_params
        Activation name and parameters (see :mod:`nfacheck.activations`).
    M, G
        Gram matrix and AGOP directly (both ``d x d``, symmetric PSD), instead of weights.
    alpha
        Exponent; defaults to ``1/L`` with weights. Required with ``M`` and ``G``.
    dps
        Output precision; the computation runs at ``dps + 10`` digits.
    alpha_max
        Upper end of the exponent search.

    Returns
    -------
    NFAMetrics

    Notes
    -----
    ``G^alpha = Q diag(lambda_i^alpha) Q^T`` with eigenvalues at or below
    ``lambda_max * 10**-(dps + 5)`` clamped to 0 (reported in ``clamp``). The optimal scale has the
    closed form ``c = <M, G^alpha>_F / ||G^alpha||_F^2``. ``alpha_fit`` minimises the min-c residual
    over ``[0, alpha_max]``: the residual is evaluated in G's eigenbasis, where it is a sum of
    squares and costs O(d) per exponent, on a uniform grid of 200 cells; a golden-section search
    then runs inside the two cells around the best grid point down to ``10**-(dps + 7)``. This finds
    the global minimiser whenever it is the only local minimum in its grid cell pair; the residual
    is continuous in alpha and an exact NFA gives a V-shaped minimum, which golden section locates
    to about working precision.

    Examples
    --------
    >>> from mpmath import mp
    >>> G = mp.matrix([[4, 0], [0, 9]])
    >>> m = nfa_metrics(M=mp.matrix([[2, 0], [0, 3]]), G=G, alpha=Fraction(1, 2))
    >>> mp.nstr(m.alpha_fit, 10)
    '0.5'
    """
    ctx = mp
    if int(dps) < 5:
        raise InputError("dps must be at least 5", "dps", dps)
    dps = int(dps)
    with ctx.workdps(dps + GUARD_DIGITS):
        imbalance = None
        if weights is not None:
            if M is not None or G is not None:
                raise InputError("give either weights and X, or M and G, not both", "M")
            if X is None:
                raise InputError("X is required with weights", "X")
            M, G, imbalance = _network_mg(weights, X, activation, activation_params, ctx)
            if alpha is None:
                alpha = Fraction(1, len(weights))
        elif M is None or G is None:
            raise InputError("give weights and X, or both M and G", "M")
        else:
            M, G = as_matrix(M, ctx), as_matrix(G, ctx)
        if alpha is None:
            raise InputError("alpha is required when M and G are given", "alpha")
        if M.rows != M.cols or (G.rows, G.cols) != (M.rows, M.cols):
            raise InputError("M and G must be square of the same size", "M",
                             f"{M.rows}x{M.cols} and {G.rows}x{G.cols}")
        a = _to_ctx(alpha, ctx)
        if a <= 0:
            raise InputError("alpha must be positive", "alpha", ctx.nstr(a, 8))
        amax = _to_ctx(alpha_max, ctx)
        eig = eigh(G, ctx)
        Ga, clamp = sym_power(G, a, ctx, eig=eig)
        normM, normG, normGa = frobenius(M, ctx), frobenius(G, ctx), frobenius(Ga, ctx)
        lam_max = max(abs(v) for v in eig.values)
        notes: list[str] = []
        nan = ctx.nan
        if normM == 0:
            notes.append("M = W_1^T W_1 is zero: residuals, fit and cosine are undefined")
            res = c_opt = res1 = afit = rfit = corr = comm = nan
            boundary = False
        elif normGa == 0:
            notes.append("G is zero (after clamping): the best scale is 0, residual 1")
            c_opt, res = ctx.zero, ctx.one
            res1, afit, rfit, corr, comm, boundary = ctx.one, nan, nan, nan, nan, False
        else:
            c_opt = frobenius_inner(M, Ga, ctx) / normGa**2
            res = frobenius(M - c_opt * Ga, ctx) / normM
            res1 = frobenius(M - Ga, ctx) / normM
            corr = frobenius_inner(M, G, ctx) / (normM * normG)
            comm = frobenius(commutator(M, G), ctx) / (2 * lam_max * normM)
            lams, _ = _clamped_values(eig.values, ctx)
            diag, off2 = _eigen_data(M, eig, ctx)
            afit, rfit, boundary = _fit_alpha(lams, diag, off2, normM, amax, ctx)
    with ctx.workdps(dps):
        r = lambda v: None if v is None else +v  # noqa: E731
        return NFAMetrics(
            alpha=r(a), nfa_residual=r(res), c_opt=r(c_opt), nfa_residual_c1=r(res1),
            alpha_fit=r(afit), residual_at_alpha_fit=r(rfit), alpha_fit_at_boundary=boundary,
            correlation=r(corr), commutator_bound=r(comm), imbalance=r(imbalance),
            clamp=clamp, dps=dps, notes=tuple(notes),
        )
