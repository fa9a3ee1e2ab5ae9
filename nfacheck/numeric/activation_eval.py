"""Activation functions and their derivatives evaluated in an mpmath context (``mp`` or ``iv``).

In ``mp`` every value is rounded once or twice at the caller's precision; in ``iv`` every result
is an interval that encloses the true image of the input interval (monotone functions are
evaluated at the end points, the bell-shaped derivatives account for their peak at 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import mpmath

from ..activations import activation_spec
from ..errors import InputError
from .convert import is_interval_context, to_ctx_number

__all__ = ["activation_functions", "is_interval_context", "to_ctx_number"]

Scalar = Callable[[Any], Any]


def _hull(ctx: Any, *items: Any) -> Any:
    """Smallest interval containing every interval in ``items`` (iv only)."""
    lo = min((x.a for x in items), key=lambda v: v)
    hi = max((x.b for x in items), key=lambda v: v)
    return ctx.mpf([lo, hi])


def _increasing_iv(ctx: Any, point: Scalar) -> Scalar:
    """Interval extension of an increasing function from tight point enclosures."""

    def f(z: Any) -> Any:
        if z.a == z.b:
            return point(z)
        return _hull(ctx, point(z.a), point(z.b))

    return f


def _bell_iv(ctx: Any, point: Scalar, peak: Any) -> Scalar:
    """Interval extension of an even function increasing on (-inf, 0] with maximum ``peak`` at 0."""

    def f(z: Any) -> Any:
        if z.a == z.b:
            return point(z)
        lo_end, hi_end = point(z.a), point(z.b)
        if z >= 0:  # decreasing on [a, b]
            return _hull(ctx, hi_end, lo_end)
        if z <= 0:
            return _hull(ctx, lo_end, hi_end)
        low = min(lo_end.a, hi_end.a, key=lambda v: v)
        return ctx.mpf([low, peak])

    return f


def _smooth_points(name: str, ctx: Any) -> tuple[Scalar, Scalar]:
    """Point evaluations written to stay accurate for large |z| (no cancellation)."""
    one, two, four = ctx.mpf(1), ctx.mpf(2), ctx.mpf(4)
    exp, expm1, log1p = ctx.exp, ctx.expm1, ctx.log1p
    if name == "tanh":

        def s(z: Any) -> Any:
            e = expm1(-2 * abs(z))  # in (-1, 0]
            t = -e / (e + two)
            return t if z >= 0 else -t

        def ds(z: Any) -> Any:
            u = exp(-2 * abs(z))
            return four * u / (one + u) ** 2

        if not is_interval_context(ctx):
            return ctx.tanh, lambda z: ctx.sech(z) ** 2
        return s, ds
    if name == "sigmoid":

        def s(z: Any) -> Any:
            if z >= 0:
                return one / (one + exp(-z))
            e = exp(z)
            return e / (one + e)

        def ds(z: Any) -> Any:
            u = exp(-abs(z))
            return u / (one + u) ** 2

        return s, ds
    if name == "softplus":

        def s(z: Any) -> Any:
            if z >= 0:
                return z + log1p(exp(-z))
            return log1p(exp(z))

        sig, _ = _smooth_points("sigmoid", ctx)
        return s, sig
    raise AssertionError(name)  # pragma: no cover - callers pass smooth names only


def _piecewise(name: str, slope: Any, ctx: Any) -> tuple[Scalar, Scalar]:
    zero, one = ctx.mpf(0), ctx.mpf(1)
    if not is_interval_context(ctx):

        def s(z: Any) -> Any:
            return z if z > 0 else slope * z

        def ds(z: Any) -> Any:
            return one if z > 0 else slope

        if name == "relu":
            return (lambda z: z if z > 0 else zero), ds
        return s, ds

    def s_iv(z: Any) -> Any:
        if z >= 0:
            return z
        if z <= 0:
            return slope * z
        return _hull(ctx, slope * z.a, zero, z.b)

    def ds_iv(z: Any) -> Any:
        if z > 0:
            return one
        if z < 0:
            return slope
        return _hull(ctx, slope, one)  # Clarke subdifferential at (or around) the kink

    return s_iv, ds_iv


def activation_functions(
    name: str, params: Mapping[str, Any] | None = None, ctx: Any = mpmath.mp
) -> tuple[Scalar, Scalar]:
    """The activation ``sigma`` and its derivative ``sigma'`` as scalar functions in ``ctx``.

    Parameters
    ----------
    name
        One of :data:`nfacheck.activations.ACTIVATIONS`.
    params
        Activation parameters (``{"slope": Fraction(1, 100)}`` for leaky_relu); missing ones take
        the defaults of the activation's spec.
    ctx
        ``mpmath.mp`` (or another ``MPContext``) or ``mpmath.iv``.

    Returns
    -------
    (sigma, dsigma)
        Functions of one ``ctx`` number. For ``linear`` both are the identity / constant one.

    Notes
    -----
    ReLU and leaky ReLU have no derivative at 0. In ``mp``, ``sigma'(0)`` returns the *left*
    derivative: 0 for relu and ``slope`` for leaky_relu (PyTorch's convention). The integrator
    treats zero crossings of a pre-activation as events, so the value is used only on a null
    set. In ``iv``, an interval that contains 0 (including ``[0, 0]``) is mapped to the Clarke
    subdifferential, the interval hull of ``{slope, 1}`` (``[0, 1]`` for relu), never to a
    single value.

    Raises
    ------
    InputError
        Unknown activation or parameter.
    """
    spec = activation_spec(name)
    params = dict(params or {})
    unknown = set(params) - set(spec.params)
    if unknown:
        raise InputError(
            f"unknown parameter for {name}; known: {', '.join(spec.params) or 'none'}",
            "network." + sorted(unknown)[0],
            params[sorted(unknown)[0]],
        )
    if name == "linear":
        one = ctx.mpf(1)
        return (lambda z: z), (lambda z: one)
    if name in ("relu", "leaky_relu"):
        slope = (
            ctx.mpf(0)
            if name == "relu"
            else to_ctx_number(params.get("slope", spec.params["slope"]), ctx)
        )
        return _piecewise(name, slope, ctx)
    s, ds = _smooth_points(name, ctx)
    if not is_interval_context(ctx):
        return s, ds
    peak = ctx.mpf(1) if name == "tanh" else ctx.mpf(1) / 4
    if name == "softplus":
        return _increasing_iv(ctx, s), _increasing_iv(ctx, ds)
    return _increasing_iv(ctx, s), _bell_iv(ctx, ds, peak)
