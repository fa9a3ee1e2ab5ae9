"""The ``numpy`` backend: the Taylor expansion of :mod:`.flowfield` on limb arrays.

The same recurrences as :class:`~nfacheck.numeric.flowfield.Jet` (forward pass, activation
series, backward pass, gradient), with every number a fixed-point integer split into 16-bit limbs
(:mod:`.limbs`). What changes is how a Cauchy sum ``sum_j P[j] Q[k-j]`` of matrix series is
formed: each series keeps its coefficients in the memory layouts the products read, so the
whole sum at order k is *one* float64 matrix product of a ``(rows * limbs) x ((k+1) * inner)``
slice by a ``((k+1) * inner) x (cols * limbs)`` slice, followed by the limb-pair (antidiagonal)
sums; entrywise Cauchy sums (the activation recurrences) are one batched product. Every partial
sum is an integer below 2**53 (:class:`~nfacheck.numeric.limbs.Exactness`), and the fixed-point
floors are exact, so the coefficients are bit-identical to the pure-Python backend's.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from . import limbs as lb
from .taylor import SeriesMatrix, activation_next

__all__ = ["LimbSeries", "LimbJet", "IntJet", "HEADROOM_LIMBS"]

# limbs above the fraction: values up to about 2**32 (the top limb may hold 2**16 more)
HEADROOM_LIMBS = 2
# relu/leaky_relu slopes p/q: limbs times p and long division by q stay below 2**62 in int64
_SLOPE_BITS = 44


class LimbSeries:
    """The coefficients 0..k of an ``rows x cols`` matrix series as limbs, in the layouts its
    products read (float64 copies of the normalised int64 limbs; capacity ``K + 1``).

    Layouts: ``left`` (rows, nl, K+1, cols) for P in P @ Q; ``left_t`` (cols, nl, K+1, rows) for
    P^T @ Q; ``right`` (K+1, rows, cols, nl) for Q, stored in *decreasing* order of k (slot K - j
    holds coefficient j) so that Q[k], ..., Q[0] is a contiguous slice; ``right_t`` the same for
    Q^T; ``ent_fwd`` (rows*cols, nl, K+1) and ``ent_rev`` (rows*cols, K+1, nl, decreasing) for
    entrywise products.
    """

    def __init__(self, rows: int, cols: int, K: int, nl: int, layouts=()) -> None:
        self.rows, self.cols, self.K, self.nl = rows, cols, K, nl
        self.coeffs: list[np.ndarray] = []  # int64 (rows, cols, nl) per order
        E = rows * cols
        shapes = {
            "left": (rows, nl, K + 1, cols),
            "left_t": (cols, nl, K + 1, rows),
            "right": (K + 1, rows, cols, nl),
            "right_t": (K + 1, cols, rows, nl),
            "ent_fwd": (E, nl, K + 1),
            "ent_rev": (E, K + 1, nl),
        }
        self.lay = {name: np.zeros(shapes[name]) for name in layouts}

    def __len__(self) -> int:
        return len(self.coeffs)

    def reset(self) -> None:
        self.coeffs = []

    def append(self, S: np.ndarray) -> None:
        """Add the next coefficient (int64, shape (rows, cols, nl), limbs within LIMB_MAX)."""
        k, K = len(self.coeffs), self.K
        self.coeffs.append(S)
        Sf = S.astype(np.float64)
        lay = self.lay
        if "left" in lay:
            lay["left"][:, :, k, :] = Sf.transpose(0, 2, 1)
        if "left_t" in lay:
            lay["left_t"][:, :, k, :] = Sf.transpose(1, 2, 0)
        if "right" in lay:
            lay["right"][K - k] = Sf
        if "right_t" in lay:
            lay["right_t"][K - k] = Sf.transpose(1, 0, 2)
        if "ent_fwd" in lay or "ent_rev" in lay:
            flat = Sf.reshape(-1, self.nl)
            if "ent_fwd" in lay:
                lay["ent_fwd"][:, :, k] = flat
            if "ent_rev" in lay:
                lay["ent_rev"][:, K - k, :] = flat


class LimbJet:
    """Forward and backward Taylor series of a :class:`~nfacheck.numeric.flowfield.NetworkField`
    on limb arrays, for expansions of order ``K`` (buffers are reused across steps)."""

    def __init__(self, field, K: int) -> None:
        L, w, n, act = field.L, field.widths, field.n, field.activation
        F = field.F
        self.field, self.K, self.F = field, K, F
        self.nl = nl = -(-F // lb.BITS) + HEADROOM_LIMBS
        inner = max(max(w), n)
        self.exact = lb.Exactness(terms=(K + 1) * inner, limbs=nl)
        if not self.exact.gemm:
            raise UsageError(
                f"numpy backend: order {K} with inner dimension {inner} exceeds exact float64 "
                "products; use the python or flint backend"
            )
        self.in_float = self.exact.float_antidiagonal
        d = w[0]
        self.X = LimbSeries(d, n, 0, nl, ("right", "right_t"))
        self.X.append(lb.from_ints(field.X.coeffs[0], nl).reshape(d, n, nl))
        self.Y = lb.from_ints(field.Y, nl).reshape(w[-1], n, nl)
        self.W = [
            LimbSeries(w[l + 1], w[l], K, nl, ("left",) if l == 0 else ("left", "left_t"))
            for l in range(L)
        ]
        smooth = act in ("tanh", "sigmoid", "softplus")
        hidden = range(L - 1)
        squared = ("ent_fwd", "ent_rev") if act in ("tanh", "sigmoid") else ()
        a_lay = ("right", "right_t") + squared
        delta_lay = ("left", "right")
        if act == "linear":  # a = z and delta = g: one series each
            self.z = [LimbSeries(w[l + 1], n, K, nl, a_lay[:2]) for l in hidden]
            self.a = self.z
        else:
            self.z = [LimbSeries(w[l + 1], n, K, nl) for l in hidden]
            self.a = [LimbSeries(w[l + 1], n, K, nl, a_lay) for l in hidden]
        self.z.append(LimbSeries(w[L], n, K, nl))
        self.wz = [LimbSeries(w[l + 1], n, K, nl, ("ent_fwd",)) for l in hidden] if smooth else []
        ds_lay = ("ent_fwd", "ent_rev")
        self.ds = [LimbSeries(w[l + 1], n, K, nl, ds_lay) for l in hidden] if smooth else []
        self.aux = (
            [LimbSeries(w[l + 1], n, K, nl, ("ent_rev",)) for l in hidden]
            if act == "softplus"
            else []
        )
        self.g = [LimbSeries(w[l + 1], n, K, nl, ("ent_rev",)) for l in hidden] if smooth else []
        self.delta = [LimbSeries(w[l + 1], n, K, nl, delta_lay) for l in range(L)]
        if field.piecewise:
            self._set_slopes(field.masks)

    def _set_slopes(self, masks) -> None:
        """Per-entry (num, den) of the relu/leaky_relu pattern as int64 arrays (rows, cols)."""
        self.slopes = []
        big = max((max(a, b) for m in masks for a, b in m), default=1)
        if big.bit_length() > _SLOPE_BITS:
            raise UsageError(
                f"numpy backend: the leaky_relu slope's numerator or denominator ({big}) has more "
                f"than {_SLOPE_BITS} bits; use the python or flint backend"
            )
        self.slope_bits = lb.BITS + big.bit_length()
        for l, m in enumerate(masks):
            shape = (self.z[l].rows, self.z[l].cols)
            num = np.array([a for a, _ in m], dtype=np.int64).reshape(shape)
            den = np.array([b for _, b in m], dtype=np.int64).reshape(shape)
            self.slopes.append((num, den))

    def reset(self) -> None:
        for group in (self.W, self.z, self.a, self.wz, self.ds, self.aux, self.g, self.delta):
            for s in group:
                s.reset()
        if self.field.piecewise:
            self._set_slopes(self.field.masks)

    # -- products ------------------------------------------------------------------
    def _matmul(self, A4: np.ndarray, B4: np.ndarray) -> np.ndarray:
        """``sum_j A[j] @ B[j]`` over the stacked axis, limbs combined: A4 (R, nl, J, M),
        B4 (J, M, C, nl) -> int64 positions (R, C, 2 nl - 1), unscaled (2**-2F)."""
        R, nl, J, M = A4.shape
        C = B4.shape[2]
        G = A4.reshape(R * nl, J * M) @ B4.reshape(J * M, C * nl)
        return lb.antidiagonal(G.reshape(R, nl, C, nl).transpose(0, 2, 1, 3), self.in_float)

    def _cauchy(self, P: LimbSeries, p_layout: str, Q: LimbSeries, q_layout: str, k: int):
        """Coefficient k of op(P)(s) op(Q)(s), unscaled positions."""
        K = self.K
        return self._matmul(P.lay[p_layout][:, :, : k + 1, :], Q.lay[q_layout][K - k : K + 1])

    def _entrywise(self, x: LimbSeries, y: LimbSeries, k: int, jlo: int = 0) -> np.ndarray:
        """``sum_{j=jlo}^{k} x[j] * y[k-j]`` entrywise, unscaled positions (rows, cols, 2nl-1)."""
        K = self.K
        G = np.matmul(x.lay["ent_fwd"][:, :, jlo : k + 1], y.lay["ent_rev"][:, K - k + jlo : K + 1])
        out = lb.antidiagonal(G, self.in_float)
        return out.reshape(x.rows, x.cols, -1)

    def _square(self, x: LimbSeries, k: int) -> np.ndarray:
        """``sum_{j=0}^{k} x[j] * x[k-j]`` entrywise, from half the terms (the sum is symmetric):
        twice the terms j < k/2, plus the middle one when k is even; same bound as the full sum."""
        K, half = self.K, (k + 1) // 2
        fwd, rev = x.lay["ent_fwd"], x.lay["ent_rev"]
        G = 2.0 * np.matmul(fwd[:, :, :half], rev[:, K - k : K - k + half])
        if k % 2 == 0:
            mid = fwd[:, :, k // 2]
            G += mid[:, :, None] * mid[:, None, :]
        return lb.antidiagonal(G, self.in_float).reshape(x.rows, x.cols, -1)

    def _scaled(self, positions: np.ndarray) -> np.ndarray:
        """``floor(v / 2**F)`` in ``nl`` limbs."""
        return lb.fit(lb.shift_floor(positions, self.F, self.exact.sum_bits), self.nl)

    def _div(self, S: np.ndarray, d) -> np.ndarray:
        return lb.fit(lb.floordiv(S, d), self.nl)

    # -- the passes ----------------------------------------------------------------
    def forward(self, k: int) -> None:
        """Append order k of z_l, a_l and the activation series (W must hold 0..k)."""
        L = self.field.L
        for l in range(L):
            if l == 0:
                S = self._matmul(self.W[0].lay["left"][:, :, k : k + 1, :], self.X.lay["right"])
            else:
                S = self._cauchy(self.W[l], "left", self.a[l - 1], "right", k)
            zk = self._scaled(S)
            self.z[l].append(zk)
            if l < L - 1:
                self._activation(l, k, zk)

    def _activation(self, l: int, k: int, zk: np.ndarray) -> None:
        f = self.field
        act, nl = f.activation, self.nl
        if act == "linear":
            return
        if f.piecewise:
            num, den = self.slopes[l]
            self.a[l].append(self._div(lb.normalize(zk * num[..., None], self.slope_bits), den))
            return
        a, ds, wz = self.a[l], self.ds[l], self.wz[l]
        if k == 0:  # sigma(z0) by mpmath, exactly as the python backend does
            rows, cols = zk.shape[:2]
            zs = SeriesMatrix(rows, cols, lb.to_ints(zk))
            sa, sds, saux = (SeriesMatrix(rows, cols) for _ in range(3))
            activation_next(act, zs, sa, sds, saux, 0, f.F)
            shape = zk.shape
            a.append(lb.from_ints(sa.coeffs[0], nl).reshape(shape))
            ds.append(lb.from_ints(sds.coeffs[0], nl).reshape(shape))
            if act == "softplus":
                self.aux[l].append(lb.from_ints(saux.coeffs[0], nl).reshape(shape))
            wz.append(np.zeros_like(zk))
            return
        # k z[k]: the series of s dz/ds
        wz.append(lb.fit(lb.normalize(zk * k, lb.BITS + k.bit_length()), nl))

        def deriv(series: LimbSeries) -> np.ndarray:  # (1/k) sum_{j>=1} j z[j] series[k-j]
            return self._div(self._scaled(self._entrywise(wz, series, k, jlo=1)), k)

        if act == "softplus":
            aux = self.aux[l]
            a.append(deriv(ds))  # a' = p z'
            pk = deriv(aux)  # p' = p (1 - p) z'
            ds.append(pk)
            sq = self._scaled(self._square(ds, k))
            aux.append(lb.fit(lb.normalize(pk - sq, lb.BITS + 1), nl))
            return
        ak = deriv(ds)
        a.append(ak)
        sq = self._scaled(self._square(a, k))
        if act == "tanh":
            ds.append(-sq)
        else:  # sigmoid
            ds.append(lb.fit(lb.normalize(ak - sq, lb.BITS + 1), nl))

    def gradient(self, k: int) -> list[np.ndarray]:
        """Append order k of the backward pass; return per layer the unscaled positions of
        ``sum_i delta_l a_{l-1}^T`` at order k."""
        f = self.field
        L, act, nl = f.L, f.activation, self.nl
        dk = self.z[L - 1].coeffs[k]
        if k == 0:
            dk = lb.fit(lb.normalize(dk - self.Y, lb.BITS + 1), nl)
        self.delta[L - 1].append(dk)
        for l in range(L - 2, -1, -1):
            gk = self._scaled(self._cauchy(self.W[l + 1], "left_t", self.delta[l + 1], "right", k))
            if act == "linear":
                self.delta[l].append(gk)
            elif f.piecewise:
                num, den = self.slopes[l]
                self.delta[l].append(
                    self._div(lb.normalize(gk * num[..., None], self.slope_bits), den)
                )
            else:
                self.g[l].append(gk)
                self.delta[l].append(self._scaled(self._entrywise(self.ds[l], self.g[l], k)))
        grads = []
        for l in range(L):
            if l == 0:
                left = self.delta[0].lay["left"][:, :, k : k + 1, :]
                grads.append(self._matmul(left, self.X.lay["right_t"]))
            else:
                grads.append(self._cauchy(self.delta[l], "left", self.a[l - 1], "right_t", k))
        return grads


class IntJet:
    """The :class:`~nfacheck.numeric.flowfield.Jet` interface (Python integers in and out) over
    the field's :class:`LimbJet`: weight coefficients appended to ``W`` are converted to limbs
    when :meth:`forward` needs them, gradients come back as Python integers.

    A value outgrowing the limbs raises :class:`~nfacheck.numeric.limbs.FixedPointOverflow`; the
    Taylor solver then retries the step on a shorter time scale (high-order coefficients of a
    step taken too long are what overflow)."""

    def __init__(self, field, W: list[SeriesMatrix], order: int) -> None:
        jet = field._limb_jet
        if jet is None or jet.K != order:
            jet = field._limb_jet = LimbJet(field, order)
        else:
            jet.reset()
        self.field, self.W, self.limbs = field, W, jet

    def forward(self, k: int) -> None:
        nl = self.limbs.nl
        for Wl, lj in zip(self.W, self.limbs.W, strict=True):
            while len(lj) < len(Wl):
                lj.append(lb.from_ints(Wl.coeffs[len(lj)], nl).reshape(Wl.rows, Wl.cols, nl))
        self.limbs.forward(k)

    def gradient(self, k: int) -> list[list[int]]:
        grads = self.limbs.gradient(k)
        flat = lb.to_ints(np.concatenate([g.reshape(-1, g.shape[-1]) for g in grads]))
        out, start = [], 0
        for g in grads:
            size = g.shape[0] * g.shape[1]
            out.append(flat[start : start + size])
            start += size
        return out

    @property
    def z(self) -> list[SeriesMatrix]:
        """The pre-activation series as Python integers (for event location)."""
        out = []
        for zl in self.limbs.z:
            s = SeriesMatrix(zl.rows, zl.cols)
            for c in zl.coeffs:
                s.append(lb.to_ints(c))
            out.append(s)
        return out
