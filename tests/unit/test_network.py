"""The network model in mp and iv: gradients vs finite differences, AGOP vs E^T E, enclosures."""

from __future__ import annotations

import random
from fractions import Fraction as F

import mpmath
import pytest
from mpmath import iv, mp

from nfacheck import generate as gen
from nfacheck.errors import InputError
from nfacheck.numeric import network as N
from nfacheck.numeric.network import Network

ACTS = ["linear", "relu", "leaky_relu", "tanh", "sigmoid", "softplus"]
WIDTHS = [2, 3, 2, 2]
W = (
    ((F(1, 2), F(-1, 3)), (F(1, 4), F(2, 5)), (F(-3, 7), F(1, 6))),
    ((F(2, 3), F(-1, 2), F(1, 5)), (F(1, 3), F(1, 4), F(-2, 3))),
    ((F(3, 4), F(-1, 5)), (F(1, 7), F(5, 6))),
)
X = ((F(1), F(-1, 2), F(1, 3), F(2)), (F(1, 4), F(1), F(-1), F(1, 2)))
Y = ((F(1, 2), F(-1, 2), F(1, 4), F(0)), (F(0), F(1, 3), F(-1), F(1)))
LAM = F(1, 10)
PARAMS = {"leaky_relu": {"slope": F(1, 10)}}


def _exact_mm(a, b):
    return gen.matmul(a, b)


def _exact_chain(ws):
    e = ws[0]
    for w in ws[1:]:
        e = _exact_mm(w, e)
    return e


def _close(a, b, tol):
    rows = len(a) if isinstance(a, list) else a.rows
    cols = len(a[0]) if isinstance(a, list) else a.cols
    for i in range(rows):
        for j in range(cols):
            x = a[i][j] if isinstance(a, list) else a[i, j]
            y = b[i][j] if isinstance(b, (list, tuple)) else b[i, j]
            if isinstance(y, F):
                y = N.to_ctx_number(y, mp)
            assert abs(x - y) <= tol, (i, j, x, y)


def _contains(ivm, mpm):
    for i in range(mpm.rows):
        for j in range(mpm.cols):
            assert mpm[i, j] in ivm[i, j], (i, j, mpm[i, j], ivm[i, j])


@pytest.mark.parametrize("act", ACTS)
def test_gradient_matches_central_difference_at_dps50(act):
    params = PARAMS.get(act)
    net = Network(act, params, mp, X, Y, LAM)
    with mp.workdps(50):
        grads = net.gradients(W)
        h = mp.mpf("1e-20")
        base = [N.to_rows(w) for w in W]
        worst = mp.mpf(0)
        for layer, w in enumerate(base):
            for i in range(len(w)):
                for j in range(len(w[0])):
                    plus = [[r[:] for r in m] for m in base]
                    minus = [[r[:] for r in m] for m in base]
                    plus[layer][i][j] += h
                    minus[layer][i][j] -= h
                    fd = (net.loss(plus) - net.loss(minus)) / (2 * h)
                    worst = max(worst, abs(fd - grads[layer][i, j]))
        assert worst < mp.mpf("1e-25"), worst
        # negative control: dropping weight decay from the gradient must be detected
        no_decay = Network(act, params, mp, X, Y, 0).gradients(W)
        assert abs(no_decay[0][0, 0] - grads[0][0, 0]) > mp.mpf("1e-3")


