"""Batched forward and backward passes: per-layer AGOPs, Jacobian means and FACT sums, with bounds.

For the sub-network from layer l on, g_l(h) = W_L σ(⋯ σ(W_l h + b_l) ⋯) + b_L, the Jacobian at
sample i is B_{l,i} = W_L D_{L−1,i} W_{L−1} ⋯ D_{l,i} W_l (k × h_{l−1}), D = diag σ′(z). One
backward sweep per batch gives every B_l as k vector–Jacobian products through the layer
structure (never a dense n × k × d tensor): B_l = (B_{l+1} ∘ σ′(z_l)) W_l. Then
G_l = (1/n) Σ_i B_{l,i}ᵀ B_{l,i}, the mean Jacobian (for the centered AGOP) and, with targets,
the FACT sums Σ_i (B_{l,i}ᵀ r_i) h_{l−1,i}ᵀ are accumulated.

Beside the float64 values, the pass carries rigorous bounds (see :mod:`.bounds`): an entrywise
radius on every pre-activation (so the sign of a ReLU input is known, or counted as uncertain)
and a Frobenius bound on the error of the stacked Jacobians, for piecewise-linear activations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .bounds import TINY, U, fro_up, gamma, inflate, sample_norms_up, sqrt_up, sumsq_bounds, up
from .model import Network

__all__ = ["LayerSums", "run_passes", "CERTIFIABLE"]

CERTIFIABLE = ("linear", "relu", "leaky_relu")


@dataclass
class LayerSums:
    """What the passes accumulate for one layer l (all sums over the n samples)."""

    S: np.ndarray  # Σ_i B_iᵀ B_i (h_{l-1} x h_{l-1})
    Jsum: np.ndarray  # Σ_i B_i (k x h_{l-1})
    fact: np.ndarray | None  # Σ_i (B_iᵀ r_i) h_{l-1,i}ᵀ, or None without targets
    jac_err2: Fraction = Fraction(0)  # bound on Σ_i ‖B_i − B̂_i‖_F²
    jac_sumsq: Fraction = Fraction(0)  # bound on Σ_i ‖B̂_i‖_F²
    uncertain: int = 0  # pre-activations z_l (over all samples) whose sign is not certain
    inner: int = 0  # number of terms summed into each entry of S
    is_mean: bool = False  # S is already the AGOP (the last layer: W_Lᵀ W_L)


@dataclass
class PassResult:
    n: int
    layers: list[LayerSums]
    certifiable: bool
    outputs_sumsq: float = 0.0
    residual_sumsq: float | None = None
    notes: list[str] = field(default_factory=list)


def _act(net: Network, z: np.ndarray):
    """(σ(z), σ′(z)) in float64, with the PyTorch convention σ′(0) = 0 for relu."""
    a = net.activation
    if a == "linear":
        return z, None
    if a == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(np.float64)
    if a == "leaky_relu":
        s = net.slope
        return np.where(z > 0, z, s * z), np.where(z > 0, 1.0, s)
    if a == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t * t
    if a == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        return s, s * (1.0 - s)
    if a == "softplus":
        return np.logaddexp(0.0, z), 0.5 * (1.0 + np.tanh(0.5 * z))
    raise AssertionError(a)


def _radius_factor(k: int) -> float:
    """A float c with c·fl(x) ≥ the exact value of a k-term nonnegative sum x (and its own
    rounding): 1/((1 − γ_k)(1 − u)^3) < 1 + 4(k + 4)u for ku ≪ 1."""
    return float(1 + 4 * (k + 4) * U)


def run_passes(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray | None = None,
    *,
    batch_size: int = 512,
    certify: bool = True,
    progress: Callable[[int], None] | None = None,
) -> PassResult:
    """Accumulate every layer's AGOP sums over the samples (rows of ``X``, n × d).

    Parameters
    ----------
    net
        The network (weights W_l of shape h_l × h_{l−1}, optional biases).
    X, Y
        Samples as rows (n × d) and optional targets (n × k), float64.
    batch_size
        Samples per batch (memory is O(batch · k · width)).
    certify
        Also carry the rigorous error bounds (piecewise-linear activations only).
    progress
        Called with the number of samples done after each batch.
    """
    W, L = net.weights, len(net.weights)
    n = X.shape[0]
    k = W[-1].shape[0]
    cert = certify and net.activation in CERTIFIABLE
    Wabs = [np.abs(w) for w in W] if cert else None
    Wfro = [fro_up(w) for w in W] if cert else None
    Wspec_f = [up(sqrt_up(_spec_sq_up(w))) for w in W] if cert else None
    Wfro_f = [up(x) for x in Wfro] if cert else None
    dmax = 1.0 if net.activation != "leaky_relu" else max(1.0, abs(net.slope))
    dgap = 0.0 if net.activation == "linear" else abs(1 - net.slope) \
        if net.activation == "leaky_relu" else 1.0
    sums = [LayerSums(np.zeros((w.shape[1], w.shape[1])), np.zeros((k, w.shape[1])),
                      np.zeros((w.shape[1], w.shape[1])) if Y is not None else None)
            for w in W]
    # the last layer's Jacobian is W_L itself (exact, the same for every sample)
    res = PassResult(n, sums, cert)
    out_sq = 0.0
    r_sq = 0.0 if Y is not None else None
    for start in range(0, n, batch_size):
        xb = X[start:start + batch_size]
        b = xb.shape[0]
        h, rad = xb, np.zeros_like(xb) if cert else None
        posts, derivs, unsure = [h], [], []
        for layer in range(L - 1):
            z = h @ W[layer].T
            if net.biases[layer] is not None:
                z = z + net.biases[layer]
            if cert:
                kk = W[layer].shape[1] + 1
                g = float(gamma(kk) * (1 + 4 * U))
                rz = (np.abs(h) * g + rad) @ Wabs[layer].T
                rz = (rz + float(U) * np.abs(z)) * _radius_factor(kk) + float(TINY)
                unsure.append(np.abs(z) <= rz)
                sums[layer].uncertain += int(np.count_nonzero(unsure[-1]))
            h, d = _act(net, z)
            if cert:
                rad = rz if net.activation != "leaky_relu" else \
                    rz * float(dmax) * _radius_factor(1) + float(U) * np.abs(h) * 2
            posts.append(h)
            derivs.append(d)
        out = h @ W[-1].T
        if net.biases[-1] is not None:
            out = out + net.biases[-1]
        out_sq += float(np.sum(out * out))
        R = None
        if Y is not None:
            R = out - Y[start:start + b]
            r_sq += float(np.sum(R * R))
        # backward: T has shape (b, k, h); T_L = W_L for every sample
        T = np.broadcast_to(W[-1], (b, k, W[-1].shape[1]))
        err = np.zeros(b)  # per sample, a float bound on ‖B_i − B̂_i‖_F
        for layer in range(L - 1, -1, -1):
            ls = sums[layer]
            if layer < L - 1:
                d = derivs[layer]
                A = T if d is None else T * d[:, None, :]
                if cert:
                    err = _step_error(err, T, A, d, unsure[layer], net, dgap,
                                      Wspec_f[layer], Wfro_f[layer], W[layer].shape[0])
                T = (A.reshape(b * k, -1) @ W[layer]).reshape(b, k, -1)
            T2 = T.reshape(b * k, -1) if layer < L - 1 else None
            if layer < L - 1:
                ls.S += T2.T @ T2
                ls.Jsum += T.sum(axis=0)
                ls.inner += b * k + 1
                if cert:
                    ls.jac_err2 += sumsq_bounds(err)[1]
                    ls.jac_sumsq += sumsq_bounds(T2)[1]
            if R is not None:
                g = np.einsum("bkh,bk->bh", T, R) if layer < L - 1 else R @ W[-1]
                ls.fact += g.T @ posts[layer]
        if progress is not None:
            progress(b)
    last = sums[-1]
    last.S = W[-1].T @ W[-1]
    last.Jsum = n * W[-1]
    last.inner = W[-1].shape[0]
    last.is_mean = True
    if cert:
        last.jac_sumsq = sumsq_bounds(W[-1])[1]
    res.outputs_sumsq = out_sq
    res.residual_sumsq = r_sq
    return res


def _step_error(err, T, A, d, unsure, net, dgap, wspec, wfro, h):
    """Per-sample bound on ‖B_l − B̂_l‖_F after B_l = (B_{l+1} ∘ σ′(z_l)) W_l.

    (B∘d − B̂∘d̂) = (B − B̂)∘d + B̂∘(d − d̂): the first is at most max_j|d_j|·‖B − B̂‖ per sample
    (max over the units of that sample, so a sample whose units are all certainly off carries no
    error on), the second is nonzero only where the sign of z is uncertain (|d − d̂| ≤ dgap there);
    the product with W_l adds ‖W_l‖_2 times that and its rounding γ_h‖Â‖_F‖W_l‖_F.
    """
    b = T.shape[0]
    if d is None:
        dm = np.ones(b)
    else:
        dm = np.max(np.abs(d) + dgap * unsure, axis=1)
    gap = np.zeros(b)
    if dgap and unsure.any():
        gap = dgap * sample_norms_up(T * unsure[:, None, :]) * inflate(1)
    a_n = sample_norms_up(A)
    round_a = a_n * float(2 * U) if net.activation == "leaky_relu" else 0.0
    g = up(gamma(h))
    new = wspec * (dm * err + gap + round_a) + g * a_n * wfro
    return new * inflate(6) + float(TINY)


def _spec_sq_up(w: np.ndarray) -> Fraction:
    """A rigorous upper bound on ‖w‖_2² = ‖wᵀw‖_2 (the smaller Gram of the two)."""
    from .bounds import mirror_upper, sym_spectral_up

    g = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    kk = w.shape[1] if w.shape[0] <= w.shape[1] else w.shape[0]
    return sym_spectral_up(mirror_upper(g)) + gamma(kk) * sumsq_bounds(w)[1] + TINY
