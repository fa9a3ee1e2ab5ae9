"""One figure prints one way: the same number in two commands, or two places of one, is the same
text (nfacheck.fmt, issue 14), and --digits changes every place together."""

import json
import re
from pathlib import Path

import pytest

from nfacheck import check
from nfacheck.check import CheckRow
from nfacheck.cli import main
from nfacheck.fmt import num

EXAMPLE = str(Path(__file__).resolve().parents[2] / "docs" / "examples"
              / "linear-unbalanced-weight-decay.toml")


def _run(capsys, *argv):
    status = main(list(argv))
    return status, capsys.readouterr().out


def _table(text: str, first_header: str, stop: str = "\n\n") -> list[dict]:
    """Rows of the print_table block whose header line starts with ``first_header``."""
    text = "\n" + text
    block = text[text.index("\n" + first_header) + 1:]
    block = block[: block.find(stop)] if stop in block else block
    lines = [ln for ln in block.splitlines() if ln.strip()]
    header, rows = lines[0].split(), lines[2:]
    out = []
    for ln in rows:
        cells = ln.split()
        if len(cells) != len(header):
            break
        out.append(dict(zip(header, cells, strict=True)))
    return out


@pytest.mark.parametrize("digits", [None, "10"])
def test_verify_table_and_summary_lines_agree(capsys, digits):
    argv = (["--digits", digits] if digits else []) + ["verify", EXAMPLE]
    status, out = _run(capsys, *argv)
    assert status == 1  # the residual decays but is not <= tol
    first = _table(out, "t   loss")
    layers = _table(out, "t   l  alpha")
    # the first-layer residual: the same text in both tables at every time
    l1 = [r for r in layers if r["l"] == "1"]
    assert [r["residual"] for r in first] == [r["residual"] for r in l1]
    assert [r["alpha_fit"] for r in first] == [r["alpha_fit"] for r in l1]
    worst = first[0]["residual"]  # t = 1 is the largest (the residual decays)
    assert f"max residual {worst} > tol 1e-15" in out
    l2 = max((r["residual"] for r in layers if r["l"] == "2"), key=float)
    assert f"(max residual l=1: {worst}, l=2: {l2};" in out
    expected = {None: "0.141942", "10": "0.1419421261"}[digits]
    assert worst == expected
    assert "alpha = 1/2, tol = 1e-15" in out and "weight decay 0.1," in out


def test_verify_and_flow_print_the_same_losses(capsys):
    _, vout = _run(capsys, "verify", EXAMPLE)
    _, fout = _run(capsys, "flow", EXAMPLE)
    verify_loss = [(r["t"], r["loss"]) for r in _table(vout, "t   loss")]
    flow_loss = [(r["t"], r["loss"]) for r in _table(fout, "t   loss")]
    assert verify_loss == flow_loss and verify_loss[0] == ("1", "0.92736")


def test_limit_text_is_its_json_rounded_the_one_way(capsys):
    _, out = _run(capsys, "limit", EXAMPLE)
    _, js = _run(capsys, "limit", EXAMPLE, "--json")
    data = json.loads(js)
    nfa = data["nfa_first_layer"]
    table = dict(re.findall(r"^(residual \(alpha = 1/L\)|cosine|commutator bound)\s+(\S+)$",
                            out, re.M))
    assert table == {"residual (alpha = 1/L)": num(nfa["nfa_residual"]),
                     "cosine": num(nfa["correlation"]),
                     "commutator bound": num(nfa["commutator_bound"])}
    # JSON keeps every working digit; the text has 6 significant digits
    assert len(nfa["nfa_residual"].split("e")[0].replace(".", "").lstrip("0")) >= 25
    assert table["residual (alpha = 1/L)"] == "9.61944e-42"
    # the last Newton iterate is the final |grad|: one number, one text
    last_newton = out.split("Newton: ")[1].splitlines()[0].split(", ")[-1]
    assert f"\n|grad| {last_newton}\n" in out
    assert data["gradient_norm"] == data["newton"][-1]["gradient_norm"]
    fact = out.split("FACT residual per layer: ")[1].splitlines()[0].split(", ")
    assert fact == [num(v) for v in data["fact_residuals"]]
    _, out30 = _run(capsys, "--digits", "30", "limit", EXAMPLE)
    assert "residual (alpha = 1/L)  9.6194383621610904454366315464e-42" in out30


def test_check_console_and_report_print_the_same_figures(monkeypatch, tmp_path, capsys):
    def stage(quick, workdir):
        yield CheckRow("s0", "claim", "confirmed", "m", "1/1 refuted", 12.345, True,
                       {"residual": 0.1419421260982,
                        "rates": [1.97749123e-5, -0.0013285000000000102]})

    monkeypatch.setattr(check, "STAGES", (("s0", "fake:s0"),))
    monkeypatch.setattr(check, "_load", lambda target: stage)
    status, out = _run(capsys, "check", "--report", str(tmp_path / "rep"))
    assert status == 0
    md = (tmp_path / "rep" / "report.md").read_text()
    assert re.search(r"^s0 +claim +confirmed +1/1 refuted +12\.3 +ok$", out, re.M)
    assert "| 1/1 refuted | 12.3 |" in md
    assert "- **residual**: `0.141942`" in md
    assert "- **rates**: `[1.97749e-5, -0.0013285]`" in md
    # report.json keeps the floats exactly
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert data["rows"][0]["details"]["rates"] == [1.97749123e-5, -0.0013285000000000102]
    status, out = _run(capsys, "--digits", "3", "check", "--report", str(tmp_path / "rep3"))
    assert "- **residual**: `0.142`" in (tmp_path / "rep3" / "report.md").read_text()
