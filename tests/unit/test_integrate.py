"""The Taylor integrator on flows with known answers, corner cases, backends and relu events."""

from __future__ import annotations

import dataclasses
from fractions import Fraction as Fr

import mpmath
import pytest

from nfacheck.errors import InputError, UsageError
from nfacheck.numeric.integrate import integrate
from nfacheck.problem import Problem


def chain(
    activation="linear", w=(Fr(1, 10), Fr(1, 10)), y=Fr(2), lam=Fr(0), times=(Fr(1),), dps=30
):
    """f(x) = w2 sigma(w1 x), one sample x = 1."""
    return Problem(
        widths=(1, 1, 1),
        activation=activation,
        X=((Fr(1),),),
        Y=((y,),),
        weights=(((w[0],),), ((w[1],),)),
        weight_decay=lam,
        times=times,
        dps=dps,
    )


def logistic_a(t, a0=Fr(1, 10), s=2):
    """Balanced scalar chain: u = a^2 obeys du/dt = 2u(s - u)."""
    u0 = (
        mpmath.mpf(a0) ** 2
        if not isinstance(a0, Fr)
        else mpmath.mpf(a0.numerator) ** 2 / a0.denominator**2
    )
    e = mpmath.exp(2 * s * t)
    return mpmath.sqrt(s * u0 * e / (s + u0 * (e - 1)))


TANH = Problem(
    widths=(2, 3, 1),
    activation="tanh",
    X=((Fr(1), Fr(-1, 2), Fr(0)), (Fr(1, 3), Fr(2), Fr(1))),
    Y=((Fr(1), Fr(-1), Fr(1, 2)),),
    weights=(
        ((Fr(1, 2), Fr(-1, 3)), (Fr(1, 4), Fr(1, 5)), (Fr(-1, 2), Fr(1))),
        ((Fr(1), Fr(1, 2), Fr(-1, 3)),),
    ),
    weight_decay=Fr(1, 100),
    times=(Fr(1, 4), Fr(1, 2)),
    dps=30,
)


def test_balanced_scalar_chain_matches_logistic_closed_form():
    tr = integrate(chain(times=(Fr(1, 2), Fr(1))))
    assert tr.status == "success" and tr.steps > 0 and tr.nfev >= tr.steps
    with mpmath.workdps(40):
        for t, ws in zip(tr.times, tr.weights, strict=True):
            exact = logistic_a(t)
            for w in ws:
                assert abs(w[0, 0] - exact) / exact < mpmath.mpf(10) ** -28
        # negative control: a wrong rate in the closed form is rejected by the same check
        wrong = logistic_a(tr.times[-1], s=Fr(201, 100))
        assert abs(tr.weights[-1][0][0, 0] - wrong) / wrong > mpmath.mpf(10) ** -28


def test_t1_equal_t0_and_exact_output_times():
    p = chain(times=(Fr(0),))
    tr = integrate(p)
    assert tr.steps == 0 and tr.status == "success"
    with mpmath.workdps(30):
        assert tr.weights[0][0][0, 0] == mpmath.mpf(1) / 10
    tr = integrate(chain(), times=[Fr(0), Fr(1, 3), Fr(1, 3), Fr(1)])
    assert tr.times_exact == [Fr(0), Fr(1, 3), Fr(1, 3), Fr(1)]
    one = integrate(chain(), times=[Fr(1, 3)])
    with mpmath.workdps(40):
        assert abs(tr.weights[1][0][0, 0] - one.weights[0][0][0, 0]) < mpmath.mpf(10) ** -29
        assert abs(tr.weights[1][0][0, 0] - logistic_a(mpmath.mpf(1) / 3)) < mpmath.mpf(10) ** -29


def test_dense_output_between_steps():
    tr = integrate(chain(), dense_output=True)
    with mpmath.workdps(40):
        for t in (Fr(1, 7), Fr(5, 9)):
            w = tr.sol(t)[0][0, 0]
            assert (
                abs(w - logistic_a(mpmath.mpf(t.numerator) / t.denominator)) < mpmath.mpf(10) ** -28
            )


def test_bad_arguments():
    with pytest.raises(UsageError):
        integrate(chain(), method="rk4")
    with pytest.raises(UsageError):
        integrate(chain(), times=[Fr(1), Fr(1, 2)])
    with pytest.raises(UsageError):
        integrate(chain(), backend="gmpy2")


def test_losses_match_the_network_model():
    network = pytest.importorskip("nfacheck.numeric.network")
    tr = integrate(TANH)
    with mpmath.workdps(40):
        X, Y = network.to_ctx_matrix(TANH.X), network.to_ctx_matrix(TANH.Y)
        for ws, loss, dl in zip(tr.weights, tr.losses, tr.data_losses, strict=True):
            ref = network.loss(ws, X, Y, "tanh", weight_decay=mpmath.mpf(1) / 100)
            assert abs(loss - ref) < mpmath.mpf(10) ** -28
            assert abs(dl - network.data_loss(ws, X, Y, "tanh")) < mpmath.mpf(10) ** -28
            assert loss > dl


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "leaky_relu"])
def test_flint_backend_agrees_with_python(activation):
    pytest.importorskip("flint")
    p = dataclasses.replace(TANH, activation=activation)
    a, b = integrate(p, backend="python"), integrate(p, backend="flint")
    assert b.backend == "flint" and abs(a.steps - b.steps) <= 1
    with mpmath.workdps(40):
        for wa, wb in zip(a.weights[-1], b.weights[-1], strict=True):
            assert mpmath.mnorm(wa - wb, 1) < mpmath.mpf(10) ** -29


