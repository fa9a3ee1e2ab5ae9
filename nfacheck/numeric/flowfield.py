"""The gradient-flow vector field of a network, expanded in Taylor series (fixed point).

For W(t0 + h0 s) the coefficients in s follow from ``(k+1) W[k+1] = -h0 * dL/dW [k]``; the forward
pass (z_l = W_l a_{l-1}, a_l = sigma(z_l)), the backward pass (delta_L = f - Y,
delta_l = sigma'(z_l) * W_{l+1}^T delta_{l+1}) and the gradient (delta_l a_{l-1}^T / n + lambda W_l)
are all carried out on truncated power series, one order at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from operator import mul

from .taylor import SeriesMatrix, activation_next, cauchy_matmul, elementwise_cauchy, to_fixed

__all__ = ["NetworkField", "Expansion", "Jet"]


@dataclass
class Expansion:
    """Taylor coefficients in s of one step: weights ``W[l].coeffs[k]`` (k = 0..order) and,
    when requested, the hidden pre-activations ``z[l]`` (l = 0..L-2, k = 0..order)."""

    W: list[SeriesMatrix]
    z: list[SeriesMatrix]
    h0: int


class NetworkField:
    """Gradient flow of ``(1/2n) sum |f(x_i) - y_i|^2 + (lambda/2) sum |W_l|_F^2``, fixed point.

    Parameters
    ----------
    widths, activation, activation_params, X, Y, weight_decay
        As in :class:`nfacheck.problem.Problem` (exact rationals).
    frac_bits
        F: every number is an integer multiple of 2**-F.
    backend
        ``"python"`` (pure Python integers) or ``"flint"`` (python-flint ``fmpz_mat`` products).
    """

    def __init__(
        self,
        widths,
        activation: str,
        activation_params: dict,
        X,
        Y,
        weight_decay: Fraction,
        frac_bits: int,
        backend: str = "python",
    ) -> None:
        self.widths = tuple(widths)
        self.L = len(widths) - 1
        self.activation = activation
        self.activation_params = dict(activation_params)
        self.weight_decay = Fraction(weight_decay)
        self.F = F = frac_bits
        self.backend = backend
        self.n = len(X[0])
        self.X = SeriesMatrix(len(X), self.n, [to_fixed(x, F) for row in X for x in row])
        self.Y = [to_fixed(y, F) for row in Y for y in row]
        self.lam = to_fixed(Fraction(weight_decay), F)
        slope = Fraction(activation_params.get("slope", Fraction(1, 100)))
        self.neg_mult = (0, 1) if activation == "relu" else (slope.numerator, slope.denominator)
        self.piecewise = activation in ("relu", "leaky_relu")
        # per hidden layer, per entry: (num, den) slope of the current sign pattern (relu only)
        self.masks: list[list[tuple[int, int]]] | None = None
        self._xcols = [self.X.coeffs[0][j :: self.n] for j in range(self.n)]
        self._xrows = [self.X.coeffs[0][i * self.n : (i + 1) * self.n] for i in range(len(X))]
        self.pool = None  # a parallel.SamplePool splitting the samples across processes
        self._limb_jet = None  # the numpy backend's buffers (limbjet.LimbJet), made on first use

    # -- sign patterns ---------------------------------------------------------------
    def set_masks_from(self, sides: list[list[int]]) -> None:
        """Set the relu/leaky_relu pattern from sides (+1 / -1 per hidden pre-activation)."""
        self.masks = [[(1, 1) if s > 0 else self.neg_mult for s in layer] for layer in sides]

    # -- products with the constant input --------------------------------------------
    def _times_x(self, flat: list[int], rows: int) -> list[int]:
        """``P @ X`` for a flat ``rows x d`` matrix P, unscaled."""
        d = self.widths[0]
        cols = self._xcols
        return [sum(map(mul, flat[i * d : (i + 1) * d], c)) for i in range(rows) for c in cols]

    def _times_xt(self, flat: list[int], rows: int) -> list[int]:
        """``P @ X^T`` for a flat ``rows x n`` matrix P, unscaled."""
        n = self.n
        return [
            sum(map(mul, flat[i * n : (i + 1) * n], xr)) for i in range(rows) for xr in self._xrows
        ]

    def _flint_x(self, flat: list[int], rows: int, transpose: bool) -> list[int]:
        import flint

        if transpose:
            p = flint.fmpz_mat(rows, self.n, flat)
            return [int(v) for v in (p * self.X.flint(0, True)).entries()]
        p = flint.fmpz_mat(rows, self.widths[0], flat)
        return [int(v) for v in (p * self.X.flint(0)).entries()]

    # -- the expansion ---------------------------------------------------------------
    def weight_series(self, weights: list[list[int]]) -> list[SeriesMatrix]:
        """One :class:`SeriesMatrix` per layer, holding coefficient 0 = ``weights[l]``."""
        w = self.widths
        return [SeriesMatrix(w[l + 1], w[l], list(weights[l])) for l in range(self.L)]

    def jet(self, W: list[SeriesMatrix], order: int):
        """The forward/backward series of this field's samples, driven by the weights ``W``, for
        expansions up to ``order`` (a :class:`Jet`, or on the numpy backend an
        :class:`~nfacheck.numeric.limbjet.IntJet` with the same interface)."""
        if self.backend == "numpy":
            from .limbjet import IntJet

            return IntJet(self, W, order)
        return Jet(self, W)

    def append_next(self, W: list[SeriesMatrix], grads: list[list[int]], k: int, h0: int) -> None:
        """Append ``W[l][k+1] = -h0 (grads[l] / n + lambda W[l][k]) / (k+1)`` to every layer.

        ``grads[l]`` is the unscaled (2**-2F) sum over all samples of delta_l a_{l-1}^T at
        order k (:meth:`Jet.gradient`, summed over sample blocks)."""
        n, lam, sh, kk = self.n, self.lam, 2 * self.F, k + 1
        for Wl, gu in zip(W, grads, strict=True):
            wk = Wl.coeffs[k]
            Wl.append(
                [-((h0 * (u // n + lam * v)) >> sh) // kk for u, v in zip(gu, wk, strict=True)]
            )

    def expand(self, weights: list[list[int]], order: int, h0: int, with_z: bool = False):
        """Taylor coefficients 0..order of W(t0 + h0 s) starting from ``weights`` at s = 0.

        Parameters
        ----------
        weights
            Fixed-point flat ``W_1 ... W_L``.
        order
            K: coefficients 0..K of every W_l are computed.
        h0
            Time scale (fixed point): t = t0 + h0 s.
        with_z
            Also return the hidden pre-activations to order K (for event location).

        Returns
        -------
        Expansion

        Notes
        -----
        With a :class:`~nfacheck.numeric.parallel.SamplePool` attached as ``self.pool`` (and
        ``with_z`` false) the samples are split across processes; otherwise serial.
        """
        if self.pool is not None and not with_z:
            return self.pool.expand(self, weights, order, h0)
        W = self.weight_series(weights)
        jet = self.jet(W, order)
        for k in range(order + 1 if with_z else order):
            jet.forward(k)
            if k == order:
                break
            self.append_next(W, jet.gradient(k), k, h0)
        return Expansion(W=W, z=jet.z[:-1] if with_z else [], h0=h0)

    # -- order-0 quantities ------------------------------------------------------------
    def losses(self, weights: list[list[int]]) -> tuple[Fraction, Fraction]:
        """(data loss, full loss with the lambda term) as exact rationals of the fixed-point
        values: ``sum (f - y)^2 / (2n)`` and ``+ (lambda/2) sum |W|^2``."""
        F = self.F
        zl = self.output(weights)
        data = sum((u - v) ** 2 for u, v in zip(zl, self.Y, strict=True))
        data_loss = Fraction(data, 2 * self.n << (2 * F))
        reg = sum(v * v for wl in weights for v in wl)
        return data_loss, data_loss + Fraction(self.lam * reg, 2 << (3 * F))

    def output(self, weights: list[list[int]]) -> list[int]:
        """Fixed-point network output f(X) (k x n, flat)."""
        F, L = self.F, self.L
        cur = self.X
        w = self.widths
        for l in range(L):
            W = SeriesMatrix(w[l + 1], w[l], list(weights[l]))
            if l == 0:
                zk = self._times_x(W.coeffs[0], w[1])
            else:
                zk = cauchy_matmul(W, cur, 0)
            z = SeriesMatrix(w[l + 1], self.n, [v >> F for v in zk])
            if l == L - 1:
                return z.coeffs[0]
            if self.activation == "linear":
                cur = z
                continue
            a = SeriesMatrix(w[l + 1], self.n)
            ds = SeriesMatrix(w[l + 1], self.n)
            aux = SeriesMatrix(w[l + 1], self.n)
            masks = None
            if self.piecewise:  # the actual sign pattern of z, not the integrator's
                masks = [(1, 1) if v > 0 else self.neg_mult for v in z.coeffs[0]]
            activation_next(self.activation, z, a, ds, aux, 0, F, masks)
            cur = a
        raise AssertionError("unreachable")  # pragma: no cover


class Jet:
    """Taylor series of the forward and backward passes for the samples of one field.

    Driven one order at a time by the weight series ``W`` (which must hold coefficient k before
    :meth:`forward` ``(k)``): :meth:`forward` appends z_l[k], a_l[k], sigma'(z_l)[k];
    :meth:`gradient` appends delta_l[k] and returns the per-layer sums over the samples of
    ``delta_l a_{l-1}^T`` at order k, unscaled. The samples are the columns of every series,
    so a block of samples has a jet of its own and the gradients of blocks add up.
    """

    def __init__(self, field: NetworkField, W: list[SeriesMatrix]) -> None:
        L, w, n, act = field.L, field.widths, field.n, field.activation
        self.field, self.W = field, W
        self.z = [SeriesMatrix(w[l + 1], n) for l in range(L)]
        self.a = (
            self.z[:-1] if act == "linear" else [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        )
        self.ds: list = [None] * (L - 1)
        self.aux: list = [None] * (L - 1)
        if act in ("tanh", "sigmoid", "softplus"):
            self.ds = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        if act == "softplus":
            self.aux = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        self.delta = [SeriesMatrix(w[l + 1], n) for l in range(L)]
        self.g = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        self.masks = field.masks if field.piecewise else [None] * (L - 1)

    def forward(self, k: int) -> None:
        """Append order k of the pre-activations and activations (W must hold 0..k)."""
        f = self.field
        F, L, w, act, backend = f.F, f.L, f.widths, f.activation, f.backend
        z, a, W = self.z, self.a, self.W
        for l in range(L):
            if l == 0:
                wk = W[0].coeffs[k]
                zk = f._flint_x(wk, w[1], False) if backend == "flint" else f._times_x(wk, w[1])
            else:
                zk = cauchy_matmul(W[l], a[l - 1], k, backend=backend, frac_bits=F)
            z[l].append([v >> F for v in zk])
            if l < L - 1:
                activation_next(act, z[l], a[l], self.ds[l], self.aux[l], k, F, self.masks[l])

    def gradient(self, k: int) -> list[list[int]]:
        """Append order k of the backward pass; return ``delta_l a_{l-1}^T`` at order k per
        layer, summed over the samples, unscaled (2**-2F)."""
        f = self.field
        F, L, w, act, backend = f.F, f.L, f.widths, f.activation, f.backend
        z, a, W, g, delta = self.z, self.a, self.W, self.g, self.delta
        dk = z[L - 1].coeffs[k]
        delta[L - 1].append([u - v for u, v in zip(dk, f.Y, strict=True)] if k == 0 else dk)
        for l in range(L - 2, -1, -1):
            gk = cauchy_matmul(
                W[l + 1], delta[l + 1], k, trans_p=True, backend=backend, frac_bits=F
            )
            g[l].append([v >> F for v in gk])
            if act == "linear":
                delta[l].append(g[l].coeffs[k])
            elif f.piecewise:
                masks = self.masks[l]
                delta[l].append(
                    [v * m // d for v, (m, d) in zip(g[l].coeffs[k], masks, strict=True)]
                )
            else:
                delta[l].append([v >> F for v in elementwise_cauchy(self.ds[l], g[l], k)])
        grads = []
        for l in range(L):
            if l == 0:
                dl = delta[0].coeffs[k]
                gu = f._flint_x(dl, w[1], True) if backend == "flint" else f._times_xt(dl, w[1])
            else:
                gu = cauchy_matmul(
                    delta[l], a[l - 1], k, trans_q=True, backend=backend, frac_bits=F
                )
            grads.append(gu)
        return grads
