"""How numbers look in human output: one style for every command, the report and every type.

- :func:`num` — a *measured* real (a residual, a loss, a bound) to :func:`digits` significant
  digits (6 unless ``--digits N``), the same text for ``float``, ``int``, ``Fraction``,
  ``Decimal``, mpmath ``mpf`` and decimal strings of the same value: ``0.141942``,
  ``1.97749e-5``, ``5.27849e-41``; ``None`` is ``-``. A float never shows more than
  :data:`FLOAT_DIGITS` digits, so binary noise (``-0.0013285000000000102``) cannot appear.
- :func:`exact` — an *exact* number the user gave (``alpha``, ``lambda``, a tolerance, a time,
  a radius): a terminating decimal as a decimal (``0.1``, ``1e-15``), anything else as ``p/q``.
- :func:`seconds` — wall time (``0.7 s``, ``1234 s``).

``--json`` never goes through here: JSON keeps full precision. The digits are scoped
(:func:`significant_digits`, a context variable), like :func:`nfacheck.limits.work_limit`.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

__all__ = [
    "DEFAULT_DIGITS",
    "DIGITS_MIN",
    "DIGITS_MAX",
    "FLOAT_DIGITS",
    "digits",
    "significant_digits",
    "num",
    "nums",
    "exact",
    "exponent",
    "seconds",
]

DEFAULT_DIGITS = 6
#: the range of ``--digits``
DIGITS_MIN, DIGITS_MAX = 3, 100
#: significant digits a binary double carries reliably; a float never prints more
FLOAT_DIGITS = 15
#: below 10**MIN_FIXED a number is written with an exponent (``1.97749e-5``, not ``0.0000197749``)
MIN_FIXED = -5

_DIGITS: contextvars.ContextVar[int] = contextvars.ContextVar(
    "nfacheck_digits", default=DEFAULT_DIGITS
)


def digits() -> int:
    """Significant digits of measured numbers in human output now (``--digits``, default 6)."""
    return _DIGITS.get()


@contextmanager
def significant_digits(n: int) -> Iterator[None]:
    """Run a block with ``n`` significant digits for :func:`num` (the CLI's ``--digits``)."""
    if isinstance(n, bool) or not isinstance(n, int) or not DIGITS_MIN <= n <= DIGITS_MAX:
        raise ValueError(f"digits must be an integer {DIGITS_MIN}..{DIGITS_MAX}, got {n!r}")
    token = _DIGITS.set(n)
    try:
        yield
    finally:
        _DIGITS.reset(token)


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return None


def num(x: Any, n: int | None = None) -> str:
    """A measured real in the one human style: ``n`` (default :func:`digits`) significant digits.

    Parameters
    ----------
    x
        ``float`` (also numpy floating), ``int``, ``Fraction``, ``Decimal``, mpmath ``mpf``, a
        decimal string (``"9.6194383621610904e-42"``, as JSON holds it) or ``None``.
    n
        Significant digits; default the current :func:`digits`.

    Returns
    -------
    str
        Trailing zeros stripped, an exponent below ``1e-5`` and from ``10**n`` on
        (``1.97749e-5``, ``1.23457e+8``), ``-`` for ``None``, ``nan``/``inf``/``-inf``; zero
        (also ``-0.0``) is ``0.0``. The same value gives the same text whatever its type.

    Examples
    --------
    >>> from fractions import Fraction
    >>> num(0.1 + 0.2), num(Fraction(3, 10)), num(None)
    ('0.3', '0.3', '-')
    >>> num(1.9774912345e-5), num(-0.0)
    ('1.97749e-5', '0.0')
    """
    import mpmath

    if x is None:
        return "-"
    if isinstance(x, bool):
        raise TypeError("num() formats numbers, not booleans")
    n = digits() if n is None else int(n)
    mp = mpmath.mp
    if isinstance(x, str):
        x = x.strip()
        if "/" in x:
            p, q = x.split("/")
            x = Fraction(int(p), int(q))
        else:
            low = x.lower().lstrip("+")
            if low in ("nan", "-nan", "inf", "-inf", "+inf"):
                return _special(float(low))  # type: ignore[return-value]
            with mp.workdps(max(n, len(x)) + 10):
                return num(mp.mpf(x), n)
    if isinstance(x, mpmath.mpf):
        v = x
    elif isinstance(x, Decimal):
        if not x.is_finite():
            return _special(float(x))  # type: ignore[return-value]
        with mp.workdps(n + 10):
            v = mp.mpf(str(x))
    elif isinstance(x, int | Fraction):
        q = Fraction(x)
        with mp.workdps(n + 10):
            v = mp.mpf(q.numerator) / q.denominator
    else:
        f = float(x)  # float, numpy floating and anything with __float__
        special = _special(f)
        if special:
            return special
        n = min(n, FLOAT_DIGITS)
        with mp.workprec(53):
            v = mp.mpf(f)
    if mpmath.isnan(v):
        return "nan"
    if mpmath.isinf(v):
        return "inf" if v > 0 else "-inf"
    return mpmath.nstr(v, n, min_fixed=MIN_FIXED, max_fixed=n)


def nums(values, n: int | None = None, sep: str = ", ") -> str:
    """Several measured reals with :func:`num`, joined by ``sep``."""
    return sep.join(num(v, n) for v in values)


def exact(q: Any, *, ratio: bool = False) -> str:
    """An exact number as given: a terminating decimal (``0.1``, ``120``, ``1e-15``), else ``p/q``.

    Used for what the user wrote (``lambda``, tolerances, times, radii): these are never
    rounded. Decimals with more than six zeros after the point use exponent notation
    (``1e-15``, ``2.5e-12``), still exact. ``ratio=True`` writes ``p/q`` always: exponents
    (``alpha = 1/2``, ``1/(L-l+1)``), which the theory states as fractions.

    Examples
    --------
    >>> exact("0.1"), exact(Fraction(1, 10**15)), exact(Fraction(1, 3)), exact("0.5", ratio=True)
    ('0.1', '1e-15', '1/3', '1/2')
    """
    if isinstance(x := q, str):
        from .exact import parse_exact

        x = parse_exact(x)
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    if ratio:
        return f"{x.numerator}/{x.denominator}"
    den, k = x.denominator, 0
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return f"{x.numerator}/{x.denominator}"
    while (x * 10**k).denominator != 1:
        k += 1
    with localcontext() as ctx:
        ctx.prec = len(str(abs(x.numerator * 10**k))) + 5
        d = (Decimal(x.numerator) / Decimal(x.denominator)).normalize()
    return format(d, "e") if d.adjusted() < -6 else format(d, "f")


def exponent(alpha: Any) -> str:
    """An NFA exponent as ``p/q`` (``1/2``, ``1/(L-l+1)``), also when stored as a float.

    A float (inspect keeps ``1/3`` as ``0.333...``) is read as the nearest fraction with a
    denominator up to 1000, which recovers every ``1/k`` of a network of depth up to 1000.
    """
    q = Fraction(alpha)
    if isinstance(alpha, float):
        q = q.limit_denominator(1000)
    return exact(q, ratio=True)


def seconds(s: float) -> str:
    """Wall time in seconds, the same in every command: one decimal below 100 s (``0.7``,
    ``12.3``), whole seconds from there on (``1234``)."""
    s = float(s)
    return f"{s:.1f}" if abs(s) < 100 else f"{s:.0f}"
