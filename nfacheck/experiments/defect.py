"""The NFA defect of gradient descent on a deep linear net, and the bound it must sit under.

Gradient descent ``W_l <- (1 - eta lam) W_l - eta g_l`` (full batch, or a mini-batch: ``g_l`` is
whatever data gradient the step used) moves the imbalance ``D_l = W_{l+1}^T W_{l+1} - W_l W_l^T``
by exactly ``D_l <- a^2 D_l + eta^2 Delta_l`` with ``a = 1 - eta lam`` and
``Delta_l = g_{l+1}^T g_{l+1} - g_l g_l^T`` (``gd-imbalance-recursion``). The theorem
``gd-nfa-defect-bound`` turns that into a bound on the NFA defect ``||E^T E - M^L||_F``
(``E = W_L ... W_1``, ``M = W_1^T W_1``) after k steps, with these constants:

1. imbalance: ``||D_l(k)||_F <= beta_l(k)``, ``beta_l(0) = ||D_l(0)||_F``,
   ``beta_l(j+1) = a^2 beta_l(j) + eta^2 ||Delta_l(j)||_F`` (the triangle inequality on the exact
   recursion). Coarsely, with ``Gamma = max_{j<k, l} ||g_l(j)||_F`` and
   ``||A - B||_F <= sqrt(||A||_F^2 + ||B||_F^2)`` for PSD ``A, B``:
   ``beta_l(k) <= a^{2k} ||D_l(0)||_F + sqrt(2) eta^2 Gamma^2 sum_{i<k} a^{2i}``, which is
   ``<= ||D_l(0)||_F + sqrt(2) eta t Gamma^2`` at ``lam = 0`` and time ``t = k eta``: O(eta).
2. defect (a state identity, proved for every depth): with ``P_l = W_{l-1} ... W_1``,
   ``E^T E - M^L = sum_{i=1}^{L-1} P_{i+1}^T [B^m - A^m] P_{i+1}``, ``m = L - i``,
   ``B = W_{i+1}^T W_{i+1} = A + D_i``, ``A = W_i W_i^T``, and
   ``B^m - A^m = sum_{j<m} B^j D_i A^{m-1-j}``. With ``s_l = ||W_l||_2``:
   ``||E^T E - M^L||_F <= sum_i (prod_{r<=i} s_r^2) (sum_{j<m} s_{i+1}^{2j} s_i^{2(m-1-j)})
   ||D_i||_F <= omega^{2(L-1)} sum_i (L - i) ||D_i||_F``, ``omega = max_l s_l``.
3. residual at ``alpha = 1/L``: ``min_c ||M - c G^{1/L}||_F / ||M||_F <= ||M - G^{1/L}||_F /
   ||M||_F`` with ``G = E^T E``, and ``||G^{1/L} - (M^L)^{1/L}||_F <= sqrt(d) delta^{1/L}``
   (Bhatia X.1: ``||A^r - B^r||_2 <= ||A - B||_2^r``), or, when
   ``mu = lambda_min(M)^L - delta > 0``, ``<= (1/L) mu^{1/L - 1} delta`` (Bhatia X.3.8: an
   operator monotone ``f`` with ``A, B >= mu I`` has ``|||f(A) - f(B)||| <= f'(mu)|||A - B|||``),
   where ``delta`` bounds ``||G - M^L||_F``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .metrics64 import imbalances, residual_at

__all__ = ["DefectTracker", "defect", "defect_bound", "residual_bound"]


def _end_to_end(weights: Sequence[np.ndarray]) -> np.ndarray:
    E = weights[0]
    for W in weights[1:]:
        E = W @ E
    return E


def defect(weights: Sequence[np.ndarray]) -> float:
    """``||E^T E - M^L||_F`` (0 for a balanced linear net, by ``nfa-linear-balanced``)."""
    E = _end_to_end(weights)
    M = weights[0].T @ weights[0]
    return float(np.linalg.norm(E.T @ E - np.linalg.matrix_power(M, len(weights))))


def defect_bound(weights: Sequence[np.ndarray], d_bounds: Sequence[float]) -> dict:
    """Step 2 of the module docstring: the defect bound from bounds on every ``||D_l||_F``.

    Returns
    -------
    dict
        ``fine`` (the layer-by-layer form with the spectral norms ``s_l``), ``coarse``
        (``omega^{2(L-1)} sum_i (L - i) d_i``) and ``omega``.
    """
    s2 = [float(np.linalg.norm(W, 2)) ** 2 for W in weights]
    L = len(weights)
    fine = 0.0
    prefix = 1.0
    for i in range(1, L):  # layer i = 1 .. L-1, D_i between W_i and W_{i+1}
        prefix *= s2[i - 1]  # ||P_{i+1}||_2^2 <= prod_{r<=i} s_r^2
        m = L - i
        inner = sum(s2[i] ** j * s2[i - 1] ** (m - 1 - j) for j in range(m))
        fine += prefix * inner * d_bounds[i - 1]
    omega = math.sqrt(max(s2))
    coarse = omega ** (2 * (L - 1)) * sum((L - i) * d_bounds[i - 1] for i in range(1, L))
    return {"fine": fine, "coarse": coarse, "omega": omega}


def residual_bound(M: np.ndarray, delta: float, depth: int) -> float:
    """Step 3: bound ``min_c ||M - c G^{1/L}||_F / ||M||_F`` given ``||G - M^L||_F <= delta``."""
    normM = float(np.linalg.norm(M))
    if normM == 0.0:
        return math.nan
    holder = math.sqrt(M.shape[0]) * delta ** (1.0 / depth)
    mu = float(np.linalg.eigvalsh(0.5 * (M + M.T))[0]) ** depth - delta
    lipschitz = (mu ** (1.0 / depth - 1.0) * delta / depth) if mu > 0 else math.inf
    return min(holder, lipschitz) / normM


class DefectTracker:
    """Follows the ``gd-nfa-defect-bound`` beside a GD or SGD run on a linear net.

    Call :meth:`step` with the data gradients of every step *before* the optimizer applies them,
    and :meth:`report` with the current weights.

    Parameters
    ----------
    weights
        The initial weights ``W_1 ... W_L``.
    lr, weight_decay
        ``eta`` and ``lam`` of the run (coupled weight decay, as ``gd``/``sgd`` apply it).
    """

    def __init__(self, weights: Sequence[np.ndarray], lr: float, weight_decay: float) -> None:
        self.lr = float(lr)
        self.a2 = (1.0 - self.lr * float(weight_decay)) ** 2
        self.d0 = [float(np.linalg.norm(D)) for D in imbalances(weights)]
        self.beta = list(self.d0)
        self.gamma = 0.0  # max_{j<k, l} ||g_l(j)||_F
        self.geo = 0.0  # sum_{i<k} a^{2i}
        self.a2k = 1.0
        self.steps = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Advance the imbalance bounds by one step with data gradients ``grads``."""
        eta2 = self.lr * self.lr
        for i in range(len(self.beta)):
            delta = grads[i + 1].T @ grads[i + 1] - grads[i] @ grads[i].T
            self.beta[i] = self.a2 * self.beta[i] + eta2 * float(np.linalg.norm(delta))
        self.gamma = max(self.gamma, max(float(np.linalg.norm(g)) for g in grads))
        self.geo = self.a2 * self.geo + 1.0
        self.a2k *= self.a2
        self.steps += 1

    def coarse_imbalance(self) -> float:
        """``max_l a^{2k} ||D_l(0)||_F + sqrt(2) eta^2 Gamma^2 sum_{i<k} a^{2i}``."""
        drift = math.sqrt(2.0) * self.lr**2 * self.gamma**2 * self.geo
        return self.a2k * max(self.d0, default=0.0) + drift

    def report(self, weights: Sequence[np.ndarray]) -> dict:
        """Measured defect, imbalance and residual at 1/L against their bounds.

        Returns
        -------
        dict
            ``steps``, ``t`` (= eta k), ``defect`` (measured ``||E^T E - M^L||_F``),
            ``defect_bound`` (fine) and ``defect_bound_coarse``, ``ratio``
            (fine bound / measured), ``defect_relative_bound`` (fine bound / ``||E^T E||_F``:
            below 1 means the bound says something), ``imbalance`` and ``imbalance_bound``
            (max over l), ``imbalance_flow_law`` (``a^{2k} max_l ||D_l(0)||_F``, the bound
            without the eta^2 drift: a control), ``gamma``, ``omega``, ``residual`` (min-c at
            1/L) and ``residual_bound``.
        """
        L = len(weights)
        measured = defect(weights)
        dmeas = max((float(np.linalg.norm(D)) for D in imbalances(weights)), default=0.0)
        fine = defect_bound(weights, self.beta)
        coarse = defect_bound(weights, [self.coarse_imbalance()] * (L - 1))["coarse"]
        E = _end_to_end(weights)
        G = E.T @ E
        M = weights[0].T @ weights[0]
        normG = float(np.linalg.norm(G))
        return {
            "steps": self.steps,
            "t": self.lr * self.steps,
            "defect": measured,
            "defect_bound": fine["fine"],
            "defect_bound_coarse": coarse,
            "ratio": fine["fine"] / measured if measured > 0 else math.inf,
            "defect_relative_bound": fine["fine"] / normG if normG > 0 else math.inf,
            "imbalance": dmeas,
            "imbalance_bound": max(self.beta, default=0.0),
            "imbalance_flow_law": self.a2k * max(self.d0, default=0.0),
            "gamma": self.gamma,
            "omega": fine["omega"],
            "residual": residual_at(M, G, 1.0 / L)["nfa_residual"],
            "residual_bound": residual_bound(M, fine["fine"], L),
        }
