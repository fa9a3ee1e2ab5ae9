"""Counterexamples reached by gradient descent: dead ReLU units that training never moves."""

import copy
import json

import pytest

from nfacheck.cli import main
from nfacheck.errors import CertificateError
from nfacheck.search.certificate import parse_certificate
from nfacheck.search.certify import certify, frozen_units_check
from nfacheck.search.search import search


@pytest.fixture(scope="module")
def trained():
    return search("relu", seed=0, candidates=600, mechanism="trained_dead_units")


def test_trained_certificate_is_certified(trained):
    cert = parse_certificate(trained.certificate)
    result = certify(cert)
    assert result.status == "certified", [(c.name, c.verdict) for c in result.failed()]
    assert cert.loss_at_most <= 1e-20 and cert.defect_at_least >= 0.25
    assert result.training_orders >= 18
    its = [m.iteration for m in cert.training.members]
    assert its == sorted(its) and its[-1] > 0
    assert cert.training.members[-1].weights == cert.weights  # the network is the last iterate


def test_same_seed_same_training(trained):
    again = search("relu", seed=0, candidates=600, mechanism="trained_dead_units")
    assert again.certificate == trained.certificate


def test_closed_form_limit_predicts_the_trained_defect(trained):
    """Gradient-flow limit from the conserved imbalance a^2 - |w|^2 (Du et al. 2018)."""
    predicted = float(trained.certificate["provenance"]["best_defect_by_mechanism"][
        "trained_dead_units"])
    reached = float(trained.extra["training_table"][-1][2])
    assert abs(predicted - reached) < 0.01


def test_moving_a_frozen_unit_is_refuted(trained, tmp_path, capsys):
    data = copy.deepcopy(trained.certificate)
    unit = data["training"]["frozen_units"][0]
    data["training"]["members"][1]["weights"][0][unit - 1][0] = "0.123"
    cert = parse_certificate(data)
    ok, note = frozen_units_check(cert)
    assert not ok and note == f"unit {unit} differs between training.init and training.members[1]"
    p = tmp_path / "moved.json"
    p.write_text(json.dumps(data))
    assert main(["certify", str(p)]) == 1
    out = capsys.readouterr().out
    assert "training.frozen_units" in out and "refuted" in out


def test_a_live_unit_claimed_frozen_is_refuted(trained):
    data = copy.deepcopy(trained.certificate)
    data["training"]["frozen_units"] = [1]
    result = certify(parse_certificate(data))
    (bad,) = [c for c in result.failed() if c.name == "training.frozen_units"]
    assert "unit 1" in bad.note


def test_overclaimed_training_loss_is_refuted(trained):
    data = copy.deepcopy(trained.certificate)
    data["training"]["members"][-1]["loss_at_most"] = "1e-30"
    result = certify(parse_certificate(data))
    assert result.status == "refuted"
    assert [c.name for c in result.failed()] == ["training.members[7].loss_at_most"]


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda t: t.update(method="adam"), "training.method"),
        (lambda t: t["members"][0].update(iteration=-1), "training.members[0].iteration"),
        (lambda t: t.update(frozen_units=[9]), "training.frozen_units"),
        (lambda t: t["members"][0].pop("weights"), "training.members[0].weights"),
        (lambda t: t["init"].pop(), "training.init"),
    ],
)
def test_malformed_training_fields_are_named(trained, mutate, field):
    data = copy.deepcopy(trained.certificate)
    mutate(data["training"])
    with pytest.raises(CertificateError) as info:
        parse_certificate(data, "t.json")
    assert str(info.value).startswith(f"t.json: {field}:")
