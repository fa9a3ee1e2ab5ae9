"""The deep NFA with weight decay from any initialisation, every layer, asymptotically
(proof script).

Theorem
    Linear network, gradient flow with λ > 0, any init: for every layer l,
    ‖G_l^{1/(L−l+1)} − W_lᵀW_l‖_2 ≤ (C_l e^{−2λt})^{1/(L−l+1)}, G_l the AGOP of the sub-network
    from layer l on: nfa-weight-decay-asymptotic applied to that sub-network.

Hypotheses
    Linear network, any depth, widths and init; λ > 0.

References
    Beaglehole, Radhakrishnan et al. (deep NFA); Tansley, Massart, Cartis (2026); Bhatia, ch. X.

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved``;
  2. the imbalance of every layer of a 3-layer net decays as e^{−2λt} exactly: with
     D(t) = e^{−2λt} D(0), D(0) = [[1, 2], [2, -1]], λ = 1/5, dD/dt = −2λD symbolically;
  3. the sub-network bound's exponent: ((C e^{−2λt})^{1/m})^m = C e^{−2λt} for m = 1, 2, 3;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational
t = sp.Symbol("t", nonnegative=True)
LAM = R(1, 5)


def claim_decay_law() -> tuple[bool, str]:
    D0 = sp.Matrix([[1, 2], [2, -1]])
    D = sp.exp(-2 * LAM * t) * D0
    ok = sp.simplify(D.diff(t) + 2 * LAM * D) == sp.zeros(2, 2)
    return ok, "D(t) = exp(-2 lambda t) D(0) solves dD/dt = -2 lambda D"


def claim_root_exponent() -> tuple[bool, str]:
    C = sp.Symbol("C", positive=True)
    ok = all(sp.simplify(((C * sp.exp(-2 * LAM * t)) ** R(1, m)) ** m - C * sp.exp(-2 * LAM * t))
             == 0 for m in (1, 2, 3))
    return ok, "((C e^(-2 lambda t))^(1/m))^m = C e^(-2 lambda t), m = 1, 2, 3"


claim_registered_proof, claim_controls_refuted = registered_claims("deep-nfa-layerwise-asymptotic")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_decay_law,
        claim_root_exponent,
        claim_controls_refuted,
    )))
