"""Loss, gradient and exact Hessian of the bias-free network on a kit's numbers.

The parameters are one flat vector ``theta = vec(W_1) ... vec(W_L)`` (row-major). The gradient is
backpropagation; the Hessian is forward-over-reverse: backpropagation run on dual numbers
``a + b eps`` seeded with ``theta + eps e_j`` gives column j exactly (no finite differences).
Everything runs on the numbers of a :class:`~nfacheck.numeric.limit.kits.Kit`: ``mp`` values to
compute, ``arb`` balls or ``iv`` intervals over a whole box to certify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .kits import Kit

__all__ = ["Dual", "Model", "shapes", "unflatten", "flatten"]


def shapes(widths: Sequence[int]) -> list[tuple[int, int]]:
    """``(rows, cols)`` of ``W_1 ... W_L``."""
    return [(widths[l + 1], widths[l]) for l in range(len(widths) - 1)]


def flatten(weights: Sequence[Sequence[Sequence[Any]]]) -> list[Any]:
    """``[W_1, ..., W_L]`` (lists of rows) as one flat list, row-major per layer."""
    return [v for w in weights for row in w for v in row]


def unflatten(theta: Sequence[Any], widths: Sequence[int]) -> list[list[list[Any]]]:
    """The inverse of :func:`flatten`."""
    out, i = [], 0
    for r, c in shapes(widths):
        out.append([list(theta[i + a * c : i + (a + 1) * c]) for a in range(r)])
        i += r * c
    return out


class Dual:
    """``a + b eps`` with ``eps^2 = 0``; ``a`` and ``b`` are kit numbers."""

    __slots__ = ("a", "b")

    def __init__(self, a: Any, b: Any) -> None:
        self.a, self.b = a, b

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a + o.a, self.b + o.b)
        return Dual(self.a + o, self.b)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)

    __rmul__ = __mul__


def _lift(f, df):
    """A scalar function on duals from the function and its derivative."""

    def g(z):
        if isinstance(z, Dual):
            return Dual(f(z.a), df(z.a) * z.b)
        return f(z)

    return g


@dataclass
class Model:
    """One network problem on the numbers of ``kit``.

    Parameters
    ----------
    widths, activation, slope
        ``[d, h_1, ..., k]``, the activation name and the leaky slope.
    X, Y
        Exact data, d x n and k x n (lists of rows of Fractions).
    weight_decay
        lambda >= 0, exact.
    kit
        The arithmetic.
    """

    widths: Sequence[int]
    activation: str
    X: Sequence[Sequence[Fraction]]
    Y: Sequence[Sequence[Fraction]]
    weight_decay: Fraction
    kit: Kit
    slope: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        k = self.kit
        s, ds, d2s = k.activation(self.activation, self.slope)
        self._s, self._ds = _lift(s, ds), _lift(ds, d2s)
        self.n = len(self.X[0])
        self.linear = self.activation == "linear"

    def _data(self):
        k = self.kit
        cols = [[k.const(v) for v in col] for col in zip(*self.X, strict=True)]
        ycols = [[k.const(v) for v in col] for col in zip(*self.Y, strict=True)]
        return cols, ycols

    @property
    def size(self) -> int:
        """Number of parameters."""
        return sum(r * c for r, c in shapes(self.widths))

    def _forward(self, ws, x):
        """Pre-activations and layer inputs at one sample."""
        h, zs, hs = x, [], [x]
        for w in ws[:-1]:
            z = [_dot(row, h) for row in w]
            zs.append(z)
            h = z if self.linear else [self._s(v) for v in z]
            hs.append(h)
        return [_dot(row, h) for row in ws[-1]], zs, hs

    def data_loss(self, theta: Sequence[Any]) -> Any:
        """(1/2n) sum_i ||f(x_i) - y_i||^2."""
        ws = unflatten(theta, self.widths)
        xs, ys = self._data()
        total = None
        for x, y in zip(xs, ys, strict=True):
            f, _, _ = self._forward(ws, x)
            for a, b in zip(f, y, strict=True):
                r = a - b
                total = r * r if total is None else total + r * r
        return total * self.kit.const(Fraction(1, 2 * self.n))

    def penalty(self, theta: Sequence[Any]) -> Any:
        """(lambda/2) ||theta||^2."""
        return _dot(theta, theta) * self.kit.const(self.weight_decay / 2)

    def loss(self, theta: Sequence[Any]) -> Any:
        """Data loss plus the weight-decay term."""
        return self.data_loss(theta) + self.penalty(theta)

    def gradient(self, theta: Sequence[Any]) -> list[Any]:
        """The flat gradient of :meth:`loss` (backpropagation, weight decay included)."""
        ws = unflatten(theta, self.widths)
        xs, ys = self._data()
        inv_n = self.kit.const(Fraction(1, self.n))
        grads: list[Any] = [None] * len(ws)
        for x, y in zip(xs, ys, strict=True):
            f, zs, hs = self._forward(ws, x)
            delta = [(a - b) * inv_n for a, b in zip(f, y, strict=True)]
            for layer in range(len(ws) - 1, -1, -1):
                g = [[dv * hv for hv in hs[layer]] for dv in delta]
                grads[layer] = g if grads[layer] is None else [
                    [p + q for p, q in zip(r1, r2, strict=True)]
                    for r1, r2 in zip(grads[layer], g, strict=True)]
                if layer == 0:
                    break
                w = ws[layer]
                back = [_dot([w[i][j] for i in range(len(w))], delta) for j in range(len(w[0]))]
                if not self.linear:
                    back = [b * self._ds(z) for b, z in zip(back, zs[layer - 1], strict=True)]
                delta = back
        flat = flatten(grads)
        lam = self.kit.const(self.weight_decay)
        return [g + t * lam for g, t in zip(flat, theta, strict=True)]  # a Dual on the left

    def hessian(self, theta: Sequence[Any]) -> list[list[Any]]:
        """The exact Hessian of :meth:`loss` (forward-over-reverse), a P x P list of rows."""
        zero, one = self.kit.const(Fraction(0)), self.kit.const(Fraction(1))
        P = len(theta)
        cols = []
        for j in range(P):
            seeded = [Dual(t, one if i == j else zero) for i, t in enumerate(theta)]
            cols.append([_tangent(g, zero) for g in self.gradient(seeded)])
        # symmetric by construction up to rounding: take the average of the two triangles
        half = self.kit.const(Fraction(1, 2))
        return [[cols[j][i] if i == j else (cols[j][i] + cols[i][j]) * half for j in range(P)]
                for i in range(P)]

    def gram_agop(self, theta: Sequence[Any]) -> tuple[list[list[Any]], list[list[Any]]]:
        """``M = W_1^T W_1`` and the AGOP ``G = (1/n) sum_i J(x_i)^T J(x_i)`` (d x d)."""
        ws = unflatten(theta, self.widths)
        xs, _ = self._data()
        d = self.widths[0]
        w1 = ws[0]
        M = [[_dot([r[a] for r in w1], [r[b] for r in w1]) for b in range(d)] for a in range(d)]
        G = None
        for x in xs:
            _, zs, _ = self._forward(ws, x)
            jac = [list(r) for r in ws[-1]]
            for layer in range(len(ws) - 2, -1, -1):
                if not self.linear:
                    ds = [self._ds(z) for z in zs[layer]]
                    jac = [[r[j] * ds[j] for j in range(len(ds))] for r in jac]
                w = ws[layer]
                jac = [[_dot(r, [w[i][c] for i in range(len(w))]) for c in range(len(w[0]))]
                       for r in jac]
            jtj = [[_dot([r[a] for r in jac], [r[b] for r in jac]) for b in range(d)]
                   for a in range(d)]
            G = jtj if G is None else [[p + q for p, q in zip(r1, r2, strict=True)]
                                       for r1, r2 in zip(G, jtj, strict=True)]
        inv_n = self.kit.const(Fraction(1, self.n))
        G = [[v * inv_n for v in row] for row in G]
        G = [[G[i][j] if i <= j else G[j][i] for j in range(d)] for i in range(d)]
        return M, G


def _dot(a: Sequence[Any], b: Sequence[Any]) -> Any:
    acc = a[0] * b[0]
    for x, y in zip(a[1:], b[1:], strict=True):
        acc = acc + x * y
    return acc


def _tangent(v: Any, zero: Any) -> Any:
    return v.b if isinstance(v, Dual) else zero
