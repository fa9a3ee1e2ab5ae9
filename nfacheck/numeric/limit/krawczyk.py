"""Certify a critical point: Krawczyk's test on the gradient map over a box, and rigorous bounds
over the same box on the data loss, the NFA defect and the Hessian's smallest eigenvalue.

For the box ``X = c + [-r, r]^P`` and any nonsingular preconditioner ``C``, the Krawczyk operator
``K(X) = c - C g(c) + (I - C H(X)) (X - c)`` (``H(X)`` an enclosure of every Hessian on X) lying
in the interior of X proves that the gradient ``g`` has exactly one zero in X (Krawczyk 1969,
Moore 1977; Neumaier, *Interval Methods for Systems of Equations*, 1990, Thm 5.1.8). Over the
same box: ``lambda_min(H(x)) >= mu`` for every x when interval LDL^T of ``H(X) - mu I`` has
positive pivots (each point matrix is enclosed by the interval run), so a zero in X is a strict
local minimum when mu > 0; the NFA defect ``min_{c,alpha} ||M - c G^alpha||_F / ||M||_F`` is at
least ``||[M, G]||_F / (2 ||G||_F ||M||_F)`` (``||G||_2 <= ||G||_F``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from .hessian import Model
from .kits import KinkError, Kit, mpf_fraction

__all__ = ["BoxBounds", "certify_box", "preconditioner", "sqrt_bounds", "ldl_positive"]

_SQRT_BITS = 256


@dataclass(frozen=True)
class BoxBounds:
    """What :func:`certify_box` established over ``center + [-radius, radius]^P``.

    Attributes
    ----------
    unique_zero
        Krawczyk's inclusion held: exactly one critical point lies in the box.
    inclusion_ratio
        Upper bound on ``max_i |K_i - c_i| / r`` (< 1 when ``unique_zero``); None on failure.
    data_loss
        Rigorous ``(lower, upper)`` of the data loss over the box.
    defect_lower
        Lower bound on the NFA defect (every c, alpha) over the box.
    hessian_min_lower
        ``mu`` with ``lambda_min(H) >= mu`` on the box verified, or None if not verified.
    arithmetic
        Kit name and digits.
    note
        Why something failed.
    """

    unique_zero: bool
    inclusion_ratio: Fraction | None
    data_loss: tuple[Fraction, Fraction]
    defect_lower: Fraction
    hessian_min_lower: Fraction | None
    arithmetic: str
    note: str = ""


def sqrt_bounds(q: Fraction) -> tuple[Fraction, Fraction]:
    """Rational ``(lower, upper)`` with ``lower <= sqrt(q) <= upper`` for ``q >= 0`` (exact)."""
    q = max(Fraction(q), Fraction(0))
    scale = 4**_SQRT_BITS
    lo_int = math.isqrt(math.floor(q * scale))
    hi_int = math.isqrt(math.ceil(q * scale))
    if hi_int * hi_int < q * scale:
        hi_int += 1
    return Fraction(lo_int, 2**_SQRT_BITS), Fraction(hi_int, 2**_SQRT_BITS)


def ldl_positive(kit: Kit, a: list[list[Any]]) -> bool:
    """True when every LDL^T pivot of the symmetric (interval) matrix ``a`` is certainly > 0."""
    n = len(a)
    a = [row[:] for row in a]
    for j in range(n):
        piv = a[j][j]
        if kit.bounds(piv)[0] <= 0:
            return False
        for i in range(j + 1, n):
            f = a[i][j] / piv
            for k in range(j + 1, n):
                a[i][k] = a[i][k] - f * a[j][k]
    return True


def preconditioner(model_mp: Model, center: list[Fraction]) -> list[list[Fraction]]:
    """An approximate inverse of the Hessian at ``center`` (in ``model_mp``'s kit, exactly).

    Any nonsingular C makes Krawczyk's test valid; a good one makes it succeed.
    """
    kit = model_mp.kit
    with kit.scope():
        H = mpmath.matrix(model_mp.hessian([kit.const(v) for v in center]))
        try:
            Cm = mpmath.inverse(H)
        except ZeroDivisionError:  # singular: the pseudo-inverse (Krawczyk will then fail)
            E, Q = mpmath.eigsy(H)
            thr = mpmath.mpf(10) ** (-(kit.dps // 2)) * max(abs(E[i]) for i in range(E.rows))
            inv = [1 / E[i] if abs(E[i]) > thr else 0 for i in range(E.rows)]
            Cm = Q * mpmath.diag(inv) * Q.T
        return [[mpf_fraction(Cm[i, j]) for j in range(Cm.cols)] for i in range(Cm.rows)]


def _sq_sum(kit: Kit, m) -> tuple[Fraction, Fraction]:
    lo = hi = Fraction(0)
    for row in m:
        for x in row:
            a, b = kit.bounds(x)
            lo += Fraction(0) if a <= 0 <= b else min(a * a, b * b)
            hi += max(a * a, b * b)
    return lo, hi


def _matmul(a, b):
    bt = list(zip(*b, strict=True))
    return [[sum(x * y for x, y in zip(r, c, strict=True)) for c in bt] for r in a]


#: the steps of :func:`certify_box`, in order (its ``progress`` reports them)
BOX_STEPS = ("the gradient at the centre", "the Hessian over the box", "Krawczyk's operator",
             "the loss and defect bounds", "LDL^T of H - mu I")


def certify_box(model: Model, center: list[Fraction], radius: Fraction,
                precond: list[list[Fraction]], mu: Fraction | None = None,
                progress: Callable[[int, str], None] | None = None) -> BoxBounds:
    """Run Krawczyk's test and the box bounds in ``model.kit`` (arb or iv).

    Parameters
    ----------
    model
        The problem on a rigorous kit.
    center, radius
        The box ``center + [-radius, radius]^P`` (exact).
    precond
        The preconditioner C (exact rationals; see :func:`preconditioner`).
    mu
        The claimed lower bound on the Hessian's smallest eigenvalue to verify (None: skip).
    progress
        Called as ``progress(k, BOX_STEPS[k])`` as step k starts (display only).

    Returns
    -------
    BoxBounds
    """
    kit = model.kit
    arithmetic = f"{kit.name} dps={kit.dps}"
    P = len(center)
    tick = progress or (lambda k, what: None)
    with kit.scope():
        try:
            c = [kit.const(v) for v in center]
            box = [kit.ball(v, radius) for v in center]
            tick(0, BOX_STEPS[0])
            g = model.gradient(c)
            tick(1, f"{BOX_STEPS[1]} ({P} parameters)")
            H = model.hessian(box)
            tick(2, BOX_STEPS[2])
            C = [[kit.const(v) for v in row] for row in precond]
            Cg = [sum((C[i][j] * g[j] for j in range(P)), kit.const(Fraction(0)))
                  for i in range(P)]
            CH = _matmul(C, H)
            dev = kit.ball(Fraction(0), radius)
            worst = Fraction(0)
            for i in range(P):
                row = [(kit.const(Fraction(int(i == j))) - CH[i][j]) * dev for j in range(P)]
                k_minus_c = -Cg[i] + sum(row, kit.const(Fraction(0)))
                lo, hi = kit.bounds(k_minus_c)
                worst = max(worst, abs(lo), abs(hi))
            ratio = worst / radius
            unique = ratio < 1
            tick(3, BOX_STEPS[3])
            loss = kit.bounds(model.data_loss(box))
            M, G = model.gram_agop(box)
            MG, GM = _matmul(M, G), _matmul(G, M)
            comm = _sq_sum(kit, [[a - b for a, b in zip(r, s, strict=True)]
                                 for r, s in zip(MG, GM, strict=True)])
            m_hi = sqrt_bounds(_sq_sum(kit, M)[1])[1]
            g_hi = sqrt_bounds(_sq_sum(kit, G)[1])[1]
            c_lo = sqrt_bounds(comm[0])[0]
            defect = c_lo / (2 * g_hi * m_hi) if g_hi > 0 and m_hi > 0 else Fraction(0)
            mu_ok = None
            if mu is not None:
                tick(4, BOX_STEPS[4])
                shifted = [[H[i][j] - (kit.const(mu) if i == j else kit.const(Fraction(0)))
                            for j in range(P)] for i in range(P)]
                mu_ok = mu if ldl_positive(kit, shifted) else None
        except KinkError as exc:
            return BoxBounds(False, None, (Fraction(0), Fraction(0)), Fraction(0), None,
                             arithmetic, str(exc))
        except (ArithmeticError, ZeroDivisionError) as exc:
            return BoxBounds(False, None, (Fraction(0), Fraction(0)), Fraction(0), None,
                             arithmetic, f"the enclosures blew up: {exc}")
    note = "" if unique else (
        f"Krawczyk inclusion failed: max |K - c| / r <= {float(ratio):.3g} is not < 1")
    return BoxBounds(unique, ratio if unique else None, (max(loss[0], Fraction(0)), loss[1]),
                     defect, mu_ok, arithmetic, note)
