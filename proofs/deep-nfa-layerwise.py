"""The deep NFA of a balanced linear network, every layer (proof script).

Theorem
    If W_{j+1}ᵀW_{j+1} = W_jW_jᵀ for j = l..L−1, then S_lᵀS_l = (W_lᵀW_l)^{L−l+1} with
    S_l = W_L⋯W_l; so the Gram of layer l is G_l^{1/(L−l+1)}, G_l = S_lᵀS_l the AGOP of the
    sub-network from layer l on (w.r.t. the layer input). Every depth L and layer l.

Hypotheses
    Linear network, any widths; balanced from layer l on.

References
    Beaglehole, Radhakrishnan et al. (the deep NFA, arXiv:2212.13881); Tansley, Massart, Cartis
    (2026); Arora, Cohen, Hazan (2018); Bhatia, Matrix Analysis, ch. X.

Claims checked here (exact parameters):
  1. the registered kernel proof is ``proved``;
  2. a balanced chain of depth 4, W_l = U_l diag(2, 1/2) U_{l-1}ᵀ with rational rotations:
     for l = 1..4, S_lᵀS_l = (W_lᵀW_l)^{5−l} exactly;
  3. at the same chain S_lᵀS_l ≠ (W_lᵀW_l)^{6−l} for every l (exponent 1/(L−l+2) fails);
  4. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import sys

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims

R = sp.Rational


def _rot(a, b):
    n = sp.sqrt(a * a + b * b)
    return sp.Matrix([[a / n, -b / n], [b / n, a / n]])


US = [_rot(3, 4), _rot(5, 12), _rot(8, 15), _rot(7, 24), sp.eye(2)]
SIG = sp.diag(2, R(1, 2))
WS = [US[i + 1] * SIG * US[i].T for i in range(4)]


def _suffix(l):
    S = sp.eye(2)
    for W in WS[l - 1:]:
        S = W * S
    return S


def claim_every_layer_exact() -> tuple[bool, str]:
    ok = all((_suffix(l).T * _suffix(l) - (WS[l - 1].T * WS[l - 1]) ** (5 - l)).applyfunc(
        sp.simplify) == sp.zeros(2, 2) for l in range(1, 5))
    return ok, "L = 4: S_l^T S_l = (W_l^T W_l)^(5-l) for l = 1, 2, 3, 4"


def claim_wrong_exponent() -> tuple[bool, str]:
    bad = [l for l in range(1, 5) if (_suffix(l).T * _suffix(l)
                                        - (WS[l - 1].T * WS[l - 1]) ** (6 - l)).applyfunc(
        sp.simplify) == sp.zeros(2, 2)]
    return not bad, "S_l^T S_l != (W_l^T W_l)^(6-l) for every l" if not bad else f"equal at {bad}"


claim_registered_proof, claim_controls_refuted = registered_claims("deep-nfa-layerwise")


if __name__ == "__main__":
    sys.exit(run_claims((
        claim_registered_proof,
        claim_every_layer_exact,
        claim_wrong_exponent,
        claim_controls_refuted,
    )))
