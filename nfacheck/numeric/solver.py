"""ODE solvers in the scipy ``_ivp`` style: a base class owns status, counters and dense output;
a method (here: adaptive high-order Taylor series) fills in one step.

Times are exact rationals; states are lists of fixed-point flat matrices (see ``taylor.py``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath

from .events import Crossing, find_first_crossing
from .flowfield import NetworkField
from .taylor import FixedPointOverflow, horner, to_fixed

__all__ = ["OdeSolver", "TaylorSolver", "DenseOutput", "jorba_zou_order"]


class DenseOutput:
    """The Taylor polynomial of one step: the state at any t in [t_old, t]."""

    def __init__(self, t_old: Fraction, t: Fraction, h0: int, coeffs, frac_bits: int) -> None:
        self.t_old, self.t, self.h0, self.coeffs, self.F = t_old, t, h0, coeffs, frac_bits

    def __call__(self, t: Fraction) -> list[list[int]]:
        if not self.t_old <= t <= self.t:
            raise ValueError(f"t={t} outside the step [{self.t_old}, {self.t}]")
        s = to_fixed((Fraction(t) - self.t_old) * (1 << self.F) / self.h0, self.F)
        return [horner(c, s, self.F) for c in self.coeffs]


class OdeSolver:
    """Base class: integrates from ``t0`` towards ``t_bound`` one :meth:`step` at a time.

    Attributes
    ----------
    t, y
        Current time (Fraction) and state.
    status
        ``"running"``, ``"finished"`` or ``"failed"``.
    message
        Why it finished or failed.
    steps, nfev
        Accepted steps and evaluations of the vector field (for Taylor: one jet per step).
    """

    def __init__(self, y0, t0: Fraction, t_bound: Fraction) -> None:
        self.t = Fraction(t0)
        self.t_old: Fraction | None = None
        self.t_bound = Fraction(t_bound)
        if self.t_bound < self.t:
            raise ValueError("t_bound must not be before t0")
        self.y = y0
        self.steps = 0
        self.nfev = 0
        self.status = "running" if self.t_bound > self.t else "finished"
        self.message = "" if self.status == "running" else "t_bound == t0: nothing to do"
        self._dense: DenseOutput | None = None

    def step(self) -> None:
        """Advance by one step; sets ``status``/``message`` on completion or failure."""
        if self.status != "running":
            raise RuntimeError("step() on a solver that is not running")
        ok, message = self._step_impl()
        if not ok:
            self.status, self.message = "failed", message
            return
        self.steps += 1
        if self.t == self.t_bound:
            self.status, self.message = "finished", "reached t_bound"

    def dense_output(self) -> DenseOutput:
        """The interpolant of the last step."""
        if self._dense is None:
            raise RuntimeError("no step taken yet")
        return self._dense

    def _step_impl(self) -> tuple[bool, str]:  # pragma: no cover - abstract
        raise NotImplementedError


def jorba_zou_order(tol_digits: int) -> int:
    """Order p = ceil(-ln(eps)/2) + 1 that minimises the work per unit time (Jorba & Zou 2005)."""
    return math.ceil(Fraction(tol_digits) * Fraction(2302585093, 10**9) / 2) + 1  # ln 10


class TaylorSolver(OdeSolver):
    """Adaptive Taylor series method of order K with the Jorba-Zou step size.

    The step in the scaled time s (t = t_old + h0 s) is
    ``s* = safety * min_{j in {K-1, K}} (eps / |W[j]|)**(1/j)``, eps = tol * |y0| (max-norms);
    s is capped at 1 so that fixed-point rounding of the coefficients is never amplified, and
    h0 is rescaled for the next step. With ``fixed_step`` the step is h0 = fixed_step always
    (used by the order test).

    A backend with a bounded fixed-point range (numpy) raises ``FixedPointOverflow`` when the
    coefficients of a step taken too long outgrow it; the expansion is then retried with h0/16
    (counted in ``rescaled``), or, with ``fixed_step``, the solver stops with status "failed".

    Piecewise-linear activations: a hidden pre-activation changing sign inside the step is an
    event; the step is cut at its root (bisection on the step's polynomial at 2**-F) and the sign
    pattern flipped there. If the next expansion pushes that pre-activation back across 0 (a
    Filippov sliding mode) the solver stops with status "failed" rather than chatter.
    """

    SAFETY = Fraction(9, 10)
    GROWTH = 4

    def __init__(
        self,
        field: NetworkField,
        y0,
        t0: Fraction,
        t_bound: Fraction,
        *,
        order: int,
        tol_digits: int,
        fixed_step: Fraction | None = None,
        events: list | None = None,
    ) -> None:
        super().__init__(y0, t0, t_bound)
        self.field = field
        self.order = order
        F = field.F
        self.tol_digits = tol_digits
        self.fixed_step = None if fixed_step is None else Fraction(fixed_step)
        span = self.t_bound - self.t
        h = self.fixed_step if self.fixed_step is not None else min(Fraction(1), span or 1)
        self.h0 = max(1, to_fixed(h, F))
        self.events = events if events is not None else []
        self.rescaled = 0  # expansions retried 16x shorter after a FixedPointOverflow
        self._flipped: list[tuple[int, int]] = []

    def _norm(self, coeffs_k) -> int:
        return max((abs(v) for c in coeffs_k for v in c), default=0)

    def _step_impl(self) -> tuple[bool, str]:
        field, F, K = self.field, self.field.F, self.order
        with_z = field.piecewise
        while True:
            try:
                exp = field.expand(self.y, K, self.h0, with_z=with_z)
                break
            except FixedPointOverflow:  # bounded backends: coefficients of too long a step
                self.nfev += 1
                if self.fixed_step is not None or self.h0 < 2 ** (F // 4 + 4):
                    return False, (
                        f"values outgrew the {field.backend} backend's fixed-point range at "
                        f"t={float(self.t):.6g}; use backend 'python'"
                    )
                self.h0 >>= 4
                self.rescaled += 1
        self.nfev += 1
        coeffs = [w.coeffs for w in exp.W]
        for lay, idx in self._flipped:  # sliding-mode check after a crossing
            side = 1 if field.masks[lay][idx] == (1, 1) else -1
            if side * exp.z[lay].coeffs[1][idx] < 0:
                return False, (
                    f"sliding mode at t={float(self.t):.6g}: pre-activation z_{lay + 1}"
                    f" (entry {idx}) is pushed back onto 0 from both sides (not supported)"
                )
        self._flipped = []
        one = 1 << F
        remaining = (self.t_bound - self.t) * one * one / self.h0  # scaled time s, fixed point
        if self.fixed_step is not None:
            s_star = None
            s = one
        else:
            s_star = self._step_estimate(coeffs, K)
            s = one if s_star is None or s_star >= 1 else max(1, int(s_star * one))
        last = remaining <= s
        if last:
            s = max(1, math.floor(remaining))
        crossing: Crossing | None = None
        if with_z:
            crossing = find_first_crossing(exp.z, field.masks, s, F)
            if crossing is not None:
                s, last = crossing.s, False
        y_new = [horner(c, s, F) for c in coeffs]
        t_old = self.t
        t_new = self.t_bound if last else self.t + Fraction(self.h0 * s, 1 << (2 * F))
        if t_new > self.t_bound:  # pragma: no cover - guarded by `remaining`
            t_new = self.t_bound
        self._dense = DenseOutput(t_old, t_new, self.h0, coeffs, F)
        self.t_old, self.t, self.y = t_old, t_new, y_new
        if crossing is not None:
            lay, idx = crossing.layer, crossing.index
            field.masks[lay][idx] = (1, 1) if crossing.direction > 0 else field.neg_mult
            self._flipped.append((lay, idx))
            self.events.append((t_new, lay, idx, crossing.direction))
        if self.fixed_step is None and s_star is not None:
            factor = min(max(s_star, Fraction(1, 8)), self.GROWTH)
            self.h0 = max(1, int(self.h0 * factor))
        elif s_star is None and self.fixed_step is None:
            self.h0 *= self.GROWTH
        if self.h0 < 2 ** (F // 4):
            return False, f"step size underflow at t={float(self.t):.6g}"
        return True, ""

    def _step_estimate(self, coeffs, K: int):
        """s* from the last two coefficients, or None when both vanish at 2**-F."""
        F = self.field.F
        with mpmath.mp.workprec(64):
            y0 = max(self._norm([c[0] for c in coeffs]), 1 << (F // 2))
            eps = mpmath.mpf(y0) * mpmath.mpf(10) ** (-self.tol_digits)
            best = None
            for j in (K - 1, K):
                m = self._norm([c[j] for c in coeffs])
                if m == 0 or j <= 0:
                    continue
                sj = (eps / m) ** (mpmath.mpf(1) / j)
                best = sj if best is None else min(best, sj)
            if best is None:
                return None
            scaled = mpmath.ldexp(best * self.SAFETY.numerator / self.SAFETY.denominator, 64)
            return Fraction(int(mpmath.floor(scaled)), 1 << 64)
