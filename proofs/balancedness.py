"""Conservation of the imbalance without weight decay (proof script).

Theorem
    For f(x) = W_L ⋯ W_1 x under gradient flow of the square loss with λ = 0, every
    D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ is constant in time.

Hypotheses
    Linear network, any depth L ≥ 2 and widths; gradient flow; no weight decay.

References
    Arora, Cohen, Hazan (2018), ICML; Du, Hu, Lee (2018), NeurIPS.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3]] with X = [[1, 2, 0], [-1, 1/2, 3]],
     Y = [[1, 0, -2]] the exact velocities (SymPy derivative of the loss) give dD_1/dt = 0;
  3. with λ = 1/10 at the same point dD_1/dt ≠ 0 (conservation needs λ = 0);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.symbolic.pointwise import imbalance_rate, velocities_at

R = sp.Rational

W1 = sp.Matrix([[1, R(1, 2)], [0, -1]])
W2 = sp.Matrix([[2, R(-1, 3)]])
X = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]])
Y = sp.Matrix([[1, 0, -2]])


def rate_at(lam):
    """dD_1/dt at (W1, W2) from the velocities −∂ℒ/∂W_l of the explicit loss (SymPy diff)."""
    return imbalance_rate([W1, W2], velocities_at([W1, W2], X, Y, weight_decay=lam))


def claim_exact_conservation() -> tuple[bool, str]:
    rate = sp.simplify(rate_at(0))
    return rate == sp.zeros(2, 2), f"dD_1/dt = {rate.tolist()}"


def claim_decay_breaks_conservation() -> tuple[bool, str]:
    rate = sp.simplify(rate_at(R(1, 10)))
    return rate != sp.zeros(2, 2), f"lambda = 1/10: dD_1/dt = {rate.tolist()}"


claim_registered_proof, claim_controls_refuted = registered_claims("balancedness")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_conservation,
        claim_decay_breaks_conservation,
        claim_controls_refuted,
    )))
