"""The search still finds the known cases: every mechanism, every activation, certified."""

from fractions import Fraction

import pytest

from nfacheck.search.certificate import parse_certificate
from nfacheck.search.certify import certify
from nfacheck.search.families import mechanisms_for
from nfacheck.search.search import search

CASES = [
    (act, mech)
    for act in ("relu", "leaky_relu", "tanh", "sigmoid", "softplus")
    for mech in mechanisms_for(act)
]


@pytest.mark.quality
@pytest.mark.parametrize("activation, mechanism", CASES)
def test_mechanism_gives_a_certified_counterexample(activation, mechanism):
    res = search(activation, seed=0, candidates=600, mechanism=mechanism)
    cert = parse_certificate(res.certificate)
    out = certify(cert)
    assert out.status == "certified", [(c.name, c.verdict) for c in out.failed()]
    assert res.certificate["mechanism"]["name"] == mechanism
    assert cert.loss_at_most <= Fraction(1, 10**10)
    assert cert.defect_at_least >= 0.2  # known: every mechanism reaches about 0.25-0.35
    assert out.loss_orders >= 10


@pytest.mark.quality
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "softplus"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_search_over_seeds(activation, seed):
    res = search(activation, seed=seed, candidates=500)
    assert float(res.table[-1][2]) >= 0.25
    assert certify(parse_certificate(res.certificate)).status == "certified"


@pytest.mark.quality
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_descent_reaches_a_counterexample(seed):
    res = search("relu", seed=seed, candidates=600, mechanism="trained_dead_units")
    cert = parse_certificate(res.certificate)
    out = certify(cert)
    assert out.status == "certified"
    assert cert.loss_at_most <= Fraction(1, 10**20) and cert.defect_at_least >= Fraction(1, 4)
    assert out.training_orders >= 18
