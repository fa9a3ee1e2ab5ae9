"""NFA for balanced deep linear networks: M(t) = G(t)^{1/L} (proof script).

Theorem
    Gradient flow without weight decay from a balanced initialisation keeps
    W_1(t)ᵀW_1(t) = G(t)^{1/L} for all t ≥ 0 (NFA with α = 1/L, c = 1).

Hypotheses
    Linear network, any depth L ≥ 1 and widths; λ = 0; balanced initialisation.

References
    Tansley, Massart, Cartis (2026), AISTATS; Radhakrishnan et al. (2024), Science 383;
    Arora, Cohen, Hazan (2018), ICML.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. at the balanced point W_1 = Q diag(2, 1), W_2 = diag(2, 1) Qᵀ (Q = [[3/5, -4/5], [4/5, 3/5]])
     with X = [[1, 2, 0], [-1, 1/2, 3]], Y = [[1, 0, -2], [0, 1, 1]], the exact velocities give
     dD_1/dt = 0 and d/dt (EᵀE − M²) = 0;
  3. at the unbalanced point W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3], [1, 1]] M² ≠ EᵀE;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.symbolic.pointwise import imbalance_rate, velocities_at

R = sp.Rational

Q = sp.Matrix([[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]])
S = sp.diag(2, 1)
X = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]])
Y = sp.Matrix([[1, 0, -2], [0, 1, 1]])


def claim_flow_keeps_nfa() -> tuple[bool, str]:
    W1, W2 = Q * S, S * Q.T
    v1, v2 = velocities_at([W1, W2], X, Y)
    dD = imbalance_rate([W1, W2], [v1, v2])
    E, M = W2 * W1, W1.T * W1
    dE = v2 * W1 + W2 * v1
    dM = v1.T * W1 + W1.T * v1
    d_defect = dE.T * E + E.T * dE - (dM * M + M * dM)
    ok = sp.simplify(dD) == sp.zeros(2, 2) and sp.simplify(d_defect) == sp.zeros(2, 2) \
        and E.T * E == M ** 2
    return ok, "D_1 = 0, E^T E = M^2, and both stay: dD_1/dt = 0, d/dt (E^T E - M^2) = 0"


def claim_unbalanced_differs() -> tuple[bool, str]:
    W1 = sp.Matrix([[1, R(1, 2)], [0, -1]])
    W2 = sp.Matrix([[2, R(-1, 3)], [1, 1]])
    E, M = W2 * W1, W1.T * W1
    return E.T * E != M ** 2, f"E^T E - M^2 = {(E.T * E - M ** 2).tolist()}"


claim_registered_proof, claim_controls_refuted = registered_claims("nfa-linear-balanced")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_flow_keeps_nfa,
        claim_unbalanced_differs,
        claim_controls_refuted,
    )))
