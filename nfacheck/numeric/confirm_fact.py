"""FACT along a weight-decay flow: the ``fact-stationary-flow`` row of the numeric stage.

The Features At Convergence Theorem (Boix-Adsera et al. 2025) says that at a stationary point of
a loss with weight decay lambda > 0, for every layer,
``W_l^T W_l = -(1/(n lambda)) sum_i grad_{h_{l-1}} l_i h_{l-1}(x_i)^T``. Along a flow that
converges, the two sides differ by exactly ``W_l^T dL/dW_l / lambda``; we check that identity
(FACT matrix built from explicit products, the gradient from backpropagation) and that the FACT
residual has become small by the end of the flow.
"""

from __future__ import annotations

import time
from fractions import Fraction as F

from mpmath import mp

from ..check import CheckRow
from ..fmt import num
from .linalg import as_matrix, frobenius
from .metrics import GUARD_DIGITS

__all__ = ["fact_matrices", "fact_row"]


def _prod(mats, eye_dim: int):
    out = mp.eye(eye_dim)
    for m in mats:
        out = m * out
    return out


def fact_matrices(weights, X, Y, weight_decay, factor=1) -> list:
    """FACT matrices ``-(factor/(n lambda)) (W_L..W_l)^T (E X - Y) (W_{l-1}..W_1 X)^T`` of a
    linear network, for l = 1..L (at the caller's precision)."""
    Ws = [as_matrix(W) for W in weights]
    Xm, Ym = as_matrix(X), as_matrix(Y)
    n, L = Xm.cols, len(Ws)
    lam = mp.mpf(F(weight_decay).numerator) / F(weight_decay).denominator
    E = _prod(Ws, Xm.rows)
    R = E * Xm - Ym
    out = []
    for l in range(L):
        suffix = _prod(Ws[l:], Ws[l].cols)  # W_L ... W_l, k x h_{l-1}
        H = _prod(Ws[:l], Xm.rows) * Xm  # h_{l-1}(x_i) as columns
        fac = mp.mpf(F(factor).numerator) / F(factor).denominator
        out.append(-(fac / (n * lam)) * (suffix.T * R * H.T))
    return out


def _fact_residuals(problem, ws, factor=1):
    """Per layer: FACT residual ||W^T W - F||/||W^T W|| and the stationarity identity error."""
    from .network import gradients

    lam = problem.weight_decay
    lam_mp = mp.mpf(lam.numerator) / lam.denominator
    Fm = fact_matrices(ws, problem.X, problem.Y, lam, factor)
    gs = gradients(ws, problem.X, problem.Y, "linear", {}, mp, weight_decay=lam)
    res, ident = [], []
    for W, Fl, g in zip(ws, Fm, gs, strict=True):
        WtW = W.T * W
        nW = frobenius(WtW)
        res.append(frobenius(WtW - Fl) / nW)
        ident.append(frobenius((WtW - Fl) - W.T * g / lam_mp) / nW)
    return res, ident


def fact_row(quick: bool, lam: F, dps: int, L: int = 2) -> CheckRow:
    """Check FACT along the weight-decay flow of the unbalanced linear net of depth ``L``.

    Confirmed when (a) at every output time the FACT residual equals the stationarity defect
    ``||W_l^T dL/dW_l|| / (lambda ||W_l^T W_l||)`` to ``dps - 5`` digits (explicit FACT matrix
    against backpropagation) and (b) the flow has come near a stationary point: the final
    residual is below ``1e-4`` and at most ``1e-3`` times the initial one. Control: the factor
    ``1/(2 lambda)`` must leave a residual > 0.1.
    """
    from . import cases
    from .integrate import integrate

    t0 = time.perf_counter()
    T = 30 if quick else 40
    problem = cases.linear_problem(
        cases.unbalanced_linear_weights(L), weight_decay=lam,
        times=tuple(F(T * j, 4) for j in range(5)), dps=dps, name=f"unbalanced L={L} fact",
    )
    traj = integrate(problem)
    with mp.workdps(dps + GUARD_DIGITS):
        per_time = [_fact_residuals(problem, ws) for ws in traj.weights]
        first = max(per_time[0][0])
        last = max(per_time[-1][0])
        ident = max(max(i) for _, i in per_time)
        wrong, _ = _fact_residuals(problem, traj.weights[-1], factor=F(1, 2))
        wrong_min = min(wrong)
        tol = mp.mpf(10) ** -(dps - 5)
        small = last < mp.mpf("1e-4") and last <= first / 1000
        if ident <= tol and small:
            status = "confirmed"
        elif ident > mp.mpf("1e-3"):
            status = "refuted"
        else:
            status = "inconclusive"
        control = wrong_min > mp.mpf("0.1")

    s = num

    return CheckRow(
        "numeric", f"fact-stationary-flow L={L}", status,
        f"taylor dps={dps}, lambda={lam}, t={problem.times[-1]}", f"{int(control)}/1 refuted",
        time.perf_counter() - t0, status == "confirmed" and control,
        {
            "claim": "W_l^T W_l = FACT matrix at the stationary point the flow approaches",
            "times": [str(t) for t in problem.times],
            "fact_residuals": [s(max(r)) for r, _ in per_time],
            "fact_residual_t0": s(first),
            "fact_residual_end": s(last),
            "identity_error_max": s(ident),
            "control_factor_1/(2lambda)_residual": s(wrong_min),
        },
    )
