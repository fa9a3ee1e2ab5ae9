"""Gragg-Bulirsch-Stoer extrapolation: a second, independent method for cross-checking Taylor.

Modified midpoint rule with n_j = 2, 4, 6, ... substeps and Gragg's smoothing, extrapolated to
h -> 0 in powers of h^2 by the Aitken-Neville scheme (Hairer, Norsett & Wanner, Solving ODEs I,
sec. II.9). Only the plain vector field is used (no series), in the same fixed point as Taylor.
Steps are clipped to land on the output times exactly, so no dense output is needed.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath

from .flowfield import NetworkField
from .solver import OdeSolver

__all__ = ["GBSSolver"]


class GBSSolver(OdeSolver):
    """Extrapolated modified midpoint method with error-per-step control.

    Parameters
    ----------
    field
        The network's vector field (smooth activations; no kink events).
    y0, t0, t_bound
        Start state and times (exact).
    tol_digits
        Accept a step when the last two diagonal entries of the extrapolation table agree to
        ``10**-tol_digits`` relative to the state.
    stops
        Times the steps must land on exactly (the output times).
    """

    def __init__(self, field: NetworkField, y0, t0, t_bound, *, tol_digits: int, stops=()):
        super().__init__(y0, t0, t_bound)
        self.field = field
        self.tol_digits = tol_digits
        self.kmax = tol_digits // 2 + 4
        self.stops = sorted(Fraction(s) for s in stops if Fraction(s) > self.t)
        self.h = min(Fraction(1, 4), (self.t_bound - self.t) or Fraction(1))
        self.rejected = 0

    def _f(self, y):
        self.nfev += 1
        e = self.field.expand(y, 1, 1 << self.field.F)
        return [w.coeffs[1] for w in e.W]

    def _midpoint(self, y, f0, hfix: int, n: int):
        """Gragg's smoothed modified midpoint value after n substeps of size hfix / n:
        ``(z_{n-1} + z_n + hh f(z_n)) / 2``."""
        F = self.field.F
        hh = hfix // n
        z_prev = y
        z = [
            [a + ((hh * b) >> F) for a, b in zip(ya, fa, strict=True)]
            for ya, fa in zip(y, f0, strict=True)
        ]
        for _ in range(n - 1):
            fz = self._f(z)
            z_prev, z = (
                z,
                [
                    [a + ((2 * hh * b) >> F) for a, b in zip(pa, fa, strict=True)]
                    for pa, fa in zip(z_prev, fz, strict=True)
                ],
            )
        fz = self._f(z)
        return [
            [(p + c + ((hh * b) >> F)) // 2 for p, c, b in zip(pa, ca, fa, strict=True)]
            for pa, ca, fa in zip(z_prev, z, fz, strict=True)
        ]

    def _extrapolate(self, hfix: int):
        """Columns of the Aitken-Neville table until the diagonal converges, or None."""
        f0 = self._f(self.y)
        scale = max(1, max(abs(v) for w in self.y for v in w))
        table, ns = [], []
        for j in range(self.kmax):
            n = 2 * (j + 1)
            row = [self._midpoint(self.y, f0, hfix, n)]
            for k in range(1, j + 1):
                num, den = n * n, ns[j - k] ** 2
                row.append(
                    [
                        [a + (a - b) * den // (num - den) for a, b in zip(ra, pa, strict=True)]
                        for ra, pa in zip(row[k - 1], table[j - 1][k - 1], strict=True)
                    ]
                )
            ns.append(n)
            table.append(row)
            if j >= 1:
                err = max(
                    abs(a - b)
                    for ra, pa in zip(row[j], row[j - 1], strict=True)
                    for a, b in zip(ra, pa, strict=True)
                )
                if err * 10**self.tol_digits <= scale:
                    return row[j], j, err, scale
        return None

    def _step_impl(self) -> tuple[bool, str]:
        F = self.field.F
        target = min([self.t_bound, *self.stops[:1]])
        while True:
            last = self.h >= target - self.t
            h = target - self.t if last else self.h
            hfix = max(1, int(h * (1 << F)))
            if not last:
                h = Fraction(hfix, 1 << F)
            out = self._extrapolate(hfix)
            if out is not None:
                break
            self.rejected += 1
            self.h = h / 4
            if self.h < Fraction(1, 1 << (F // 2)):
                return False, f"GBS step size underflow at t={float(self.t):.6g}"
        y_new, j, err, scale = out
        self.t_old, self.t, self.y = self.t, self.t + h, y_new
        if self.stops and self.t == self.stops[0]:
            self.stops.pop(0)
        self.h = self._next_h(h, j, err, scale)
        return True, ""

    def _next_h(self, h: Fraction, j: int, err: int, scale: int) -> Fraction:
        """h * 0.94 (0.65 tol / err_j)^(1/(2j+1)) for the converged column j (HNW II.9)."""
        with mpmath.mp.workprec(64):
            tol = mpmath.mpf(scale) * mpmath.mpf(10) ** (-self.tol_digits)
            fac = (
                mpmath.mpf(4)
                if err == 0
                else mpmath.mpf("0.94")
                * (mpmath.mpf("0.65") * tol / err) ** (mpmath.mpf(1) / (2 * j + 1))
            )
            fac = min(max(fac, mpmath.mpf(1) / 4), mpmath.mpf(4))
            num = int(mpmath.floor(fac * 1024))
        return max(h * num / 1024, Fraction(1, 1 << 40))
