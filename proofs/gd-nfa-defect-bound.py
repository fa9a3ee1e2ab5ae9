"""The NFA defect of gradient descent is O(η) at a fixed time (proof script).

Theorem
    GD with step η and λ = 0 on a linear network, gradients met bounded by Γ, weights after k
    steps bounded by ω in spectral norm: ‖D_l(k)‖_F ≤ ‖D_l(0)‖_F + √2 η²Γ² k and
    ‖EᵀE − M^L‖_F ≤ ω^{2(L−1)} L(L−1)/2 (max_l ‖D_l(0)‖_F + √2 η t Γ²), t = kη.

Hypotheses
    Linear network, any depth and widths; λ = 0.

References
    Arora, Cohen, Golowich, Hu (2019), ICLR; Tansley, Massart, Cartis (2026).

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved``;
  2. L = 2, balanced W_1 = Q diag(1, 1/2), W_2 = diag(1, 1/2) Qᵀ (Q the 3-4-5 rotation), X = I,
     Y = [[2, 1], [0, 1]], η = 1/10, 3 exact GD steps: ‖D(k)‖_F ≤ √2 η²Γ² k and
     ‖EᵀE − M²‖_F ≤ ω² √2 η²Γ² k with Γ, ω (Frobenius, ≥ spectral) measured along the run;
  3. at the same run a drift term O(η³) per step (η times the bound) is exceeded;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational
ETA, K = R(1, 10), 3
Q = sp.Matrix([[R(3, 5), R(-4, 5)], [R(4, 5), R(3, 5)]])
S = sp.diag(1, R(1, 2))
X, Y = sp.eye(2), sp.Matrix([[2, 1], [0, 1]])


def _frob(A):
    return sp.sqrt(sum(v**2 for v in A))


def _run():
    w1, w2 = Q * S, S * Q.T  # balanced: w2^T w2 = w1 w1^T
    gamma = R(0)
    for _ in range(K):
        r = (w2 * w1 * X - Y) * X.T / 2
        g1, g2 = w2.T * r, r * w1.T
        gamma = max(gamma, _frob(g1), _frob(g2))
        w1, w2 = w1 - ETA * g1, w2 - ETA * g2
    omega = max(_frob(w1), _frob(w2))  # the Frobenius norm bounds the spectral norm
    D = _frob(w2.T * w2 - w1 * w1.T)
    E = w2 * w1
    defect = _frob(E.T * E - (w1.T * w1) ** 2)
    drift = sp.sqrt(2) * ETA**2 * gamma**2 * K
    return D, defect, drift, omega


def claim_bound_holds() -> tuple[bool, str]:
    D, defect, drift, omega = _run()
    ok = D <= drift and defect <= omega**2 * drift
    return bool(ok), f"||D|| = {float(D):.3g} <= {float(drift):.3g}; defect {float(defect):.3g}" \
                     f" <= {float(omega**2 * drift):.3g}"


def claim_eta_squared_fails() -> tuple[bool, str]:
    D, defect, drift, omega = _run()
    return bool(defect > ETA * omega**2 * drift), \
        f"defect {float(defect):.3g} > eta * bound = {float(ETA * omega**2 * drift):.3g}"


claim_registered_proof, claim_controls_refuted = registered_claims("gd-nfa-defect-bound")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_bound_holds,
        claim_eta_squared_fails,
        claim_controls_refuted,
    )))
