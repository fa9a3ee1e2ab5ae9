"""Exact fixed-point integers held as arrays of 16-bit limbs, multiplied through float64 BLAS.

A big integer v is stored along the last axis of an ``int64`` array as limbs l_0 .. l_{P-1} with
``v = sum_i l_i 2**(16 i)``. Limbs are *balanced*: after :func:`normalize` every limb but the
last lies in [-2**15 - 1, 2**15 + 1], so a small negative number needs no sign extension; the last
limb carries the sign and whatever the lower ones cannot hold.

Products are error-free splittings in the sense of Ozaki, Ogita, Oishi & Rump (2012): with every
limb bounded by 2**16 in magnitude, a product of two limbs is below 2**32 and a dot product of
``m`` of them below ``m * 2**32``; as long as that (times the number of limb pairs summed
afterwards) stays below 2**53, every partial sum a float64 matrix product forms is an integer it
represents exactly, whatever order BLAS adds in. :class:`Exactness` checks the bound for a problem
before any product is formed; nothing is ever rounded. Floors (shifts by the fixed-point scale,
division by small integers) are exact too, so results are bit-identical to the same arithmetic
on Python integers.

References
----------
K. Ozaki, T. Ogita, S. Oishi, S. M. Rump, "Error-free transformations of matrix multiplication
by using fast routines of matrix multiplication and its applications", Numerical Algorithms 59
(2012) 95-118.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .taylor import FixedPointOverflow

__all__ = [
    "BITS",
    "FixedPointOverflow",
    "LIMB_MAX",
    "Exactness",
    "normalize",
    "shift_floor",
    "fit",
    "floordiv",
    "antidiagonal",
    "from_ints",
    "to_ints",
]

BITS = 16
BASE = 1 << BITS
HALF = 1 << (BITS - 1)
# every stored limb (the top one included) is at most this in magnitude; fit() enforces it
LIMB_MAX = BASE
_FLOAT_EXACT = 1 << 53


@dataclass(frozen=True)
class Exactness:
    """Which sums are exact for products with at most ``terms`` limb products per dot product.

    ``gemm``: float64 dot products of ``terms`` limb products are exact (required);
    ``float_antidiagonal``: adding ``limbs`` such dot products is still exact in float64 (else the
    antidiagonal sums are formed in int64, exact below 2**63).
    """

    terms: int
    limbs: int

    @property
    def gemm(self) -> bool:
        return self.terms * LIMB_MAX * LIMB_MAX < _FLOAT_EXACT

    @property
    def float_antidiagonal(self) -> bool:
        return self.limbs * self.terms * LIMB_MAX * LIMB_MAX < _FLOAT_EXACT

    @property
    def sum_bits(self) -> int:
        """Every position of a product's limb-pair sums is below 2**sum_bits in magnitude."""
        return (self.limbs * self.terms * LIMB_MAX * LIMB_MAX).bit_length()


