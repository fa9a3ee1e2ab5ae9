"""`nfacheck search --weight-decay`: a seeded tanh scan finds a problem whose flow ends at a
certified strict local minimum of the lambda > 0 loss where the NFA fails (the certificate
re-checks with `nfacheck certify`); negative controls: linear nets (balancedness at the limit
forces M to commute with the AGOP), an unreachable defect threshold, bad input (exit 2)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from nfacheck.cli import main
from nfacheck.exact import load_json
from nfacheck.problem import load_problem
from nfacheck.search.weight_decay import draw_problem, scan


@pytest.mark.slow
def test_tanh_scan_certifies(tmp_path, capsys):
    cert, prob = tmp_path / "c.json", tmp_path / "p.toml"
    rc = main(["search", "--activation", "tanh", "--weight-decay", "1/1000", "--seed", "0",
               "--candidates", "6", "--dps", "20", "--out", str(cert),
               "--problem-out", str(prob)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "CERTIFIED counterexample" in out and f"replay: nfacheck limit {prob}" in out
    data = load_json(cert)[0]
    assert data["kind"] == "critical-point" and F(data["weight_decay"]) == F(1, 1000)
    claims = data["claims"]
    assert F(claims["defect_at_least"]) >= F(1, 20)
    assert F(claims["hessian_min_eigenvalue_at_least"]) > 0
    assert F(claims["loss_at_most"]) <= F(1, 1000)
    assert data["replay"] == f"nfacheck limit {prob} --dps 20 --out {cert}"
    assert data["provenance"]["search"]["candidate"] == 5
    p = load_problem(prob)
    assert p.weight_decay == F(1, 1000) and p.activation == "tanh" and p.widths == (2, 3, 1)
    assert main(["certify", str(cert)]) == 0
    assert "CERTIFIED: all 5 claims hold" in capsys.readouterr().out


def test_linear_finds_nothing(capsys):
    # with lambda > 0 the limit of a linear net is balanced, so M = W1^T W1 commutes with G = M^2
    rc = main(["search", "--activation", "linear", "--weight-decay", "1/1000", "--seed", "0",
               "--candidates", "3", "--loss-max", "1"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "no counterexample: defect too small" in out


def test_unreachable_defect(capsys, tmp_path):
    rc = main(["search", "--activation", "tanh", "--weight-decay", "1/1000", "--seed", "0",
               "--candidates", "2", "--min-defect", "9/10", "--out", str(tmp_path / "c.json")])
    assert rc == 1
    assert "no counterexample" in capsys.readouterr().out
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv", [
    ["--activation", "tanh", "--weight-decay", "0"],
    ["--activation", "tanh", "--weight-decay=-1/10"],
    ["--activation", "tanh", "--weight-decay", "abc"],
    ["--activation", "relu", "--weight-decay", "1/10"],
    ["--activation", "tanh", "--weight-decay", "1/10", "--loss-max", "0"],
    ["--activation", "tanh", "--weight-decay", "1/10", "--tries", "0"],
    ["--activation", "tanh", "--weight-decay", "1/10", "--mechanism", "dead_units"],
    ["--activation", "tanh", "--weight-decay", "1/10", "--json"],
])
def test_bad_input(argv, capsys, tmp_path):
    try:
        status = main(["search", *argv, "--out", str(tmp_path / "c.json")])
    except SystemExit as stop:  # a typed option (--tries) is refused by argparse
        status = stop.code
    assert status == 2
    assert "nfacheck: error:" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_draw_is_exact_and_seeded():
    import random

    a = draw_problem(random.Random(5), "tanh", F(1, 1000))
    b = draw_problem(random.Random(5), "tanh", F(1, 1000))
    assert a.same_numbers(b)
    assert all(isinstance(x, F) and x.denominator in (1, 2) for row in a.X for x in row)
    assert all(abs(x) < 1 for w in a.weights for row in w for x in row)
    r = scan("sigmoid", F(1, 100), seed=1, candidates=2)
    assert len(r.screened) == 2 and all(s.bound >= 0 for s in r.screened)
