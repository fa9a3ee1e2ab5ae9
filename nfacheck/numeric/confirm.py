"""The ``numeric`` stage of ``nfacheck check``: the theorems confirmed on concrete flows at dps 30.

Each row integrates exact deep linear problems (:mod:`nfacheck.numeric.cases`) and compares the
measured figures with what a theorem predicts; each carries negative controls that must come out
refuted. ``ok`` means: the claim is ``confirmed`` *and* every control is refuted. Numeric
confirmation is evidence at the stated digits and tolerances, not a proof.

Rows (for L = 2, 3, 4; quick: L = 2, 3 and shorter horizons):

1. ``nfa-balanced-linear``: balanced init, lambda = 0 => residual at alpha = 1/L of order
   10^-dps at every time. Controls: the same trajectory at alpha = 1/(L+1); an unbalanced init.
2. ``nfa-asymptotic-weight-decay``: unbalanced init, lambda > 0 => the residual decays at least
   at the rate 2 lambda / L of the bound ||G^{1/L} - M|| = O(e^{-2 lambda t / L}) (fitted on the
   second half of the horizon). Control: lambda = 0 from the same init stays away from 0.
3. ``imbalance-decay``: D_l(t) = e^{-2 lambda t} D_l(0) to >= dps - 5 digits (lambda > 0 and
   lambda = 0). Control: the rate e^{-lambda t} is rejected.
4. ``fact-stationary-flow``: at the end of the weight-decay flow, W_l^T W_l against the FACT
   matrix -(1/(n lambda)) sum_i grad_h l_i h_{l-1}(x_i)^T; its residual equals the stationarity
   defect ||W_l^T dL/dW_l|| / (lambda ||W_l^T W_l||) and is small. Control: the factor 1/(2 lambda).
5. The deep NFA of every layer, its asymptotics, the sharp rate and FACT for a tanh net
   (:mod:`.confirm_deep`), and gradient descent: the exact imbalance recursion and the NFA defect
   bound (:mod:`.confirm_gd`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction as F
from pathlib import Path
from typing import Any

from mpmath import mp

from ..check import CheckRow
from ..fmt import num
from . import cases
from .metrics import GUARD_DIGITS, nfa_metrics

__all__ = ["rows", "DPS", "fit_rate"]

DPS = 30
LAMBDA = F(1, 5)
AWAY = mp.mpf("1e-3")  # a residual above this is "clearly not the NFA" at any of our dps


def _save(problem, workdir: Path | None, slug: str) -> str | None:
    """Write the problem as TOML under ``workdir`` (replayable with ``nfacheck verify``)."""
    if workdir is None:
        return None
    from ..io import atomic_write_text
    from ..problem import problem_to_toml

    path = Path(workdir) / f"{slug}.toml"
    atomic_write_text(path, problem_to_toml(problem))
    return str(path)


def _integrate(problem):
    from .integrate import integrate

    return integrate(problem)


def _residuals(problem, traj, alpha) -> list:
    return [nfa_metrics(ws, problem.X, "linear", alpha=alpha, dps=problem.dps).nfa_residual
            for ws in traj.weights]


def _sci(x: Any) -> str:
    return num(x)


def fit_rate(times, values) -> Any:
    """Least-squares decay rate ``r`` in ``values ~ C e^{-r t}`` (``r > 0`` means decay)."""
    with mp.workdps(30):
        ts = [mp.mpf(F(t).numerator) / F(t).denominator for t in times]
        ys = [mp.log(v) for v in values]
        n = len(ts)
        tm, ym = mp.fsum(ts) / n, mp.fsum(ys) / n
        slope = mp.fsum((t - tm) * (y - ym) for t, y in zip(ts, ys, strict=True)) / mp.fsum(
            (t - tm) ** 2 for t in ts)
        return -slope


# -- 1. balanced init, no weight decay ---------------------------------------------------------


def _balanced_row(L: int, quick: bool, unbalanced_zero: tuple, workdir: Path | None = None
                  ) -> CheckRow:
    t0 = time.perf_counter()
    times = (0, F(1, 2), 1) if quick else (0, F(1, 2), 1, 2)
    prob = cases.linear_problem(cases.balanced_linear_weights(L), times=times, dps=DPS,
                                name=f"balanced L={L}")
    saved = _save(prob, workdir, f"balanced-L{L}")
    traj = _integrate(prob)
    res = _residuals(prob, traj, F(1, L))
    wrong = _residuals(prob, traj, F(1, L + 1))
    uprob, utraj = unbalanced_zero
    ures = _residuals(uprob, utraj, F(1, L))
    claim_tol = mp.mpf(10) ** -(DPS - 5)
    worst = max(res)
    status = ("confirmed" if worst <= claim_tol else "refuted" if worst > AWAY else "inconclusive")
    c_wrong = min(wrong[1:]) > AWAY  # at t = 0 too, but t > 0 is the flow's doing
    c_unbal = min(ures) > AWAY
    ctrl = int(c_wrong) + int(c_unbal)
    return CheckRow(
        "numeric", f"nfa-balanced-linear L={L}", status, f"taylor dps={DPS}, alpha=1/{L}",
        f"{ctrl}/2 refuted", time.perf_counter() - t0, status == "confirmed" and ctrl == 2,
        {
            "claim": f"balanced init, lambda=0: residual at alpha=1/{L} <= {_sci(claim_tol)}",
            "times": [str(t) for t in times],
            "max_residual": _sci(worst),
            "residuals": [_sci(r) for r in res],
            "control_alpha_1/(L+1)_residuals": [_sci(r) for r in wrong],
            "control_unbalanced_residuals": [_sci(r) for r in ures],
            "steps": getattr(traj, "steps", None),
            "reproduce": saved and f"nfacheck verify {saved}",
        },
    )


# -- 2/3. unbalanced init, weight decay against none -------------------------------------------


def _unbalanced_pair(L: int, quick: bool, workdir: Path | None = None):
    T = 8 if quick else 12
    times = tuple(F(T * j, 8) for j in range(9))
    ws = cases.unbalanced_linear_weights(L)
    out = {}
    for lam in (LAMBDA, F(0)):
        prob = cases.linear_problem(ws, weight_decay=lam, times=times, dps=DPS,
                                    name=f"unbalanced L={L} lambda={lam}")
        _save(prob, workdir, f"unbalanced-L{L}-lambda{'0' if lam == 0 else 'pos'}")
        out[lam] = (prob, _integrate(prob))
    return out


_SHARED = ("half of the two integrations (lambda > 0 and lambda = 0) this row shares with the "
           "other row of the same depth, plus its own measurement")


def _asymptotic_row(L: int, pair, seconds: float) -> CheckRow:
    t0 = time.perf_counter()
    prob, traj = pair[LAMBDA]
    zprob, ztraj = pair[F(0)]
    res = _residuals(prob, traj, F(1, L))
    zres = _residuals(zprob, ztraj, F(1, L))
    times = list(prob.times)
    half = [i for i, t in enumerate(times) if t >= times[-1] / 2]
    bound = 2 * mp.mpf(LAMBDA.numerator) / LAMBDA.denominator / L
    rate = fit_rate([times[i] for i in half], [res[i] for i in half])
    zrate = fit_rate([times[i] for i in half], [zres[i] for i in half])
    decays = res[-1] < res[0]
    if rate >= mp.mpf("0.9") * bound and decays:
        status = "confirmed"
    elif rate < bound / 4:
        status = "refuted"
    else:
        status = "inconclusive"
    control = zrate < bound / 4 and min(zres[i] for i in half) > AWAY
    return CheckRow(
        "numeric", f"nfa-asymptotic-weight-decay L={L}", status,
        f"taylor dps={DPS}, lambda={LAMBDA}, rate fit on t>={times[-1] / 2}",
        f"{int(control)}/1 refuted", seconds + time.perf_counter() - t0,
        status == "confirmed" and control,
        {
            "claim": f"unbalanced init, lambda={LAMBDA}: residual decays at rate >= 2*lambda/L",
            "seconds_note": _SHARED,
            "bound_rate_2lambda_over_L": _sci(bound),
            "fitted_rate": _sci(rate),
            "rate_over_2lambda": _sci(rate / (2 * bound * L / 2)),
            "times": [str(t) for t in times],
            "residuals": [_sci(r) for r in res],
            "control_lambda0_rate": _sci(zrate),
            "control_lambda0_residuals": [_sci(r) for r in zres],
        },
    )


def _d_error(prob, traj, rate_factor) -> Any:
    """max over l, t of ||D_l(t) - e^{-rate_factor lambda t} D_l(0)||_F / ||D_l(0)||_F."""
    from .linalg import as_matrix, frobenius
    from .network import imbalances

    lam = prob.weight_decay
    with mp.workdps(DPS + GUARD_DIGITS):
        D0 = [as_matrix(D) for D in cases.exact_imbalances([list(map(list, W))
                                                            for W in prob.weights])]
        n0 = [frobenius(D) for D in D0]
        worst = mp.zero
        for t, ws in zip(traj.times_exact, traj.weights, strict=True):
            decay = mp.exp(-rate_factor * mp.mpf(lam.numerator) / lam.denominator
                           * mp.mpf(F(t).numerator) / F(t).denominator)
            for D, D0l, nl in zip(imbalances(ws, mp), D0, n0, strict=True):
                if nl:
                    worst = max(worst, frobenius(D - decay * D0l) / nl)
        return +worst


def _imbalance_row(L: int, pair, seconds: float) -> CheckRow:
    t0 = time.perf_counter()
    prob, traj = pair[LAMBDA]
    zprob, ztraj = pair[F(0)]
    err = _d_error(prob, traj, 2)
    zerr = _d_error(zprob, ztraj, 2)
    wrong = _d_error(prob, traj, 1)
    tol = mp.mpf(10) ** -(DPS - 5)
    worst = max(err, zerr)
    status = "confirmed" if worst <= tol else "refuted" if worst > AWAY else "inconclusive"
    control = wrong > AWAY
    return CheckRow(
        "numeric", f"imbalance-decay L={L}", status,
        f"taylor dps={DPS}, lambda in {{{LAMBDA}, 0}}", f"{int(control)}/1 refuted",
        seconds + time.perf_counter() - t0, status == "confirmed" and control,
        {
            "claim": f"D_l(t) = exp(-2 lambda t) D_l(0) to <= {_sci(tol)} (relative)",
            "seconds_note": _SHARED,
            "max_rel_error_lambda": _sci(err),
            "max_rel_error_lambda0": _sci(zerr),
            "digits": int(-mp.log10(worst)) if worst > 0 else DPS + GUARD_DIGITS,
            "control_rate_exp(-lambda t)_error": _sci(wrong),
        },
    )


# -- the stage ---------------------------------------------------------------------------------


def rows(quick: bool, workdir: Path) -> Iterator[CheckRow]:
    """Yield the numeric confirmation rows (see the module docstring)."""
    depths = (2, 3) if quick else (2, 3, 4)
    pairs = {}
    for L in depths:
        t0 = time.perf_counter()
        pairs[L] = (_unbalanced_pair(L, quick, workdir), time.perf_counter() - t0)
    for L in depths:
        pair, _ = pairs[L]
        zero = pair[F(0)]
        yield _balanced_row(L, quick, zero, workdir)
    for L in depths:
        pair, secs = pairs[L]
        yield _asymptotic_row(L, pair, secs / 2)
        yield _imbalance_row(L, pair, secs / 2)
    from .confirm_deep import rows as deep_rows
    from .confirm_fact import fact_row
    from .confirm_gd import rows as gd_rows

    yield fact_row(quick, LAMBDA, DPS)
    yield from deep_rows(quick)
    yield from gd_rows(quick)
