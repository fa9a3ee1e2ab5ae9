"""The sharp NFA rate when the limit Gram is non-singular (proof script).

Theorem
    Linear network, gradient flow with weight decay λ > 0, M(t) → M_∞ non-singular: for large t,
    ‖G^{1/L} − M‖_F ≤ (C μ^{1/L−1}/L) e^{−2λt}, with M(t)^L ⪰ 2μI eventually and C the constant
    of the explicit remainder ‖EᵀE − M^L‖_F ≤ C e^{−2λt}. The rate is e^{−2λt}, not only
    e^{−2λt/L}: the claim is proved, not refuted.

Hypotheses
    Linear network, any init; the limit Gram is non-singular; t large.

References
    Tansley, Massart, Cartis (2026); Bhatia, Matrix Analysis, Cor. III.2.6 (Weyl) and Thm X.3.8.

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved`` (axioms: the remainder rate, Weyl, X.3.8);
  2. the scalar chain L = 2, W_1 = W_2 = w: the bound's constant C μ^{1/2−1}/2 at
     C = 3, μ = 1/4 is 3 exactly (exact arithmetic);
  3. Lipschitz bound of x^{1/2} on [1/4, ∞): |√a − √b| ≤ |a − b| for a, b ∈ {1/4, 1, 9/4, 4}
     (f'(1/4) = 1), exactly;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import itertools
import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational


def claim_constant() -> tuple[bool, str]:
    C, mu, L = 3, R(1, 4), 2
    k = C * mu ** (R(1, L) - 1) / L
    return k == 3, f"C mu^(1/L - 1) / L = {k}"


def claim_lipschitz_root() -> tuple[bool, str]:
    pts = [R(1, 4), 1, R(9, 4), 4]
    ok = all(abs(sp.sqrt(a) - sp.sqrt(b)) <= abs(a - b) for a, b in itertools.product(pts, pts))
    return ok, "|sqrt(a) - sqrt(b)| <= (1/2)(1/4)^(-1/2) |a - b| on [1/4, oo) at 16 pairs"


claim_registered_proof, claim_controls_refuted = registered_claims("nfa-rate-nonsingular")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_constant,
        claim_lipschitz_root,
        claim_controls_refuted,
    )))
