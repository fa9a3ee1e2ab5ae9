"""`nfacheck verify` on the command line: exit status, JSON shape, one-line input errors."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction as F

import pytest

from nfacheck.cli import main
from nfacheck.numeric import cases
from nfacheck.problem import problem_to_toml


@pytest.fixture
def balanced_file(tmp_path):
    p = cases.linear_problem(cases.balanced_linear_weights(2), times=(0, F(1, 2)))
    path = tmp_path / "balanced.toml"
    path.write_text(problem_to_toml(p))
    return path


def test_balanced_holds_exit_0(balanced_file, capsys):
    assert main(["verify", str(balanced_file)]) == 0
    out = capsys.readouterr().out
    assert "NFA CONFIRMED" in out and "alpha = 1/2" in out


def test_json_shape_and_decimal_strings(balanced_file, capsys):
    assert main(["verify", str(balanced_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"checks", "holds", "layers_hold", "trend", "provenance"}
    assert data["holds"] is True and data["layers_hold"] is True
    assert data["trend"]["verdict"] == "holds"
    keys = {"t", "loss", "imbalance", "nfa_residual", "nfa_residual_c1", "alpha_fit",
            "correlation", "commutator_bound"}
    for check in data["checks"]:
        assert keys <= set(check)
        for k in keys:
            Decimal(check[k])  # every number is a decimal string
        assert Decimal(check["nfa_residual"]) < Decimal("1e-28")
    prov = data["provenance"]
    for k in ("dps", "tol", "sha256", "nfacheck_version", "backend", "integrator", "seconds"):
        assert k in prov
    assert prov["tol"] == "1e-15" and len(prov["sha256"]) == 64


def test_per_layer_figures_in_json(balanced_file, capsys):
    assert main(["verify", str(balanced_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["provenance"]["layer_alphas"] == ["1/2", "1"]
    for check in data["checks"]:
        layers = check["layers"]
        assert [lay["l"] for lay in layers] == [1, 2] and layers[0]["alpha"] == "1/2"
        for lay in layers:
            for k in ("gram_residual", "alpha_fit", "correlation", "commutator_bound"):
                Decimal(lay[k])
            assert Decimal(lay["gram_residual"]) < Decimal("1e-27")
        assert layers[0]["gram_residual"] == check["nfa_residual"]


def test_example_L4_every_layer_and_wrong_layer_exponents(capsys):
    path = "docs/examples/linear-balanced-L4.toml"
    assert main(["verify", path, "--all-layers", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    worst = max(Decimal(lay["gram_residual"]) for c in data["checks"] for lay in c["layers"])
    assert worst <= Decimal("1e-27")
    # the wrong exponents 1/(L-l+2): the first layer alone still holds, --all-layers does not
    assert main(["verify", path, "--layer-alphas", "1/5,1/4,1/3,1/2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["holds"] is True and data["layers_hold"] is False
    assert min(Decimal(lay["gram_residual"]) for c in data["checks"]
               for lay in c["layers"]) >= Decimal("0.01")
    assert main(["verify", path, "--layer-alphas", "1/5,1/4,1/3,1/2", "--all-layers"]) == 1
    assert "deep NFA NOT CONFIRMED" in capsys.readouterr().out


def test_wrong_alpha_exit_1(balanced_file, capsys):
    assert main(["verify", str(balanced_file), "--alpha", "1/3"]) == 1
    assert "NOT CONFIRMED" in capsys.readouterr().out


def test_unbalanced_without_decay_exit_1(tmp_path, capsys):
    p = cases.linear_problem(cases.unbalanced_linear_weights(2), times=(0, 1))
    path = tmp_path / "u.toml"
    path.write_text(problem_to_toml(p))
    assert main(["verify", str(path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["holds"] is False


@pytest.mark.parametrize(
    "extra,needle",
    [(["--alpha", "abc"], "--alpha"), (["--alpha", "0"], "--alpha"),
     (["--tol", "1/0"], "zero denominator"), (["--tol=-1e-3"], "--tol"),
     (["--alpha", "nan"], "finite"), (["--layer-alphas", "1/2"], "one per layer"),
     (["--layer-alphas", "1/2,0"], "--layer-alphas")],
)
def test_bad_option_is_one_line_exit_2(balanced_file, capsys, extra, needle):
    assert main(["verify", str(balanced_file), *extra]) == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    lines = cap.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nfacheck: error: ") and needle in lines[0]


def test_bad_problem_file_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    assert main(["verify", str(missing)]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[network\nwidths = [2, 1]\n")
    assert main(["verify", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("nfacheck: error: ") for e in err)
    assert "Traceback" not in "".join(err)
