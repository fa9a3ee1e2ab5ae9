"""verify(): the three verdicts on deep linear nets, exponent and tolerance handling, provenance."""

from __future__ import annotations

import hashlib
from fractions import Fraction as F

import pytest
from mpmath import mp

from nfacheck.errors import InputError
from nfacheck.numeric import cases
from nfacheck.numeric.verify import default_tol, verify
from nfacheck.problem import problem_to_toml


def _balanced(L, times=(0, F(1, 2), 1), dps=30):
    return cases.linear_problem(cases.balanced_linear_weights(L), times=times, dps=dps)


def _unbalanced(lam, times, L=2):
    return cases.linear_problem(cases.unbalanced_linear_weights(L), weight_decay=lam,
                                times=times)


def test_default_tol_is_half_the_digits():
    assert default_tol(30) == F(1, 10**15)
    assert default_tol(51) == F(1, 10**25)


@pytest.mark.parametrize("L,dps", [(2, 30), (3, 50)])
def test_balanced_linear_holds_at_working_precision(L, dps):
    v = verify(_balanced(L, times=(0, F(1, 2)), dps=dps))
    assert v.holds and v.status == "confirmed" and v.trend["verdict"] == "holds"
    assert len(v.checks) == 2
    with mp.workdps(dps + 10):
        for c in v.checks:
            assert c.nfa_residual < mp.mpf(10) ** -(dps - 3)
            assert abs(c.alpha_fit - mp.mpf(1) / L) < mp.mpf(10) ** -(dps - 8)
            assert c.imbalance < mp.mpf(10) ** -(dps - 3)
            assert c.commutator_bound <= c.nfa_residual
            assert c.metrics.clamp.count == 1  # G = E^T E has rank 2 in 3 dimensions
    assert v.provenance["dps"] == dps and v.provenance["alpha_exact"] == f"1/{L}"
    assert v.provenance["integrator"]["steps"] > 0


def test_wrong_exponent_does_not_hold():
    v = verify(_balanced(2), alpha=F(1, 3))
    assert not v.holds and v.status == "refuted"
    assert min(c.nfa_residual for c in v.checks) > mp.mpf("1e-3")
    # the fitted exponent still finds 1/2
    assert all(abs(c.alpha_fit - mp.mpf("0.5")) < mp.mpf("1e-10") for c in v.checks)


def test_unbalanced_with_weight_decay_decays_but_does_not_hold():
    v = verify(_unbalanced(F(1, 5), times=(0, 2, 4, 6, 8)))
    res = [c.nfa_residual for c in v.checks]
    assert not v.holds
    assert all(b < a for a, b in zip(res[1:], res[2:], strict=False))  # decreasing after t=2
    assert res[-1] < res[0] / 20
    assert v.trend["verdict"] == "decaying"
    assert v.trend["theory_rate_at_least"] == "0.2"  # 2 lambda / L
    assert float(v.trend["rate_last_interval"]) >= 0.2
    imb = [c.imbalance for c in v.checks]
    with mp.workdps(40):
        assert abs(imb[-1] / imb[0] - mp.exp(-2 * mp.mpf(8) / 5)) < mp.mpf(10) ** -25


def test_unbalanced_without_weight_decay_stays_away():
    short = verify(_unbalanced(F(0), times=(0, 2, 4, 8)))
    # still falling 12% over the last interval: the data support only "inconclusive"
    assert short.trend["verdict"] == "inconclusive" and "11.8%" in short.trend["why"]
    v = verify(_unbalanced(F(0), times=(0, 2, 4, 8, 16, 32)))
    assert not v.holds
    assert min(c.nfa_residual for c in v.checks) > mp.mpf("0.05")
    assert v.trend["verdict"] == "does-not-hold"  # settled: < 1% change on the last interval
    assert "theory_rate_at_least" not in v.trend
    imb = [c.imbalance for c in v.checks]
    with mp.workdps(40):
        assert abs(imb[-1] - imb[0]) < mp.mpf(10) ** -25  # D_l conserved without decay


def test_tolerance_decides():
    p = _unbalanced(F(0), times=(0, 1))
    assert not verify(p).holds
    assert verify(p, tol=1).holds  # every residual is < 1
    assert verify(p, tol="0.99").provenance["tol"] == "0.99"


def test_bad_alpha_and_tol():
    p = _balanced(2, times=(0,))
    with pytest.raises(InputError, match="--alpha"):
        verify(p, alpha="abc")
    with pytest.raises(InputError, match="positive"):
        verify(p, alpha=0)
    with pytest.raises(InputError, match="--tol"):
        verify(p, tol="-1/2")


def test_from_file_records_sha256(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(problem_to_toml(_balanced(2, times=(0, F(1, 4)))))
    v = verify(path)
    assert v.holds
    assert v.provenance["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    js = v.to_json()
    assert js["holds"] is True and len(js["checks"]) == 2
    assert js["checks"][1]["t"] == "0.25"
    assert all(isinstance(js["checks"][0][k], str) for k in ("loss", "nfa_residual", "alpha_fit"))


def test_a_residual_that_stalls_is_not_decaying():
    from nfacheck.numeric.verify import residual_trend

    v = verify(_unbalanced(F(1, 5), times=(2, 4, 6, 8)))
    assert residual_trend(v)["verdict"] == "decaying"
    # the same path with its last residual held at the previous value: a plateau
    stalled = v.checks[:-1] + [type(v.checks[-1])(v.checks[-1].t, v.checks[-1].loss,
                                                   v.checks[-2].metrics)]
    assert residual_trend(type(v)(stalled, False, v.alpha, v.tol, v.provenance))["verdict"] == (
        "does-not-hold")
