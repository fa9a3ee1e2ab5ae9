"""Arithmetic for certification: exact Fractions and outward-rounded ``mpmath.iv`` intervals.

The same small routines (matrix products, a network's outputs and Jacobians) run on either backend;
every value carries rigorous bounds through :meth:`Backend.bounds`, so certify compares claims with
exact rationals and never with a rounded float.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from mpmath import iv

__all__ = [
    "Backend",
    "ExactBackend",
    "IntervalBackend",
    "KinkError",
    "iv_precision",
    "matmul",
    "transpose",
    "network_on_data",
    "NetworkValues",
]

Matrix = list[list[Any]]


@contextmanager
def iv_precision(dps: int) -> Iterator[None]:
    """Set ``mpmath.iv`` to ``dps`` digits inside the block and restore it afterwards."""
    old = iv.prec
    try:
        iv.dps = dps
        yield
    finally:
        iv.prec = old


class KinkError(Exception):
    """A pre-activation of a piecewise-linear activation is exactly 0 (derivative undefined)."""

    def __init__(self, layer: int, unit: int, sample: int) -> None:
        self.layer, self.unit, self.sample = layer, unit, sample
        super().__init__(
            f"pre-activation of layer {layer} unit {unit} at sample {sample} is exactly 0 "
            "(on the kink): the Jacobian and the AGOP are undefined there"
        )


class Backend:
    """Numbers for certify: ``const`` converts exact input, ``bounds`` gives rigorous bounds."""

    name = "abstract"
    exact = False

    def const(self, q: Fraction) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def bounds(self, x: Any) -> tuple[Fraction, Fraction]:  # pragma: no cover - interface
        raise NotImplementedError

    def activation(self, name: str, slope: Fraction, z: Any, where: tuple[int, int, int]):
        """Return ``(sigma(z), sigma'(z))``; raises :class:`KinkError` on a ReLU kink."""
        raise NotImplementedError  # pragma: no cover - interface

    def sqrt_bounds(self, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
        """Rigorous bounds on ``sqrt`` of a non-negative interval ``[lo, hi]``."""
        with iv_precision(max(getattr(self, "dps", 50), 50)):
            a = _iv_of(max(lo, Fraction(0)))
            b = _iv_of(max(hi, Fraction(0)))
            return _iv_bounds(iv.sqrt(a))[0], _iv_bounds(iv.sqrt(b))[1]


def _iv_of(q: Fraction):
    return iv.mpf(q.numerator) / iv.mpf(q.denominator)


def _raw_to_fraction(raw) -> Fraction:
    sign, man, exp, _ = raw
    if not man:
        return Fraction(0)
    v = Fraction(int(man)) * (Fraction(2) ** exp)
    return -v if sign else v


def _iv_bounds(x) -> tuple[Fraction, Fraction]:
    a, b = x._mpi_
    return _raw_to_fraction(a), _raw_to_fraction(b)


class ExactBackend(Backend):
    """Exact rational arithmetic (linear, relu, leaky_relu)."""

    name = "exact rational arithmetic"
    exact = True

    def const(self, q: Fraction) -> Fraction:
        return Fraction(q)

    def bounds(self, x: Fraction) -> tuple[Fraction, Fraction]:
        return x, x

    def activation(self, name, slope, z, where):
        if name == "linear":
            return z, Fraction(1)
        if z == 0:
            raise KinkError(*where)
        neg = Fraction(0) if name == "relu" else slope
        if name not in ("relu", "leaky_relu"):
            raise ValueError(f"no exact arithmetic for activation {name!r}")
        return (z, Fraction(1)) if z > 0 else (neg * z, neg)


class IntervalBackend(Backend):
    """Outward-rounded interval arithmetic at ``dps`` digits (tanh, sigmoid, softplus).

    Use inside :func:`iv_precision` with the same ``dps``.
    """

    name = "interval arithmetic (mpmath.iv)"

    def __init__(self, dps: int) -> None:
        self.dps = dps

    def const(self, q: Fraction):
        return _iv_of(Fraction(q))

    def bounds(self, x) -> tuple[Fraction, Fraction]:
        return _iv_bounds(x)

    def activation(self, name, slope, z, where):
        one = iv.mpf(1)
        if name == "linear":
            return z, one
        if name == "tanh":
            e = iv.exp(2 * z)
            # tanh = 1 - 2/(e^{2z}+1): z occurs once, so the enclosure stays tight
            t = one - 2 / (e + 1)
            ez, emz = iv.exp(z), iv.exp(-z)
            return t, 4 / (ez + emz) ** 2
        if name == "sigmoid":
            s = one / (one + iv.exp(-z))
            ez, emz = iv.exp(z / 2), iv.exp(-z / 2)
            return s, one / (ez + emz) ** 2
        if name == "softplus":
            return iv.log(one + iv.exp(z)), one / (one + iv.exp(-z))
        if name in ("relu", "leaky_relu"):
            # only with a certified sign; certify uses the exact backend for these
            lo, hi = _iv_bounds(z)
            if lo > 0:
                return z, one
            if hi < 0:
                neg = iv.mpf(0) if name == "relu" else self.const(slope)
                return neg * z, neg
            raise KinkError(*where)
        raise ValueError(f"no interval arithmetic for activation {name!r}")


def transpose(a: Matrix) -> Matrix:
    """Transpose of a list-of-rows matrix."""
    return [list(col) for col in zip(*a, strict=True)]


def matmul(a: Matrix, b: Matrix) -> Matrix:
    """Product of list-of-rows matrices (any numbers supporting ``+`` and ``*``)."""
    bt = transpose(b)
    out = []
    for row in a:
        out_row = []
        for col in bt:
            acc = row[0] * col[0]
            for x, y in zip(row[1:], col[1:], strict=True):
                acc = acc + x * y
            out_row.append(acc)
        out.append(out_row)
    return out


@dataclass
class NetworkValues:
    """A network evaluated on the data: outputs, Jacobians and the smallest |pre-activation|."""

    outputs: list[list[Any]]  # n lists of length k
    jacobians: list[Matrix]  # n matrices k x d
    min_abs_preactivation: Fraction | None


def network_on_data(
    backend: Backend,
    activation: str,
    slope: Fraction,
    weights: Sequence[Matrix],
    columns: Sequence[Sequence[Any]],
) -> NetworkValues:
    """Evaluate f(x) = W_L s(W_{L-1} ... s(W_1 x)) and J(x) = df/dx at every sample.

    Parameters
    ----------
    backend
        Where the arithmetic happens; ``weights`` and ``columns`` are already in it.
    activation, slope
        Activation name (see :mod:`nfacheck.activations`) and the leaky slope.
    weights
        ``W_1 ... W_L`` as lists of rows.
    columns
        The samples x_i (each a list of length d).

    Raises
    ------
    KinkError
        A piecewise-linear activation is evaluated exactly at 0.
    """
    outputs, jacobians = [], []
    min_abs: Fraction | None = None
    L = len(weights)
    for i, x in enumerate(columns):
        h = [[v] for v in x]
        derivs = []
        for layer in range(L - 1):
            z = matmul(weights[layer], h)
            vals, ds = [], []
            for u, (zu,) in enumerate(z):
                lo, hi = backend.bounds(zu)
                m = min(abs(lo), abs(hi)) if lo * hi > 0 else Fraction(0)
                min_abs = m if min_abs is None else min(min_abs, m)
                s, ds_u = backend.activation(activation, slope, zu, (layer + 1, u + 1, i + 1))
                vals.append([s])
                ds.append(ds_u)
            h = vals
            derivs.append(ds)
        out = matmul(weights[L - 1], h)
        outputs.append([r[0] for r in out])
        jac = [list(r) for r in weights[L - 1]]
        for layer in range(L - 2, -1, -1):
            ds = derivs[layer]
            jac = [[r[j] * ds[j] for j in range(len(ds))] for r in jac]
            jac = matmul(jac, weights[layer])
        jacobians.append(jac)
    return NetworkValues(outputs, jacobians, min_abs)
