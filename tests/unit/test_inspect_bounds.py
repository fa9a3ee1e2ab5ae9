"""inspect's certified bound against exact rational arithmetic, at and near ReLU kinks.

The certified value must stay below the exact ‖[M,G]‖_F/(2‖G‖_2‖M‖_F) of the stored net for
every choice of σ′(0) (tests/inspect_exact.py computes it with Fractions), also where the float
sign of a pre-activation is wrong; a mutant that drops the uncertain units' gate term must be
caught; and following the uncertain units must keep the bound informative in deep nets.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from inspect_exact import exact_defect, near_kink, preactivations

import nfacheck.inspect.propagate as propagate
from nfacheck.inspect import inspect
from nfacheck.inspect.api import as_network
from nfacheck.inspect.exact_signs import ExactNet
from nfacheck.inspect.passes import run_passes


def _alive(W, x) -> bool:
    h = x
    for w in W[:-1]:
        h = np.maximum(np.asarray(w, dtype=np.float64) @ h, 0.0)
        if not h.any():
            return False
    return True


def _random_case(seed: int):
    """A small net (depth 3–5, widths ≤ 8) and n ≤ 20 samples, 1–3 of them near a deep kink."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(3, 6))
    widths = [int(rng.integers(3, 9)) for _ in range(depth)] + [int(rng.integers(1, 4))]
    W = [rng.standard_normal((widths[i + 1], widths[i])) / np.sqrt(widths[i])
         for i in range(depth)]
    if seed % 3 == 0:
        W = [w.astype(np.float32) for w in W]
    X = rng.standard_normal((int(rng.integers(12, 21)), widths[0]))
    X = np.array([x for x in X if _alive(W, x)])
    try:
        return W, near_kink(W, X, int(rng.integers(1, 4)), seed)
    except ValueError:
        return None


def _float_sign_errors(W, X, activation: str) -> int:
    """Pre-activations whose float64 sign (as the passes compute it) differs from the exact one."""
    wrong, h = 0, X
    for w, zq in zip(W[:-1], preactivations(W, X, activation), strict=True):
        z = h @ np.asarray(w, dtype=np.float64).T
        wrong += int(np.sum((z > 0) != (np.array([[v > 0 for v in r] for r in zq]))))
        h = np.maximum(z, 0.0) if activation == "relu" else np.where(z > 0, z, 0.01 * z)
    return wrong


def test_certified_never_exceeds_the_exact_defect_near_kinks():
    followed = informative = wrong_signs = cases = resolved = tight = 0
    for seed in range(24):
        case = _random_case(seed)
        if case is None:
            continue
        W, X = case
        act = ("relu", "leaky_relu")[seed % 2]
        wrong_signs += _float_sign_errors(W, X, act)
        exact = {l: min(exact_defect(W, X, l, act, kink=k) for k in (0, 1))
                 for l in range(1, len(W))}
        r = inspect(W, X, activation=act)  # uncertain signs decided exactly where possible
        f = inspect(W, X, activation=act, resolve=0)  # all of them followed
        for a, b in zip(r.layers[:-1], f.layers[:-1], strict=True):
            l = a["layer"]
            lo = a["certified"]["gram"]["defect_lower"]
            lo_f = b["certified"]["gram"]["defect_lower"]
            assert lo <= exact[l] and lo_f <= exact[l], (seed, l, lo, lo_f, exact[l])
            cases += 1
            if sum(q["uncertain_followed"] for q in f.layers[l - 1:]):
                followed += 1
                informative += lo_f > 0.1 * float(exact[l])
            if sum(q["uncertain_resolved"] for q in r.layers[l - 1:]):
                resolved += 1
                tight += lo > 0.99 * float(exact[l])
    # the sweep is not vacuous: uncertain units are followed (and the bound still says something
    # there) or decided exactly (and then the bound is tight), and some float signs are wrong
    # (the passes' gate differs from the exact one)
    assert cases > 40 and followed > 20 and informative >= 5 and wrong_signs >= 2
    assert resolved > 20 and tight > 10


def _exact_kinks(seed: int = 0):
    """Weights k/8 and inputs k/4 (so float64 is exact), and unit 0 of layer 3 computing
    0.75 (h_0 − h_1) with h_0 = h_1 wherever layer 1's unit 0 is off: z = 0 exactly there."""
    rng = np.random.default_rng(seed)
    widths = [4, 6, 6, 5, 2]
    W = [rng.integers(-8, 9, (widths[i + 1], widths[i])) / 8.0 for i in range(4)]
    W[1][1] = W[1][0]
    W[1][1, 0] += 0.5
    W[2][0] = 0.0
    W[2][0, 0], W[2][0, 1] = 0.75, -0.75
    return W, rng.integers(-4, 5, (16, 4)) / 4.0


def test_exact_kinks_hold_for_every_derivative_choice_and_the_gate_term_is_needed(monkeypatch):
    W, X = _exact_kinks()
    r = inspect(W, X, activation="relu")
    ex = {l: min(exact_defect(W, X, l, kink=k) for k in (0, 1)) for l in (1, 2, 3)}
    assert r.layers[2]["uncertain_signs"] > 0
    assert [row["uncertain_followed"] for row in r.layers] == \
        [row["uncertain_signs"] - row["uncertain_resolved"] for row in r.layers]
    for l in (1, 2, 3):
        assert r.layers[l - 1]["certified"]["gram"]["defect_lower"] <= ex[l]
    assert r.layers[0]["certified"]["gram"]["defect_lower"] > 0.9 * float(ex[1])
    # negative control: without the δ_u term of the followed units the bound is that of the
    # float gates (σ′(0) = 0) and exceeds the exact defect of the other choice σ′(0) = 1
    monkeypatch.setattr(propagate, "gate_coefficients",
                        lambda T, rows, units, dgap: np.zeros(rows.size))
    bad = inspect(W, X, activation="relu")
    assert bad.layers[0]["certified"]["gram"]["defect_lower"] > ex[1]


