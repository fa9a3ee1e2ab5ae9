"""Batched forward and backward passes: per-layer AGOPs, Jacobian means and FACT sums, with bounds.

For the sub-network from layer l on, g_l(h) = W_L σ(⋯ σ(W_l h + b_l) ⋯) + b_L, the Jacobian at
sample i is B_{l,i} = W_L D_{L−1,i} W_{L−1} ⋯ D_{l,i} W_l (k × h_{l−1}), D = diag σ′(z). One
backward sweep per batch gives every B_l as k vector–Jacobian products through the layer
structure (never a dense n × k × d tensor): B_l = (B_{l+1} ∘ σ′(z_l)) W_l. Then
G_l = (1/n) Σ_i B_{l,i}ᵀ B_{l,i}, the mean Jacobian (for the centered AGOP) and, with targets,
the FACT sums Σ_i (B_{l,i}ᵀ r_i) h_{l−1,i}ᵀ are accumulated.

Beside the float64 values, the pass carries rigorous bounds (see :mod:`.bounds` and
:mod:`.propagate`): a radius on every pre-activation (so the sign of a ReLU input is known, or
counted as uncertain) and a per-sample Frobenius bound on the error of every Jacobian, with the
uncertain units followed explicitly, for piecewise-linear activations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .bounds import TINY, fro_up, gamma, inflate, sample_norms_up, sqrt_up, sum_up, sumsq_bounds, up
from .exact_signs import RESOLVE, ExactNet
from .model import Network
from .propagate import FOLLOW, Forward, Probes, post_radius, step_error

__all__ = ["LayerSums", "run_passes", "CERTIFIABLE", "check_size"]

CERTIFIABLE = ("linear", "relu", "leaky_relu")


@dataclass
class LayerSums:
    """What the passes accumulate for one layer l (all sums over the n samples)."""

    S: np.ndarray  # Σ_i B_iᵀ B_i (h_{l-1} x h_{l-1})
    Jsum: np.ndarray  # Σ_i B_i (k x h_{l-1})
    fact: np.ndarray | None  # Σ_i (B_iᵀ r_i) h_{l-1,i}ᵀ, or None without targets
    jac_err2: Fraction = Fraction(0)  # bound on Σ_i ‖B_i − B̂_i‖_F²
    jac_err2_clean: Fraction = Fraction(0)  # the same over samples free of uncertain signs
    # over the other samples: a bound on Σ_i ‖B_iᵀB_i − B̂_iᵀB̂_i‖_F, by e_i(2‖B̂_i‖_F + e_i)
    gram_err_touched: Fraction = Fraction(0)
    jac_sumsq: Fraction = Fraction(0)  # bound on Σ_i ‖B̂_i‖_F²
    uncertain: int = 0  # pre-activations z_l (over all samples) whose sign is not certain
    resolved: int = 0  # of those, decided by exact arithmetic (then no longer uncertain)
    corrected: int = 0  # of those, where the float64 gate had the wrong sign (set to the exact one)
    followed: int = 0  # of those, followed explicitly through the backward pass
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


#: :mod:`nfacheck.limits` work units per float64 operation of large BLAS products (measured:
#: about 1e11 of them per second on one core, and a unit is 40-200 ns)
UNITS_PER_FLOP = 1e-4


def check_size(net: Network, n: int, batch_size: int, layers: int, certify: bool) -> None:
    """Refuse, before any pass, an inspect whose work or batch memory would not fit.

    Per sample the backward sweep multiplies the k × h_l stacked Jacobians by every W_l and
    accumulates their Gram (2k·h_l·(h_{l+1} + h_l) operations per layer), twice with the
    bounds; each reported layer adds eigendecompositions of its h × h AGOP. A batch holds a
    few b × k × h arrays.
    """
    from ..errors import InputError
    from ..limits import check_memory, check_work

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError("must be a positive integer", "batch_size", batch_size)
    w, k = net.widths, net.widths[-1]
    cert = certify and net.activation in CERTIFIABLE
    flops = n * sum(2 * k * a * (a + b) + 2 * a * b for a, b in zip(w, w[1:], strict=False))
    flops *= 2 if cert else 1
    # symmetric eigendecompositions (LAPACK, far from BLAS speed): about one unit per h^3 for
    # each reported layer's three, half that for each weight's certified spectral bound
    eig = layers * max(w[:-1]) ** 3 + (0.5 * sum(min(a, b) ** 3 for a, b in
                                                zip(w, w[1:], strict=False)) if cert else 0)
    what = f"inspect of the {net.activation} network {w} on {n} samples"
    check_work(flops * UNITS_PER_FLOP + eig + 1000 * (n // batch_size + 1), what)
    b = min(batch_size, n)
    check_memory(6 * 8 * b * k * max(w[:-1]), f"{what}, batches of {b} samples,",
                 "--batch-size")


def run_passes(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray | None = None,
    *,
    batch_size: int = 512,
    certify: bool = True,
    follow: int = FOLLOW,
    resolve: int = RESOLVE,
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
        Samples per batch (memory is O(batch · (k + follow) · width)).
    certify
        Also carry the rigorous error bounds (piecewise-linear activations only).
    follow
        Uncertain ReLU inputs followed explicitly through the backward pass, per sample (see
        :mod:`.propagate`); the others are carried norm-wise. 0: all norm-wise.
    resolve
        Samples (per run) whose uncertain signs are first decided in exact integer arithmetic
        (:mod:`.exact_signs`); 0: none.
    progress
        Called with the number of samples done after each batch.
    """
    W, L = net.weights, len(net.weights)
    n = X.shape[0]
    k = W[-1].shape[0]
    cert = certify and net.activation in CERTIFIABLE
    Wspec_f = [up(sqrt_up(_spec_sq_up(w))) for w in W] if cert else None
    Wfro_f = [up(fro_up(w)) for w in W] if cert else None
    fwd = [Forward.of(w, s) for w, s in zip(W[:-1], Wspec_f, strict=False)] if cert else None
    leaky = net.activation == "leaky_relu"
    dmax = 1.0 if not leaky else max(1.0, abs(net.slope))
    dgap = 0.0 if net.activation == "linear" else abs(1 - net.slope) if leaky else 1.0
    sums = [LayerSums(np.zeros((w.shape[1], w.shape[1])), np.zeros((k, w.shape[1])),
                      np.zeros((w.shape[1], w.shape[1])) if Y is not None else None)
            for w in W]
    # the last layer's Jacobian is W_L itself (exact, the same for every sample)
    res = PassResult(n, sums, cert)
    exact = ExactNet(W, net.biases, net.activation, net.slope)
    budget = resolve
    out_sq = 0.0
    r_sq = 0.0 if Y is not None else None
    for start in range(0, n, batch_size):
        xb = X[start:start + batch_size]
        b = xb.shape[0]
        h, rad, nu = xb, None, None
        posts, derivs, unsure = [h], [], []
        for layer in range(L - 1):
            z = h @ W[layer].T
            if net.biases[layer] is not None:
                z = z + net.biases[layer]
            if cert:
                rz, nz = fwd[layer].radius(h, z, rad, nu)
                unsure.append(np.abs(z) <= rz)
                sums[layer].uncertain += int(np.count_nonzero(unsure[-1]))
            h, d = _act(net, z)
            if cert:
                rad, nu = post_radius(rz, nz, h, net.activation, dmax)
            posts.append(h)
            derivs.append(d)
        if cert and dgap and budget > 0:
            budget -= _resolve(exact, xb, unsure, derivs, sums, budget,
                              net.slope if leaky else 0.0)
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
        err = np.zeros(b)  # per sample, a float bound on the norm-wise part of ‖B_i − B̂_i‖_F
        probes = Probes(b, follow, dgap, leaky) if cert else None
        touched = np.zeros(b, dtype=bool)  # samples with an uncertain sign at or above the layer
        for layer in range(L - 1, -1, -1):
            ls = sums[layer]
            if layer < L - 1:
                d = derivs[layer]
                A = T if d is None else T * d[:, None, :]
                if cert:
                    un = unsure[layer]
                    chosen = probes.choose(T, un)
                    err = step_error(err, T, A, d, un, un & ~chosen, leaky, dgap,
                                     Wspec_f[layer], Wfro_f[layer], W[layer].shape[0])
                    probes.step(d, un, W[layer], Wspec_f[layer], Wfro_f[layer])
                    ls.followed += probes.add(T, chosen, W[layer])
                T = (A.reshape(b * k, -1) @ W[layer]).reshape(b, k, -1)
            T2 = T.reshape(b * k, -1) if layer < L - 1 else None
            if layer < L - 1:
                ls.S += T2.T @ T2
                ls.Jsum += T.sum(axis=0)
                ls.inner += b * k + 1
                if cert:
                    total = (err + probes.error()) * inflate(1)
                    touched |= un.any(axis=1)
                    ls.jac_err2 += sumsq_bounds(total)[1]
                    ls.jac_err2_clean += sumsq_bounds(total[~touched])[1]
                    if touched.any():
                        e = total[touched]
                        beta = sample_norms_up(T[touched])
                        ls.gram_err_touched += sum_up(e * (2 * beta + e) * inflate(3))
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


