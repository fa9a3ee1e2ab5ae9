"""The proof-script runner: verdict lines, exit status, and the velocities it is used with."""

import sympy as sp

from nfacheck.cli.proofscript import registered_claims, run_claims
from nfacheck.symbolic.pointwise import imbalance_rate, velocities_at


def claim_true():
    return True, "fine"


def claim_false():
    return False, "broken"


def test_run_claims_prints_each_verdict_and_fails_on_any_false(capsys):
    assert run_claims((claim_true,)) == 0
    assert capsys.readouterr().out == "HOLDS  claim_true: fine\n"
    assert run_claims((claim_true, claim_false), style="bracketed") == 1
    assert capsys.readouterr().out.splitlines() == [
        "[HOLDS] claim_true: fine", "[FAILS] claim_false: broken", "verdict: 1 claim(s) failed",
    ]


def test_registered_claims_are_named_for_the_verdict_lines():
    proof, controls = registered_claims("gradient-linear")
    assert (proof.__name__, controls.__name__) == ("claim_registered_proof",
                                                   "claim_controls_refuted")
    assert proof()[0] and controls()[0]


def test_velocities_match_the_linear_gradient_formula_and_imbalance_rate():
    R = sp.Rational
    W1, W2 = sp.Matrix([[1, R(1, 2)], [0, -1]]), sp.Matrix([[2, R(-1, 3)]])
    X, Y = sp.Matrix([[1, 2, 0], [-1, R(1, 2), 3]]), sp.Matrix([[1, 0, -2]])
    lam, n = R(1, 10), 3
    resid = W2 * W1 * X * X.T / n - Y * X.T / n
    v1, v2 = velocities_at([W1, W2], X, Y, weight_decay=lam)
    assert v1 == -(W2.T * resid + lam * W1) and v2 == -(resid * W1.T + lam * W2)
    D = W2.T * W2 - W1 * W1.T
    assert imbalance_rate([W1, W2], [v1, v2]) == -2 * lam * D  # the decay law, exactly
    assert imbalance_rate([W1, W2], velocities_at([W1, W2], X, Y)) == sp.zeros(2, 2)
