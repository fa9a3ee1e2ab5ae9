"""FACT at a stationary point (proof script).

Theorem
    For f(x) = W_L σ(W_{L-1} ⋯ σ(W_1 x)) with any differentiable σ, any depth, weight decay
    λ > 0 and ℒ = (1/2n)Σ_i‖f(x_i) − y_i‖² + (λ/2)Σ_l‖W_l‖_F², every stationary point satisfies
    W_1ᵀW_1 = −(1/(nλ)) Σ_i ∇_xℓ_i(x_i) x_iᵀ, ℓ_i = ½‖f(x_i) − y_i‖².

Hypotheses
    σ differentiable; λ > 0; ∂ℒ/∂W_1 = 0 (the other layers need not be stationary).

Reference
    Boix-Adserà, Mallinar, Simon, Belkin (2025), "FACT: the Features At Convergence Theorem",
    arXiv:2507.05644.

Claims checked here (exact parameters):
  1. the registered proof (abstract chain rule, explicit nets, stationary points) is ``proved``;
  2. an exact stationary point with λ = 1/5 (σ(z) = z + z²/4 − z³/6, widths [2, 3, 1], n = 9,
     seed 21)
     has ∇ℒ = 0 exactly and a zero FACT residual;
  3. at that point the wrong sign +1/(nλ) leaves the residual 2·W_1ᵀW_1;
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import functools
import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.theorems.fact import fact_residual, stationary_gradient, stationary_instance

LAMBDA = sp.Rational("1/5")
WIDTHS, N, SEED = (2, 3, 1), 9, 21


def sigma(z):
    """A differentiable activation with odd and even parts (polynomial, so exact)."""
    return z + z**2 / 4 - z**3 / 6


claim_registered_proof, claim_controls_refuted = registered_claims("fact-stationary")


@functools.cache
def _instance():
    return stationary_instance(SEED, sigma, WIDTHS, N, LAMBDA)


def claim_exact_stationary_point() -> tuple[bool, str]:
    Ws, xs, ys = _instance()
    stationary = all(e == 0 for g in stationary_gradient(Ws, xs, ys, sigma, LAMBDA) for e in g)
    res = fact_residual(Ws, xs, ys, sigma, LAMBDA)
    ok = stationary and res == sp.zeros(*res.shape)
    return ok, (f"∇ℒ = 0 exactly: {stationary}; residual {res.tolist()}; "
                f"W_1ᵀW_1 = {(Ws[0].T * Ws[0]).tolist()}")


def claim_wrong_sign_residual() -> tuple[bool, str]:
    Ws, xs, ys = _instance()
    res = fact_residual(Ws, xs, ys, sigma, LAMBDA, coefficient=1 / (N * LAMBDA))
    M = Ws[0].T * Ws[0]
    ok = res == 2 * M and M != sp.zeros(*M.shape)
    return ok, f"residual = 2·W_1ᵀW_1: {res == 2 * M}"


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_exact_stationary_point,
        claim_wrong_sign_residual,
        claim_controls_refuted,
    ), style="bracketed"))
