"""Commutator obstruction to the Neural Feature Ansatz (proof script).

Theorem
    For symmetric M, symmetric PSD G ≠ 0, every c ∈ ℝ and every α > 0,
    ‖M − cG^α‖_F ≥ ‖[M, G]‖_F / (2‖G‖_2); for M ≠ 0 the relative NFA residual obeys
    min_c ‖M − cG^α‖_F / ‖M‖_F ≥ ‖[M, G]‖_F / (2‖G‖_2‖M‖_F).

Hypotheses
    M symmetric; G symmetric PSD, G ≠ 0; G^α the PSD power (0^α = 0); M ≠ 0 for the relative form.

References
    Functions of G commute with G: Higham, "Functions of Matrices" (SIAM 2008), Thm 1.13.
    ‖AG‖_F ≤ ‖A‖_F‖G‖_2 and ‖[A, G]‖_F ≤ 2‖A‖_F‖G‖_2: Bhatia, "Matrix Analysis" (GTM 169).

Claims checked here (exact parameters):
  1. the registered proof (identity for symbolic n, two cited lemmas at 50 digits, explicit 2×2,
     random rational instances) is ``proved``;
  2. for M = [[1, 1/2], [1/2, -1/3]], G = diag(2, 1/10), α = 1/2 and c ∈ {0, 1/10, 7/10, c*} the
     bound holds (exact algebraic sides; SymPy decides the sign of their difference);
  3. with the factor 2 dropped and G = diag(1, -1) indefinite the bound fails exactly (2 < 8);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.theorems.commutator import exact_sides

R = sp.Rational
M = sp.Matrix([[1, R("1/2")], [R("1/2"), R("-1/3")]])
G = sp.diag(2, R("1/10"))
ALPHA = R("1/2")


claim_registered_proof, claim_controls_refuted = registered_claims("nfa-commutator-obstruction")


def claim_exact_instance() -> tuple[bool, str]:
    P = G.applyfunc(lambda e: e**ALPHA)  # G diagonal: G^α entrywise on the diagonal
    c = sp.Symbol("c")
    defect = sum(e**2 for e in M - c * P)
    c_star = sp.solve(sp.diff(defect, c), c)[0]
    rows, ok = [], True
    for cv in (0, R("1/10"), R("7/10"), c_star):
        lhs2, rhs2 = exact_sides(M, G, P, cv, max(G), 2)
        holds = bool(sp.simplify(lhs2 - rhs2) >= 0)
        ok &= holds
        rows.append(f"c = {sp.nsimplify(cv)}: {sp.N(lhs2, 8)} ≥ {sp.N(rhs2, 8)} {holds}")
    return ok, "; ".join(rows)


def claim_factor_two_needed_for_indefinite_g() -> tuple[bool, str]:
    A, Gi = sp.Matrix([[0, 1], [1, 0]]), sp.diag(1, -1)
    lhs2, rhs2 = exact_sides(A, Gi, Gi, 0, 1, 1)
    return lhs2 < rhs2, f"‖A‖_F² = {lhs2} < ‖[A,G]‖_F²/‖G‖_2² = {rhs2}"


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_instance,
        claim_factor_two_needed_for_indefinite_g,
        claim_controls_refuted,
    ), style="bracketed"))
