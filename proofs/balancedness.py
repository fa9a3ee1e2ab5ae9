"""Conservation of the imbalance without weight decay (proof script).

Theorem
    For f(x) = W_L ⋯ W_1 x under gradient flow of the square loss with λ = 0, every
    D_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ is constant in time.

Hypotheses
    Linear network, any depth L ≥ 2 and widths; gradient flow; no weight decay.

References
    Arora, Cohen, Hazan (2018), ICML; Du, Hu, Lee (2018), NeurIPS.

Claims checked here (exact parameters):
  1. the registered proof is ``proved``;
  2. at W_1 = [[1, 1/2], [0, -1]], W_2 = [[2, -1/3]] with X = [[1, 2, 0], [-1, 1/2, 3]],
     Y = [[1, 0, -2]] the exact velocities (SymPy derivative of the loss) give dD_1/dt = 0;
  3. with λ = 1/10 at the same point dD_1/dt ≠ 0 (conservation needs λ = 0);
  4. every control of the registry is ``refuted``.
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


def velocities(lam):
    """-dL/dW_1, -dL/dW_2 at (W1, W2) by SymPy differentiation of the explicit loss."""
    n = X.shape[1]
    a = sp.Matrix(2, 2, sp.symbols("a0:4"))
    b = sp.Matrix(1, 2, sp.symbols("b0:2"))
    loss = (sum(e ** 2 for e in b * a * X - Y) / (2 * n)
            + lam / 2 * (sum(e ** 2 for e in a) + sum(e ** 2 for e in b)))
    at = dict(zip(list(a) + list(b), list(W1) + list(W2), strict=True))
    return (a.applyfunc(lambda e: -sp.diff(loss, e).subs(at)),
            b.applyfunc(lambda e: -sp.diff(loss, e).subs(at)))


def imbalance_rate(lam):
    v1, v2 = velocities(lam)
    return v2.T * W2 + W2.T * v2 - v1 * W1.T - W1 * v1.T


def claim_exact_conservation() -> tuple[bool, str]:
    rate = sp.simplify(imbalance_rate(0))
    return rate == sp.zeros(2, 2), f"dD_1/dt = {rate.tolist()}"


def claim_decay_breaks_conservation() -> tuple[bool, str]:
    rate = sp.simplify(imbalance_rate(R(1, 10)))
    return rate != sp.zeros(2, 2), f"lambda = 1/10: dD_1/dt = {rate.tolist()}"


@functools.cache
def _result():
    return run_theorem(get_theorem("balancedness"))


def claim_registered_proof() -> tuple[bool, str]:
    r = _result()
    return r.status == "proved", f"status {r.status} in {r.seconds:.2f} s"


def claim_controls_refuted() -> tuple[bool, str]:
    r = _result()
    ok = bool(r.controls) and all(c.status == "refuted" and c.evidence for c in r.controls)
    return ok, "; ".join(f"{c.claim} -> {c.status}" for c in r.controls)


def main() -> int:
    failed = 0
    claims = (
        claim_registered_proof,
        claim_exact_conservation,
        claim_decay_breaks_conservation,
        claim_controls_refuted,
    )
    for claim in claims:
        ok, detail = claim()
        failed += not ok
        print(f"{'HOLDS' if ok else 'FAILS'}  {claim.__name__}: {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