def test_loss_decreases_along_the_flow():
    tr = integrate(TANH, times=[Fr(0), Fr(1, 4), Fr(1, 2), Fr(1)])
    assert all(b < a for a, b in zip(tr.losses, tr.losses[1:], strict=False))


def _relu_crossing_time(dps):
    """w1 goes from 1/2 to 0 with w2^2 - w1^2 = 3/4 conserved: t* = int dw1 / ((w1 w2 + 1) w2)."""
    with mpmath.workdps(dps + 10):

        def rate(w1):
            w2 = mpmath.sqrt(mpmath.mpf(3) / 4 + w1**2)
            return 1 / ((w1 * w2 + 1) * w2)

        return mpmath.quad(rate, [0, mpmath.mpf(1) / 2])


def test_relu_crossing_is_an_event_at_the_right_time():
    p = chain("relu", w=(Fr(1, 2), Fr(1)), y=Fr(-1), times=(Fr(1, 2), Fr(1)))
    tr = integrate(p)
    assert tr.status == "success"
    assert len(tr.events) == 1
    ev = tr.events[0]
    assert (ev.layer, ev.unit, ev.sample, ev.direction) == (1, 0, 0, -1)
    t_star = _relu_crossing_time(30)
    with mpmath.workdps(40):
        assert abs(ev.t - t_star) < mpmath.mpf(10) ** -27
        # negative control: the crossing of the linear net (no kink) happens elsewhere / not at all
        lin = integrate(dataclasses.replace(p, activation="linear"))
        assert not lin.events
        # after the crossing a relu unit is dead and (lambda = 0) nothing moves any more
        w_end = tr.weights[-1]
        assert abs(w_end[0][0, 0]) < mpmath.mpf(10) ** -27
        assert abs(w_end[1][0, 0] - mpmath.sqrt(mpmath.mpf(3) / 4)) < mpmath.mpf(10) ** -27
        assert abs(lin.weights[-1][0][0, 0]) > mpmath.mpf(10) ** -3


def test_leaky_relu_keeps_moving_after_the_crossing():
    p = chain("leaky_relu", w=(Fr(1, 2), Fr(1)), y=Fr(-1), times=(Fr(1),))
    tr = integrate(p)
    assert len(tr.events) == 1 and tr.weights[-1][0][0, 0] < -(mpmath.mpf(10) ** -6)


def test_preactivation_exactly_zero_at_start_is_rejected():
    with pytest.raises(InputError, match="exactly 0"):
        integrate(chain("relu", w=(Fr(0), Fr(1))))


def test_sliding_mode_is_reported_not_integrated_through():
    # sample 1's unit is pushed onto its kink from both sides (a Filippov sliding mode)
    p = Problem(
        widths=(2, 1, 1),
        activation="relu",
        X=((Fr(1), Fr(1)), (Fr(0), Fr(1))),
        Y=((Fr(-5), Fr(3)),),
        weights=(((Fr(1, 10), Fr(1)),), ((Fr(1, 2),),)),
        times=(Fr(1),),
        dps=30,
    )
    tr = integrate(p)
    assert tr.status == "failed" and "sliding mode" in tr.message
    assert len(tr.events) == 1 and tr.times == []
    # control: with a target that does not push back, the same crossing is integrated through
    ok = integrate(dataclasses.replace(p, Y=((Fr(-5), Fr(0)),)))
    assert ok.status == "success"


def test_gbs_cross_checks_taylor_on_a_tanh_net():
    a, b = integrate(TANH, method="gbs"), integrate(TANH)
    assert a.method == "gbs" and a.status == "success" and a.nfev > a.steps
    with mpmath.workdps(40):
        for wa, wb in zip(a.weights[-1], b.weights[-1], strict=True):
            assert mpmath.mnorm(wa - wb, 1) < mpmath.mpf(10) ** -28
        # negative control: the comparison sees a changed weight decay
        c = integrate(dataclasses.replace(TANH, weight_decay=Fr(1, 99)), method="gbs")
        assert mpmath.mnorm(c.weights[-1][0] - b.weights[-1][0], 1) > mpmath.mpf(10) ** -10


def test_gbs_refuses_what_it_cannot_do():
    with pytest.raises(UsageError, match="kinks"):
        integrate(chain("relu", w=(Fr(1, 2), Fr(1))), method="gbs")
    with pytest.raises(UsageError):
        integrate(chain(), method="gbs", dense_output=True)
