"""FACT for every layer (proof script).

Theorem
    At a stationary point of a loss with weight decay λ > 0, for any differentiable σ and every
    layer l: W_lᵀW_l = −(1/(nλ)) Σ_i (∇_{h_{l−1}} ℓ_i) h_{l−1}(x_i)ᵀ, h_{l−1} the layer's input.

Hypotheses
    Any depth, widths and differentiable activation; dℒ/dW_l = 0 for every l.

References
    Boix-Adserà, Mallinar, Simon, Belkin (2025), FACT, arXiv:2507.05644.

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved``;
  2. an exact stationary layer: W = [[1, 2], [-1, 1]], inputs H = [[1, 0, 1], [0, 1, 2]],
     λ = 1/10, output-side gradients Δ = −nλ W (HHᵀ)⁻¹ H (so (1/n)ΔHᵀ + λW = 0): WᵀW equals
     −(1/(nλ)) WᵀΔ Hᵀ exactly;
  3. at the same layer the output-side gradient Δ in place of WᵀΔ does not give WᵀW;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational
W = sp.Matrix([[1, 2], [-1, 1]])
H = sp.Matrix([[1, 0, 1], [0, 1, 2]])
LAM, N = R(1, 10), 3
DELTA = -N * LAM * W * (H * H.T).inv() * H


def claim_exact_stationary_layer() -> tuple[bool, str]:
    stationary = DELTA * H.T / N + LAM * W == sp.zeros(2, 2)
    fact = -(W.T * DELTA) * H.T / (N * LAM)
    return stationary and W.T * W == fact, f"W^T W = {(W.T * W).tolist()} = FACT matrix"


def claim_output_side_fails() -> tuple[bool, str]:
    wrong = -DELTA * H.T / (N * LAM)
    return W.T * W != wrong, f"output-side matrix {wrong.tolist()} != W^T W"


claim_registered_proof, claim_controls_refuted = registered_claims("fact-all-layers")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_stationary_layer,
        claim_output_side_fails,
        claim_controls_refuted,
    )))
