"""nfacheck.inspect: per-layer AGOPs against independent computations, certified bounds, FACT."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from inspect_exact import exact_defect

import nfacheck
from nfacheck.errors import InputError
from nfacheck.experiments.models import agop as agop64
from nfacheck.experiments.models import loss_gradients
from nfacheck.inspect import inspect
from nfacheck.inspect.bounds import sqrt_lo, sqrt_up, sym_spectral_up


def _net(rng, widths, scale=1.0):
    return [(rng.standard_normal((widths[i + 1], widths[i])) * scale / np.sqrt(widths[i]))
            .astype(np.float32) for i in range(len(widths) - 1)]


def test_package_is_callable_and_agops_match_the_experiments_path():
    rng = np.random.default_rng(1)
    W = _net(rng, [6, 9, 7, 3])
    X = rng.standard_normal((50, 6)).astype(np.float32)
    r = nfacheck.inspect(W, X, activation="relu")
    W64 = [w.astype(np.float64) for w in W]
    X64 = X.astype(np.float64)
    for l in range(1, 4):  # G_l is the AGOP of the sub-network on the layer's input
        h = X64.T
        for w in W64[:l - 1]:
            h = np.maximum(w @ h, 0.0)
        G = agop64(W64[l - 1:], h, "relu")
        assert np.allclose(r.matrices[l]["G"], G, rtol=1e-12, atol=1e-15)
    assert [row["alpha_theory"] for row in r.layers] == [1 / 3, 1 / 2, 1.0]


def test_certified_bound_is_below_the_exact_defect_and_tight():
    rng = np.random.default_rng(3)
    W = _net(rng, [4, 5, 4, 2])
    X = rng.standard_normal((8, 4)).astype(np.float32)
    X[4] = np.abs(X[4])  # (with this seed one sample has every unit of layer 1 off otherwise)
    r = inspect(W, X, activation="relu")
    assert [row["uncertain_signs"] for row in r.layers] == [0, 0, 0]
    for l in (1, 2):
        exact = exact_defect(W, X, l)
        lo = r.layers[l - 1]["certified"]["gram"]["defect_lower"]
        assert 0 < lo <= exact
        assert exact - lo < 1e-9 * exact


def test_certified_bound_is_zero_when_the_matrices_commute_exactly():
    # negative control: W2 = W1ᵀ, linear: G_1 = (W1ᵀW1)² commutes with M exactly, so no positive
    # bound may be certified although the float64 commutator is rounding noise, not 0
    rng = np.random.default_rng(5)
    W1 = rng.standard_normal((6, 6))
    r = inspect([W1, W1.T.copy()], rng.standard_normal((20, 6)), activation="linear")
    row = r.layers[0]
    assert row["certified"]["gram"]["defect_lower"] == 0.0
    assert row["gram"]["commutator_bound"] < 1e-14


def test_uncertain_relu_signs_are_counted_and_the_bound_stays_valid():
    rng = np.random.default_rng(7)
    W = _net(rng, [3, 4, 2])
    X = rng.standard_normal((6, 3)).astype(np.float32)
    X[0] = 0.0  # every pre-activation of this sample is exactly 0 (the kink)
    r = inspect(W, X, activation="relu")
    assert r.layers[0]["uncertain_signs"] == 4
    lo = r.layers[0]["certified"]["gram"]["defect_lower"]
    assert lo <= exact_defect(W, X, 1)  # σ′(0) = 0 there, one of the enclosed choices


def test_smooth_activations_are_not_certified_and_say_why():
    rng = np.random.default_rng(0)
    r = inspect(_net(rng, [3, 4, 2]), rng.standard_normal((10, 3)), activation="tanh")
    assert r.certification["status"] == "not certified"
    assert "certified" not in r.layers[0]


def test_rigorous_scalar_helpers():
    for q in (Fraction(2), Fraction(1, 3), Fraction(10) ** 40 + 1, Fraction(1, 10**30)):
        lo, hi = sqrt_lo(q), sqrt_up(q)
        assert lo * lo <= q <= hi * hi
        assert hi - lo <= hi * Fraction(1, 2**55)
    A = np.random.default_rng(0).standard_normal((30, 30))
    A = A + A.T
    up = sym_spectral_up(A)
    top = np.max(np.abs(np.linalg.eigvalsh(A)))
    assert top <= up <= top * (1 + 1e-11)


def _gd_to_stationary(W, X, Y, lam, steps, lr=0.05):
    W = [w.copy() for w in W]
    for _ in range(steps):
        g, _ = loss_gradients(W, X.T, Y.T, "linear")
        W = [w - lr * (gw + lam * w) for w, gw in zip(W, g, strict=True)]
    return W


def test_fact_residual_small_at_a_stationary_point_and_not_before():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((12, 3)), rng.standard_normal((12, 2))
    W0 = [rng.standard_normal((4, 3)) * 0.5, rng.standard_normal((2, 4)) * 0.5]
    lam = 0.1
    early = inspect(_gd_to_stationary(W0, X, Y, lam, 5), X, Y=Y, weight_decay=lam,
                    activation="linear")
    late = inspect(_gd_to_stationary(W0, X, Y, lam, 4000), X, Y=Y, weight_decay=lam,
                   activation="linear")
    assert all(r["fact"]["fact_residual"] < 1e-8 for r in late.layers)
    assert all(r["fact"]["fact_residual"] > 1e-2 for r in early.layers)
    # the wrong λ is a control: the same stationary point fails FACT with 2λ
    wrong = inspect(_gd_to_stationary(W0, X, Y, lam, 4000), X, Y=Y, weight_decay=2 * lam,
                    activation="linear")
    assert all(r["fact"]["fact_residual"] > 0.4 for r in wrong.layers)


def test_linear_balanced_net_meets_the_theory_exponent():
    # W2 = W1ᵀ (balanced, k = d): G_1 = M², so the residual at α = 1/2 vanishes and alpha_fit = 1/2
    rng = np.random.default_rng(4)
    W1 = rng.standard_normal((5, 5))
    r = inspect([W1, W1.T.copy()], rng.standard_normal((30, 5)), activation="linear")
    g = r.layers[0]["gram"]
    assert g["residual_theory"] < 1e-12
    assert abs(g["alpha_fit"] - 0.5) < 1e-6
    assert g["residual_half"] == g["residual_theory"]


@pytest.mark.parametrize("kwargs, match", [
    ({"X": np.zeros((5, 4))}, "first layer"),
    ({"X": np.zeros((3, 5))}, "samples as rows"),
    ({"X": np.full((5, 3), np.nan)}, "non-finite"),
    ({"layers": [4]}, "numbered 1..2"),
    ({"weight_decay": -1.0}, "positive"),
])
def test_bad_api_input_is_an_input_error(kwargs, match):
    rng = np.random.default_rng(0)
    W = _net(rng, [3, 4, 2])
    args = {"X": rng.standard_normal((5, 3)), **kwargs}
    with pytest.raises(InputError, match=match):
        inspect(W, args.pop("X"), activation="relu", **args)


def test_layers_that_do_not_chain_are_refused():
    with pytest.raises(InputError, match="do not chain"):
        inspect([np.ones((4, 3)), np.ones((2, 5))], np.ones((2, 3)), activation="relu")
    with pytest.raises(InputError, match="non-finite"):
        inspect([np.array([[np.inf, 1.0]])], np.ones((2, 2)), activation="relu")
