"""`nfacheck flow`: JSON shape, digits, provenance, and one-line errors with exit status 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import TINY_PROBLEM

from nfacheck.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

PROBLEM = TINY_PROBLEM


def test_flow_json(tmp_path, capsys):
    f = tmp_path / "p.toml"
    f.write_text(PROBLEM)
    assert main(["flow", str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [s["t"] for s in out["states"]][0].startswith("0")
    w = out["states"][1]["weights"]
    assert len(w) == 2 and len(w[0]) == 1 and len(w[0][0]) == 1
    # 20 significant digits; the balanced chain gives a = 0.2675877003953350749922...
    assert w[0][0][0] == "0.26758770039533507499"
    prov = out["provenance"]
    assert prov["dps"] == 20 and prov["method"] == "taylor" and prov["steps"] > 0
    assert prov["sha256"] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert prov["events"] == [] and prov["backend"] == "python"


def test_flow_table_and_dps_override(tmp_path, capsys):
    f = tmp_path / "p.toml"
    f.write_text(PROBLEM)
    assert main(["flow", str(f), "--dps", "25"]) == 0
    out = capsys.readouterr().out  # text: 6 significant digits (nfacheck.fmt), JSON: all
    assert "loss" in out and "W_1" in out and "0.267588" in out and "0.2675877" not in out
    assert main(["--digits", "25", "flow", str(f), "--dps", "25"]) == 0
    assert "0.2675877003953350749922539" in capsys.readouterr().out


@pytest.mark.skipif(not (EXAMPLES / "leaky-relu-orthogonal.toml").exists(), reason="no example")
def test_flow_reports_events(capsys):
    assert main(["flow", str(EXAMPLES / "leaky-relu-orthogonal.toml"), "--json"]) == 0
    prov = json.loads(capsys.readouterr().out)["provenance"]
    assert prov["events"] and {"t", "layer", "unit", "sample"} <= set(prov["events"][0])


@pytest.mark.parametrize(
    "text, args",
    [(PROBLEM.replace('"linear"', '"cosh"'), []), (PROBLEM, ["--dps", "5"]), (None, [])],
)
def test_flow_bad_input_exit_2_one_line(tmp_path, capsys, text, args):
    f = tmp_path / "p.toml"
    if text is not None:
        f.write_text(text)
    try:
        status = main(["flow", str(f), *args])
    except SystemExit as stop:  # --dps out of range is refused by the option parser
        status = stop.code
    assert status == 2
    cap = capsys.readouterr()
    assert cap.out == ""
    assert cap.err.startswith("nfacheck: error: ") and cap.err.count("\n") == 1
