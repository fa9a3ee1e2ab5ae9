"""Commutator obstruction with the sharp constant for PSD G (proof script).

Theorem
    For symmetric M, symmetric PSD G ≠ 0, every c ∈ ℝ and every α > 0,
    ‖M − cG^α‖_F ≥ ‖[M, G]‖_F / ‖G‖_2 — twice the bound of ``nfa-commutator-obstruction``.
    The constant 1 is attained (M = [[0,1],[1,0]], G = diag(1, 0)); for indefinite symmetric G it
    fails and 2 is the right constant.

Hypotheses
    M symmetric; G symmetric PSD, G ≠ 0; G^α the PSD power (0^α = 0).

Proof idea
    [M, G] = [M − cG^α, G]; in G's eigenbasis ([A, G])_ij = ã_ij(λ_j − λ_i) and for PSD G every
    |λ_j − λ_i| ≤ ‖G‖_2, so ‖[A, G]‖_F ≤ ‖G‖_2‖A‖_F (orthogonal invariance of ‖·‖_F).

Reference
    Functions of G commute with G: Higham, "Functions of Matrices" (SIAM 2008), Thm 1.13.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. for M = [[1, 1/2], [1/2, -1/3]], G = diag(2, 1/10), α = 1/2 and the optimal c the sharp
     bound holds (exact algebraic sides);
  3. the constant is attained exactly at M = [[0,1],[1,0]], G = diag(1, 0);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.theorems.commutator import exact_sides

R = sp.Rational


claim_registered_proof, claim_controls_refuted = registered_claims(
    "nfa-commutator-obstruction-sharp"
)


def claim_exact_instance() -> tuple[bool, str]:
    M, G, alpha = sp.Matrix([[1, R("1/2")], [R("1/2"), R("-1/3")]]), sp.diag(2, R("1/10")), R("1/2")
    P = G.applyfunc(lambda e: e**alpha)
    c = sp.Symbol("c")
    c_star = sp.solve(sp.diff(sum(e**2 for e in M - c * P), c), c)[0]
    lhs2, rhs2 = exact_sides(M, G, P, c_star, 2, 1)
    ok = bool(sp.simplify(lhs2 - rhs2) >= 0)
    return ok, f"min_c ‖M − cG^α‖_F² = {sp.N(lhs2, 10)} ≥ {sp.N(rhs2, 10)} = (‖[M,G]‖_F/‖G‖_2)²"


def claim_constant_attained() -> tuple[bool, str]:
    swap = sp.Matrix([[0, 1], [1, 0]])
    lhs2, rhs2 = exact_sides(swap, sp.diag(1, 0), sp.diag(1, 0), 0, 1, 1)
    return lhs2 == rhs2 == 2, f"‖M‖_F² = {lhs2} = {rhs2} = ‖[M,G]‖_F²/‖G‖_2² (c = 0 optimal)"


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_instance,
        claim_constant_attained,
        claim_controls_refuted,
    ), style="bracketed"))
