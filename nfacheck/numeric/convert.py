"""Numbers and matrices into and out of an mpmath context, exactly: never through float64.

Fractions, ints, Decimals and ``p/q`` strings go in correctly rounded (``mp``) or enclosed
(``iv``); ``mp`` numbers and ``iv`` end points come back out as exact Fractions.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from numbers import Rational
from typing import Any

import mpmath
from mpmath.ctx_iv import MPIntervalContext

from ..errors import InputError
from ..exact import parse_exact

__all__ = [
    "Rows",
    "exact_bounds",
    "is_interval_context",
    "to_ctx_matrix",
    "to_ctx_number",
    "to_exact",
    "to_rows",
]

Rows = list[list[Any]]


def is_interval_context(ctx: Any) -> bool:
    """True when ``ctx`` is mpmath's interval context (``mpmath.iv``)."""
    return isinstance(ctx, MPIntervalContext)


def to_ctx_number(value: Any, ctx: Any = mpmath.mp) -> Any:
    """Convert an exact number (Fraction, int, Decimal, decimal or ``p/q`` string) or a number of
    any mpmath context into ``ctx``.

    Fractions never pass through float: in ``mp`` the value ``p/q`` is correctly rounded at the
    current precision; in ``iv`` the result is an interval of width at most one ulp containing
    ``p/q``.

    Raises
    ------
    InputError
        For binary floats (not exact) and booleans.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise InputError(
            "expected an exact number (Fraction or int) or an mpmath number",
            received=value,
        )
    if isinstance(value, (str, Decimal)):
        value = parse_exact(value)  # decimals and "p/q" strings, exactly
    if isinstance(value, Rational):
        p, q = int(value.numerator), int(value.denominator)
        if is_interval_context(ctx):
            return ctx.mpf(p) / ctx.mpf(q) if q != 1 else ctx.mpf(p)
        prec, rnd = ctx._prec_rounding
        return ctx.make_mpf(mpmath.libmp.from_rational(p, q, prec, rnd))
    return ctx.convert(value)


def to_rows(m: Any, ctx: Any = mpmath.mp) -> Rows:
    """A matrix (``ctx.matrix`` of any context, nested lists/tuples) as a list of rows in ``ctx``.

    Exact entries (Fraction, int) are converted without float; entries already in ``ctx`` are
    kept as they are (no copy of the number, no rounding).
    """
    if hasattr(m, "tolist") and hasattr(m, "rows"):
        m = m.tolist()
    types = (ctx.mpf,)
    rows = [[x if type(x) in types else to_ctx_number(x, ctx) for x in row] for row in m]
    if not rows or len({len(r) for r in rows}) != 1 or not rows[0]:
        raise InputError("expected a non-empty rectangular matrix", received=m)
    return rows


def to_ctx_matrix(m: Any, ctx: Any = mpmath.mp) -> Any:
    """Convert an exact matrix (rows of Fractions) or any matrix-like into ``ctx.matrix``.

    ``p/q`` becomes the correctly rounded ``ctx`` number in ``mp`` and an enclosing interval
    (at most one ulp wide) in ``iv``; never a float.

    Examples
    --------
    >>> from fractions import Fraction
    >>> import mpmath
    >>> with mpmath.mp.workdps(20):
    ...     print(to_ctx_matrix([[Fraction(1, 3)]], mpmath.mp))
    [0.33333333333333333333]
    """
    return ctx.matrix(to_rows(m, ctx))


def to_exact(value: Any) -> Fraction:
    """The exact rational value of an ``mp`` number (its binary value) or of an exact number."""
    if isinstance(value, (Fraction, int)) and not isinstance(value, bool):
        return Fraction(value)
    if hasattr(value, "_mpi_"):
        lo, hi = exact_bounds(value)
        if lo != hi:
            raise InputError("an interval of positive width has no single exact value", None, value)
        return lo
    return _mpf_tuple_exact(value._mpf_ if hasattr(value, "_mpf_") else mpmath.mpf(value)._mpf_)


def exact_bounds(value: Any) -> tuple[Fraction, Fraction]:
    """The end points of an ``iv`` interval as exact Fractions (lower, upper)."""
    lo, hi = value._mpi_
    return _mpf_tuple_exact(lo), _mpf_tuple_exact(hi)


def _mpf_tuple_exact(t: Any) -> Fraction:
    sign, man, exp, _ = t
    if not man and exp:
        raise InputError("not a finite number", received=t)
    q = Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2**-exp)
    return -q if sign else q
