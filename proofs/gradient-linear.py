"""Gradient of the loss of a deep linear network (proof script).

Theorem
    For f(x) = W_L ⋯ W_1 x and ℒ = (1/2n)‖EX − Y‖_F² + (λ/2)Σ_l‖W_l‖_F², E = W_L ⋯ W_1,
    every layer l: ∂ℒ/∂W_l = (W_L⋯W_{l+1})ᵀ(EΣxx − Σyx)(W_{l−1}⋯W_1)ᵀ + λW_l,
    Σxx = XXᵀ/n, Σyx = YXᵀ/n.

Hypotheses
    Linear network without biases, any depth L ≥ 1 and any widths.

References
    Arora, Cohen, Hazan (2018), ICML; Tansley, Massart, Cartis (2026), AISTATS.

Claims checked here (exact parameters):
  1. the registered proof (one-layer directional derivative with abstract prefix and suffix,
     random rational instances, explicit networks L = 2..5) is ``proved``;
  2. at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3]], X = [[1, 2, 0], [-1, 1/2, 3]],
     Y = [[1, 0, -2]], λ = 1/10 the formula equals the SymPy derivative of the loss entry by entry;
  3. every control of the registry is ``refuted``.
Exit status 0 when all claims hold, 1 otherwise.
"""

from __future__ import annotations

import functools
import sys

import sympy as sp

from nfacheck.theorems import get_theorem, run_theorem

R = sp.Rational
W1 = sp.Matrix([[1, R(1, 2)], [0, -1]])
W2 = sp.Matrix([[2, R(-1, 3)]])
X = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]])
Y = sp.Matrix([[1, 0, -2]])
LAM = R(1, 10)


@functools.cache
def _result():
    return run_theorem(get_theorem("gradient-linear"))


def claim_registered_proof() -> tuple[bool, str]:
    r = _result()
    return r.status == "proved", f"status {r.status} in {r.seconds:.2f} s"


def claim_exact_instance() -> tuple[bool, str]:
    n = X.shape[1]
    a = sp.Matrix(2, 2, sp.symbols("a0:4"))
    b = sp.Matrix(1, 2, sp.symbols("b0:2"))
    loss = (sum(e ** 2 for e in b * a * X - Y) / (2 * n)
            + LAM / 2 * (sum(e ** 2 for e in a) + sum(e ** 2 for e in b)))
    at = dict(zip(list(a) + list(b), list(W1) + list(W2), strict=True))
    E = W2 * W1
    sxx, syx = X * X.T / n, Y * X.T / n
    g1 = W2.T * (E * sxx - syx) + LAM * W1
    g2 = (E * sxx - syx) * W1.T + LAM * W2
    d1 = a.applyfunc(lambda e: sp.diff(loss, e).subs(at))
    d2 = b.applyfunc(lambda e: sp.diff(loss, e).subs(at))
    ok = sp.simplify(d1 - g1) == sp.zeros(2, 2) and sp.simplify(d2 - g2) == sp.zeros(1, 2)
    return ok, f"dL/dW_1 = {g1.tolist()}, dL/dW_2 = {g2.tolist()}"


def claim_controls_refuted() -> tuple[bool, str]:
    r = _result()
    ok = bool(r.controls) and all(c.status == "refuted" and c.evidence for c in r.controls)
    return ok, "; ".join(f"{c.claim} -> {c.status}" for c in r.controls)


def main() -> int:
    failed = 0
    for claim in (claim_registered_proof, claim_exact_instance, claim_controls_refuted):
        ok, detail = claim()
        failed += not ok
        print(f"{'HOLDS' if ok else 'FAILS'}  {claim.__name__}: {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
