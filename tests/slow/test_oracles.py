"""Accuracy of the Taylor integrator against closed forms and independent references.

Saxe et al. (2014) whitened aligned deep linear nets (rotated by rational Cayley matrices), the
same with weight decay, the imbalance law D_l(t) = exp(-2 lambda t) D_l(0), an order test, and
mpmath.odefun on a tiny tanh net. Every oracle has a negative control it must reject.
"""

from __future__ import annotations

import math
from fractions import Fraction as Fr

import mpmath
import pytest

from nfacheck.numeric.integrate import integrate
from nfacheck.numeric.oracles import mode_value, saxe_problem, saxe_weights
from nfacheck.problem import Problem

pytestmark = pytest.mark.slow

SIGMA = [Fr(3), Fr(1, 2)]
A0 = [Fr(1, 2), Fr(3, 4)]


def _rel_err(weights, exact):
    err = max(
        abs(w[i, j] - e[i][j])
        for w, e in zip(weights, exact, strict=True)
        for i in range(w.rows)
        for j in range(w.cols)
    )
    return err / max(abs(x) for e in exact for row in e for x in row)


def _saxe_error(depth, dps, lam=Fr(0), oracle_lam=None, **kw):
    T = Fr(1)
    p, sxx, rot = saxe_problem(
        depth, SIGMA, A0, scale=Fr(3, 2), weight_decay=lam, times=(T,), dps=dps
    )
    tr = integrate(p, **kw)
    assert tr.status == "success"
    lam_o = lam if oracle_lam is None else oracle_lam
    with mpmath.workdps(dps + 10):
        aT = [mode_value(depth, s, sxx, a, T, dps, lam_o) for s, a in zip(SIGMA, A0, strict=True)]
        return _rel_err(tr.weights[0], saxe_weights(depth, aT, rot))


@pytest.mark.parametrize("dps", [30, 50])
@pytest.mark.parametrize("depth", [2, 3, 4])
def test_saxe_modes(depth, dps):
    assert _saxe_error(depth, dps) <= mpmath.mpf(10) ** -(dps - 2)


def test_saxe_modes_flint_backend():
    pytest.importorskip("flint")
    assert _saxe_error(3, 50, backend="flint") <= mpmath.mpf(10) ** -48


@pytest.mark.parametrize("depth", [2, 4])
def test_saxe_modes_numpy_backend(depth):
    assert _saxe_error(depth, 50, backend="numpy") <= mpmath.mpf(10) ** -48


@pytest.mark.parametrize("dps", [30, 50])
@pytest.mark.parametrize("depth", [2, 3])
def test_saxe_modes_with_weight_decay(depth, dps):
    lam = Fr(1, 10)
    assert _saxe_error(depth, dps, lam) <= mpmath.mpf(10) ** -(dps - 2)
    # negative control: the oracle with the wrong sign of the decay term is rejected
    assert _saxe_error(depth, dps, lam, oracle_lam=-lam) > mpmath.mpf(10) ** -(dps - 2)


def test_saxe_rejects_a_too_low_order():
    # negative control: a fixed-step order-6 Taylor method cannot reach 10^-(dps-2)
    assert _saxe_error(3, 30, order=6, step=Fr(1, 8)) > mpmath.mpf(10) ** -28


def _unbalanced(dps, lam):
    W1 = ((Fr(1, 2), Fr(-1, 3)), (Fr(1, 5), Fr(2, 3)), (Fr(-1, 4), Fr(1, 7)))
    W2 = ((Fr(1, 3), Fr(1, 2), Fr(-1, 2)), (Fr(-2, 5), Fr(1, 9), Fr(1, 4)))
    W3 = ((Fr(3, 4), Fr(-1, 6)),)
    return Problem(
        widths=(2, 3, 2, 1),
        activation="linear",
        X=((Fr(1), Fr(-1, 2), Fr(1, 3)), (Fr(1, 4), Fr(1), Fr(-1))),
        Y=((Fr(1), Fr(-1), Fr(2)),),
        weights=(W1, W2, W3),
        weight_decay=lam,
        times=(Fr(0), Fr(3, 2)),
        dps=dps,
    )


