"""float64 NFA metrics and the discrete imbalance laws (nfacheck.experiments)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpmath import mp

from nfacheck.experiments import metrics64 as m64
from nfacheck.experiments.laws import drift_slope, imbalance_law_trace
from nfacheck.experiments.train import make_data, run_config, train


def _spd(d, seed, spread=2.0):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (q * np.geomspace(spread, 1 / spread, d)) @ q.T


def test_exact_power_is_found_and_a_wrong_exponent_is_not():
    G = _spd(4, 0)
    P, clamped = m64.psd_power(G, 1 / 3)
    M = 2.5 * P
    r = m64.residual_at(M, G, 1 / 3)
    assert r["nfa_residual"] < 1e-14 and r["c"] == pytest.approx(2.5)
    assert r["nfa_residual_c1"] == pytest.approx(1.5 / 2.5, rel=1e-12)
    a, res = m64.alpha_fit(M, G)
    assert abs(a - 1 / 3) < 1e-8 and res < 1e-9
    # control: the exponent 1/4 leaves a clear residual
    assert m64.residual_at(M, G, 1 / 4)["nfa_residual"] > 1e-2


def test_commutator_bound_is_a_lower_bound_and_vanishes_for_commuting_pairs():
    rng = np.random.default_rng(1)
    M, G = _spd(4, 2), _spd(4, 3)
    lb = m64.commutator_bound(M, G)
    assert lb > 1e-3
    for _ in range(20):
        a, c = rng.uniform(0, 2), rng.uniform(0.1, 3)
        P, _ = m64.psd_power(G, a)
        assert np.linalg.norm(M - c * P) / np.linalg.norm(M) >= lb - 1e-15
    assert m64.commutator_bound(m64.psd_power(G, 0.3)[0], G) < 1e-14


def test_clamp_is_reported_and_degenerate_cases_are_nan():
    v = np.array([[1.0, 2.0, 0.0]])
    G = v.T @ v  # rank one
    P, clamped = m64.psd_power(G, 0.5)
    assert clamped == 2 and m64.residual_at(np.eye(3), G, 0.5)["rank"] == 1
    assert np.allclose(P, G / np.sqrt(5.0))
    assert math.isnan(m64.residual_at(np.zeros((3, 3)), G, 0.5)["nfa_residual"])
    assert m64.residual_at(np.eye(3), np.zeros((3, 3)), 0.5)["nfa_residual"] == 1.0
    assert math.isnan(m64.alpha_fit(np.eye(3), np.zeros((3, 3)))[0])


def test_correlation_is_near_one_for_any_exponent_on_well_conditioned_g():
    # why the cosine is reported for comparison only
    G = _spd(4, 4, spread=1.3)
    assert m64.correlation(m64.psd_power(G, 0.5)[0], G) > 0.98
    assert m64.correlation(m64.psd_power(G, 1.5)[0], G) > 0.98


@pytest.mark.parametrize(
    "kw", [{}, {"init": "gaussian"}, {"activation": "tanh", "depth": 3},
           {"activation": "relu", "depth": 3, "init": "orthogonal"}],
)
def test_same_definitions_as_the_high_precision_metrics(kw):
    from nfacheck.numeric.metrics import nfa_metrics

    cfg = run_config(steps=150, **kw)
    _, W = train(cfg, return_weights=True)
    X, Y = make_data(cfg.d, cfg.k, cfg.n, cfg.seed)
    ours = m64.metrics(W, X, Y, cfg.activation)
    ref = nfa_metrics([mp.matrix(w.tolist()) for w in W], mp.matrix(X.tolist()),
                      cfg.activation, dps=25)
    pairs = {"nfa_residual": "nfa_residual", "nfa_residual_c1": "nfa_residual_c1",
             "c": "c_opt", "correlation": "correlation", "commutator_bound": "commutator_bound",
             "imbalance": "imbalance", "alpha_fit_residual": "residual_at_alpha_fit"}
    for k, rk in pairs.items():
        assert ours[k] == pytest.approx(float(getattr(ref, rk)), rel=1e-10, abs=1e-13), k
    assert abs(ours["alpha_fit"] - float(ref.alpha_fit)) < 1e-6


@pytest.mark.parametrize("kw", [{"depth": 3}, {"activation": "tanh", "depth": 3},
                                {"activation": "relu", "depth": 4, "init": "gaussian"}])
def test_layer_metrics_have_the_definitions_of_the_high_precision_path(kw):
    from nfacheck.numeric.layerwise import layer_metrics

    cfg = run_config(steps=150, **kw)
    _, W = train(cfg, return_weights=True)
    X, _ = make_data(cfg.d, cfg.k, cfg.n, cfg.seed)
    ours = m64.layer_metrics(W, X, cfg.activation)
    ref = layer_metrics([mp.matrix(w.tolist()) for w in W], mp.matrix(X.tolist()),
                        cfg.activation, dps=25)
    assert [o["l"] for o in ours] == [r.l for r in ref] == list(range(1, cfg.depth + 1))
    for o, r in zip(ours, ref, strict=True):
        assert o["alpha"] == pytest.approx(float(r.alpha_exact))
        assert o["nfa_residual"] == pytest.approx(float(r.gram_residual), rel=1e-9, abs=1e-13)
        assert o["correlation"] == pytest.approx(float(r.metrics.correlation), rel=1e-10)
        assert abs(o["alpha_fit"] - float(r.metrics.alpha_fit)) < 1e-6
    assert ours[0]["nfa_residual"] == pytest.approx(m64.metrics(W, X, X[:4], cfg.activation)[
        "nfa_residual"], rel=1e-12)


def test_layer_alpha_fit_is_recorded_and_gd_keeps_every_layer_near_its_exponent():
    r = train(run_config(depth=3, steps=600)).to_json()
    assert len(r["layer_alpha_fit"]) == 3 and len(r["history"][-1]["layer_alpha_fit"]) == 3
    for i, a in enumerate(r["layer_alpha_fit"]):
        assert abs(a - 1 / (3 - i)) < 0.02, i
    g = train(run_config(depth=3, steps=600, init="gaussian")).to_json()
    assert abs(g["layer_alpha_fit"][1] - 1 / 2) > 0.1  # control: the unbalanced inner layer


def test_discrete_imbalance_law_is_exact_for_gd_on_linear_nets():
    cfg = run_config(depth=3, init="gaussian", weight_decay=0.05, steps=300)
    tr = imbalance_law_trace(cfg)
    assert tr["law_error"] < 1e-12
    # control: the gradient-flow law alone misses by far more than rounding
    assert abs(tr["flow"][-1] - tr["measured"][-1]) / tr["measured"][-1] > 1e-6
    # control: tanh breaks the cancellation of the first-order terms
    bad = imbalance_law_trace(run_config(depth=3, init="gaussian", weight_decay=0.05,
                                         steps=50, activation="tanh"))
    assert bad["law_error"] > 1e-6


def test_imbalance_drift_is_second_order_for_gd_and_first_order_for_adam():
    gd = drift_slope(run_config(depth=3, init="gaussian"))
    assert abs(gd.slope - 2.0) < 0.05 and abs(gd.slope - 1.0) > 0.5
    adam = drift_slope(run_config(optimizer="adam", depth=3, init="gaussian"))
    assert abs(adam.slope - 1.0) < 0.1  # the measurement can tell the two apart


def test_rank_deficient_g_at_alpha_zero_is_finite_and_agrees_with_the_mp_path():
    from nfacheck.numeric.metrics import nfa_metrics

    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    B = q[:, :2] * np.sqrt([3.0, 0.5])
    G = B @ B.T  # rank 2: two eigenvalues clamped
    M = 1.7 * m64.psd_power(G, 0.25)[0] + 1e-3 * np.eye(4)
    for a in (0.0, 0.25, 1.0):
        r = m64.residual_at(M, G, a)["nfa_residual"]
        assert math.isfinite(r)
    a, res = m64.alpha_fit(M, G)
    with mp.workdps(60):  # an exactly rank-2 G for the mp path (B's entries are exact binaries)
        Bm = mp.matrix(B.tolist())
        Gm = Bm * Bm.T
    ref = nfa_metrics(M=mp.matrix(M.tolist()), G=Gm, alpha=0.25, dps=20)
    assert abs(a - float(ref.alpha_fit)) < 1e-6 and abs(a - 0.25) < 0.01
    assert res == pytest.approx(float(ref.residual_at_alpha_fit), rel=1e-8)
