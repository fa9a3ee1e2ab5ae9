"""Gradient of the loss of a deep linear network (proof script).

Theorem
    For f(x) = W_L ⋯ W_1 x and ℒ = (1/2n)‖EX − Y‖_F² + (λ/2)Σ_l‖W_l‖_F², E = W_L ⋯ W_1,
    every layer l: ∂ℒ/∂W_l = (W_L⋯W_{l+1})ᵀ(EΣxx − Σyx)(W_{l−1}⋯W_1)ᵀ + λW_l,
    Σxx = XXᵀ/n, Σyx = YXᵀ/n.

Hypotheses
    Linear network without biases, any depth L ≥ 1 and any widths.

References
    Arora, Cohen, Hazan (2018), ICML; Tansley, Massart, Cartis (2026), AISTATS.

Claims checked here (exact parameters):
  1. the registered proof (one-layer directional derivative with abstract prefix and suffix,
     random rational instances, explicit networks L = 2..5) is ``proved``;
  2. at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3]], X = [[1, 2, 0], [-1, 1/2, 3]],
     Y = [[1, 0, -2]], λ = 1/10 the formula equals the SymPy derivative of the loss entry by entry;
  3. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.symbolic.pointwise import velocities_at

R = sp.Rational
W1 = sp.Matrix([[1, R(1, 2)], [0, -1]])
W2 = sp.Matrix([[2, R(-1, 3)]])
X = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]])
Y = sp.Matrix([[1, 0, -2]])
LAM = R(1, 10)


claim_registered_proof, claim_controls_refuted = registered_claims("gradient-linear")


def claim_exact_instance() -> tuple[bool, str]:
    n = X.shape[1]
    E = W2 * W1
    sxx, syx = X * X.T / n, Y * X.T / n
    g1 = W2.T * (E * sxx - syx) + LAM * W1
    g2 = (E * sxx - syx) * W1.T + LAM * W2
    d1, d2 = (-v for v in velocities_at([W1, W2], X, Y, weight_decay=LAM))
    ok = sp.simplify(d1 - g1) == sp.zeros(2, 2) and sp.simplify(d2 - g2) == sp.zeros(1, 2)
    return ok, f"dL/dW_1 = {g1.tolist()}, dL/dW_2 = {g2.tolist()}"


if __name__ == "__main__":
    sys.exit(run_claims((claim_registered_proof, claim_exact_instance, claim_controls_refuted)))