def _imbalances(ws):
    return [ws[l + 1].T * ws[l + 1] - ws[l] * ws[l].T for l in range(len(ws) - 1)]


@pytest.mark.parametrize("dps", [30, 50])
def test_imbalance_decays_at_rate_two_lambda(dps):
    lam = Fr(1, 5)
    tr = integrate(_unbalanced(dps, lam))
    with mpmath.workdps(dps + 10):
        T = mpmath.mpf(3) / 2
        D0, DT = _imbalances(tr.weights[0]), _imbalances(tr.weights[1])
        for rate, ok in ((2, True), (1, False)):  # rate -lambda: the negative control
            decay = mpmath.exp(-rate * mpmath.mpf(1) / 5 * T)
            rel = max(
                mpmath.mnorm(b - decay * a, "f") / mpmath.mnorm(a, "f")
                for a, b in zip(D0, DT, strict=True)
            )
            assert (rel <= mpmath.mpf(10) ** -(dps - 5)) == ok


def test_order_of_the_fixed_step_taylor_method():
    p, sxx, rot = saxe_problem(2, SIGMA, A0, scale=Fr(3, 2), times=(Fr(1, 4),), dps=30)
    with mpmath.workdps(40):
        aT = [mode_value(2, s, sxx, a, Fr(1, 4), 30) for s, a in zip(SIGMA, A0, strict=True)]
        exact = saxe_weights(2, aT, rot)
    slopes = {}
    for order in (3, 5):
        hs = [Fr(1, 32), Fr(1, 64), Fr(1, 128)]
        errs = [_rel_err(integrate(p, order=order, step=h).weights[0], exact) for h in hs]
        xs = [math.log(h) for h in hs]
        ys = [float(mpmath.log(e)) for e in errs]
        mx, my = sum(xs) / 3, sum(ys) / 3
        slopes[order] = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
            (x - mx) ** 2 for x in xs
        )
    assert abs(slopes[3] - 3) < 0.4 and abs(slopes[5] - 5) < 0.4, slopes
    # negative control: the test tells the orders apart
    assert abs(slopes[3] - 5) > 1


def test_tanh_net_agrees_with_mpmath_odefun():
    network = pytest.importorskip("nfacheck.numeric.network")
    p = Problem(
        widths=(2, 2, 1),
        activation="tanh",
        X=((Fr(1), Fr(-1, 2)), (Fr(1, 3), Fr(2))),
        Y=((Fr(1), Fr(-1)),),
        weights=(((Fr(1, 2), Fr(-1, 3)), (Fr(1, 4), Fr(1, 5))), ((Fr(1), Fr(1, 2)),)),
        weight_decay=Fr(1, 100),
        times=(Fr(1, 4),),
        dps=30,
    )
    shapes = [(2, 2), (1, 2)]
    tr = integrate(p)

    def reference(lam):
        with mpmath.workdps(30):
            X, Y = network.to_ctx_matrix(p.X), network.to_ctx_matrix(p.Y)

            def field(t, y):
                ws, i = [], 0
                for r, c in shapes:
                    ws.append(
                        mpmath.matrix([[y[i + a * c + b] for b in range(c)] for a in range(r)])
                    )
                    i += r * c
                g = network.gradients(ws, X, Y, "tanh", weight_decay=lam)
                return [-v for m in g for v in m]

            y0 = [mpmath.mpf(v.numerator) / v.denominator for W in p.weights for r in W for v in r]
            return mpmath.odefun(field, 0, y0)(mpmath.mpf(1) / 4)

    mine = [v for W in tr.weights[0] for v in W]
    with mpmath.workdps(30):
        good = max(abs(a - b) for a, b in zip(mine, reference(mpmath.mpf(1) / 100), strict=True))
        assert good < mpmath.mpf(10) ** -25
        # negative control: the same comparison notices a different weight decay
        bad = max(abs(a - b) for a, b in zip(mine, reference(mpmath.mpf(2) / 100), strict=True))
        assert bad > mpmath.mpf(10) ** -10


@pytest.mark.parametrize("dps", [30, 50])
def test_saxe_modes_gbs(dps):
    assert _saxe_error(3, dps, method="gbs") <= mpmath.mpf(10) ** -(dps - 2)