def normalize(S: np.ndarray, bits: int = 62) -> np.ndarray:
    """Balanced carries along the last axis for values with every position below ``2**bits``
    in magnitude (a new array; the value is unchanged).

    Each pass divides the carries by 2**16; after ``ceil((bits - 13) / 16)`` passes every limb
    but the last lies within ``2**15 + 2**13 + 1`` (< 2**16 - 1, what :func:`shift_floor` needs);
    the last position only receives carries."""
    S = np.array(S, dtype=np.int64, copy=True)
    lo, hi = S[..., :-1], S[..., 1:]
    for _ in range(max(1, -(-(bits - 13) // BITS))):
        c = lo + HALF
        c >>= BITS
        lo -= c << BITS
        hi += c
    return S


def fit(S: np.ndarray, nl: int) -> np.ndarray:
    """The value of normalised positions ``S`` in exactly ``nl`` limbs, the top one folding in
    any higher positions; :class:`FixedPointOverflow` when the top limb would exceed
    ``LIMB_MAX``."""
    P = S.shape[-1]
    if P < nl:  # the old top position becomes an ordinary limb: carry out of it
        pad = np.zeros(S.shape[:-1] + (nl - P,), dtype=np.int64)
        S, P = normalize(np.concatenate([S, pad], axis=-1)), nl
    if P == nl:
        out = S
    else:
        # a value that fits leaves at most a carry of +-1 in position nl and nothing above
        extra = S[..., nl:]
        if extra.size and (np.abs(extra[..., 0]).max() > 1 or np.any(extra[..., 1:])):
            raise FixedPointOverflow("a fixed-point value outgrew the limbs reserved for it")
        out = S[..., :nl].copy()
        out[..., nl - 1] += extra[..., 0] << BITS
    if out.size and np.abs(out[..., nl - 1]).max() > LIMB_MAX:
        raise FixedPointOverflow("a fixed-point value outgrew the limbs reserved for it")
    return out


def shift_floor(S: np.ndarray, shift: int, bits: int = 62) -> np.ndarray:
    """``floor(v / 2**shift)`` for every value ``v`` held in positions ``S`` (|S| < 2**bits).

    After :func:`normalize` a limb is below 2**16 - 1 in magnitude, so the sign of the dropped
    low part is the sign of its highest non-zero limb; the floor subtracts one exactly when that
    part is negative."""
    q, r = divmod(shift, BITS)
    S = normalize(S, bits)
    if r:  # multiply by 2**(16 - r) so the shift is a whole number of limbs
        S = normalize(S << (BITS - r), 2 * BITS - r)
        q += 1
    if q == 0:
        return S
    low, high = S[..., :q], S[..., q:].copy()
    if q <= _SIGN_LIMBS:
        # the leading non-zero limb outweighs all lower ones together (they reach < 0.63 of
        # it), so this float64 sum has the sign of the low part: its rounding is ~2**-53 of it
        high[..., 0] -= (low @ _sign_weights(q)) < 0
    else:
        top = q - 1 - np.argmax(low[..., ::-1] != 0, axis=-1)
        lead = np.take_along_axis(low, top[..., None], axis=-1)[..., 0]
        high[..., 0] -= lead < 0
    return high


# up to 60 limbs the weights 2**(16 (i - q + 1)) stay normal float64 numbers (>= 2**-944)
_SIGN_LIMBS = 60


def _sign_weights(q: int) -> np.ndarray:
    w = _SIGN_WEIGHTS.get(q)
    if w is None:
        w = _SIGN_WEIGHTS[q] = np.ldexp(1.0, BITS * (np.arange(q) - q + 1))
    return w


_SIGN_WEIGHTS: dict = {}


def floordiv(S: np.ndarray, d) -> np.ndarray:
    """``floor(v / d)`` for positive integers ``d`` (a scalar, or an array over the entries),
    by long division from the top limb; the result is normalised."""
    P = S.shape[-1]
    out = np.empty_like(S)
    rem = np.zeros(S.shape[:-1], dtype=np.int64)
    for i in range(P - 1, -1, -1):
        cur = S[..., i] + (rem << BITS)
        q = cur // d
        rem = cur - q * d
        out[..., i] = q
    return normalize(out, BITS + 2)  # |q| <= 2**17


def _pair_sums(nl_a: int, nl_b: int) -> np.ndarray:
    """The 0/1 matrix E with ``(G.reshape(-1, nl_a * nl_b) @ E)[:, s] = sum_{a+b=s} G[:, a, b]``."""
    key = (nl_a, nl_b)
    E = _PAIR_SUMS.get(key)
    if E is None:
        E = np.zeros((nl_a * nl_b, nl_a + nl_b - 1))
        a, b = np.divmod(np.arange(nl_a * nl_b), nl_b)
        E[np.arange(nl_a * nl_b), a + b] = 1.0
        E = _PAIR_SUMS[key] = E
    return E


_PAIR_SUMS: dict = {}


def antidiagonal(G: np.ndarray, in_float: bool) -> np.ndarray:
    """Sums ``out[..., s] = sum_{a + b = s} G[..., a, b]`` over the last two axes (the limb pairs
    of a product) as ``int64``; as a float64 product with a 0/1 matrix when ``in_float`` (exact
    by :class:`Exactness`), else by shifted int64 additions."""
    nl_a, nl_b = G.shape[-2], G.shape[-1]
    lead = G.shape[:-2]
    if in_float:
        out = G.reshape(-1, nl_a * nl_b) @ _pair_sums(nl_a, nl_b)
        return out.astype(np.int64).reshape(lead + (nl_a + nl_b - 1,))
    G = G.astype(np.int64)
    out = np.zeros(lead + (nl_a + nl_b - 1,), dtype=np.int64)
    for a in range(nl_a):
        out[..., a : a + nl_b] += G[..., a, :]
    return out


def from_ints(values, nl: int) -> np.ndarray:
    """Python integers to balanced limbs, shape ``(len(values), nl)``."""
    width = 2 * nl
    try:
        buf = b"".join(v.to_bytes(width, "little", signed=True) for v in values)
    except OverflowError:
        raise FixedPointOverflow(f"an integer does not fit in {nl} limbs") from None
    S = np.frombuffer(buf, dtype="<u2").astype(np.int64).reshape(len(values), nl)
    S[:, -1] -= (S[:, -1] >= HALF) * BASE  # the top limb is two's complement
    return normalize(S, BITS)


def to_ints(S: np.ndarray) -> list[int]:
    """Limb arrays (any bounded limbs, |S| < 2**62) to Python integers, one per row of the
    flattened leading axes."""
    P = S.shape[-1]
    S = np.array(S, dtype=np.int64).reshape(-1, P)
    for i in range(P - 1):  # canonical: limbs 0..P-2 in [0, 2**16), the top one signed
        c = S[:, i] >> BITS
        S[:, i] -= c << BITS
        S[:, i + 1] += c
    width = 2 * (P - 1)
    low = S[:, : P - 1].astype("<u2").tobytes()
    shift = BITS * (P - 1)
    from_bytes = int.from_bytes
    return [
        from_bytes(low[i * width : (i + 1) * width], "little") + (t << shift)
        for i, t in enumerate(S[:, P - 1].tolist())
    ]
