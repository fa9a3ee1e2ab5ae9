"""Exact references for the inspect tests: the NFA defect of a stored net in rational arithmetic.

Every float weight and input is an exact binary rational; the pre-activations, ReLU signs,
Jacobians, AGOP G_l and M_l = W_lᵀW_l are computed with ``Fraction`` (exact), and only
‖[M, G]‖_F/(2‖G‖_2‖M‖_F) is evaluated at the end, in mpmath at 40 digits. At an exact kink
z = 0 the derivative σ′(0) is a convention: ``kink=0`` takes the lower gate (0 for relu, the
slope for leaky_relu; PyTorch's choice), ``kink=1`` the upper one (1).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from mpmath import mp


def _q(a) -> list:
    return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(a)]


def _dot(row, x):
    return sum((a * b for a, b in zip(row, x, strict=True)), Fraction(0))


def _act(p: Fraction, activation: str, s: Fraction, kink: int):
    """(σ(p), σ′(p)) exactly; σ′(0) is the lower gate, or 1 with ``kink=1``."""
    if activation == "linear":
        return p, Fraction(1)
    if p > 0:
        return p, Fraction(1)
    return s * p, Fraction(1) if (p == 0 and kink) else s


def _slope(activation: str, slope: float) -> Fraction:
    return Fraction(float(slope)) if activation == "leaky_relu" else Fraction(0)


def preactivations(W, X, activation: str = "relu", slope: float = 0.01, biases=None) -> list:
    """Exact z_l for every hidden layer l and every sample: ``[layer][sample][unit]``."""
    s = _slope(activation, slope)
    out = []
    h = _q(X)
    biases = biases or [None] * len(W)
    for w, b in zip([_q(w) for w in W][:-1], biases, strict=False):
        bq = [Fraction(0)] * len(w) if b is None else _q(b)[0]
        z = [[_dot(row, x) + c for row, c in zip(w, bq, strict=True)] for x in h]
        out.append(z)
        h = [[_act(v, activation, s, 0)[0] for v in x] for x in z]
    return out


def exact_defect(W, X, layer: int, activation: str = "relu", slope: float = 0.01,
                 kink: int = 0):
    """‖[M,G]‖_F/(2‖G‖_2‖M‖_F) of layer ``layer`` (1-based) of the exact stored values.

    ``X`` is n × d (samples as rows); ``activation`` relu, leaky_relu or linear.
    """
    Wq = [_q(w) for w in W]
    s = _slope(activation, slope)

    def act(p):
        return _act(p, activation, s, kink)

    h = _q(X)
    for w in Wq[:layer - 1]:
        h = [[act(_dot(row, x))[0] for row in w] for x in h]
    d = len(Wq[layer - 1][0])
    G = [[Fraction(0)] * d for _ in range(d)]
    for x in h:
        z, gates = x, []
        for w in Wq[layer - 1:-1]:
            pairs = [act(_dot(row, z)) for row in w]
            gates.append([g for _, g in pairs])
            z = [v for v, _ in pairs]
        J = [row[:] for row in Wq[-1]]
        for w, dd in zip(reversed(Wq[layer - 1:-1]), reversed(gates), strict=True):
            J = [[sum((r[j] * dd[j] * w[j][c] for j in range(len(dd))), Fraction(0))
                  for c in range(len(w[0]))] for r in J]
        for i in range(d):
            for j in range(i, d):
                G[i][j] += sum((J[k][i] * J[k][j] for k in range(len(J))), Fraction(0))
    G = [[G[min(i, j)][max(i, j)] / len(h) for j in range(d)] for i in range(d)]
    w = Wq[layer - 1]
    M = [[sum((w[r][i] * w[r][j] for r in range(len(w))), Fraction(0)) for j in range(d)]
         for i in range(d)]
    MG = [[sum((M[i][t] * G[t][j] for t in range(d)), Fraction(0)) for j in range(d)]
          for i in range(d)]
    comm2 = sum((MG[i][j] - MG[j][i]) ** 2 for i in range(d) for j in range(d))
    m2 = sum(v * v for row in M for v in row)
    with mp.workdps(40):
        lam = mp.eigsy(mp.matrix([[mp.mpf(v.numerator) / v.denominator for v in row]
                                  for row in G]))[0]
        g2 = max(abs(e) for e in lam)
        if g2 == 0:
            return mp.mpf(0)
        return mp.sqrt(mp.mpf(comm2.numerator) / comm2.denominator) / (
            2 * g2 * mp.sqrt(mp.mpf(m2.numerator) / m2.denominator))


def near_kink(W, X, m: int, seed: int = 0, layers=None) -> np.ndarray:
    """``X`` with its first m rows replaced by points where a hidden unit's input is 0 to float64
    resolution: on the segment between two samples whose pre-activations of one unit (of one of
    ``layers``, 0-based hidden layers, default the deeper half) have opposite signs, bisected
    in float64 until the two ends are adjacent."""
    Ws = [np.asarray(w, dtype=np.float64) for w in W]
    rng = np.random.default_rng(seed)
    L = len(Ws)
    layers = list(layers) if layers is not None else list(range(max(0, (L - 1) // 2), L - 1))

    def pre(x, layer):
        h = x
        for w in Ws[:layer]:
            h = np.maximum(w @ h, 0.0)
        return Ws[layer] @ h

    X = np.array(X, dtype=np.float64)
    src = X.copy()
    done = 0
    for _ in range(100 * max(m, 1)):
        if done == m:
            break
        layer = layers[rng.integers(len(layers))]
        a, b = rng.choice(src.shape[0], 2, replace=False)
        units = np.flatnonzero((pre(src[a], layer) > 0) & (pre(src[b], layer) < 0))
        if units.size == 0:
            continue
        u = units[rng.integers(units.size)]
        lo, hi = 0.0, 1.0
        for _ in range(200):
            t = 0.5 * (lo + hi)
            if t in (lo, hi):
                break
            if pre((1 - t) * src[a] + t * src[b], layer)[u] > 0:
                lo = t
            else:
                hi = t
        X[done] = (1 - lo) * src[a] + lo * src[b]
        done += 1
    if done < m:
        raise ValueError(f"found only {done} of {m} sign changes")
    return X
