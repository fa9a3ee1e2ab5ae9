"""Rigorous error propagation through the passes: forward radii, backward Jacobian errors.

Forward (per sample, per layer): ẑ = fl(W ĥ) errs from the exact z = W h by the rounding of this
product (entrywise at most γ|W||ĥ|) plus W(h − ĥ). The propagated part is bounded entrywise by
min(|W| r, ‖W_u‖ ν) with r ≥ |h − ĥ| entrywise and ν ≥ ‖h − ĥ‖_2 (a per-sample norm bound
that grows by ‖W‖_2 per layer, not by the row sums of |W| as the entrywise radius does), and
ν itself by min(‖r_z‖_2, ‖W‖_2 ν + ‖rounding‖_2). A ReLU input with |ẑ| ≤ r_z has an
uncertain sign.

Backward (per sample): B_l = (B_{l+1} ∘ d_l) W_l, computed B̂_l with the float gates d̂_l. With
the exact gates d_l, B_l − B̂_l = ((B_{l+1} − B̂_{l+1}) ∘ d_l) W_l + (B̂_{l+1} ∘ (d_l − d̂_l)) W_l
+ (rounding). The middle term is nonzero only at uncertain units u, where it is the rank-one
δ_u · B̂_{l+1}[:, u] ⊗ W_l[u, :], |δ_u| ≤ |1 − slope|. Pushed through the lower layers (the map
is linear in the row) it stays rank one: δ_u · B̂_{l+1}[:, u] ⊗ p_u with p_u ← (p_u ∘ d_j) W_j.
Such a unit is *followed*: p̂_u is computed in float64 beside the Jacobians, with its own bound
on ‖p_u − p̂_u‖ (the same recursion as below, its further uncertain units norm-wise), so its
share of ‖B_l − B̂_l‖_F is |δ_u| ‖B̂_{l+1}[:, u]‖ (‖p̂_u‖ + e_u), which shrinks with the true
Jacobian. Everything else (rounding, units beyond the per-sample budget) is carried norm-wise:
e ← ‖W_l‖_2 (max_j |d_j| e + |δ| ‖B̂_{l+1}[:, U]‖_F) + γ_h ‖Â‖_F ‖W_l‖_F.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bounds import TINY, U, gamma, inflate, sample_norms_up, up

__all__ = ["Forward", "Probes", "post_radius", "step_error", "gate_coefficients",
           "radius_factor", "FOLLOW"]

FOLLOW = 64  # uncertain units followed explicitly per sample (beyond: norm-wise)


def radius_factor(k: int) -> float:
    """A float c with c·fl(x) ≥ the exact value of a k-term nonnegative sum x (and its own
    rounding): 1/((1 − γ_k)(1 − u)^3) < 1 + 4(k + 4)u for ku ≪ 1."""
    return float(1 + 4 * (k + 4) * U)


def _norms_up(a: np.ndarray) -> np.ndarray:
    """Per-row upper bounds on ‖a[i]‖_2 of a (b, h) float64 array."""
    return sample_norms_up(a[:, None, :])


@dataclass
class Forward:
    """Per-layer constants of the forward radius: |W|, rigorous ‖W_u‖ (rows) and ‖W‖_2."""

    Wabs: np.ndarray
    rows: np.ndarray
    spec: float

    @classmethod
    def of(cls, w: np.ndarray, spec: float) -> Forward:
        return cls(np.abs(w), _norms_up(w), spec)

    def radius(self, h, z, rad, nu):
        """Entrywise r_z ≥ |z − ẑ| and per-sample ν_z ≥ ‖z − ẑ‖_2 for ẑ = fl(ĥ Wᵀ (+ b))."""
        kk = self.Wabs.shape[1] + 1
        fac = radius_factor(kk)
        g = float(gamma(kk) * (1 + 4 * U))
        fresh = ((np.abs(h) * g) @ self.Wabs.T + float(U) * np.abs(z)) * fac + float(TINY)
        if nu is None:  # exact input
            return fresh, _norms_up(fresh)
        prop = np.minimum(rad @ self.Wabs.T, nu[:, None] * self.rows[None, :]) * fac
        rz = (fresh + prop) * inflate(2)
        nz = np.minimum(_norms_up(rz), (self.spec * nu + _norms_up(fresh)) * inflate(3))
        return rz, nz


def post_radius(rz, nz, h, activation: str, dmax: float):
    """Radii (entrywise, norm) on the post-activation h = σ(z) from those on z (σ piecewise
    linear: |σ(z) − σ(ẑ)| ≤ max|σ′| |z − ẑ|; leaky's product s·ẑ rounds by u)."""
    if activation != "leaky_relu":
        return rz, nz
    rh = rz * float(dmax) * radius_factor(1) + float(U) * np.abs(h) * 2
    nh = np.minimum(_norms_up(rh), (float(dmax) * nz + _norms_up(float(U) * np.abs(h) * 2))
                    * inflate(4))
    return rh, nh


def step_error(err, T, A, d, unsure, gap_mask, leaky, dgap, wspec, wfro, h):
    """Per-sample bound on ‖B_l − B̂_l‖_F after B_l = (B_{l+1} ∘ σ′(z_l)) W_l (norm-wise).

    (B∘d − B̂∘d̂) = (B − B̂)∘d + B̂∘(d − d̂): the first is at most max_j|d_j|·‖B − B̂‖ per sample
    (max over the units of that sample, ``unsure`` where d is only known to within ``dgap``), the
    second, for the units of ``gap_mask`` (the uncertain units not followed), is at most
    dgap‖B̂[:, gap]‖_F; the product with W_l adds ‖W_l‖_2 times that and its rounding
    γ_h‖Â‖_F‖W_l‖_F. ``T`` is B̂_{l+1} as (b, rows, h_l), ``A`` = B̂_{l+1} ∘ d̂.
    """
    b = T.shape[0]
    if d is None:
        dm = np.ones(b)
    else:
        dm = np.max(np.abs(d) + dgap * unsure, axis=1)
    gap = np.zeros(b)
    if dgap and gap_mask.any():
        gap = dgap * sample_norms_up(T * gap_mask[:, None, :]) * inflate(1)
    a_n = sample_norms_up(A)
    round_a = a_n * float(2 * U) if leaky else 0.0
    g = up(gamma(h))
    new = wspec * (dm * err + gap + round_a) + g * a_n * wfro
    return new * inflate(6) + float(TINY)


def gate_coefficients(T: np.ndarray, rows: np.ndarray, units: np.ndarray, dgap: float):
    """Upper bounds on |δ_u| ‖B̂_{l+1}[:, u]‖ for the followed (sample, unit) pairs."""
    col = T[rows, :, units]  # (m, k)
    return dgap * _norms_up(col) * inflate(1)


class Probes:
    """The followed uncertain units of one batch: rows p̂_u, owner samples, coefficients
    |δ_u|‖B̂_{l+1}[:, u]‖ and bounds e_u ≥ ‖p_u − p̂_u‖, all at the current level."""

    def __init__(self, b: int, budget: int, dgap: float, leaky: bool):
        self.b, self.budget, self.dgap, self.leaky = b, budget, dgap, leaky
        self.count = np.zeros(b, dtype=np.int64)
        self.P = None
        self.owner = np.zeros(0, dtype=np.int64)
        self.coef = np.zeros(0)
        self.perr = np.zeros(0)

    def choose(self, T: np.ndarray, unsure: np.ndarray) -> np.ndarray:
        """The (b, h_l) mask of uncertain units to follow: per sample, those with the largest
        ‖B̂_{l+1}[:, u]‖, within the budget left."""
        mask = np.zeros_like(unsure)
        if not self.dgap or self.budget <= 0:
            return mask
        rows = np.flatnonzero(unsure.any(axis=1) & (self.count < self.budget))
        if rows.size == 0:
            return mask
        sub = unsure[rows]
        score = np.where(sub, np.einsum("bkh,bkh->bh", T[rows], T[rows]), -1.0)
        order = np.argsort(-score, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.broadcast_to(np.arange(sub.shape[1]), sub.shape), 1)
        mask[rows] = sub & (rank < (self.budget - self.count[rows])[:, None])
        return mask

    def step(self, d, unsure, w, wspec, wfro):
        """Push the probes through layer l: p ← (p ∘ d_l) W_l, with its error bound."""
        if self.P is None or self.P.shape[0] == 0:
            return
        dd = None if d is None else d[self.owner]
        A = self.P if dd is None else self.P * dd
        un = unsure[self.owner]
        self.perr = step_error(self.perr, self.P[:, None, :], A[:, None, :], dd, un, un,
                               self.leaky, self.dgap, wspec, wfro, w.shape[0])
        self.P = A @ w

    def add(self, T: np.ndarray, mask: np.ndarray, w: np.ndarray) -> int:
        """Start following the units of ``mask`` (their rows W_l[u, :], exact: e_u = 0)."""
        rows, units = np.nonzero(mask)
        if rows.size == 0:
            return 0
        self.count += np.bincount(rows, minlength=self.b)
        P = w[units]
        self.P = P if self.P is None or self.P.shape[0] == 0 else np.concatenate([self.P, P])
        self.owner = np.concatenate([self.owner, rows])
        self.coef = np.concatenate([self.coef, gate_coefficients(T, rows, units, self.dgap)])
        self.perr = np.concatenate([self.perr, np.zeros(rows.size)])
        return int(rows.size)

    def error(self) -> np.ndarray:
        """Per sample, Σ_u |δ_u|‖B̂_{l+1}[:, u]‖ (‖p̂_u‖ + e_u): their share of ‖B_l − B̂_l‖_F."""
        if self.P is None or self.P.shape[0] == 0:
            return np.zeros(self.b)
        share = self.coef * (_norms_up(self.P) + self.perr)
        return np.bincount(self.owner, share, minlength=self.b) * inflate(self.budget + 4)
