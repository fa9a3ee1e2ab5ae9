"""The seeded search: reproducible, replayable, and its certificates pass certify."""

from fractions import Fraction

import numpy as np
import pytest

from nfacheck.cli import main
from nfacheck.errors import UsageError
from nfacheck.exact import load_json, parse_exact
from nfacheck.search.certificate import parse_certificate
from nfacheck.search.certify import certify
from nfacheck.search.families import MECHANISMS, float_scores, mechanisms_for
from nfacheck.search.search import FAMILY_EPS, search


@pytest.fixture(scope="module")
def relu_result():
    return search("relu", seed=0, candidates=300)


def test_same_seed_same_certificate(relu_result):
    again = search("relu", seed=0, candidates=300)
    assert again.certificate == relu_result.certificate
    other = search("relu", seed=1, candidates=300)
    assert other.certificate["weights"] != relu_result.certificate["weights"]


def test_replay_command_names_everything_needed(relu_result):
    replay = relu_result.certificate["replay"]
    assert replay == "nfacheck search --activation relu --seed 0 --candidates 300 --dps 30"
    assert relu_result.certificate["provenance"]["command"] == replay


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_search_certificates_are_certified(activation):
    res = search(activation, seed=0, candidates=200)
    cert = parse_certificate(res.certificate)
    out = certify(cert)
    assert out.status == "certified", [(c.name, c.verdict) for c in out.failed()]
    assert cert.loss_at_most <= Fraction(1, 10**10)
    assert cert.defect_at_least >= Fraction(1, 1000)
    assert out.loss_orders >= 10


def test_family_table_spans_ten_orders_with_constant_defect(relu_result):
    eps = [row[0] for row in relu_result.table]
    assert tuple(eps) == FAMILY_EPS
    losses = [float(row[1]) for row in relu_result.table if row[0] > 0]
    defects = [float(row[2]) for row in relu_result.table]
    assert losses[0] / losses[-1] >= 1e10
    assert all(a > b for a, b in zip(losses, losses[1:], strict=False))
    assert min(defects) >= 0.1
    assert relu_result.orders >= 10


def test_budget_stops_early_and_replay_fixes_the_count():
    res = search("tanh", seed=3, candidates=10**6, budget=0.2)
    assert res.budget_hit and res.evaluated < 10**6
    assert f"--candidates {res.evaluated} " in res.replay


def test_usage_errors():
    with pytest.raises(UsageError):
        search("cosine")
    with pytest.raises(UsageError, match="does not apply"):
        search("tanh", mechanism="dead_units")
    with pytest.raises(UsageError):
        search("relu", candidates=0)


def test_dead_units_are_dead_on_every_sample():
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(200):
        cand = MECHANISMS["dead_units"](rng, "relu")
        if cand is None:
            continue
        found += 1
        W1 = cand.weights[0]
        for unit in cand.notes["dead"]:
            w = W1[unit - 1]
            for col in zip(*cand.X, strict=True):
                assert sum(a * b for a, b in zip(w, col, strict=True)) < 0
    assert found > 10


def test_idle_and_cancelling_units_leave_f_and_agop_unchanged():
    rng = np.random.default_rng(2)
    for mech, act in (("idle_units", "softplus"), ("cancelling_pairs", "tanh")):
        cand = MECHANISMS[mech](rng, act)
        key = "idle" if mech == "idle_units" else "pair"
        keep = [i for i in range(cand.widths[1]) if i + 1 not in cand.notes[key]]
        pruned = type(cand)(
            mech,
            [cand.widths[0], len(keep), 1],
            cand.X,
            (tuple(cand.weights[0][i] for i in keep),
             tuple(tuple(r[i] for i in keep) for r in cand.weights[1])),
        )
        full, small = float_scores(cand, act, 0.0), float_scores(pruned, act, 0.0)
        assert full.output_sq == pytest.approx(small.output_sq, rel=1e-12, abs=1e-15)
        assert full.agop_norm == pytest.approx(small.agop_norm, rel=1e-12, abs=1e-15)


def test_every_activation_has_mechanisms():
    for act in ("relu", "leaky_relu", "tanh", "sigmoid", "softplus", "linear"):
        assert all(m in MECHANISMS for m in mechanisms_for(act))


def test_done_when_cli_round(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["search", "--activation", "relu", "--seed", "0", "--candidates", "300",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "replay: nfacheck search --activation relu --seed 0" in printed
    assert "eps" in printed and "defect bound" in printed
    assert main(["certify", str(out)]) == 0
    assert "CERTIFIED" in capsys.readouterr().out
    data, _ = load_json(out)
    assert parse_exact(data["claims"]["loss_at_most"]) <= Fraction(1, 10**10)
    assert parse_exact(data["claims"]["defect_at_least"]) >= Fraction(1, 1000)


def test_search_json_output(capsys):
    import json

    assert main(["search", "--activation", "leaky_relu", "--candidates", "100", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["certificate"]["network"]["slope"] == "0.01"
    assert len(doc["table"]) == len(FAMILY_EPS)
    assert doc["loss_orders"] >= 10
