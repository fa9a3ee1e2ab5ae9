"""float64 models, inits and optimizers of nfacheck.experiments."""

from __future__ import annotations

import numpy as np
import pytest

from nfacheck.errors import InputError
from nfacheck.experiments.inits import init_weights
from nfacheck.experiments.metrics64 import imbalance
from nfacheck.experiments.models import agop, data_loss, jacobians, loss, loss_gradients
from nfacheck.experiments.optimizers import make_optimizer

WIDTHS = [3, 4, 5, 2]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((3, 7)), rng.standard_normal((2, 7))


@pytest.mark.parametrize("activation", ["linear", "relu", "leaky_relu", "tanh"])
def test_gradients_match_central_differences(activation):
    X, Y = _data()
    W = init_weights("gaussian", WIDTHS, 1.0, seed=3)
    grads, _ = loss_gradients(W, X, Y, activation)
    h = 1e-6
    for l, (i, j) in [(0, (1, 2)), (1, (3, 0)), (2, (1, 4))]:
        Wp = [w.copy() for w in W]
        Wm = [w.copy() for w in W]
        Wp[l][i, j] += h
        Wm[l][i, j] -= h
        fd = (data_loss(Wp, X, Y, activation) - data_loss(Wm, X, Y, activation)) / (2 * h)
        assert abs(fd - grads[l][i, j]) < 1e-6 * max(1.0, abs(fd))


def test_wrong_gradient_is_detected():
    # control: the same finite-difference comparison rejects a gradient missing σ'
    X, Y = _data()
    W = init_weights("gaussian", WIDTHS, 1.0, seed=3)
    g_lin, _ = loss_gradients(W, X, Y, "linear")
    g_tanh, _ = loss_gradients(W, X, Y, "tanh")
    assert np.max(np.abs(g_lin[0] - g_tanh[0])) > 1e-3


@pytest.mark.parametrize("activation", ["linear", "tanh", "leaky_relu"])
def test_jacobians_and_agop_match_finite_differences(activation):
    X, _ = _data()
    W = init_weights("gaussian", WIDTHS, 1.0, seed=5)
    J = np.asarray(jacobians(W, X, activation))
    from nfacheck.experiments.models import forward

    h = 1e-6
    for i in range(X.shape[1]):
        for a in range(X.shape[0]):
            e = np.zeros((X.shape[0], 1))
            e[a] = h
            fp = forward(W, X[:, i:i + 1] + e, activation)[0][:, 0]
            fm = forward(W, X[:, i:i + 1] - e, activation)[0][:, 0]
            assert np.allclose((fp - fm) / (2 * h), J[i, :, a], atol=1e-7)
    G = agop(W, X, activation)
    assert np.allclose(G, np.einsum("nki,nkj->ij", J, J) / X.shape[1])


def test_loss_adds_weight_decay():
    X, Y = _data()
    W = init_weights("gaussian", WIDTHS, 1.0, seed=1)
    reg = 0.5 * 0.3 * sum(np.sum(w * w) for w in W)
    assert loss(W, X, Y, "relu", 0.3) == pytest.approx(data_loss(W, X, Y, "relu") + reg)


def test_balanced_init_is_balanced_and_gaussian_is_not():
    W = init_weights("balanced", [4, 6, 6, 4], 1.3, seed=2)
    assert imbalance(W) < 1e-13
    assert imbalance(init_weights("gaussian", [4, 6, 6, 4], 1.0, seed=2)) > 0.1


def test_balanced_singular_values_and_errors():
    from nfacheck.experiments.inits import balanced

    W = balanced([3, 5, 3], singular_values=[2.0, 1.0, 0.5], rng=np.random.default_rng(0))
    assert np.allclose(np.linalg.svd(W[0], compute_uv=False), [2.0, 1.0, 0.5])
    assert imbalance(W) < 1e-13
    with pytest.raises(InputError, match="singular values"):
        balanced([3, 5, 3], singular_values=[1.0, 2.0])
    with pytest.raises(InputError, match="unknown init"):
        init_weights("xavier", [2, 2], seed=0)
    with pytest.raises(InputError, match="positive"):
        init_weights("gaussian", [2, 2], -1.0, seed=0)


def test_orthogonal_square_is_balanced_rectangular_is_not():
    assert imbalance(init_weights("orthogonal", [4, 4, 4], 0.7, seed=0)) < 1e-13
    assert imbalance(init_weights("orthogonal", [4, 6, 4], 1.0, seed=0)) > 0.5


def test_adamw_decouples_weight_decay_and_adam_does_not():
    W0 = [np.full((2, 2), 3.0)]
    zero = [np.zeros((2, 2))]
    a, w = [W0[0].copy()], [W0[0].copy()]
    make_optimizer("adamw", 0.01, 0.1).step(w, zero)
    make_optimizer("adam", 0.01, 0.1).step(a, zero)
    # AdamW: W ← W − ηλW exactly; Adam normalises the L2 term: one step of size ≈ η.
    assert np.allclose(w[0], 3.0 * (1 - 0.01 * 0.1))
    assert np.allclose(a[0], 3.0 - 0.01, atol=1e-9)
    # without decay the two coincide
    g = [np.array([[1.0, -2.0], [0.5, 0.0]])]
    a, w = [W0[0].copy()], [W0[0].copy()]
    make_optimizer("adam", 0.01).step(a, g)
    make_optimizer("adamw", 0.01).step(w, g)
    assert np.array_equal(a[0], w[0])


def test_gd_and_momentum_steps():
    W = [np.ones((1, 1))]
    g = [np.full((1, 1), 2.0)]
    make_optimizer("gd", 0.1, 0.5).step(W, g)
    assert W[0][0, 0] == pytest.approx(1 - 0.1 * (2 + 0.5))
    W = [np.zeros((1, 1))]
    opt = make_optimizer("momentum", 0.1)
    opt.step(W, g)
    opt.step(W, g)  # v = 2, then 0.9*2 + 2 = 3.8
    assert W[0][0, 0] == pytest.approx(-0.1 * (2 + 3.8))


def test_optimizer_errors():
    with pytest.raises(InputError, match="unknown optimizer"):
        make_optimizer("lbfgs", 0.1)
    with pytest.raises(InputError, match="learning rate"):
        make_optimizer("gd", 0.0)