def _resolve(exact, xb, unsure, derivs, sums, budget: int, low: float) -> int:
    """Decide the uncertain signs of up to ``budget`` samples of the batch exactly: an input
    whose exact z is not 0 is no longer uncertain, and where the float64 gate had the wrong
    sign it is set to the exact one (1, or ``low``: 0 for relu, the slope for leaky_relu).
    Returns the number of samples used."""
    rows = np.flatnonzero(np.any([u.any(axis=1) for u in unsure], axis=0))[:budget]
    if rows.size == 0:
        return 0
    deepest = max(i for i, u in enumerate(unsure) if u[rows].any()) + 1
    for i, sg in enumerate(exact.signs(xb[rows], deepest)):
        decided = (sg != 0) & unsure[i][rows]
        d = derivs[i][rows]
        wrong = decided & ((sg > 0) != (d == 1.0))
        if wrong.any():
            d[wrong] = np.where(sg[wrong] > 0, 1.0, low)
            derivs[i][rows] = d
            sums[i].corrected += int(np.count_nonzero(wrong))
        unsure[i][rows] &= ~decided
        sums[i].resolved += int(np.count_nonzero(decided))
    return int(rows.size)


def _spec_sq_up(w: np.ndarray) -> Fraction:
    """A rigorous upper bound on ‖w‖_2² = ‖wᵀw‖_2 (the smaller Gram of the two)."""
    from .bounds import mirror_upper, sym_spectral_up

    g = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    kk = w.shape[1] if w.shape[0] <= w.shape[1] else w.shape[0]
    return sym_spectral_up(mirror_upper(g)) + gamma(kk) * sumsq_bounds(w)[1] + TINY
