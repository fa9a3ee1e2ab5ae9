"""Neuron-wise balancedness for homogeneous activations (proof script).

Theorem
    For f(x) = W_L σ(W_{L-1} ⋯ σ(W_1 x)) with σ(z) = zσ′(z) (linear, ReLU, leaky ReLU), weight
    decay λ = 0 and gradient flow dW_l/dt = −∂ℒ/∂W_l, every hidden unit j of every layer l keeps
    ‖W_l[j,:]‖² − ‖W_{l+1}[:,j]‖² constant, for every depth and width.

Hypotheses
    σ(z) = zσ′(z) (at a kink any subgradient s: 0·s = σ(0) = 0); λ = 0; no biases.

Reference
    Du, Hu, Lee (2018), "Algorithmic regularization in learning deep homogeneous models: layers
    are automatically balanced", NeurIPS.

Claims checked here (exact parameters):
  1. the registered proof (abstract unit, explicit nets, random rational points) is ``proved``;
  2. at the hand-picked point below every unit rate is exactly 0 for relu and leaky relu;
  3. at the same point tanh gives a non-zero rate, and λ = 1/10 gives exactly −2λ(‖row‖² − ‖col‖²);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.theorems.homogeneous import rates_at

R = sp.Rational
W1 = sp.Matrix([[R("1/2"), R("-1/3")], [R("2"), R("1/10")], [R("-3/4"), R("5/7")]])
W2 = sp.Matrix([[R("1"), R("-2/5"), R("3/2")]])
XS = [sp.Matrix([R("3/10"), R("-1")]), sp.Matrix([R("-2"), R("1/4")])]
YS = [sp.Matrix([R("1/2")]), sp.Matrix([R("-1")])]
LAMBDA = R("1/10")


claim_registered_proof, claim_controls_refuted = registered_claims(
    "neuronwise-balancedness-homogeneous"
)


def claim_homogeneous_rates_vanish() -> tuple[bool, str]:
    rates = {a: rates_at(a, [W1, W2], XS, YS) for a in ("relu", "leaky_relu", "linear")}
    ok = all(v == 0 for r in rates.values() for v in r.values())
    return ok, "; ".join(f"{a}: {list(r.values())}" for a, r in rates.items())


def claim_tanh_and_decay_break_it() -> tuple[bool, str]:
    tanh = rates_at("tanh", [W1, W2], XS, YS)
    decay = rates_at("relu", [W1, W2], XS, YS, weight_decay=LAMBDA)
    expected = {(1, j + 1): -2 * LAMBDA * (sum(e**2 for e in W1.row(j)) - W2[0, j] ** 2)
                for j in range(3)}
    ok = any(abs(v) > 1e-30 for v in tanh.values()) and decay == expected
    return ok, (f"tanh rates {[sp.N(v, 12) for v in tanh.values()]}; relu with λ = {LAMBDA}: "
                f"{list(decay.values())} = −2λ(‖row‖² − ‖col‖²): {decay == expected}")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_homogeneous_rates_vanish,
        claim_tanh_and_decay_break_it,
        claim_controls_refuted,
    ), style="bracketed"))
