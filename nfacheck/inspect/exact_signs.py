"""Exact signs of pre-activations, by an integer forward pass (python-flint), for a few samples.

Every float64 is m·2^e with an integer m, so a weight matrix, a bias, a data row are integer
arrays times one power of two each; z = W h + b and σ(z) (relu, leaky_relu with its float64
slope, linear) stay integer arrays times a power of two, computed exactly with flint's
``fmpz_mat`` products. The passes call this for the samples with a ReLU input of uncertain
sign: where the exact z is not 0 and has the sign the float64 gate assumed, the gate is exact
and that input is no longer uncertain. An exact 0 (a kink) stays uncertain — the bound holds
for every σ′(0) — and so does a sign the float gate got wrong.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ExactNet", "RESOLVE"]

RESOLVE = 256  # samples per run whose uncertain signs are decided exactly (the rest are followed)


def _ints(a: np.ndarray) -> tuple[list[int], int]:
    """Python ints q (row-major) and an exponent e with a = q·2^e exactly."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    m, ex = np.frexp(a)
    mant = (m * 2.0**53).astype(np.int64)  # |m| in [1/2, 1): m·2^53 is an integer, exactly
    ex = ex.astype(np.int64) - 53
    nz = mant != 0
    if not nz.any():
        return [0] * a.size, 0
    tz = np.zeros_like(mant)
    v = np.abs(mant[nz])
    tz[nz] = np.log2(v & -v).astype(np.int64)  # trailing zero bits (a power of two: exact)
    low = ex + tz
    e0 = int(low[nz].min())
    shift = np.where(nz, ex - e0, 0)
    return [int(q) << int(s) if s >= 0 else int(q) >> int(-s)
            for q, s in zip(mant.ravel().tolist(), shift.ravel().tolist(), strict=True)], e0


class ExactNet:
    """The stored network in exact integer arithmetic (its layers converted on first use)."""

    def __init__(self, weights, biases, activation: str, slope: float):
        self.weights, self.biases = weights, biases
        self.activation = activation
        self.slope = _ints(np.array([slope]))
        self._layers: dict[int, tuple] = {}

    def _layer(self, i: int):
        import flint

        if i not in self._layers:
            w = self.weights[i]
            q, e = _ints(w.T)
            b = self.biases[i]
            self._layers[i] = (flint.fmpz_mat(w.shape[1], w.shape[0], q), e,
                               None if b is None else _ints(b))
        return self._layers[i]

    def signs(self, X: np.ndarray, layers: int) -> list[np.ndarray]:
        """sign(z_l) (−1, 0, 1) of the exact pre-activations of the rows of ``X``, for the first
        ``layers`` layers: a list of (rows × h_l) int8 arrays."""
        import flint

        q, e = _ints(X)
        H = flint.fmpz_mat(X.shape[0], X.shape[1], q)
        out = []
        for i in range(layers):
            Wq, ew, bias = self._layer(i)
            Z = H * Wq
            ez = e + ew
            vals = [int(v) for v in Z.entries()]
            h = Z.ncols()
            if bias is not None:
                bq, eb = bias
                e2 = min(ez, eb)
                vals = [(v << (ez - e2)) + (bq[j % h] << (eb - e2)) for j, v in enumerate(vals)]
                ez = e2
            out.append(np.sign(np.array([(v > 0) - (v < 0) for v in vals], dtype=np.int8))
                       .reshape(Z.nrows(), h))
            vals, e = self._act(vals, ez)
            H = flint.fmpz_mat(Z.nrows(), h, vals)
        return out

    def _act(self, vals: list[int], e: int) -> tuple[list[int], int]:
        if self.activation == "linear":
            return vals, e
        if self.activation == "relu":
            return [v if v > 0 else 0 for v in vals], e
        (sq,), es = self.slope  # leaky: s = sq·2^es
        if es >= 0:
            return [v if v > 0 else (v * sq) << es for v in vals], e
        return [v << -es if v > 0 else v * sq for v in vals], e + es
