"""Number kits for the critical-point code: the same network routines in ``mp`` (to compute),
python-flint ``arb`` balls or ``mpmath.iv`` intervals (to certify).

A kit converts exact input (``const``, ``ball``), evaluates an activation with its first two
derivatives, and gives rigorous rational ``bounds`` of a value (the ``mp`` kit's bounds are the
rounded value itself and certify nothing). Precision is scoped by :meth:`Kit.scope`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import mpmath

from ...errors import UsageError

__all__ = ["Kit", "MpKit", "ArbKit", "IvKit", "KinkError", "make_kit", "KITS", "mpf_fraction"]

KITS = ("arb", "iv", "mp")


class KinkError(Exception):
    """A relu pre-activation is not certainly away from its kink."""


class Kit:
    """Arithmetic of one kind; subclasses fill in the primitives."""

    name = "abstract"
    rigorous = True

    def __init__(self, dps: int) -> None:
        self.dps = int(dps)

    @contextmanager
    def scope(self) -> Iterator[None]:  # pragma: no cover - interface
        raise NotImplementedError

    def const(self, q: Fraction) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def ball(self, center: Fraction, radius: Fraction) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def bounds(self, x: Any) -> tuple[Fraction, Fraction]:  # pragma: no cover - interface
        raise NotImplementedError

    def exp(self, x: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def tanh(self, x: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def log1p(self, x: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def sign(self, x: Any) -> int:
        """+1 or -1 when ``x`` is certainly positive / negative, else 0."""
        lo, hi = self.bounds(x)
        return 1 if lo > 0 else -1 if hi < 0 else 0

    def activation(self, name: str, slope: Fraction = Fraction(0)):
        """``(s, ds, d2s)``: the activation and its first two derivatives on this kit's numbers.

        ``relu``/``leaky_relu`` are evaluated away from the kink only: a value whose sign is not
        certain raises :class:`KinkError`.
        """
        one = self.const(Fraction(1))
        zero = self.const(Fraction(0))
        if name == "linear":
            return (lambda z: z), (lambda z: one), (lambda z: zero)
        if name == "tanh":
            def ds(z):
                t = self.tanh(z)
                return one - t * t

            def d2s(z):
                t = self.tanh(z)
                return -2 * t * (one - t * t)

            return self.tanh, ds, d2s
        if name in ("sigmoid", "softplus"):
            def sig(z):
                return one / (one + self.exp(-z))

            def dsig(z):
                s = sig(z)
                return s * (one - s)

            def d2sig(z):
                s = sig(z)
                return s * (one - s) * (one - 2 * s)

            if name == "sigmoid":
                return sig, dsig, d2sig
            return (lambda z: self.log1p(self.exp(z))), sig, dsig
        if name in ("relu", "leaky_relu"):
            neg = zero if name == "relu" else self.const(Fraction(slope))

            def side(z):
                s = self.sign(z)
                if s == 0:
                    raise KinkError("a pre-activation is not certainly away from the kink")
                return s

            return ((lambda z: z if side(z) > 0 else neg * z),
                    (lambda z: one if side(z) > 0 else neg), (lambda z: zero))
        raise UsageError(f"no critical-point arithmetic for activation {name!r}")


class MpKit(Kit):
    """``mpmath.mp`` at ``dps`` digits (computation, not certification)."""

    name = "mp"
    rigorous = False

    @contextmanager
    def scope(self):
        with mpmath.mp.workdps(self.dps):
            yield

    def const(self, q):
        q = Fraction(q)
        return mpmath.mpf(q.numerator) / q.denominator

    def ball(self, center, radius):
        return self.const(center)

    def bounds(self, x):
        v = mpf_fraction(x)
        return v, v

    def exp(self, x):
        return mpmath.exp(x)

    def tanh(self, x):
        return mpmath.tanh(x)

    def log1p(self, x):
        return mpmath.log1p(x)


def mpf_fraction(x: Any) -> Fraction:
    """The exact binary value of an ``mpf`` as a Fraction."""
    return _raw(mpmath.mpf(x)._mpf_)


def _arb_fraction(a) -> Fraction:
    man, exp = a.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp)


class ArbKit(Kit):
    """python-flint ``arb`` balls at ``dps`` digits (rigorous; preferred)."""

    name = "arb"

    def __init__(self, dps: int) -> None:
        super().__init__(dps)
        try:
            import flint
        except ImportError:  # a core dependency, but a user may have removed it
            raise UsageError("arb arithmetic needs python-flint (pip install python-flint); "
                             "or use --arith iv (mpmath intervals)") from None
        self._flint = flint

    @contextmanager
    def scope(self):
        ctx = self._flint.ctx
        old = ctx.prec
        try:
            ctx.dps = self.dps
            yield
        finally:
            ctx.prec = old

    def const(self, q):
        q = Fraction(q)
        return self._flint.arb(self._flint.fmpq(q.numerator, q.denominator))

    def ball(self, center, radius):
        c = self.const(center)
        r = self.const(radius)
        return c + self._flint.arb(0, r.abs_upper())

    def bounds(self, x):
        if not x.is_finite():
            raise ArithmeticError("a ball is not finite")
        return _arb_fraction(x.lower()), _arb_fraction(x.upper())

    def exp(self, x):
        return x.exp()

    def tanh(self, x):
        return x.tanh()

    def log1p(self, x):
        return x.log1p()


class IvKit(Kit):
    """``mpmath.iv`` outward-rounded intervals at ``dps`` digits (rigorous; the fallback)."""

    name = "iv"

    @contextmanager
    def scope(self):
        iv = mpmath.iv
        old = iv.prec
        try:
            iv.dps = self.dps
            yield
        finally:
            iv.prec = old

    def const(self, q):
        q = Fraction(q)
        return mpmath.iv.mpf(q.numerator) / q.denominator

    def ball(self, center, radius):
        c, r = self.const(center), self.const(radius)
        return c + mpmath.iv.mpf([-r.b, r.b])

    def bounds(self, x):
        a, b = x._mpi_
        return _raw(a), _raw(b)

    def exp(self, x):
        return mpmath.iv.exp(x)

    def tanh(self, x):
        # 1 - 2/(e^{2z} + 1): z occurs once, so the enclosure stays tight
        return 1 - 2 / (mpmath.iv.exp(2 * x) + 1)

    def log1p(self, x):
        return mpmath.iv.log(1 + x)


def _raw(raw) -> Fraction:
    sign, man, exp, _ = raw
    if not man:
        return Fraction(0)
    if exp is None or isinstance(man, str):  # pragma: no cover - infinities
        raise ArithmeticError("an interval end point is not finite")
    v = Fraction(int(man)) * Fraction(2) ** exp
    return -v if sign else v


def make_kit(name: str, dps: int) -> Kit:
    """The kit called ``name`` (``arb``, ``iv`` or ``mp``) at ``dps`` digits."""
    kits = {"arb": ArbKit, "iv": IvKit, "mp": MpKit}
    if name not in kits:
        raise UsageError(f"unknown arithmetic {name!r}; known: {', '.join(KITS)}")
    return kits[name](dps)
