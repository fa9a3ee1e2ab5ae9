"""Per-layer numbers: the peers' cosine and Pearson correlations beside nfacheck's residuals.

The float64 residual, ``alpha_fit`` and clamping come from :mod:`nfacheck.experiments.metrics64`
(one eigendecomposition of G per pair, shared through its ``Fitter``).
"""

from __future__ import annotations

import math

import numpy as np

from ..experiments.metrics64 import Fitter, alpha_fit, correlation, residual_at

__all__ = ["pearson", "pair_metrics", "fact_residual", "ALPHA_GRID"]

ALPHA_GRID = np.linspace(0.0, 2.0, 81)


def pearson(A: np.ndarray, B: np.ndarray) -> float:
    """Pearson correlation of the flattened entries (both matrices mean-subtracted)."""
    a = A.ravel() - A.mean()
    b = B.ravel() - B.mean()
    den = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / den if den > 0 else math.nan


def pair_metrics(M: np.ndarray, G: np.ndarray, alpha_theory: float, curve: bool = False,
                 eig=None) -> dict:
    """Every number comparing one feature matrix M with one AGOP G.

    Returns
    -------
    dict
        ``cosine`` (⟨M,G⟩_F/(‖M‖_F‖G‖_F), the deep-NFA ``correlate``), ``cosine_sqrt`` (with
        G^{1/2}), ``pearson_sqrt`` (Pearson with G^{1/2}), ``pearson``; ``residual_theory`` and
        ``c_theory`` at α = 1/(L−l+1), ``residual_half`` at α = 1/2 (best c, and the c = 1
        values), ``alpha_fit`` with its residual, ``commutator_bound`` (float64 estimate),
        ``clamped`` and ``rank`` of G, and with ``curve`` the residual on ``ALPHA_GRID``.
        ``eig`` is ``np.linalg.eigh(G)`` if the caller has it (one eigendecomposition per G).
    """
    f = Fitter(M, G, eig=eig)
    root = f.power(0.5)
    th = residual_at(M, G, alpha_theory, fitter=f)
    half = residual_at(M, G, 0.5, fitter=f)
    af, afr = alpha_fit(M, G, fitter=f)
    out = {
        "cosine": correlation(M, G),
        "cosine_sqrt": correlation(M, root),
        "pearson_sqrt": pearson(M, root),
        "pearson": pearson(M, G),
        "alpha_theory": alpha_theory,
        "residual_theory": th["nfa_residual"],
        "c_theory": th["c"],
        "residual_theory_c1": th["nfa_residual_c1"],
        "residual_half": half["nfa_residual"],
        "c_half": half["c"],
        "residual_half_c1": half["nfa_residual_c1"],
        "alpha_fit": af,
        "alpha_fit_residual": afr,
        "commutator_bound": _commutator_bound(M, G, eig[0] if eig is not None else f.w),
        "clamped": th["clamped"],
        "rank": th["rank"],
    }
    if curve:
        out["residual_curve"] = [f(float(a))[0] for a in ALPHA_GRID]
    return out


def _commutator_bound(M, G, w) -> float:
    """‖MG − GM‖_F/(2‖G‖_2‖M‖_F) (as metrics64.commutator_bound, ‖G‖_2 from the eigenvalues)."""
    P = M @ G
    den = 2.0 * float(np.max(np.abs(w))) * float(np.linalg.norm(M))
    return float(np.linalg.norm(P - P.T)) / den if den > 0 else math.nan


def fact_residual(W: np.ndarray, fact_sum: np.ndarray, n: int, weight_decay: float) -> dict:
    """FACT: at a stationary point of ℒ = (1/2n)Σ‖f − y‖² + (λ/2)Σ‖W‖_F²,
    WᵀW = −(1/(nλ)) Σ_i ∇_{h}ℓ_i h_iᵀ. Returns ‖WᵀW − F‖_F/‖WᵀW‖_F and the cosine of the two."""
    M = W.T @ W
    F = -fact_sum / (n * weight_decay)
    nm = float(np.linalg.norm(M))
    return {
        "fact_residual": float(np.linalg.norm(M - F)) / nm if nm > 0 else math.nan,
        "fact_cosine": correlation(M, F),
    }
