"""Balanced linear networks: EᵀE = M^L, so M = G^{1/L} (proof script).

Theorem
    If D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ = 0 for every l, then EᵀE = M^L with M = W_1ᵀW_1;
    hence M = G^{1/L}, the PSD L-th root of the AGOP G = EᵀE.

Hypotheses
    Linear network, any depth L ≥ 1 and widths; balanced weights.

References
    Arora, Cohen, Hazan (2018), ICML; Tansley, Massart, Cartis (2026), AISTATS;
    Bhatia, Matrix Analysis, ch. X (uniqueness of the PSD root).

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. for the balanced chain W_1 = Q diag(2, 1), W_2 = diag(2, 1) Qᵀ, W_3 = diag(2, 1) with the
     rotation Q = [[3/5, -4/5], [4/5, 3/5]]: D_1 = D_2 = 0, EᵀE = M³ and G^{1/3} = M exactly;
  3. at the same point M⁴ ≠ G (exponent 1/(L+1) fails);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational

Q = sp.Matrix([[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]])
S = sp.diag(2, 1)
WS = [Q * S, S * Q.T, S]


def _point():
    E = WS[2] * WS[1] * WS[0]
    M = WS[0].T * WS[0]
    return E, M, E.T * E


def claim_exact_balanced_chain() -> tuple[bool, str]:
    E, M, G = _point()
    D = [WS[l + 1].T * WS[l + 1] - WS[l] * WS[l].T for l in range(2)]
    P, Dg = G.diagonalize(normalize=True)
    root = P * Dg.applyfunc(lambda e: e ** R(1, 3)) * P.T
    ok = all(d == sp.zeros(2, 2) for d in D) and G == M ** 3 and sp.simplify(root - M) == \
        sp.zeros(2, 2)
    return ok, f"D_l = 0, G = M^3 = {G.tolist()}, G^(1/3) = M = {M.tolist()}"


def claim_wrong_exponent() -> tuple[bool, str]:
    _, M, G = _point()
    return M ** 4 != G, f"M^4 = {(M ** 4).tolist()} != G"


claim_registered_proof, claim_controls_refuted = registered_claims("agop-balanced-power")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_balanced_chain,
        claim_wrong_exponent,
        claim_controls_refuted,
    )))
