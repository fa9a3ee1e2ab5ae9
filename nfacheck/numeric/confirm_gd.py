"""Gradient descent at dps 30: the exact imbalance recursion and the NFA defect bound.

Two rows of the numeric stage, on exact rational deep linear problems (:mod:`.cases`), with the
steps ``W_l <- (1 - eta lam) W_l - eta g_l`` taken in mpmath at ``DPS + GUARD_DIGITS`` digits
(``g_l`` the data gradient by backpropagation, :mod:`.network`):

1. ``gd-imbalance-recursion``:
   ``D_l <- (1 - eta lam)^2 D_l + eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T)`` for every layer and step,
   to ``DPS - 5`` digits (relative). Controls: the recursion without the ``eta^2`` term, and a
   tanh net (the first-order cancellation needs linearity).
2. ``gd-nfa-defect-bound``: from a balanced init, after k steps, the measured
   ``||E^T E - M^L||_F`` sits under the bound of :mod:`nfacheck.experiments.defect` (same
   constants, here at 30 digits), the bound is informative (below half of ``||E^T E||_F``) and
   halving ``eta`` at a fixed time ``t = k eta`` halves the defect (it is ``O(eta)``). Controls:
   the bound times ``eta`` (a defect ``O(eta^2)``) and the drift-free law (which says 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction as F
from typing import Any

from mpmath import mp

from ..check import CheckRow
from ..fmt import num
from . import cases
from .confirm import AWAY, _sci
from .linalg import frobenius, spectral_norm
from .metrics import GUARD_DIGITS

__all__ = ["rows", "gd_step", "recursion_error", "defect_bound_mp"]

DPS = 30
ETA = F(1, 10)
LAMBDA = F(1, 5)
INFORMATIVE = mp.mpf("0.5")


def _q(x: Any) -> Any:
    x = F(x)
    return mp.mpf(x.numerator) / x.denominator


def gd_step(ws, X, Y, eta, lam, activation: str = "linear"):
    """One GD step at the current precision: ``(new weights, data gradients)``."""
    from .network import gradients

    gs = gradients(ws, X, Y, activation, {}, mp)
    a = 1 - _q(eta) * _q(lam)
    return [a * mp.matrix(W) - _q(eta) * g for W, g in zip(ws, gs, strict=True)], gs


def _drift(gs, i):
    return gs[i + 1].T * gs[i + 1] - gs[i] * gs[i].T


def recursion_error(ws, X, Y, eta, lam, steps: int, activation: str = "linear",
                    drift: bool = True) -> Any:
    """max over steps and layers of ``||D_l' - law_l|| / ||D_l'||`` along ``steps`` GD steps."""
    from .network import imbalances

    a2 = (1 - _q(eta) * _q(lam)) ** 2
    eta2 = _q(eta) ** 2
    worst = mp.zero
    ws = [mp.matrix(W) for W in ws]
    for _ in range(steps):
        before = imbalances(ws, mp)
        ws, gs = gd_step(ws, X, Y, eta, lam, activation)
        for i, (D0, D1) in enumerate(zip(before, imbalances(ws, mp), strict=True)):
            law = a2 * D0 + (eta2 * _drift(gs, i) if drift else 0 * D0)
            worst = max(worst, frobenius(D1 - law) / frobenius(D1))
    return worst


def defect_bound_mp(ws, d_bounds) -> Any:
    """The layer-by-layer defect bound ``sum_i (prod_{r<=i} s_r^2) (sum_{j<L-i} s_{i+1}^{2j}
    s_i^{2(L-i-1-j)}) d_i`` with ``s_l = ||W_l||_2`` (see :mod:`nfacheck.experiments.defect`)."""
    s2 = [spectral_norm(mp.matrix(W)) ** 2 for W in ws]
    L, total, prefix = len(ws), mp.zero, mp.one
    for i in range(1, L):
        prefix *= s2[i - 1]
        m = L - i
        total += prefix * mp.fsum(s2[i] ** j * s2[i - 1] ** (m - 1 - j) for j in range(m)) \
            * d_bounds[i - 1]
    return total


def _defect(ws) -> tuple[Any, Any]:
    E = mp.matrix(ws[0])
    for W in ws[1:]:
        E = mp.matrix(W) * E
    M = mp.matrix(ws[0]).T * mp.matrix(ws[0])
    return frobenius(E.T * E - M ** len(ws)), frobenius(E.T * E)


def _gd_defect_run(L: int, eta: F, steps: int) -> dict:
    """``steps`` GD steps (lam = 0) from the exact balanced init; defect and bound at the end."""
    from .network import imbalances

    prob = cases.linear_problem(cases.balanced_linear_weights(L), times=(0,), dps=DPS)
    ws = [mp.matrix([list(r) for r in W]) for W in cases.balanced_linear_weights(L)]
    ws = [W.apply(lambda v: +v) for W in ws]
    beta = [frobenius(D) for D in imbalances(ws, mp)]  # exactly 0 for this init
    eta2 = _q(eta) ** 2
    for _ in range(steps):
        ws, gs = gd_step(ws, prob.X, prob.Y, eta, 0)
        beta = [b + eta2 * frobenius(_drift(gs, i)) for i, b in enumerate(beta)]
    measured, scale = _defect(ws)
    bound = defect_bound_mp(ws, beta)
    return {"defect": measured, "bound": bound, "scale": scale, "beta": beta,
            "flow_law": mp.zero, "ratio": bound / measured, "relative": bound / scale}


def recursion_row(quick: bool) -> CheckRow:
    """Row 1 (see the module docstring)."""
    t0 = time.perf_counter()
    depths = (2, 3) if quick else (2, 3, 4, 5)
    steps = 3
    errs, no_drift, tanh = {}, {}, {}
    with mp.workdps(DPS + GUARD_DIGITS):
        for L in depths:
            ws = cases.perturbed_linear_weights(L)
            prob = cases.linear_problem(ws, times=(0,), dps=DPS)
            errs[L] = recursion_error(ws, prob.X, prob.Y, ETA, LAMBDA, steps)
            no_drift[L] = recursion_error(ws, prob.X, prob.Y, ETA, LAMBDA, steps, drift=False)
            tanh[L] = recursion_error(ws, prob.X, prob.Y, ETA, LAMBDA, steps, "tanh")
    tol = mp.mpf(10) ** -(DPS - 5)
    worst = max(errs.values())
    status = "confirmed" if worst <= tol else "refuted" if worst > AWAY else "inconclusive"
    c1 = min(no_drift.values()) > AWAY
    c2 = min(tanh.values()) > AWAY
    return CheckRow(
        "numeric", "gd-imbalance-recursion", status,
        f"mpmath dps={DPS}, eta={ETA}, lambda={LAMBDA}, {steps} steps, L in {list(depths)}",
        f"{int(c1) + int(c2)}/2 refuted", time.perf_counter() - t0,
        status == "confirmed" and c1 and c2,
        {
            "claim": "D_l <- (1-eta lam)^2 D_l + eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T), "
                     f"relative error <= {_sci(tol)}",
            "max_rel_error": {f"L={L}": _sci(v) for L, v in errs.items()},
            "control_without_eta2_term": {f"L={L}": _sci(v) for L, v in no_drift.items()},
            "control_tanh": {f"L={L}": _sci(v) for L, v in tanh.items()},
        },
    )


def defect_row(quick: bool) -> CheckRow:
    """Row 2 (see the module docstring): eta = 1/20 for 40 steps against 1/40 for 80 (t = 2)."""
    t0 = time.perf_counter()
    depths = (2, 3) if quick else (2, 3, 4)
    eta, steps = F(1, 20), 40
    runs, halves = {}, {}
    with mp.workdps(DPS + GUARD_DIGITS):
        for L in depths:
            runs[L] = _gd_defect_run(L, eta, steps)
            halves[L] = _gd_defect_run(L, eta / 2, 2 * steps)
        under = all(r["defect"] <= r["bound"] for r in (*runs.values(), *halves.values()))
        informative = all(r["relative"] < INFORMATIVE for r in runs.values())
        orders = {L: runs[L]["defect"] / halves[L]["defect"] for L in depths}
        o_eta = all(mp.mpf("1.5") < v < mp.mpf("2.5") for v in orders.values())
        c_eta = all(r["defect"] > _q(eta) * r["bound"] for r in runs.values())
        c_flow = all(r["defect"] > mp.mpf(10) ** -(DPS - 5) for r in runs.values())
    holds = under and informative and o_eta
    ratios = [r["ratio"] for r in runs.values()]
    return CheckRow(
        "numeric", "gd-nfa-defect-bound", "confirmed" if holds else "refuted",
        f"bound/measured {num(min(ratios))}-{num(max(ratios))}; mpmath dps={DPS}, "
        f"balanced init, eta={eta}, {steps} steps (t={eta * steps})",
        f"{int(c_eta) + int(c_flow)}/2 refuted", time.perf_counter() - t0,
        holds and c_eta and c_flow,
        {
            "claim": "||E^T E - M^L||_F <= sum_i (prod s_r^2)(sum_j s_{i+1}^2j s_i^2(m-1-j)) "
                     "beta_i, beta_i = eta^2 sum_steps ||g_{i+1}^T g_{i+1} - g_i g_i^T||_F",
            "defect": {f"L={L}": _sci(r["defect"]) for L, r in runs.items()},
            "bound": {f"L={L}": _sci(r["bound"]) for L, r in runs.items()},
            "bound_over_measured": {f"L={L}": _sci(r["ratio"]) for L, r in runs.items()},
            "bound_over_norm_EtE": {f"L={L}": _sci(r["relative"]) for L, r in runs.items()},
            "defect_eta_over_defect_eta/2": {f"L={L}": _sci(v) for L, v in orders.items()},
            "control_eta_times_bound": {f"L={L}": _sci(_q(eta) * r["bound"])
                                        for L, r in runs.items()},
            "control_flow_law": "0 (balanced init, no drift)",
        },
    )


def rows(quick: bool) -> Iterator[CheckRow]:
    """The two gradient-descent rows."""
    yield recursion_row(quick)
    yield defect_row(quick)
