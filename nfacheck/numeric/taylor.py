"""Taylor-mode arithmetic on truncated power series of matrices, in fixed point.

A number v is held as the Python integer ``round(v * 2**F)``; a matrix series keeps its k-th
Taylor coefficients as flat row-major lists of such integers. The activation recurrences
(tanh coupled with 1 - tanh^2, sigmoid, softplus, linear, relu/leaky_relu on a fixed sign pattern)
produce coefficient k from coefficients 0..k, the way automatic differentiation in Taylor mode
does (Griewank & Walther 2008, ch. 13; Jorba & Zou 2005).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import islice
from operator import mul

import mpmath

__all__ = [
    "FixedPointOverflow",
    "to_fixed",
    "from_fixed",
    "SeriesMatrix",
    "cauchy_matmul",
    "elementwise_cauchy",
    "activation_next",
    "horner",
    "ACTIVATION_SERIES",
]


class FixedPointOverflow(ArithmeticError):
    """A value outgrew the fixed-point range of a bounded representation (the numpy backend's
    limbs, :mod:`nfacheck.numeric.limbs`); the Taylor solver retries on a shorter time scale."""


# g of _cauchy_flint: truncated products are exact to 2**(1-g) of the last bit (was 16; 4 makes
# more operands fit in two limbs, the cheap size for fmpz_mat products, at no visible cost).
GUARD_BITS = 4

# Activations with a series rule here; "relu" and "leaky_relu" use a fixed per-entry multiplier.
ACTIVATION_SERIES = ("linear", "tanh", "sigmoid", "softplus", "relu", "leaky_relu")


def to_fixed(x, frac_bits: int) -> int:
    """Round an exact number (int, Fraction) or an ``mpf`` to the nearest multiple of 2**-F."""
    if isinstance(x, int | Fraction):
        q = Fraction(x) * (1 << frac_bits)
        return (2 * q.numerator + q.denominator) // (2 * q.denominator)
    with mpmath.mp.workprec(frac_bits + 64):
        return int(mpmath.nint(mpmath.ldexp(mpmath.mpf(x), frac_bits)))


def from_fixed(v: int, frac_bits: int) -> mpmath.mpf:
    """The ``mpf`` ``v * 2**-F`` (exact; rounded to the current precision on later use)."""
    return mpmath.mpf((v, -frac_bits)) if v else mpmath.mpf(0)


class SeriesMatrix:
    """A matrix-valued truncated power series ``sum_k C[k] s**k`` with fixed-point entries.

    ``coeffs[k]`` is a flat row-major list of ``rows * cols`` integers. Views used by the
    Cauchy products (rows, columns, entries in increasing or decreasing order of k) are built
    on first request and then kept up to date by :meth:`append`.
    """

    __slots__ = ("rows", "cols", "coeffs", "_views", "_flint", "_bits")

    def __init__(self, rows: int, cols: int, first: list[int] | None = None) -> None:
        self.rows, self.cols = rows, cols
        self.coeffs: list[list[int]] = []
        self._views: dict[str, list[list[int]]] = {}
        self._flint: dict = {}
        self._bits: list[int] = []
        if first is not None:
            self.append(first)

    def __len__(self) -> int:
        return len(self.coeffs)

    def append(self, flat: list[int]) -> None:
        self.coeffs.append(flat)
        for kind, view in self._views.items():
            _extend_view(kind, view, flat, self.rows, self.cols)

    def view(self, kind: str) -> list[list[int]]:
        """``rows_fwd``/``cols_fwd``: per row/column, coefficients 0..k concatenated;
        ``rows_rev``/``cols_rev``: the same with k..0; ``entries``: per entry, 0..k;
        ``weighted``: per entry, ``j * C[j]`` for j = 0..k."""
        v = self._views.get(kind)
        if v is None:
            n = self.rows if kind.startswith("rows") else self.cols
            if kind in ("entries", "weighted"):
                n = self.rows * self.cols
            v = [[] for _ in range(n)]
            for flat in self.coeffs:
                _extend_view(kind, v, flat, self.rows, self.cols)
            self._views[kind] = v
        return v

    def bits(self, k: int) -> int:
        """Bit length of the largest entry of coefficient k (so |C[k]| < 2**bits, fixed point)."""
        while len(self._bits) <= k:
            flat = self.coeffs[len(self._bits)]
            self._bits.append(max(max(flat), -min(flat)).bit_length() if flat else 0)
        return self._bits[k]

    def flint(self, k: int, transpose: bool = False, shift: int = 0):
        """Coefficient k shifted right by ``shift`` bits as a python-flint ``fmpz_mat`` (cached)."""
        key = (k, transpose, shift)
        m = self._flint.get(key)
        if m is None:
            import flint

            flat = self.coeffs[k] if not shift else [v >> shift for v in self.coeffs[k]]
            m = flint.fmpz_mat(self.rows, self.cols, flat)
            if transpose:
                m = m.transpose()
            self._flint[key] = m
        return m


def _extend_view(kind: str, view: list[list[int]], flat: list[int], r: int, c: int) -> None:
    if kind == "entries":
        for lst, x in zip(view, flat, strict=True):
            lst.append(x)
    elif kind == "weighted":  # k * C[k], the series of s * d/ds
        k = len(view[0]) if view else 0
        for lst, x in zip(view, flat, strict=True):
            lst.append(k * x)
    elif kind == "rows_fwd":
        for i in range(r):
            view[i].extend(flat[i * c : (i + 1) * c])
    elif kind == "cols_fwd":
        for j in range(c):
            view[j].extend(flat[j::c])
    elif kind == "rows_rev":
        for i in range(r):
            view[i][:0] = flat[i * c : (i + 1) * c]
    elif kind == "cols_rev":
        for j in range(c):
            view[j][:0] = flat[j::c]
    else:  # pragma: no cover - internal misuse
        raise ValueError(kind)


def cauchy_matmul(
    p: SeriesMatrix,
    q: SeriesMatrix,
    k: int,
    *,
    trans_p: bool = False,
    trans_q: bool = False,
    backend: str = "python",
    frac_bits: int | None = None,
) -> list[int]:
    """Coefficient k of ``op(P)(s) @ op(Q)(s)``, unscaled (a multiple of 2**-2F).

    ``op`` is the transpose when ``trans_*`` is set. Both series must hold coefficients 0..k.
    The caller shifts the result right by F. With the flint backend and ``frac_bits`` given,
    operands are truncated to the bits that can reach 2**-F in the result (see
    :func:`_cauchy_flint`).
    """
    if backend == "flint":
        return _cauchy_flint(p, q, k, trans_p, trans_q, frac_bits)
    # rows of op(P) with coefficients 0..k, columns of op(Q) with coefficients k..0
    prow = p.view("cols_fwd" if trans_p else "rows_fwd")
    qcol = q.view("rows_rev" if trans_q else "cols_rev")
    skip = (len(q) - 1 - k) * (q.cols if trans_q else q.rows)
    if skip:
        qcol = [col[skip:] for col in qcol]
    return [sum(map(mul, r, col)) for r in prow for col in qcol]


def _cauchy_flint(p, q, k, trans_p, trans_q, frac_bits):
    """Sum of fmpz_mat products P[j] Q[k-j]. Each term needs absolute accuracy 2**(F - g) in
    the unscaled (2**-2F) sum, so P[j] may lose its lowest F - g - bits(Q[k-j]) - log2(inner)
    - log2(k+1) bits, and Q[k-j] likewise: high-order coefficients then multiply as short
    integers. The k+1 truncated terms together are off by at most about 2**(F - g + 1), i.e.
    2**(1-g) units of the last fixed-point bit after the shift by F; g = ``GUARD_BITS``.
    Shifts are rounded down to multiples of 32 so that the truncated copies are reused."""
    inner = p.rows if trans_p else p.cols
    budget = None
    if frac_bits is not None:
        budget = frac_bits - GUARD_BITS - (k + 1).bit_length() - inner.bit_length()
    groups: dict = {}  # terms summed per total shift, then scaled once per group
    for j in range(k + 1):
        i = k - j
        rp = rq = 0
        if budget is not None:
            rp = max(0, budget - q.bits(i)) & ~31
            rq = max(0, budget - p.bits(j)) & ~31
        term = p.flint(j, trans_p, rp) * q.flint(i, trans_q, rq)
        g = groups.get(rp + rq)
        groups[rp + rq] = term if g is None else g + term
    shifts = sorted(groups, reverse=True)
    acc = groups[shifts[0]]
    for hi, lo in zip(shifts, shifts[1:], strict=False):
        acc = acc * (1 << (hi - lo)) + groups[lo]
    if shifts[-1]:
        acc = acc * (1 << shifts[-1])
    return [int(x) for x in acc.entries()]


def elementwise_cauchy(a: SeriesMatrix, b: SeriesMatrix, k: int) -> list[int]:
    """Coefficient k of the entrywise product ``A(s) * B(s)``, unscaled (multiple of 2**-2F)."""
    ea, eb = a.view("entries"), b.view("entries")
    if len(a) == len(b) == k + 1:  # the usual case: no slices, reversed() is a view
        return [sum(map(mul, x, reversed(y))) for x, y in zip(ea, eb, strict=True)]
    return [sum(map(mul, x[: k + 1], y[k::-1])) for x, y in zip(ea, eb, strict=True)]


def _square_coeff(e: list[list[int]], k: int) -> list[int]:
    """Coefficient k of the entrywise square, unscaled: uses the symmetry of the Cauchy sum."""
    half = (k + 1) // 2
    out = []
    odd = k % 2
    for x in e:
        if len(x) == k + 1:
            s = 2 * sum(map(mul, islice(x, half), reversed(x))) if half else 0
        else:
            s = 2 * sum(map(mul, x[:half], x[k : k - half : -1])) if half else 0
        if not odd:
            s += x[k // 2] * x[k // 2]
        out.append(s)
    return out


def _eval_entries(z0: list[int], frac_bits: int, fn) -> list[int]:
    """Apply an mpmath function to fixed-point values at 2**-F accuracy."""
    out = []
    with mpmath.mp.workprec(frac_bits + 32):
        for v in z0:
            out.append(int(mpmath.nint(mpmath.ldexp(fn(mpmath.mpf((v, -frac_bits))), frac_bits))))
    return out


def _tanh(x):
    return mpmath.tanh(x)


def _sigmoid(x):
    return 1 / (1 + mpmath.exp(-x))


def _softplus(x):
    return mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))


def activation_next(
    name: str,
    z: SeriesMatrix,
    a: SeriesMatrix,
    ds: SeriesMatrix | None,
    aux: SeriesMatrix | None,
    k: int,
    frac_bits: int,
    mult: list[tuple[int, int]] | None = None,
) -> None:
    """Append coefficient k of ``a = sigma(z)`` and of ``ds = sigma'(z)`` (given 0..k of z).

    Parameters
    ----------
    name
        One of :data:`ACTIVATION_SERIES`. For ``linear`` ``a`` is ``z`` itself and ``ds`` is
        ``None`` (sigma' = 1). For relu/leaky_relu ``mult`` holds the per-entry slope
        ``(num, den)`` of the current sign pattern, ``ds`` is ``None`` and ``a = mult * z``.
    z, a, ds, aux
        The series; ``aux`` is the sigmoid series inside softplus, ``None`` otherwise.
    k
        The order to append; z must already hold 0..k.
    frac_bits
        F.

    Notes
    -----
    With ``u' = z'`` meaning d/ds, the rules used, for k >= 1, are
    ``k a[k] = sum_{j=1}^k j z[j] ds[k-j]`` (a' = sigma'(z) z') and

    - tanh: ``ds = 1 - a^2``;
    - sigmoid: ``ds = a - a^2``;
    - softplus: ``ds = p = sigmoid(z)`` with ``k p[k] = sum j z[j] q[k-j]``, ``q = p - p^2``.
    """
    F = frac_bits
    if name == "linear":
        return
    if name in ("relu", "leaky_relu"):
        zk = z.coeffs[k]
        a.append([x * m // d for x, (m, d) in zip(zk, mult, strict=True)])
        return
    one = 1 << F
    if k == 0:
        z0 = z.coeffs[0]
        if name == "tanh":
            a0 = _eval_entries(z0, F, _tanh)
            a.append(a0)
            ds.append([one - ((x * x) >> F) for x in a0])
        elif name == "sigmoid":
            a0 = _eval_entries(z0, F, _sigmoid)
            a.append(a0)
            ds.append([x - ((x * x) >> F) for x in a0])
        elif name == "softplus":
            a.append(_eval_entries(z0, F, _softplus))
            p0 = _eval_entries(z0, F, _sigmoid)
            ds.append(p0)
            aux.append([x - ((x * x) >> F) for x in p0])
        else:  # pragma: no cover - validated upstream
            raise ValueError(name)
        return
    wz = z.view("weighted")

    def deriv_conv(series: SeriesMatrix) -> list[int]:
        es = series.view("entries")
        if len(z) == k + 1 and len(series) == k:  # the usual case: no slices
            return [
                (sum(map(mul, islice(x, 1, None), reversed(y))) >> F) // k
                for x, y in zip(wz, es, strict=True)
            ]
        return [
            (sum(map(mul, x[1 : k + 1], y[k - 1 :: -1])) >> F) // k
            for x, y in zip(wz, es, strict=True)
        ]

    if name == "softplus":
        a.append(deriv_conv(ds))  # a' = p z'
        pk = deriv_conv(aux)  # p' = p(1-p) z'
        ds.append(pk)
        sq = _square_coeff(ds.view("entries"), k)
        aux.append([x - (y >> F) for x, y in zip(pk, sq, strict=True)])
        return
    ak = deriv_conv(ds)
    a.append(ak)
    sq = _square_coeff(a.view("entries"), k)
    if name == "tanh":
        ds.append([-(y >> F) for y in sq])
    else:  # sigmoid
        ds.append([x - (y >> F) for x, y in zip(ak, sq, strict=True)])


def horner(coeffs: list[list[int]], s: int, frac_bits: int) -> list[int]:
    """Evaluate ``sum_k C[k] s**k`` entrywise at the fixed-point ``s`` (0 <= s; |s| ~ 1)."""
    F = frac_bits
    acc = list(coeffs[-1])
    for c in reversed(coeffs[:-1]):
        acc = [((x * s) >> F) + y for x, y in zip(acc, c, strict=True)]
    return acc
