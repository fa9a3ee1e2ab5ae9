"""NFA with weight decay from any initialisation, asymptotically (proof script).

Theorem
    For λ > 0 and any initialisation: EᵀE − M^L = Σ_l E_lᵀR_{L−l}(W_{l+1}ᵀW_{l+1}, W_lW_lᵀ)E_l
    with R_m(X, Y) = Σ_j X^j(X − Y)Y^{m−1−j}; D_l(t) = e^{−2λt}D_l(0) and bounded weights give
    ‖M − G^{1/L}‖ = O(e^{−2λt/L}); the relative residual → 0 when the limit M_∞ ≠ 0.

Hypotheses
    Linear network, any depth and widths; gradient flow with λ > 0; for the relative residual,
    convergence to a critical point with W_1ᵀW_1 ≠ 0.

References
    Tansley, Massart, Cartis (2026), AISTATS; Arora, Cohen, Hazan (2018), ICML;
    Bhatia, Matrix Analysis, ch. X (‖A^r − B^r‖ ≤ ‖A − B‖^r).

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. the remainder identity holds exactly at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3], [1, 1]],
     W_3 = [[1, -1]] (L = 3, unbalanced);
  3. collapse: with X = 0 and w(0) = (1, 2) the exact flow w_l = e^{−λt}w_l(0) has
     |M − G^{1/2}| → 0 but relative residual 1 for all t (why M_∞ ≠ 0 is needed);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational

WS = [sp.Matrix([[1, R(1, 2)], [0, -1]]), sp.Matrix([[2, R(-1, 3)], [1, 1]]),
      sp.Matrix([[1, -1]])]


def _rem(X, Y, m):
    return sum((X ** j * (X - Y) * Y ** (m - 1 - j) for j in range(m)), sp.zeros(*X.shape))


def claim_remainder_identity() -> tuple[bool, str]:
    L = len(WS)
    E = WS[2] * WS[1] * WS[0]
    M = WS[0].T * WS[0]
    total = sp.zeros(2, 2)
    for l in range(1, L):
        El = WS[0] if l == 1 else WS[1] * WS[0]
        Xl, Yl = WS[l].T * WS[l], WS[l - 1] * WS[l - 1].T
        total += El.T * _rem(Xl, Yl, L - l) * El
    lhs = E.T * E - M ** L
    return lhs == total and lhs != sp.zeros(2, 2), f"E^T E - M^3 = {lhs.tolist()} = remainder sum"


def claim_collapse() -> tuple[bool, str]:
    t, lam = sp.symbols("t lambda", positive=True)
    w1, w2 = sp.exp(-lam * t), 2 * sp.exp(-lam * t)
    flows = all(sp.simplify(sp.diff(w, t) + lam * w) == 0 for w in (w1, w2))
    M, root = w1 ** 2, sp.sqrt((w1 * w2) ** 2)
    rel = sp.simplify((root - M) / M)
    return flows and rel == 1 and sp.limit(root - M, t, sp.oo) == 0, \
        f"relative residual = {rel}, absolute -> 0"


claim_registered_proof, claim_controls_refuted = registered_claims("nfa-weight-decay-asymptotic")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_remainder_identity,
        claim_collapse,
        claim_controls_refuted,
    )))