def test_linear_gradient_equals_exact_formula():
    # dL/dW_l = (W_L..W_{l+1})^T R (W_{l-1}..W_1 X)^T + lambda W_l, R = (E X - Y)/n, exactly
    n = len(X[0])
    out = _exact_mm(_exact_chain(W), X)
    resid = [
        [(a - b) / n for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(out, Y, strict=True)
    ]
    with mp.workdps(40):
        grads = N.gradients(W, X, Y, "linear", None, mp, LAM)
        for layer in range(3):
            after = _exact_chain(W[layer + 1 :]) if layer < 2 else gen.identity(2)
            before = _exact_mm(_exact_chain(W[:layer]), X) if layer else X
            g = _exact_mm(_exact_mm(gen.transpose(after), resid), gen.transpose(before))
            g = [
                [a + LAM * b for a, b in zip(r, s, strict=True)]
                for r, s in zip(g, W[layer], strict=True)
            ]
            _close(grads[layer], g, mp.mpf("1e-38"))


def test_agop_of_linear_net_is_end_to_end_gram_exactly():
    e = _exact_chain(W)
    ete = _exact_mm(gen.transpose(e), e)
    with mp.workdps(60):
        g = N.agop(W, X, "linear")
        _close(g, ete, mp.mpf("1e-58"))
        # the per-sample path (no linear shortcut) gives the same matrix
        jac = N.jacobian(W, [r[1] for r in X], "linear")
        _close(jac, e, mp.mpf("1e-58"))
        # negative control: the Gram matrix W_1^T W_1 is not E^T E here
        gram = N.gram(W)
        assert (
            max(abs(gram[i, j] - N.to_ctx_number(ete[i][j])) for i in range(2) for j in range(2))
            > 0.01
        )


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus", "leaky_relu"])
def test_jacobian_and_agop_match_finite_differences(act):
    params = PARAMS.get(act)
    net = Network(act, params, mp, X, Y)
    with mp.workdps(50):
        h = mp.mpf("1e-20")
        xs = N.to_rows(X)
        agop = [[mp.mpf(0)] * 2 for _ in range(2)]
        for s in range(len(xs[0])):
            col = [xs[0][s], xs[1][s]]
            jac = net.jacobian(W, col)
            fd = [[None] * 2 for _ in range(2)]
            for j in range(2):
                plus, minus = col[:], col[:]
                plus[j] += h
                minus[j] -= h
                fp, _ = net.forward(W, [[v] for v in plus])
                fm, _ = net.forward(W, [[v] for v in minus])
                for i in range(2):
                    fd[i][j] = (fp[i, 0] - fm[i, 0]) / (2 * h)
            _close(jac, fd, mp.mpf("1e-25"))
            for a in range(2):
                for b in range(2):
                    agop[a][b] += sum(fd[i][a] * fd[i][b] for i in range(2)) / len(xs[0])
        _close(net.agop(W), agop, mp.mpf("1e-25"))


def test_forward_returns_hidden_preactivations():
    with mp.workdps(30):
        out, zs = N.forward(W, X, "tanh")
        assert [(z.rows, z.cols) for z in zs] == [(3, 4), (2, 4)]
        assert (out.rows, out.cols) == (2, 4)
        _close(zs[0], _exact_mm(W[0], X), mp.mpf("1e-29"))
        h1 = [[mp.tanh(zs[0][i, j]) for j in range(4)] for i in range(3)]
        z2 = [
            [
                mp.fdot([W[1][i][r] for r in range(3)], [h1[r][j] for r in range(3)])
                for j in range(4)
            ]
            for i in range(2)
        ]
        _close(zs[1], z2, mp.mpf("1e-28"))


@pytest.mark.parametrize("act", ACTS)
def test_interval_results_enclose_high_precision_values(act):
    params = PARAMS.get(act)
    with mp.workdps(50):
        ref = Network(act, params, mp, X, Y, LAM)
        loss, grads, agop = ref.loss(W), ref.gradients(W), ref.agop(W)
        gram, imb = N.gram(W), N.imbalances(W)
    old = iv.prec
    try:
        iv.dps = 30
        net = Network(act, params, iv, X, Y, LAM)
        iloss = net.loss(W)
        assert loss in iloss and iloss.delta < 1e-25
        for g, ig in zip(grads, net.gradients(W), strict=False):
            _contains(ig, g)
        _contains(net.agop(W), agop)
        _contains(N.gram(W, iv), gram)
        for d, idd in zip(imb, N.imbalances(W, iv), strict=False):
            _contains(idd, d)
        # negative control: a perturbed value is not enclosed
        assert loss + mp.mpf("1e-20") not in iloss
    finally:
        iv.prec = old


def test_relu_derivative_at_and_around_zero():
    s, ds = N.activation_functions("relu", None, mp)
    assert ds(mp.mpf(0)) == 0 and ds(mp.mpf("1e-40")) == 1 and s(mp.mpf(-2)) == 0
    _, lds = N.activation_functions("leaky_relu", {"slope": F(1, 10)}, mp)
    assert lds(mp.mpf(0)) == mp.mpf(1) / 10
    si, dsi = N.activation_functions("relu", None, iv)
    straddle = iv.mpf([-1, 2])
    assert dsi(straddle).a == 0 and dsi(straddle).b == 1
    assert dsi(iv.mpf(0)).a == 0 and dsi(iv.mpf(0)).b == 1  # honest at the kink itself
    assert dsi(iv.mpf([1, 2])) == 1 and dsi(iv.mpf([-2, -1])) == 0
    assert si(straddle).a == 0 and si(straddle).b == 2
    lsi, ldsi = N.activation_functions("leaky_relu", {"slope": F(1, 10)}, iv)
    assert lsi(straddle).a <= -0.1 <= lsi(straddle).a + 1e-15 and lsi(straddle).b == 2
    assert ldsi(straddle).a <= 0.1 and ldsi(straddle).b == 1


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus"])
def test_interval_activation_encloses_point_values_on_wide_intervals(act):
    s_iv, ds_iv = N.activation_functions(act, None, iv)
    s_mp, ds_mp = N.activation_functions(act, None, mp)
    for lo, hi in [(-3, 2), (-1, -F(1, 2)), (F(1, 3), 5), (-40, 40)]:
        box = iv.mpf([N.to_ctx_number(F(lo), iv).a, N.to_ctx_number(F(hi), iv).b])
        sv, dv = s_iv(box), ds_iv(box)
        for t in range(11):
            a, b = N.to_ctx_number(F(lo)), N.to_ctx_number(F(hi))
            z = a + (b - a) * t / 10
            assert s_mp(z) in sv and ds_mp(z) in dv, (act, z)
    peak = 1 if act == "tanh" else mp.mpf(1) / 4
    if act != "softplus":
        assert ds_iv(iv.mpf([-1, 1])).b == peak


def test_smooth_activations_keep_relative_accuracy_far_out():
    with mp.workdps(30):
        s, ds = N.activation_functions("softplus", None, mp)
        assert abs(s(mp.mpf(-200)) / mp.exp(-200) - 1) < mp.mpf("1e-25")
        sg, dsg = N.activation_functions("sigmoid", None, mp)
        assert abs(dsg(mp.mpf(300)) / (mp.exp(-300) / (1 + mp.exp(-300)) ** 2) - 1) < mp.mpf(
            "1e-25"
        )
        _, dt = N.activation_functions("tanh", None, mp)
        assert abs(dt(mp.mpf(100)) / (4 * mp.exp(-200)) - 1) < mp.mpf("1e-25")


def test_fractions_round_trip_through_mp_and_iv():
    q = [[F(1, 3), F(-22, 7)], [F(10**40 + 1, 3**50), F(0)]]
    with mp.workdps(50):
        m = N.to_ctx_matrix(q, mp)
        for i in range(2):
            for j in range(2):
                back = N.to_exact(m[i, j])
                assert abs(back - q[i][j]) <= abs(q[i][j]) * F(1, 2**mp.prec)
                assert mp.identify(m[0, 0]) == "(1/3)"
    old = iv.prec
    try:
        iv.dps = 25
        m = N.to_ctx_matrix(q, iv)
        for i in range(2):
            for j in range(2):
                lo, hi = N.exact_bounds(m[i, j])
                assert N.to_exact(m[i, j].a) == lo
                assert lo <= q[i][j] <= hi and hi - lo <= abs(q[i][j]) * F(1, 2**80)
        with pytest.raises(InputError, match="positive width"):
            N.to_exact(m[0, 0])
    finally:
        iv.prec = old
    with pytest.raises(InputError, match="exact"):
        N.to_ctx_number(0.1, mp)


def test_imbalances_of_balanced_weights_vanish_to_working_precision():
    ws = gen.balanced_weights([3, 4, 2, 3], [F(1, 2), F(1, 5)], random.Random(3))
    with mp.workdps(40):
        for d in N.imbalances(ws):
            assert mpmath.mnorm(d, "F") < mp.mpf("1e-39")
        # negative control: an unbalanced initialisation
        other = gen.gaussian_weights([3, 4, 2, 3], random.Random(3))
        assert max(mpmath.mnorm(d, "F") for d in N.imbalances(other)) > mp.mpf("0.01")
    old = iv.prec
    try:
        iv.dps = 20
        for d in N.imbalances(ws, iv):
            assert all(0 in d[i, j] for i in range(d.rows) for j in range(d.cols))
    finally:
        iv.prec = old


def test_precision_follows_the_callers_workdps():
    with mp.workdps(20):
        low = N.loss(W, X, Y, "tanh")
    with mp.workdps(60):
        high = N.loss(W, X, Y, "tanh")
        assert abs(low - high) < mp.mpf("1e-18") and abs(low - high) > 0
        assert high.context.prec == mp.prec


def test_shape_and_name_errors():
    with pytest.raises(InputError, match="columns"):
        N.forward(W, Y[:1], "tanh")
    with pytest.raises(InputError, match="Y"):
        N.data_loss(W, X, Y[:1], "tanh")
    with pytest.raises(InputError, match="unknown activation"):
        N.forward(W, X, "gelu")
    with pytest.raises(InputError, match="network.alpha"):
        N.activation_functions("leaky_relu", {"alpha": F(1)}, mp)
    with pytest.raises(InputError, match="W_2 has 2 columns"):
        N.imbalances([W[0], W[2]])


def test_network_from_problem():
    from nfacheck.exact import format_matrix
    from nfacheck.problem import problem_from_dict

    p = problem_from_dict(
        {
            "network": {"widths": WIDTHS, "activation": "tanh"},
            "data": {"X": format_matrix(X), "Y": format_matrix(Y)},
            "init": {"weights": [format_matrix(w) for w in W]},
            "training": {"weight_decay": "1/10"},
        }
    )
    with mp.workdps(30):
        a = Network.from_problem(p).loss(p.weights)
        b = N.loss(W, X, Y, "tanh", None, mp, LAM)
        assert a == b


def test_exact_inputs_of_every_kind_convert_without_float():
    from decimal import Decimal

    with mp.workdps(40):
        m = N.to_ctx_matrix([["1/3", Decimal("0.1"), 2, F(-5, 7)]], mp)
        want = [F(1, 3), F(1, 10), F(2), F(-5, 7)]
        for j, q in enumerate(want):
            assert abs(N.to_exact(m[0, j]) - q) <= abs(q) / 2**mp.prec
    with pytest.raises(InputError, match="finite"):
        N.to_ctx_matrix([["nan"]])
    with pytest.raises(InputError, match="exact number"):
        N.to_ctx_matrix([[True]])


def test_network_built_at_low_precision_is_accurate_at_high_precision():
    net = Network("tanh", None, mp, X, Y)  # built at the default 15 digits
    with mp.workdps(60):
        late = net.loss(W)
        fresh = Network("tanh", None, mp, X, Y).loss(W)
        assert late == fresh


def test_single_layer_network():
    w1 = (W[0][0], W[0][1])  # 2 x 2, L = 1: f(x) = W_1 x
    with mp.workdps(30):
        grads = N.gradients([w1], X, Y, "tanh", None, mp, LAM)
        assert len(grads) == 1
        n = len(X[0])
        resid = [
            [(a - b) / n for a, b in zip(ra, rb, strict=True)]
            for ra, rb in zip(_exact_mm(w1, X), Y, strict=True)
        ]
        g = _exact_mm(resid, gen.transpose(X))
        g = [[a + LAM * b for a, b in zip(r, s, strict=True)] for r, s in zip(g, w1, strict=True)]
        _close(grads[0], g, mp.mpf("1e-28"))
        _close(N.jacobian([w1], [1, 2], "tanh"), w1, 0)
        assert N.imbalances([w1]) == []


def test_interval_gradient_of_relu_net_encloses_both_sides_of_a_kink():
    # W_1 row 0 is orthogonal to sample 0 (1 - 4/4 = 0) and sample 0 is active downstream, so
    # the two sides of the kink give different gradients; the iv box must enclose both
    w = ((F(1), F(-4)), W[0][1], W[0][2]), W[1], W[2]
    assert gen.matmul(w[0], X)[0][0] == 0
    eps = F(1, 10**9)
    old = iv.prec
    try:
        iv.dps = 30
        box = [
            [
                [
                    iv.mpf([N.to_ctx_number(q - eps, iv).a, N.to_ctx_number(q + eps, iv).b])
                    for q in row
                ]
                for row in m
            ]
            for m in w
        ]
        net = Network("relu", None, iv, X, Y, LAM)
        igrads = net.gradients(box)
        _, zs = net.forward(box)
        assert 0 in zs[0][0, 0]  # the box really straddles the kink
        for shift in (-eps / 2, 0, eps / 2):
            moved = [tuple(tuple(q + shift for q in row) for row in m) for m in w]
            with mp.workdps(40):
                grads = Network("relu", None, mp, X, Y, LAM).gradients(moved)
            for g, ig in zip(grads, igrads, strict=True):
                _contains(ig, g)
    finally:
        iv.prec = old
