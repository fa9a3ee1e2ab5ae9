"""The certified lower bound on the NFA defect of one layer, over the exact stored values.

For symmetric M, PSD G and every c, α: ‖M − cG^α‖_F ≥ ‖[M, G]‖_F / (2‖G‖_2) (G^α commutes with
G, and ‖[A, G]‖_F ≤ 2‖A‖_F‖G‖_2). We bound ‖[M, G]‖_F/(2‖G‖_2‖M‖_F) from below for the exact
M = WᵀW (or (W − W⁰)ᵀ(W − W⁰)) and the exact AGOP G of the stored weights and data, from the
float64 values M̂, Ĝ and rigorous Frobenius bounds e_M ≥ ‖M − M̂‖_F, e_G ≥ ‖G − Ĝ‖_F:
[M, G] − [M̂, Ĝ] = [M − M̂, G] + [M̂, G − Ĝ], so ‖[M, G]‖_F ≥ ‖[M̂, Ĝ]‖_F − 2e_M‖G‖_2 − 2‖M̂‖_2 e_G.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .bounds import (
    TINY,
    U,
    fro_lo,
    fro_up,
    gamma,
    mirror_upper,
    round_down,
    sqrt_up,
    sumsq_bounds,
    sym_spectral_up,
)
from .passes import LayerSums

__all__ = ["Enclosure", "gram_enclosure", "agop_enclosure", "agop_mid", "certified_defect"]


@dataclass
class Enclosure:
    """A float64 symmetric matrix ``mid`` and a rigorous bound ``err`` ≥ ‖exact − mid‖_F."""

    mid: np.ndarray
    err: Fraction
    spectral: Fraction | None = None  # an upper bound on ‖mid‖_2, if known


def gram_enclosure(W: np.ndarray, W0: np.ndarray | None = None) -> Enclosure:
    """WᵀW, or (W − W⁰)ᵀ(W − W⁰), of the exact stored values."""
    if W0 is None:
        D, eD = W, Fraction(0)
    else:
        D = W - W0
        eD = U * fro_up(D) / (1 - U)  # each difference rounds by u relative
    M = mirror_upper(D.T @ D)
    dsq = sumsq_bounds(D)[1]
    dfro = sqrt_up(dsq)
    err = eD * (2 * dfro + eD) + gamma(D.shape[0]) * dsq + TINY
    return Enclosure(M, err)


def agop_enclosure(sums: LayerSums, n: int, eig=None) -> Enclosure:
    """The AGOP G_l = (1/n) Σ_i B_iᵀB_i of the exact network, from the passes' sums and bounds.

    ``eig`` is ``np.linalg.eigh`` of the float64 AGOP (:func:`agop_mid`), if already computed.
    """
    G = agop_mid(sums, n)
    if sums.is_mean:  # the last layer: G = W_LᵀW_L, computed once
        return Enclosure(G, gamma(sums.inner) * sums.jac_sumsq + TINY, sym_spectral_up(G, eig))
    round_S = gamma(sums.inner) * sums.jac_sumsq + TINY  # ‖T̂ᵀT̂ − Ŝ‖_F
    eps = sqrt_up(sums.jac_err2)  # ‖T − T̂‖_F, stacked over samples
    g_fro = fro_up(G)
    g2 = sym_spectral_up(G, eig)
    t2 = n * (g2 + 2 * U * g_fro) + round_S  # ≥ ‖T̂‖_2² = ‖T̂ᵀT̂‖_2
    root = 2 * sqrt_up(t2)
    prop = eps * (root + eps)  # ‖TᵀT − T̂ᵀT̂‖_F
    # or: the samples free of uncertain signs stacked, the others one by one (TᵀT is their sum)
    clean = sqrt_up(sums.jac_err2_clean)
    prop = min(prop, clean * (root + clean) + sums.gram_err_touched)
    err = (prop + round_S) / n + 2 * U * g_fro + TINY
    return Enclosure(G, err, g2)


def agop_mid(sums: LayerSums, n: int) -> np.ndarray:
    """The float64 AGOP (exactly symmetric) from the passes' sums."""
    S = mirror_upper(sums.S)
    return S if sums.is_mean else S / n


def certified_defect(M: Enclosure, G: Enclosure) -> dict:
    """A rigorous lower bound on ‖[M, G]‖_F / (2‖G‖_2‖M‖_F) for the exact M and G.

    Returns
    -------
    dict
        ``defect_lower`` (a float rounded down; 0 when nothing can be certified), ``exact`` (the
        Fraction), and the bounds used: ``gram_error``, ``agop_error`` (Frobenius),
        ``agop_norm_upper`` (‖G‖_2).
    """
    d = M.mid.shape[0]
    P = M.mid @ G.mid
    C = P - P.T
    m_fro = fro_up(M.mid)
    g_fro = fro_up(G.mid)
    errP = gamma(d) * m_fro * g_fro + TINY
    g2 = (G.spectral if G.spectral is not None else sym_spectral_up(G.mid)) + G.err
    comm = fro_lo(C) * (1 - 2 * U) - 2 * errP - 2 * M.err * g2 - 2 * m_fro * G.err
    den = 2 * g2 * (m_fro + M.err)
    q = max(Fraction(0), comm) / den if den > 0 else Fraction(0)
    return {
        "defect_lower": round_down(q),
        "exact": q,
        "gram_error": float(M.err),
        "agop_error": float(G.err),
        "agop_norm_upper": float(g2),
    }
