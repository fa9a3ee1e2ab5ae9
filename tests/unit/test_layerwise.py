"""Deep-NFA figures per layer: the layer AGOP, exponents 1/(L-l+1), the wrong exponents refused."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from mpmath import mp

from nfacheck.errors import InputError
from nfacheck.numeric import cases
from nfacheck.numeric import network as N
from nfacheck.numeric.layerwise import default_layer_alphas, layer_metrics
from nfacheck.problem import load_problem

EXAMPLE = "docs/examples/linear-balanced-L4.toml"


def test_default_exponents():
    assert default_layer_alphas(4) == [F(1, 4), F(1, 3), F(1, 2), F(1)]
    assert default_layer_alphas(1) == [F(1)]


def test_balanced_L4_example_every_layer_exact_and_wrong_exponents_refused():
    p = load_problem(EXAMPLE)
    assert p.widths[-1] >= 2 and p.depth == 4
    ok = layer_metrics(p.weights, p.X, dps=p.dps)
    wrong = layer_metrics(p.weights, p.X, dps=p.dps,
                          alphas=[F(1, 4 - i + 2) for i in range(1, 5)])
    with mp.workdps(40):
        for m in ok:
            assert m.gram_residual <= mp.mpf(10) ** -(p.dps - 3), m.l
            assert abs(m.metrics.alpha_fit - mp.mpf(m.alpha_exact.numerator)
                       / m.alpha_exact.denominator) < mp.mpf(10) ** -(p.dps - 8)
        for m in wrong:
            assert m.gram_residual >= mp.mpf("0.01"), m.l
    assert [m.l for m in ok] == [1, 2, 3, 4]
    assert ok[0].to_json()["alpha"] == "1/4" and ok[0].to_json()["l"] == 1


def test_layer_one_is_the_first_layer_nfa():
    from nfacheck.numeric.metrics import nfa_metrics

    ws = cases.unbalanced_linear_weights(3)
    X = cases.linear_problem(ws, times=(0,)).X
    lay = layer_metrics(ws, X, dps=30)
    first = nfa_metrics(ws, X, "linear", dps=30)
    assert lay[0].gram_residual == first.nfa_residual
    with mp.workdps(30):  # only W_1 is perturbed: D_1 != 0, but D_2 = 0, and layer l's deep NFA
        # needs only the layers from l on to be balanced
        assert lay[0].gram_residual > mp.mpf("1e-3")
        assert max(lay[1].gram_residual, lay[2].gram_residual) < mp.mpf("1e-27")


def test_linear_layer_agop_is_suffix_gram_exactly():
    ws = cases.unbalanced_linear_weights(3)
    X = cases.linear_problem(ws, times=(0,)).X
    with mp.workdps(60):
        gs = N.layer_agops(ws, X, "linear")
        for layer in range(3):
            S = mp.matrix(ws[-1])
            for W in reversed(ws[layer:-1]):
                S = S * mp.matrix(W)
            diff = gs[layer] - S.T * S
            assert max(abs(v) for v in diff) < mp.mpf("1e-55")


@pytest.mark.parametrize("act", ["tanh", "softplus"])
def test_nonlinear_layer_agop_matches_finite_differences_of_the_suffix(act):
    """G_l is the AGOP of h -> f from layer l on, w.r.t. the post-activation h_{l-1}."""
    W = [[[F(1, 2), F(-1, 3)], [F(1, 4), F(2, 3)], [F(-1, 2), F(1, 5)]],
         [[F(1, 3), F(1, 2), F(-1, 4)], [F(-2, 3), F(1, 5), F(1, 2)]],
         [[F(3, 4), F(-1, 2)], [F(1, 6), F(1, 3)]]]
    X = [[F(1), F(-1, 2), F(1, 3)], [F(1, 4), F(1), F(-2, 3)]]
    net = N.Network(act, None, mp, X)
    with mp.workdps(50):
        gs = net.layer_agops(W)
        _, _, hs = net.forward_rows(net._weights(W), net.X)
        h = mp.mpf("1e-20")
        for layer in (1, 2):  # the input of layer 2 / 3 is sigma(z) of the layer below
            sub = W[layer:]
            H = hs[layer]
            width, n = len(H), len(H[0])
            agop = mp.zeros(width, width)
            for s in range(n):
                col = [H[a][s] for a in range(width)]
                jac = mp.zeros(len(W[-1]), width)
                for j in range(width):
                    plus, minus = col[:], col[:]
                    plus[j] += h
                    minus[j] -= h
                    fp, _ = net.forward(sub, [[v] for v in plus])
                    fm, _ = net.forward(sub, [[v] for v in minus])
                    for i in range(jac.rows):
                        jac[i, j] = (fp[i, 0] - fm[i, 0]) / (2 * h)
                agop += jac.T * jac / n
            assert max(abs(v) for v in gs[layer] - agop) < mp.mpf("1e-25"), layer
        assert max(abs(v) for v in gs[2] - mp.matrix(W[2]).T * mp.matrix(W[2])) < mp.mpf("1e-45")
        assert max(abs(v) for v in gs[0] - net.agop(W)) == 0


def test_bad_exponents():
    ws = cases.balanced_linear_weights(2)
    X = cases.linear_problem(ws, times=(0,)).X
    with pytest.raises(InputError, match="one per layer"):
        layer_metrics(ws, X, alphas=[F(1, 2)])
    with pytest.raises(InputError, match="positive"):
        layer_metrics(ws, X, alphas=[F(1, 2), F(0)])
