"""Gradient descent on a linear network: the exact one-step imbalance law (proof script).

Theorem
    One step W_l ← (1 − ηλ)W_l − ηg_l (g_l the data gradient) gives, for every layer and depth,
    D_l' = (1 − ηλ)² D_l + η² (g_{l+1}ᵀg_{l+1} − g_lg_lᵀ), D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ.

Hypotheses
    Linear network, any widths; full-batch or mini-batch data gradients.

References
    Arora, Cohen, Golowich, Hu (2019), ICLR; Arora, Cohen, Hazan (2018), ICML.

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved``;
  2. a 3-layer net W_1 = [[1, 2], [0, 1]], W_2 = [[1/2, 0], [1, 1]], W_3 = [[1, -1]], data
     X = [[1, 0, 1], [0, 1, 1]], Y = [[1, 2, 0]], η = 1/10, λ = 1/5: both D_l after one exact
     step equal the law;
  3. at the same point the law without the η² term is off;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational
WS = [sp.Matrix([[1, 2], [0, 1]]), sp.Matrix([[R(1, 2), 0], [1, 1]]), sp.Matrix([[1, -1]])]
X, Y = sp.Matrix([[1, 0, 1], [0, 1, 1]]), sp.Matrix([[1, 2, 0]])
ETA, LAM = R(1, 10), R(1, 5)


def _step():
    E = WS[2] * WS[1] * WS[0]
    Rm = (E * X - Y) * X.T / X.shape[1]
    gs = [(WS[2] * WS[1]).T * Rm, WS[2].T * Rm * WS[0].T, Rm * (WS[1] * WS[0]).T]
    new = [(1 - ETA * LAM) * W - ETA * g for W, g in zip(WS, gs, strict=True)]
    out = []
    for i in range(2):
        D0 = WS[i + 1].T * WS[i + 1] - WS[i] * WS[i].T
        D1 = new[i + 1].T * new[i + 1] - new[i] * new[i].T
        drift = ETA**2 * (gs[i + 1].T * gs[i + 1] - gs[i] * gs[i].T)
        out.append((D1, (1 - ETA * LAM) ** 2 * D0, drift))
    return out


def claim_exact_step() -> tuple[bool, str]:
    ok = all(D1 == base + drift for D1, base, drift in _step())
    return ok, "D_1', D_2' equal (1 - eta lam)^2 D_l + eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T)"


def claim_drift_needed() -> tuple[bool, str]:
    ok = all(D1 != base for D1, base, _ in _step())
    return ok, "without the eta^2 term the law misses both D_l'"


claim_registered_proof, claim_controls_refuted = registered_claims("gd-imbalance-recursion")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_step,
        claim_drift_needed,
        claim_controls_refuted,
    )))
