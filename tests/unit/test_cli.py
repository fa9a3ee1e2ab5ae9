"""The CLI frame: version, usage errors, exit codes, one-line errors, and check's verdict."""

import json
import subprocess
import sys

import pytest

from nfacheck import __version__, check
from nfacheck.check import CheckRow
from nfacheck.cli import main
from nfacheck.errors import InputError


def test_version_from_console_script():
    out = subprocess.run(
        [sys.executable, "-m", "nfacheck", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"nfacheck {__version__}"


def test_usage_error_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("nfacheck: error: ")


def _stage(rows, boom=False):
    def stage(quick, workdir):
        yield from rows
        if boom:
            raise InputError("stage exploded")

    return stage


@pytest.fixture
def fake_stages(monkeypatch):
    def install(*stages):
        table = {}
        for i, fn in enumerate(stages):
            table[f"s{i}"] = fn
        monkeypatch.setattr(check, "STAGES", tuple((k, f"fake:{k}") for k in table))
        monkeypatch.setattr(check, "_load", lambda target: table[target.split(":")[1]])

    return install


def _row(ok):
    return CheckRow("s", "claim", "confirmed" if ok else "refuted", "m", "1/1 refuted", 0.0, ok)


def test_check_exit_status_follows_rows(fake_stages, capsys):
    fake_stages(_stage([_row(True), _row(True)]))
    assert main(["check", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and len(out["rows"]) == 2

    fake_stages(_stage([_row(True)]), _stage([_row(False)]))
    assert main(["check"]) == 1
    assert "SOME CHECKS FAILED" in capsys.readouterr().out


def test_a_crashing_stage_is_a_failed_row_not_a_crash(fake_stages, capsys):
    fake_stages(_stage([_row(True)], boom=True), _stage([_row(True)]))
    assert main(["check", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["status"] for r in rows] == ["confirmed", "failed", "confirmed"]
    assert "stage exploded" in rows[1]["details"]["error"]


def test_no_rows_is_not_ok(fake_stages):
    fake_stages(_stage([]))
    assert main(["check"]) == 1


def test_report_lists_rows_and_links_figures(fake_stages, tmp_path):
    def stage(quick, workdir):
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "fig.png").write_bytes(b"\x89PNG")
        yield CheckRow("s0", "alpha | fit", "confirmed", "gd", "1/1 refuted", 1.5, True,
                       {"alpha_fit": 0.333})

    fake_stages(stage)
    assert main(["check", "--report", str(tmp_path / "rep")]) == 0
    text = (tmp_path / "rep" / "report.md").read_text()
    assert "**Verdict: all claims hold**" in text
    assert "alpha \\| fit" in text and "![fig](s0/fig.png)" in text
    data = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert data["ok"] is True and data["rows"][0]["details"]["alpha_fit"] == 0.333
