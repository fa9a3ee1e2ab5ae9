"""gd-nfa-defect-bound in float64: the telescoping identity, the bound on GD/SGD runs, controls."""

from __future__ import annotations

import numpy as np
import pytest

from nfacheck.experiments import defect as dfc
from nfacheck.experiments.metrics64 import imbalances
from nfacheck.experiments.train import run_config, train


def _chain(ws):
    E = ws[0]
    for W in ws[1:]:
        E = W @ E
    return E


@pytest.mark.parametrize("L", [2, 3, 5])
def test_defect_is_the_telescoping_sum_and_under_the_state_bound(L):
    rng = np.random.default_rng(L)
    ws = [rng.standard_normal((3, 3)) / 1.5 for _ in range(L)]
    E, M = _chain(ws), ws[0].T @ ws[0]
    total = np.zeros((3, 3))
    for i in range(1, L):
        P = _chain(ws[:i])
        B, A = ws[i].T @ ws[i], ws[i - 1] @ ws[i - 1].T
        total += P.T @ (np.linalg.matrix_power(B, L - i) - np.linalg.matrix_power(A, L - i)) @ P
    exact = E.T @ E - np.linalg.matrix_power(M, L)
    assert np.abs(exact - total).max() < 1e-12 * max(1.0, np.abs(exact).max())
    bound = dfc.defect_bound(ws, [np.linalg.norm(D) for D in imbalances(ws)])
    assert dfc.defect(ws) <= bound["fine"] <= bound["coarse"] * (1 + 1e-12)
    # a balanced net has no defect and a zero bound
    bal = [np.eye(3) * 0.7 for _ in range(L)]
    assert dfc.defect(bal) < 1e-15 and dfc.defect_bound(bal, [0.0] * (L - 1))["fine"] == 0.0


@pytest.mark.parametrize("opt", ["gd", "sgd"])
def test_gd_runs_sit_under_the_bound_which_is_informative(opt):
    r = train(run_config(optimizer=opt, depth=3, steps=800))
    g = r.final["gd_defect"]
    assert 0 < g["defect"] <= g["defect_bound"] <= g["defect_bound_coarse"]
    assert all(h["defect"] <= h["defect_bound"] for h in r.history)
    assert 1 < g["ratio"] < 10 and g["defect_relative_bound"] < 0.5
    assert g["imbalance"] <= g["imbalance_bound"]
    assert g["residual"] <= g["residual_bound"] < 1
    # controls: a bound O(eta^2) over the same time, and the flow law without the drift, fail
    assert g["defect"] > r.config.lr * g["defect_bound"]
    assert g["imbalance"] > g["imbalance_flow_law"] + 1e-12


def test_the_bound_is_O_eta_at_fixed_time():
    """Halving eta at fixed t = k eta roughly halves the measured defect and the bound."""
    a = train(run_config(depth=2, lr=0.02, steps=500)).final["gd_defect"]
    b = train(run_config(depth=2, lr=0.01, steps=1000)).final["gd_defect"]
    assert a["t"] == pytest.approx(b["t"])
    assert 1.6 < a["defect"] / b["defect"] < 2.4
    assert 1.6 < a["defect_bound"] / b["defect_bound"] < 2.4


def test_no_tracker_for_adaptive_optimizers_or_nonlinear_nets():
    assert "gd_defect" not in train(run_config(optimizer="adam", steps=20)).final
    assert "gd_defect" not in train(run_config(activation="tanh", steps=20)).final
