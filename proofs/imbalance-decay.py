"""Exponential decay of the imbalance under weight decay (proof script).

Theorem
    For f(x) = W_L ⋯ W_1 x under gradient flow with weight decay λ ≥ 0,
    dD_l/dt = −2λD_l for every l, hence D_l(t) = e^{−2λt}D_l(0).

Hypotheses
    Linear network, any depth L ≥ 2 and widths; gradient flow of the decayed square loss.

References
    Arora, Cohen, Hazan (2018), ICML; Tansley, Massart, Cartis (2026), AISTATS.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3]] with X = [[1, 2, 0], [-1, 1/2, 3]],
     Y = [[1, 0, -2]], λ = 1/10, the exact velocities give dD_1/dt = −2λD_1 (and not −λD_1);
  3. D(t) = e^{−2λt}D(0) solves dD/dt = −2λD (SymPy);
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


LAM = R(1, 10)


def claim_exact_rate() -> tuple[bool, str]:
    D = W2.T * W2 - W1 * W1.T
    rate = rate_at(LAM)
    ok = sp.simplify(rate + 2 * LAM * D) == sp.zeros(2, 2)
    wrong = sp.simplify(rate + LAM * D) != sp.zeros(2, 2)
    return ok and wrong, f"dD_1/dt = {rate.tolist()} = -2 lambda D_1; -lambda D_1 differs"


def claim_solution() -> tuple[bool, str]:
    t, lam = sp.symbols("t lambda", nonnegative=True)
    D0 = W2.T * W2 - W1 * W1.T
    Dt = sp.exp(-2 * lam * t) * D0
    ok = sp.simplify(Dt.diff(t) + 2 * lam * Dt) == sp.zeros(2, 2) and Dt.subs(t, 0) == D0
    return ok, "d/dt (e^(-2 lambda t) D_0) = -2 lambda (e^(-2 lambda t) D_0), D(0) = D_0"


claim_registered_proof, claim_controls_refuted = registered_claims("imbalance-decay")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_rate,
        claim_solution,
        claim_controls_refuted,
    )))
