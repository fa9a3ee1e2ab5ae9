"""Hostile input across every command: each case gives its documented exit status (2 for bad
input) within 5 s, one line on stderr, no traceback, no file left behind, no special file touched.

The table is :data:`CASES`; ``python tests/unit/test_hostile.py docs/hostile-input.md`` runs it and
writes the table of cases with what each printed (the page lists every case id; a test checks).
Cases run in-process (fast); a few run as subprocesses to see real tracebacks and exit codes.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script: import this checkout's nfacheck
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/helpers.py

from helpers import TINY_PROBLEM  # noqa: E402

from nfacheck.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hostile-input.md"

PROBLEM = TINY_PROBLEM

CERT = {
    "format": "nfacheck-certificate/1",
    "network": {"widths": [2, 2, 1], "activation": "relu"},
    "data": {"X": [["1", "2", "1"], ["1", "-1", "3"]], "Y": [["1", "2", "1"]]},
    "weights": [[["1", "0"], ["-1", "-1"]], [["1", "5"]]],
    "claims": {"loss_at_most": "0", "defect_at_least": "0.2672"},
}
CERT_TEXT = json.dumps(CERT)
GRID = "[grid]\noptimizers = ['gd']\ndepths = [2]\nsteps = 10\n"


def _p(old: str, new: str) -> str:
    assert old in PROBLEM
    return PROBLEM.replace(old, new)


def _c(old: str, new: str) -> str:
    assert old in CERT_TEXT, old
    return CERT_TEXT.replace(old, new)


WIDE_1000 = _p("dps = 20", "dps = 1000").replace(
    "widths = [1, 1, 1]", "widths = [2, 3, 2]").replace(
    'X = [["1"]]\nY = [["2"]]', 'generate = "gaussian"\nn = 4').replace(
    'weights = [[["1/10"]], [["1/10"]]]', 'scheme = "small"')
DEEP = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"
DEEP_JSON = "[" * 100_000 + "]" * 100_000
BIG = "7" * 5000
MID = "7" * 3000

# (id, files {name: text}, argv (TMP is the case's folder), exit status, text the line must hold)
CASES: list[tuple[str, dict[str, str], list[str], int, str]] = [
    # --- problem files: flow ------------------------------------------------------------------
    ("flow-exponent-huge", {"p.toml": _p('weight_decay = "0"', 'weight_decay = 1e100000')},
     ["flow", "TMP/p.toml"], 2, "training.weight_decay: exponent out of range"),
    ("flow-exponent-tiny", {"p.toml": _p('"1/2"]', '"1e-999999999"]')},
     ["flow", "TMP/p.toml"], 2, "training.times[1]: exponent out of range"),
    ("flow-5000-digit-decimal", {"p.toml": _p('X = [["1"]]', f'X = [["0.{BIG}"]]')},
     ["flow", "TMP/p.toml"], 2, "data.X[0][0]: number too long: 5002 characters"),
    ("flow-5000-digit-int", {"p.toml": _p('X = [["1"]]', f'X = [[{BIG}]]')},
     ["flow", "TMP/p.toml"], 2, "malformed TOML: Exceeds the limit (4300 digits)"),
    ("flow-3000-digit-int", {"p.toml": _p('X = [["1"]]', f'X = [[{MID}]]')},
     ["flow", "TMP/p.toml"], 2, "data.X[0][0]: integer with more than 2000 digits"),
    ("flow-3000-digit-ratio", {"p.toml": _p('"1/10"]], [["1/10"]]', f'"1/{MID}"]], [["1/10"]]')},
     ["flow", "TMP/p.toml"], 2, "init.weights[0][0][0]: more than 2000 digits"),
    ("flow-nested-100000", {"p.toml": DEEP}, ["flow", "TMP/p.toml"], 2,
     "nested deeper than 64 levels"),
    ("flow-duplicate-key", {"p.toml": PROBLEM + "[precision]\ndps = 30\n"},
     ["flow", "TMP/p.toml"], 2, "malformed TOML: duplicate key 'precision'"),
    ("flow-duplicate-value", {"p.toml": _p("dps = 20", "dps = 20\ndps = 30")},
     ["flow", "TMP/p.toml"], 2, "malformed TOML: duplicate key 'dps'"),
    ("flow-unknown-section", {"p.toml": PROBLEM + "[extra]\nx = 1\n"},
     ["flow", "TMP/p.toml"], 2, "extra: unknown section"),
    ("flow-unknown-key", {"p.toml": _p("dps = 20", "dps = 20\ndigits = 5")},
     ["flow", "TMP/p.toml"], 2, "precision.digits: unknown key"),
    ("flow-file-dps-100000", {"p.toml": _p("dps = 20", "dps = 100000")},
     ["flow", "TMP/p.toml"], 2, "precision.dps: must be between 10 and 1000"),
    ("flow-file-dps-bool", {"p.toml": _p("dps = 20", "dps = true")},
     ["flow", "TMP/p.toml"], 2, "precision.dps: expected an integer"),
    ("flow-option-dps-100000", {"p.toml": PROBLEM}, ["flow", "TMP/p.toml", "--dps", "100000"], 2,
     "argument --dps: must be between 10 and 1000"),
    ("flow-option-dps-5", {"p.toml": PROBLEM}, ["flow", "TMP/p.toml", "--dps", "5"], 2,
     "argument --dps: must be between 10 and 1000"),
    ("flow-option-dps-huge-int", {"p.toml": PROBLEM}, ["flow", "TMP/p.toml", "--dps", BIG], 2,
     "argument --dps: integer too long"),
    ("flow-workers-0", {"p.toml": PROBLEM}, ["flow", "TMP/p.toml", "--workers", "0"], 2,
     "argument --workers: must be between 1 and 1024"),
    ("flow-dps-1000-work", {"p.toml": WIDE_1000}, ["flow", "TMP/p.toml"], 2,
     "the flow of [2, 3, 2] on 4 samples at 1012 working digits (order 1157, assuming 10 steps)"
     " needs about 4.4e+10 operations"),
    ("flow-max-work-low", {"p.toml": PROBLEM}, ["--max-work", "1000", "flow", "TMP/p.toml"], 2,
     "needs about 1.8e+04 operations (estimated before starting), over the limit 1e+03; "
     "raise it with --max-work 1e+05"),
    ("flow-generated-too-many", {"p.toml": _p('weights = [[["1/10"]], [["1/10"]]]',
                                              'scheme = "small"').replace(
        "widths = [1, 1, 1]", "widths = [1, 100000, 100000, 1]").replace(
        'X = [["1"]]\nY = [["2"]]', 'generate = "gaussian"\nn = 2')},
     ["flow", "TMP/p.toml"], 2, "init.scheme: would generate 10000200000 numbers"),
    ("flow-wide-generated-work", {"p.toml": _p('weights = [[["1/10"]], [["1/10"]]]',
                                               'scheme = "small"').replace(
        "widths = [1, 1, 1]", "widths = [8, 60, 60, 1]").replace(
        'X = [["1"]]\nY = [["2"]]', 'generate = "gaussian"\nn = 1000')},
     ["flow", "TMP/p.toml"], 2, "the flow of [8, 60, 60, 1] on 1000 samples"),
    ("flow-negative-seed", {"p.toml": _p('X = [["1"]]\nY = [["2"]]',
                                         'generate = "gaussian"\nn = 2\nseed = -1')},
     ["flow", "TMP/p.toml"], 2, "data.seed: must be between 0 and"),
    ("flow-nan", {"p.toml": _p('X = [["1"]]', 'X = [["nan"]]')}, ["flow", "TMP/p.toml"], 2,
     "data.X[0][0]: expected a finite number"),
    ("flow-zero-denominator", {"p.toml": _p('X = [["1"]]', 'X = [["1/0"]]')},
     ["flow", "TMP/p.toml"], 2, "data.X[0][0]: zero denominator"),
    ("flow-missing-file", {}, ["flow", "TMP/none.toml"], 2, "none.toml: no such file"),
    ("flow-directory", {"d/x": ""}, ["flow", "TMP/d"], 2, "is a directory, expected a file"),
    ("flow-not-utf8", {"p.toml": "\udcff"}, ["flow", "TMP/p.toml"], 2, "not UTF-8 text"),
    # --- verify -------------------------------------------------------------------------------
    ("verify-alpha-huge-exponent", {"p.toml": PROBLEM},
     ["verify", "TMP/p.toml", "--alpha", "1e100000"], 2, "--alpha: exponent out of range"),
    ("verify-alpha-too-big", {"p.toml": PROBLEM}, ["verify", "TMP/p.toml", "--alpha", "100"], 2,
     "--alpha: must be at most 16"),
    ("verify-alpha-zero", {"p.toml": PROBLEM}, ["verify", "TMP/p.toml", "--alpha", "0"], 2,
     "--alpha: must be positive"),
    ("verify-alpha-ratio-zero", {"p.toml": PROBLEM}, ["verify", "TMP/p.toml", "--alpha", "1/0"],
     2, "--alpha: zero denominator"),
    ("verify-alpha-long", {"p.toml": PROBLEM}, ["verify", "TMP/p.toml", "--alpha", "0." + BIG],
     2, "--alpha: number too long"),
    ("verify-tol-negative", {"p.toml": PROBLEM}, ["verify", "TMP/p.toml", "--tol", "-1"], 2,
     "--tol: must be positive"),
    ("verify-times-1e3000", {"p.toml": _p('"1/2"]', '"1e3000"]')}, ["verify", "TMP/p.toml"], 2,
     "training.times[1]: exponent out of range"),
    ("verify-dps-1000-work", {"p.toml": WIDE_1000},
     ["verify", "TMP/p.toml"], 2, "over the limit 2e+10; raise it with --max-work 1e+11"),
    # --- certify ------------------------------------------------------------------------------
    ("certify-duplicate-claims", {"c.json": CERT_TEXT[:-1] + ', "claims": {"loss_at_most": "1",'
                                  ' "defect_at_least": "0"}}'},
     ["certify", "TMP/c.json"], 2, "duplicate key 'claims'"),
    ("certify-duplicate-nested", {"c.json": _c('"activation": "relu"',
                                               '"activation": "relu", "activation": "tanh"')},
     ["certify", "TMP/c.json"], 2, "duplicate key 'activation'"),
    ("certify-unknown-top", {"c.json": CERT_TEXT[:-1] + ', "comment": "x"}'},
     ["certify", "TMP/c.json"], 2, "comment: unknown field"),
    ("certify-unknown-network", {"c.json": _c('"activation": "relu"',
                                              '"activation": "relu", "depth": 2')},
     ["certify", "TMP/c.json"], 2, "network.depth: unknown field"),
    ("certify-unknown-claim", {"c.json": _c('"defect_at_least": "0.2672"',
                                            '"defect_at_least": "0.2672", "holds": true')},
     ["certify", "TMP/c.json"], 2, "claims.holds: unknown field"),
    ("certify-unknown-member", {"c.json": CERT_TEXT[:-1] + ', "family": {"construction": '
                                '"scale_output", "members": [{"eps": "0", "loss_at_most": "0", '
                                '"defect_at_least": "0", "x": 1}]}}'},
     ["certify", "TMP/c.json"], 2, "family.members[0].x: unknown field"),
    ("certify-1000-wide", {"c.json": _c("[2, 2, 1]", "[1000, 1000, 1]")},
     ["certify", "TMP/c.json"], 2, "network.widths: certify: 1 networks [1000, 1000, 1]"),
    ("certify-width-huge", {"c.json": _c("[2, 2, 1]", "[2, 1000000000000000000000, 1]")},
     ["certify", "TMP/c.json"], 2, "network.widths: expected a list [d, h_1, ..., k]"),
    ("certify-exponent-huge", {"c.json": _c('"0.2672"', '1e100000')},
     ["certify", "TMP/c.json"], 2, "claims.defect_at_least: exponent out of range"),
    ("certify-exponent-string", {"c.json": _c('"0.2672"', '"1e-999999999"')},
     ["certify", "TMP/c.json"], 2, "claims.defect_at_least: exponent out of range"),
    ("certify-5000-digit-int", {"c.json": _c('"0.2672"', BIG)},
     ["certify", "TMP/c.json"], 2, "integer with more than 2000 digits"),
    ("certify-nested-100000", {"c.json": DEEP_JSON}, ["certify", "TMP/c.json"], 2,
     "nested deeper than 64 levels"),
    ("certify-nan", {"c.json": _c('"0.2672"', "NaN")}, ["certify", "TMP/c.json"], 2,
     "NaN is not a number nfacheck accepts"),
    ("certify-not-json", {"c.json": "{format"}, ["certify", "TMP/c.json"], 2, "malformed JSON"),
    ("certify-top-level-list", {"c.json": "[1]"}, ["certify", "TMP/c.json"], 2,
     "expected a JSON object"),
    ("certify-dps-100000", {"c.json": CERT_TEXT}, ["certify", "TMP/c.json", "--dps", "100000"],
     2, "argument --dps: must be between 15 and 1000"),
    ("certify-dps-5", {"c.json": CERT_TEXT}, ["certify", "TMP/c.json", "--dps", "5"], 2,
     "argument --dps: must be between 15 and 1000"),
    # --- search: output paths and options -----------------------------------------------------
    ("search-out-dev-full", {}, ["search", "--activation", "relu", "--out", "/dev/full"], 2,
     "/dev/full: --out: refusing to write under /dev"),
    ("search-out-fifo", {"FIFO:fifo": ""}, ["search", "--activation", "relu", "--out",
                                            "TMP/fifo"], 2, "exists and is a FIFO"),
    ("search-out-socket", {"SOCKET:sock": ""}, ["search", "--activation", "relu", "--out",
                                                "TMP/sock"], 2, "exists and is a socket"),
    ("search-out-directory", {"d/x": ""}, ["search", "--activation", "relu", "--out", "TMP/d"],
     2, "exists and is a folder; refusing to replace it"),
    ("search-out-under-file", {"f": "x"},
     ["search", "--activation", "relu", "--out", "TMP/f/cert.json"], 2,
     "a parent of this path is a file"),
    ("search-out-proc", {}, ["search", "--activation", "relu", "--out", "/proc/self/cert.json"],
     2, "refusing to write under /proc"),
    ("search-candidates-0", {}, ["search", "--activation", "relu", "--candidates", "0"], 2,
     "argument --candidates: must be between 1 and 10000000 (received 0)"),
    ("search-budget-negative", {}, ["search", "--activation", "relu", "--budget", "-1"], 2,
     "argument --budget: must be a positive number of seconds (received -1)"),
    ("search-budget-nan", {}, ["search", "--activation", "relu", "--budget", "nan"], 2,
     "argument --budget: must be a positive number of seconds"),
    ("search-seed-negative", {}, ["search", "--activation", "relu", "--seed", "-1"], 2,
     "argument --seed: must be between 0 and 2**63-1"),
    ("search-seed-huge", {}, ["search", "--activation", "relu", "--seed", "9" * 40], 2,
     "argument --seed: integer too long"),
    ("search-dps-100000", {}, ["search", "--activation", "relu", "--dps", "100000"], 2,
     "argument --dps: must be between 15 and 1000"),
    ("search-activation-unknown", {}, ["search", "--activation", "cosh"], 2,
     "argument --activation: invalid choice"),
    # --- experiments --------------------------------------------------------------------------
    ("experiments-no-grid", {}, ["experiments", "--out", "TMP/o"], 2,
     "say which grid: --quick (26 runs, under a minute), --full (4800 runs"),
    ("experiments-two-grids", {}, ["experiments", "--quick", "--full", "--out", "TMP/o"], 2,
     "give one of --quick, --full or --config"),
    ("experiments-steps-float", {"g.toml": GRID.replace("steps = 10", "steps = 1e12")},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.steps: expected an integer"),
    ("experiments-steps-work", {"g.toml": GRID.replace("steps = 10", "steps = 1000000000")},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "over the limit 2e+10; raise it with --max-work 1e+12"),
    ("experiments-steps-huge", {"g.toml": GRID.replace("steps = 10", "steps = 10000000000")},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.steps: must be an integer 1..10^9"),
    ("experiments-1e400", {"g.toml": GRID + "weight_decays = [1e400]\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.weight_decays[0]: beyond the float64 range"),
    ("experiments-lr-tiny-exponent", {"g.toml": GRID + "lr = 1e-999999999\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.lr: exponent out of range"),
    ("experiments-negative-seed", {"g.toml": GRID + "seeds = [-1]\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.seeds: must be an integer 0..2**63-1"),
    ("experiments-width-huge", {"g.toml": GRID + "width = 1000000000\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.width: must be an integer 1..4096"),
    ("experiments-int-huge", {"g.toml": GRID + f"n = {MID}\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "grid.n: integer out of range"),
    ("experiments-duplicate-key", {"g.toml": GRID + "steps = 20\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "malformed TOML: duplicate key 'steps'"),
    ("experiments-unknown-key", {"g.toml": GRID + "epochs = 3\n"},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2, "grid.epochs: unknown key"),
    ("experiments-nested", {"g.toml": DEEP}, ["experiments", "--config", "TMP/g.toml",
                                              "--out", "TMP/o"], 2, "nested deeper than 64"),
    ("experiments-out-file", {"o": "x"}, ["experiments", "--quick", "--out", "TMP/o"], 2,
     "--out: exists and is a file, not a folder"),
    ("experiments-out-proc", {}, ["experiments", "--quick", "--out", "/proc/self/out"], 2,
     "--out: refusing to write under /proc"),
    ("experiments-workers-0", {}, ["experiments", "--quick", "--workers", "0"], 2,
     "argument --workers: must be between 1 and 1024"),
    # --- check, prove, the frame --------------------------------------------------------------
    ("check-report-file", {"r": "x"}, ["check", "--report", "TMP/r"], 2,
     "--report: exists and is a file, not a folder"),
    ("check-report-dev-null", {}, ["check", "--report", "/dev/null"], 2,
     "--report: refusing to write under /dev"),
    ("check-report-under-file", {"f": "x"}, ["check", "--report", "TMP/f/rep"], 2,
     "a parent of this path is a file"),
    ("check-only-unknown", {}, ["check", "--only", "nothing"], 2,
     "argument --only: invalid choice"),
    ("prove-unknown-id", {}, ["prove", "no-such-theorem"], 2, "unknown theorem id"),
    ("prove-docs-dev", {}, ["prove", "balancedness", "--write-docs", "/dev/x"], 2,
     "/dev/x: --write-docs: refusing to write under /dev"),
    ("max-work-zero", {}, ["--max-work", "0", "prove"], 2,
     "argument --max-work: must be a number >= 1"),
    ("unknown-command", {}, ["frobnicate"], 2, "invalid choice: 'frobnicate'"),
]


def _setup(tmp: Path, files: dict[str, str]) -> list[socket.socket]:
    keep = []
    for name, text in files.items():
        kind, _, rel = name.rpartition(":")
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "FIFO":
            os.mkfifo(path)
        elif kind == "SOCKET":
            s = socket.socket(socket.AF_UNIX)
            s.bind(str(path))
            keep.append(s)
        else:
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return keep


def _tree(tmp: Path) -> dict[str, int]:
    return {str(p.relative_to(tmp)): os.lstat(p).st_mode for p in tmp.rglob("*")}


def _run(argv: list[str]) -> tuple[int, float]:
    t0 = time.perf_counter()
    try:
        status = main(argv)
    except SystemExit as stop:  # argparse usage errors
        status = stop.code
    return status, time.perf_counter() - t0


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(case, tmp_path, capsys, monkeypatch):
    name, files, argv, want, text = case
    monkeypatch.chdir(tmp_path)  # default output folders would land here
    dev_full = os.stat("/dev/full").st_mode
    work = tmp_path / "case"
    work.mkdir()
    keep = _setup(work, files)
    before = _tree(work)
    try:
        status, seconds = _run([a.replace("TMP", str(work)) for a in argv])
    finally:
        for s in keep:
            s.close()
    cap = capsys.readouterr()
    lines = cap.err.strip().splitlines()
    assert status == want, cap.err
    assert len(lines) == 1, cap.err
    assert lines[0].startswith("nfacheck: error: ") and "Traceback" not in cap.err
    assert text in lines[0], lines[0]
    assert seconds < 5, f"{name} took {seconds:.1f} s"
    assert _tree(work) == before, "a file was left behind or a special file was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]
    assert os.stat("/dev/full").st_mode == dev_full and stat.S_ISCHR(dev_full)


# --- subprocess cases: real exit codes, no traceback -----------------------------------------

SUBPROCESS = [
    ("flow-5000-digit-int", {"p.toml": _p('X = [["1"]]', f'X = [[{BIG}]]')},
     ["flow", "TMP/p.toml"]),
    ("certify-nested-100000", {"c.json": DEEP_JSON}, ["certify", "TMP/c.json"]),
    ("search-out-dev-full", {}, ["search", "--activation", "relu", "--out", "/dev/full"]),
]


@pytest.mark.parametrize("name, files, argv", SUBPROCESS, ids=[c[0] for c in SUBPROCESS])
def test_hostile_input_subprocess(name, files, argv, tmp_path):
    _setup(tmp_path, files)
    argv = [a.replace("TMP", str(tmp_path)) for a in argv]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "nfacheck", *argv], capture_output=True,
                         text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_debug_shows_the_traceback_without_the_rerun_hint(tmp_path, capsys, monkeypatch):
    import nfacheck.cli.prove as prove

    def boom(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(prove, "run", boom)  # set_defaults(func=run) reads it at parse time
    assert main(["--debug", "prove"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "internal error: RuntimeError: a bug" in err
    assert "(rerun with --debug)" not in err
    assert main(["prove"]) == 1
    assert capsys.readouterr().err.strip().endswith("a bug (rerun with --debug)")


def test_every_case_is_in_the_docs_table():
    text = DOC.read_text(encoding="utf-8")
    missing = [c[0] for c in CASES if f"`{c[0]}`" not in text]
    assert not missing, f"regenerate {DOC.name}: python tests/unit/test_hostile.py {DOC}"
    assert len(CASES) >= 60


def render_table() -> str:
    """Run every case and return the Markdown page (used to write docs/hostile-input.md)."""
    import tempfile

    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            import contextlib
            import io

            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                keep = _setup(Path(tmp), case[1])
                status, _ = _run([a.replace("TMP", tmp) for a in case[2]])
                for s in keep:
                    s.close()
            line = err.getvalue().strip().replace(tmp, "TMP")
            if len(line) > 230:
                line = line[:227] + "..."
        shown = " ".join(a if len(a) <= 40 else a[:20] + "…" for a in case[2])
        rows.append(f"| `{case[0]}` | `{_cell(shown)}` | {status} | `{_cell(line)}` |")
    head = [
        "# Hostile input",
        "",
        "<!-- generated by `python tests/unit/test_hostile.py docs/hostile-input.md`; -->",
        "",
        "Every case of the hostile-input suite (`tests/unit/test_hostile.py`), what was run and "
        "the one line it printed on stderr. `TMP` is the case's scratch folder, holding the "
        "input files the case writes (a problem file `p.toml`, a certificate `c.json`, a grid "
        "`g.toml`, a FIFO, a socket...). Each case must give its exit status within 5 s, print "
        "one line and no traceback, leave no file behind and touch no special file.",
        "",
        "The limits behind these refusals (`nfacheck.limits`): numbers have at most 2000 digits "
        "per integer part and |exponent| ≤ 2000; files nest at most 64 levels; `dps` is 10–1000 "
        "in files and on the command line alike; a run whose work, estimated before it starts, "
        "exceeds `--max-work` (default 2e10 operations, roughly 30-60 minutes on one core) is "
        "refused with the estimate; output paths that exist and are not regular files, lie "
        "under /proc, /sys or /dev, or sit under a file are refused before any work.",
        "",
        "| case | command | exit | stderr |",
        "|---|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


if __name__ == "__main__":  # pragma: no cover
    Path(sys.argv[1]).write_text(render_table(), encoding="utf-8")


# --- interrupted and concurrent runs ---------------------------------------------------------


def test_a_second_writer_of_an_experiments_folder_is_refused(tmp_path, capsys):
    from nfacheck.io import LOCK_NAME, FolderLockedError, dir_lock

    out = tmp_path / "o"
    cfg = tmp_path / "g.toml"
    cfg.write_text(GRID)
    with dir_lock(out, "experiments (first writer)"):
        assert main(["experiments", "--config", str(cfg), "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "another nfacheck is writing this folder (pid" in err[0]
        assert "experiments (first writer)" in err[0]
        with pytest.raises(FolderLockedError):
            with dir_lock(out):
                pass
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing computed twice
    assert main(["experiments", "--config", str(cfg), "--out", str(out)]) == 0  # lock released
    assert (out / "results.json").exists()


def test_an_interrupted_report_is_marked_incomplete_and_not_moved_in(tmp_path, monkeypatch):
    from nfacheck import check
    from nfacheck.check import CheckRow
    from nfacheck.io import INCOMPLETE_MARKER

    def stage(quick, workdir):
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "half.txt").write_text("partial")
        yield CheckRow("s0", "claim", "confirmed", "m", "1/1 refuted", 0.1, True)
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "STAGES", (("s0", "fake:s0"),))
    monkeypatch.setattr(check, "_load", lambda target: stage)
    rep = tmp_path / "rep"
    assert main(["check", "--report", str(rep)]) == 130
    assert not rep.exists()  # nothing that looks like a report
    (partial,) = [p for p in tmp_path.iterdir() if ".incomplete-" in p.name]
    assert (partial / INCOMPLETE_MARKER).read_text().startswith("This folder is an incomplete")


def test_a_finished_report_replaces_the_old_one_without_marker(tmp_path, monkeypatch):
    from nfacheck import check
    from nfacheck.check import CheckRow

    def stage(quick, workdir):
        yield CheckRow("s0", "claim", "confirmed", "m", "1/1 refuted", 0.1, True,
                       {"value": 0.1 + 0.2, "empty": []})

    monkeypatch.setattr(check, "STAGES", (("s0", "fake:s0"),))
    monkeypatch.setattr(check, "_load", lambda target: stage)
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "old.md").write_text("old")
    assert main(["check", "--report", str(rep)]) == 0
    assert sorted(p.name for p in rep.iterdir()) == ["report.json", "report.md"]
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]
    text = (rep / "report.md").read_text()
    assert "`0.3`" in text and "0.30000000000000004" not in text and "empty" not in text


def test_a_diverging_learning_rate_is_a_diverged_run_not_a_crash():
    from nfacheck.experiments.train import run_config, train

    for lr in (1e3, 1e150):
        res = train(run_config(optimizer="gd", depth=3, lr=lr, steps=50))
        assert res.status == "diverged" and res.final["alpha_fit"] is None


def test_a_grid_that_fails_leaves_no_empty_store(tmp_path, monkeypatch):
    from nfacheck.experiments import grid

    def boom(cfg):
        raise RuntimeError("worker died")

    monkeypatch.setattr(grid, "_run_json", boom)
    with pytest.raises(RuntimeError):
        grid.run_grid([grid.quick_grid()[0]], tmp_path / "o")
    assert not (tmp_path / "o" / grid.STORE_NAME).exists()


def test_check_summary_fits_100_columns(monkeypatch, capsys):
    from nfacheck import check
    from nfacheck.check import CheckRow

    def stage(quick, workdir):
        yield CheckRow("counterexamples", "nonlinear-counterexample-relu-trained-and-more-words",
                       "inconclusive", "x" * 200, "6/6 rejected and some more words", 1234.5,
                       False)

    monkeypatch.setattr(check, "STAGES", (("s0", "fake:s0"),))
    monkeypatch.setattr(check, "_load", lambda target: stage)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
