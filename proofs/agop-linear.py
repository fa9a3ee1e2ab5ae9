"""The AGOP of a linear network is EᵀE (proof script).

Theorem
    For f(x) = Ex, E = W_L ⋯ W_1: J(x) = E for every x, so G = (1/n)Σ_i J(x_i)ᵀJ(x_i) = EᵀE.

Hypotheses
    Linear network without biases, any depth L ≥ 1; uncentered AGOP.

References
    Radhakrishnan et al. (2024), Science 383; Tansley, Massart, Cartis (2026), AISTATS.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. for W_1 = [[1, 1/2], [0, -1], [2, 1]], W_2 = [[2, -1/3, 1]], W_3 = [[1/2], [-1]] and symbolic
     x, the SymPy Jacobian of f is E (no x in it) and G = EᵀE on X = [[1, 2, 0], [-1, 1/2, 3]];
  3. for the ReLU net W_1 = [1; 1], W_2 = [1 1] the Jacobian at x = −1 is 0 ≠ E = 2;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational

W1 = sp.Matrix([[1, R(1, 2)], [0, -1], [2, 1]])
W2 = sp.Matrix([[2, R(-1, 3), 1]])
W3 = sp.Matrix([[R(1, 2)], [-1]])
X = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]])


def claim_exact_jacobian() -> tuple[bool, str]:
    x = sp.Matrix(sp.symbols("x0:2"))
    E = W3 * W2 * W1
    J = (W3 * W2 * W1 * x).jacobian(x)
    G = sum((J.subs(dict(zip(x, X[:, i], strict=True))).T
             * J.subs(dict(zip(x, X[:, i], strict=True))) for i in range(3)),
            sp.zeros(2, 2)) / 3
    ok = J == E and not J.free_symbols and G == E.T * E
    return ok, f"J = E = {E.tolist()}, G = E^T E = {(E.T * E).tolist()}"


def claim_relu_differs() -> tuple[bool, str]:
    x = sp.Symbol("x")
    f = sp.Matrix([[1, 1]]) * sp.Matrix([sp.Max(0, x), sp.Max(0, x)])
    J = sp.diff(f[0], x).subs(x, -1)
    return J != 2, f"ReLU: J(-1) = {J}, E = 2"


claim_registered_proof, claim_controls_refuted = registered_claims("agop-linear")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_jacobian,
        claim_relu_differs,
        claim_controls_refuted,
    )))