def test_norm_wise_fallback_is_still_valid_and_the_budget_is_respected():
    W, X = _exact_kinks()
    for follow in (0, 2):
        r = inspect(W, X, activation="relu", follow=follow)
        assert r.certification["follow_per_sample"] == follow
        for l in (1, 2, 3):
            assert r.layers[l - 1]["certified"]["gram"]["defect_lower"] <= min(
                exact_defect(W, X, l, kink=k) for k in (0, 1))
    net = as_network(W, "relu")
    p = run_passes(net, X, follow=2, batch_size=4)
    assert sum(s.followed for s in p.layers) <= 2 * X.shape[0]
    assert sum(s.followed for s in run_passes(net, X, follow=0).layers) == 0


@pytest.mark.parametrize("seed", [0, 2])
def test_following_uncertain_units_keeps_deep_bounds_informative(seed):
    # depth 7: a few samples within rounding of a deep kink zero the norm-wise bound in the
    # lower layers; followed explicitly, the bound stays within a factor 3 of the float64 one
    rng = np.random.default_rng(seed)
    widths = [8] + [24 + 8 * (seed // 2)] * 6 + [3]
    W = [(rng.standard_normal((widths[i + 1], widths[i])) * np.sqrt(2 / widths[i]))
         .astype(np.float32) for i in range(7)]
    X = near_kink(W, np.abs(rng.standard_normal((300 + 50 * seed, 8))), 3 + seed // 2, 1)
    new = inspect(W, X, activation="relu", resolve=0)
    old = inspect(W, X, activation="relu", follow=0, resolve=0)
    exact = inspect(W, X, activation="relu")  # the near-zero signs decided exactly
    assert sum(row["uncertain_followed"] for row in new.layers) > 0
    assert sum(row["uncertain_resolved"] for row in exact.layers) > 0
    for i, (row, fol) in enumerate(zip(exact.layers[:-1], new.layers, strict=False)):
        lo = row["certified"]["gram"]["defect_lower"]
        assert lo >= fol["certified"]["gram"]["defect_lower"]
        if all(q["uncertain_resolved"] == q["uncertain_signs"] for q in exact.layers[i:]):
            assert lo >= row["gram"]["commutator_bound"] * (1 - 1e-6)
    for a, b in zip(new.layers[:4], old.layers[:4], strict=True):
        lo = a["certified"]["gram"]["defect_lower"]
        assert lo > a["gram"]["commutator_bound"] / 3
        assert b["certified"]["gram"]["defect_lower"] < lo / 2


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "linear"])
def test_exact_signs_match_rational_arithmetic(activation):
    rng = np.random.default_rng(11)
    widths = [5, 6, 4, 3]
    W = [rng.standard_normal((widths[i + 1], widths[i])) for i in range(3)]
    W[0] = W[0].astype(np.float32).astype(np.float64)
    W[1][0, 0] = 0.0
    W[1][1, 1] = 5e-324  # a subnormal
    B = [rng.standard_normal(widths[1]) * 1e-3, None, rng.standard_normal(widths[3])]
    X = rng.standard_normal((7, 5))
    X[0] = 0.0
    X[1, 2] = 2.0**-1070
    # sample 2: z of layer 1, unit 0, is a tiny nonzero residual that float64 cannot resolve
    x = X[2]
    rest = sum(Fraction(float(a)) * Fraction(float(b)) for a, b in zip(W[0][0, :-1], x[:-1],
                                                                        strict=True))
    x[-1] = float(-(rest + Fraction(float(B[0][0]))) / Fraction(float(W[0][0, -1])))
    got = ExactNet(W, B, activation, 0.01).signs(X, 2)
    want = preactivations(W, X, activation, 0.01, B)
    for g, q in zip(got, want, strict=True):
        assert g.tolist() == [[(v > 0) - (v < 0) for v in row] for row in q]
    assert got[0][0].tolist() == np.sign(B[0]).astype(int).tolist()


def test_trusting_the_float_signs_instead_is_caught(monkeypatch):
    # negative control: a resolver that takes the float64 sign for the exact one "decides" a
    # sign the float got wrong, and the bound then exceeds the exact defect (seed 0: layer 1)
    W, X = _random_case(0)
    assert _float_sign_errors(W, X, "relu") > 0
    ex = min(exact_defect(W, X, 1, "relu", kink=k) for k in (0, 1))
    assert inspect(W, X, activation="relu").layers[0]["certified"]["gram"]["defect_lower"] <= ex

    def float_signs(self, X, layers):
        out, h = [], X
        for w in self.weights[:layers]:
            z = h @ w.T
            out.append(np.sign(z).astype(np.int8))
            h = np.maximum(z, 0.0)
        return out

    monkeypatch.setattr(ExactNet, "signs", float_signs)
    assert inspect(W, X, activation="relu").layers[0]["certified"]["gram"]["defect_lower"] > ex
