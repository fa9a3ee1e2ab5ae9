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

__all__ = ["NetworkField", "Expansion"]


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
        """
        F, L, w, n = self.F, self.L, self.widths, self.n
        act = self.activation
        flint = self.backend == "flint"
        W = [SeriesMatrix(w[l + 1], w[l], list(weights[l])) for l in range(L)]
        z = [SeriesMatrix(w[l + 1], n) for l in range(L)]
        if act == "linear":
            a = z[:-1]
        else:
            a = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        ds = [None] * (L - 1)
        aux = [None] * (L - 1)
        if act in ("tanh", "sigmoid", "softplus"):
            ds = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        if act == "softplus":
            aux = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        delta = [SeriesMatrix(w[l + 1], n) for l in range(L)]
        g = [SeriesMatrix(w[l + 1], n) for l in range(L - 1)]
        masks = self.masks if self.piecewise else [None] * (L - 1)
        backend = self.backend
        last = order if with_z else order - 1
        for k in range(last + 1):
            # forward
            for l in range(L):
                if l == 0:
                    wk = W[0].coeffs[k]
                    zk = self._flint_x(wk, w[1], False) if flint else self._times_x(wk, w[1])
                else:
                    zk = cauchy_matmul(W[l], a[l - 1], k, backend=backend, frac_bits=F)
                z[l].append([v >> F for v in zk])
                if l < L - 1:
                    activation_next(act, z[l], a[l], ds[l], aux[l], k, F, masks[l])
            if k == order:
                break
            # backward
            dk = z[L - 1].coeffs[k]
            delta[L - 1].append([u - v for u, v in zip(dk, self.Y, strict=True)] if k == 0 else dk)
            for l in range(L - 2, -1, -1):
                gk = cauchy_matmul(
                    W[l + 1], delta[l + 1], k, trans_p=True, backend=backend, frac_bits=F
                )
                g[l].append([v >> F for v in gk])
                if act == "linear":
                    delta[l].append(g[l].coeffs[k])
                elif self.piecewise:
                    delta[l].append(
                        [v * m // d for v, (m, d) in zip(g[l].coeffs[k], masks[l], strict=True)]
                    )
                else:
                    delta[l].append([v >> F for v in elementwise_cauchy(ds[l], g[l], k)])
            # gradient and the next weight coefficient
            for l in range(L):
                if l == 0:
                    dl = delta[0].coeffs[k]
                    gu = self._flint_x(dl, w[1], True) if flint else self._times_xt(dl, w[1])
                else:
                    gu = cauchy_matmul(
                        delta[l], a[l - 1], k, trans_q=True, backend=backend, frac_bits=F
                    )
                wk = W[l].coeffs[k]
                lam, sh, kk = self.lam, 2 * F, k + 1
                W[l].append(
                    [-((h0 * (u // n + lam * v)) >> sh) // kk for u, v in zip(gu, wk, strict=True)]
                )
        return Expansion(W=W, z=z[:-1], h0=h0)

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
