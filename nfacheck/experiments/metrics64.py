"""The NFA metrics in float64 (fast, approximate), with the definitions of the exact path.

M = W_1ᵀW_1 (gram), G = uncentered AGOP. ``nfa_residual`` at α is min_c ‖M − cG^α‖_F/‖M‖_F
(and the c = 1 value), ``alpha_fit`` the α in [0, ``ALPHA_MAX``] minimising it, ``correlation``
the cosine ⟨M,G⟩_F/(‖M‖_F‖G‖_F), ``commutator_bound`` ‖[M,G]‖_F/(2‖G‖_2‖M‖_F) (a lower bound of
the residual for every c and α), ``imbalance`` max_l ‖W_{l+1}ᵀW_{l+1} − W_lW_lᵀ‖_F.
G^α comes from a symmetric eigendecomposition; eigenvalues ≤ ``CLAMP_REL`` · λ_max are set to 0
(so 0^α = 0) and counted in ``clamped``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .models import agop, data_loss, forward

__all__ = [
    "CLAMP_REL",
    "ALPHA_MAX",
    "psd_power",
    "Fitter",
    "residual_at",
    "alpha_fit",
    "correlation",
    "commutator_bound",
    "imbalances",
    "imbalance",
    "discrete_imbalance_step",
    "layer_agops",
    "layer_metrics",
    "metrics",
]

CLAMP_REL = 1e-11  # λ_max·10^{-(digits−5)} with float64's ~16 digits, as the mp path
ALPHA_MAX = 2.0


def _clamped_eigh(G: np.ndarray, clamp_rel: float = CLAMP_REL, eig=None):
    """Eigenpairs of G (or the caller's ``eig = np.linalg.eigh(G)``) with tiny ones clamped."""
    w, V = np.linalg.eigh(0.5 * (G + G.T)) if eig is None else eig
    top = max(float(np.max(np.abs(w))), 0.0)
    keep = w > clamp_rel * top
    w = np.where(keep, w, 0.0)
    return w, V, int(np.count_nonzero(~keep))


def psd_power(G: np.ndarray, alpha: float, clamp_rel: float = CLAMP_REL):
    """G^α for symmetric PSD G; returns ``(power, clamped)``."""
    w, V, clamped = _clamped_eigh(G, clamp_rel)
    p = np.where(w > 0, np.abs(w) ** alpha, 0.0)
    return (V * p) @ V.T, clamped


class Fitter:
    """Residual as a function of α, computed in the eigenbasis of G (one eigh per state).

    Build it once and pass it as ``fitter=`` to :func:`residual_at` and :func:`alpha_fit` to
    evaluate several exponents of the same pair (M, G) with one eigendecomposition; ``power``
    gives G^α from the same eigenbasis; ``eig`` reuses the caller's ``np.linalg.eigh(G)``.

    As in ``nfacheck.numeric.metrics``: with Q the eigenvectors of G and M̃ = QᵀMQ, the squared
    residual is the off-diagonal mass of M̃ plus Σ_i (M̃_ii − c λ_i^α)², a sum of squares (no
    cancellation, so tiny residuals are resolved down to rounding).
    """

    def __init__(self, M: np.ndarray, G: np.ndarray, clamp_rel: float = CLAMP_REL,
                 eig: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.w, V, self.clamped = _clamped_eigh(G, clamp_rel, eig)
        self.V = V
        pos = self.w > 0
        Mt = V.T @ M @ V
        d = np.diag(Mt).copy()
        self.off2 = float(np.sum((Mt - np.diag(d)) ** 2))
        self.diag = d
        self.pos = pos
        self.lw = np.log(np.where(pos, self.w, 1.0))
        self.normM = float(np.linalg.norm(M))

    def power(self, alpha: float) -> np.ndarray:
        """G^α with the clamped eigenvalues set to 0 (as :func:`psd_power`)."""
        p = np.where(self.pos, np.exp(alpha * self.lw), 0.0)
        return (self.V * p) @ self.V.T

    def __call__(self, alpha: float) -> tuple[float, float, float]:
        """Return (residual with the optimal c, that c, residual with c = 1).

        NaN when M = 0 (undefined); residual 1 with c = 0 when G is 0 after clamping.
        """
        if self.normM == 0.0:
            return math.nan, math.nan, math.nan
        p = np.where(self.pos, np.exp(alpha * self.lw), 0.0)  # clamped: 0^α = 0, also at α = 0
        p2 = float(p @ p)
        if p2 == 0.0:
            return 1.0, 0.0, 1.0
        c = float(self.diag @ p) / p2
        r_opt = self.off2 + float(np.sum((self.diag - c * p) ** 2))
        r_one = self.off2 + float(np.sum((self.diag - p) ** 2))
        return math.sqrt(r_opt) / self.normM, c, math.sqrt(r_one) / self.normM

    def on_grid(self, alphas: np.ndarray) -> np.ndarray:
        """The min-c residual at every exponent of ``alphas`` at once (as ``self(a)[0]``)."""
        p = np.where(self.pos, np.exp(np.outer(alphas, self.lw)), 0.0)
        p2 = np.sum(p * p, axis=1)
        safe = np.where(p2 > 0, p2, 1.0)
        c = (p @ self.diag) / safe
        r = self.off2 + np.sum((self.diag - c[:, None] * p) ** 2, axis=1)
        return np.where(p2 > 0, np.sqrt(r) / self.normM, 1.0)


def residual_at(M: np.ndarray, G: np.ndarray, alpha: float,
                fitter: Fitter | None = None) -> dict:
    """``{"nfa_residual", "c", "nfa_residual_c1", "clamped", "rank"}`` at one exponent α.

    ``rank`` counts the eigenvalues of G kept after clamping. With fewer than two distinct ones
    the residual does not depend on α and ``alpha_fit`` means nothing (weight decay can drive a
    deep net to such a low-rank solution).
    """
    f = Fitter(M, G) if fitter is None else fitter
    r, c, r1 = f(alpha)
    return {"nfa_residual": r, "c": c, "nfa_residual_c1": r1, "clamped": f.clamped,
            "rank": int(np.count_nonzero(f.w > 0))}


def _golden(f, a: float, b: float, tol: float = 1e-10) -> float:
    g = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return 0.5 * (a + b)


def alpha_fit(M: np.ndarray, G: np.ndarray, alpha_max: float = ALPHA_MAX,
              fitter: Fitter | None = None) -> tuple[float, float]:
    """The α in [0, alpha_max] minimising min_c ‖M − cG^α‖_F/‖M‖_F, and that minimum.

    The same search as the high-precision path: a uniform grid of 200 cells, then golden-section
    search inside the two cells around the best grid point (to 1e-10), keeping the grid point if
    it is lower. NaN when M = 0 or G = 0.
    """
    f = Fitter(M, G) if fitter is None else fitter
    if f.normM == 0.0 or not np.any(f.pos):
        return math.nan, math.nan
    grid = np.linspace(0.0, alpha_max, 201)
    vals = f.on_grid(grid)
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    a = _golden(lambda x: f(x)[0], float(lo), float(hi))
    r = f(a)[0]
    if vals[i] < r:
        return float(grid[i]), float(vals[i])
    return a, r


def correlation(M: np.ndarray, G: np.ndarray) -> float:
    """The literature's cosine ⟨M, G⟩_F / (‖M‖_F ‖G‖_F), for comparison only."""
    den = float(np.linalg.norm(M) * np.linalg.norm(G))
    return float(np.sum(M * G)) / den if den > 0 else math.nan


def commutator_bound(M: np.ndarray, G: np.ndarray) -> float:
    """‖MG − GM‖_F / (2‖G‖_2‖M‖_F): no choice of c, α brings the residual below it."""
    den = 2.0 * float(np.linalg.norm(G, 2)) * float(np.linalg.norm(M))
    return float(np.linalg.norm(M @ G - G @ M)) / den if den > 0 else math.nan


def imbalances(weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ for l = 1 … L−1."""
    return [weights[l + 1].T @ weights[l + 1] - weights[l] @ weights[l].T
            for l in range(len(weights) - 1)]


def imbalance(weights: Sequence[np.ndarray]) -> float:
    """max_l ‖D_l‖_F (0 for a single layer)."""
    return max((float(np.linalg.norm(D)) for D in imbalances(weights)), default=0.0)


def discrete_imbalance_step(
    D: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float, weight_decay: float
) -> list[np.ndarray]:
    """The exact one-step imbalance law of gradient descent on a deep linear net.

    With W_l ← (1 − ηλ)W_l − ηg_l (g_l the data gradient), the cross terms cancel because
    W_{l+1}ᵀg_{l+1} = g_lW_lᵀ for linear nets, leaving
    D_l ← (1 − ηλ)² D_l + η² (g_{l+1}ᵀg_{l+1} − g_lg_lᵀ).
    Gradient flow keeps only the first factor, whose limit is e^{−2λt}.
    """
    a = (1.0 - lr * weight_decay) ** 2
    return [a * D[l] + lr * lr * (grads[l + 1].T @ grads[l + 1] - grads[l] @ grads[l].T)
            for l in range(len(D))]


def layer_agops(weights: Sequence[np.ndarray], X: np.ndarray,
                activation: str = "linear") -> list[np.ndarray]:
    """``[G_1, ..., G_L]``: the AGOP of the sub-network from layer l on w.r.t. its input.

    As ``nfacheck.numeric.network.layer_agops``: the input of layer l is the post-activation
    ``h_{l-1}`` of the samples (``h_0 = x``); for a linear net ``G_l = S_l^T S_l``.
    """
    _, _, post = forward(weights, X, activation)
    return [agop(weights[i:], post[i], activation) for i in range(len(weights))]


def layer_metrics(weights: Sequence[np.ndarray], X: np.ndarray,
                  activation: str = "linear") -> list[dict]:
    """Per layer l: ``W_l^T W_l`` against ``G_l`` at ``alpha = 1/(L-l+1)`` (the deep NFA).

    Returns
    -------
    list of dict
        ``l``, ``alpha``, ``nfa_residual``, ``alpha_fit``, ``correlation``, ``commutator_bound``,
        ``clamped`` for l = 1 .. L.
    """
    L = len(weights)
    out = []
    for i, G in enumerate(layer_agops(weights, X, activation)):
        M = weights[i].T @ weights[i]
        a = 1.0 / (L - i)
        res = residual_at(M, G, a)
        out.append({"l": i + 1, "alpha": a, "nfa_residual": res["nfa_residual"],
                    "alpha_fit": alpha_fit(M, G)[0], "correlation": correlation(M, G),
                    "commutator_bound": commutator_bound(M, G), "clamped": res["clamped"]})
    return out


def metrics(
    weights: Sequence[np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activation: str = "linear",
    weight_decay: float = 0.0,
    alpha: float | None = None,
) -> dict:
    """Every tracked quantity at one state (α defaults to 1/L).

    Returns
    -------
    dict
        ``loss`` (with the decay term), ``data_loss``, ``imbalance``, ``nfa_residual``,
        ``nfa_residual_c1``, ``c``, ``alpha``, ``alpha_fit``, ``alpha_fit_residual``,
        ``correlation``, ``commutator_bound``, ``clamped``, ``rank`` (of G after clamping),
        and ``layers`` (:func:`layer_metrics`, the deep NFA of every layer).
    """
    L = len(weights)
    a = 1.0 / L if alpha is None else float(alpha)
    M = weights[0].T @ weights[0]
    G = agop(weights, X, activation)
    res = residual_at(M, G, a)
    af, afr = alpha_fit(M, G)
    dl = data_loss(weights, X, Y, activation)
    reg = 0.5 * weight_decay * sum(float(np.sum(W * W)) for W in weights)
    return {
        "loss": dl + reg,
        "data_loss": dl,
        "imbalance": imbalance(weights),
        "alpha": a,
        **res,
        "alpha_fit": af,
        "alpha_fit_residual": afr,
        "correlation": correlation(M, G),
        "commutator_bound": commutator_bound(M, G),
        "layers": layer_metrics(weights, X, activation),
    }
