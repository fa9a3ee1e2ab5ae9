"""Hostile input across every command: each case gives its documented exit status (2 for bad
input) within 5 s, one line on stderr, no traceback, no file left behind, no special file touched.

The table is :data:`CASES`; ``python tests/unit/test_hostile.py docs/hostile-input.md`` runs it and
writes the table of cases with what each printed (the page lists every case id; a test checks).
Cases run in-process (fast); a few run as subprocesses to see real tracebacks and exit codes.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

if __name__ == "__main__":  # run as a script: import this checkout's nfacheck
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/helpers.py

from helpers import HAND_CERTIFICATE, TINY_PROBLEM  # noqa: E402

from nfacheck.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hostile-input.md"

PROBLEM = TINY_PROBLEM

CERT = HAND_CERTIFICATE
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

# --- binary inputs of inspect (weights, data), written byte for byte through surrogateescape ---


def _bin(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _npz(compressed: bool = False, **arrays) -> str:
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return _bin(buf.getvalue())


def _npz_dup(name: str, *arrays) -> str:
    """An .npz (zip) holding several members of one name (zipfile allows it, with a warning)."""
    import warnings
    import zipfile

    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as z:
        warnings.simplefilter("ignore")
        for a in arrays:
            member = io.BytesIO()
            np.save(member, a)
            z.writestr(f"{name}.npy", member.getvalue())
    return _bin(buf.getvalue())


def _npy(array, header: str | None = None) -> str:
    if header is None:
        buf = io.BytesIO()
        np.save(buf, array, allow_pickle=True)
        return _bin(buf.getvalue())
    head = header + " " * (118 - len(header)) + "\n"  # a hand-written (lying) .npy header
    return _bin(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode() + b"\0" * 64)


def _st(header: str | None = None, body: bytes = b"", **tensors) -> str:
    from safetensors.numpy import save

    if header is None:
        return _bin(save(tensors))
    raw = header.encode()
    return _bin(struct.pack("<Q", len(raw)) + raw + body)


def _pt(obj, raw: bool = False) -> str:
    import pickle

    import torch

    buf = io.BytesIO()
    if raw:
        pickle.dump(obj, buf, protocol=4)
    else:
        torch.save(obj, buf)
    return _bin(buf.getvalue())


class _Pwn:
    """A pickle that would create the file 'pwned' if it were ever unpickled unsafely."""

    def __reduce__(self):
        return (os.system, ("touch pwned",))


_W1 = np.array([[1.0, -0.5], [0.25, 2.0], [-1.0, 0.5]], dtype=np.float32)
_W2 = np.array([[0.5, -1.0, 1.5]], dtype=np.float32)
_X = np.linspace(-1, 1, 16).reshape(8, 2)
WEIGHTS_ST = _st(**{"0.weight": _W1, "2.weight": _W2})
DATA = _npz(X=_X, Y=_X[:, :1] * 2)


WEIGHTS_DUP = _npz_dup("a", _W1.T, _W1)
DATA_DUP = _npz_dup("X", _X, -_X)


def _w1_with(value: float) -> str:
    w = _W1.copy()
    w[1, 1] = value
    return _st(**{"0.weight": w, "2.weight": _W2})


def _t(x):
    import torch

    return torch.tensor(x)


INS = ["inspect", "TMP/w.safetensors", "--data", "TMP/d.npz"]
INS_FILES = {"w.safetensors": WEIGHTS_ST, "d.npz": DATA}
LIMIT_WD = _p('weight_decay = "0"', 'weight_decay = "1/10"')
CRIT_TEXT = (ROOT / "docs" / "certificates" / "tanh-weight-decay-limit.json").read_text()


def _crit(**changes) -> str:
    """The shipped tanh critical-point certificate with ``changes`` (``box__dps=...`` sets a
    nested field; ``None`` removes it)."""
    data = json.loads(CRIT_TEXT)
    for key, value in changes.items():
        *path, last = key.split("__")
        obj = data
        for p in path:
            obj = obj[p]
        if value is None:
            obj.pop(last)
        else:
            obj[last] = value
    return json.dumps(data)


def _crit_wide(h: int) -> str:
    """A critical-point certificate of a [2, h, 1] tanh network (weights all 1/10)."""
    return _crit(network__widths=[2, h, 1], weights=[[["1/10"] * 2] * h, [["1/10"] * h]])


SWD = ["search", "--activation", "tanh", "--weight-decay"]


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
    ("flow-dev-zero", {}, ["flow", "/dev/zero"], 2,
     "/dev/zero: not a regular file (a device, FIFO or socket?)"),
    ("flow-fifo-input", {"FIFO:p.toml": ""}, ["flow", "TMP/p.toml"], 2,
     "p.toml: not a regular file (a device, FIFO or socket?)"),
    ("flow-file-too-large", {"SPARSE:p.toml": str((64 << 20) + 1)}, ["flow", "TMP/p.toml"], 2,
     "p.toml: file too large: 67108865 bytes, at most 67108864"),
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
    ("certify-dev-zero", {}, ["certify", "/dev/zero"], 2, "/dev/zero: not a regular file"),
    ("certify-fifo-input", {"FIFO:c.json": ""}, ["certify", "TMP/c.json"], 2,
     "c.json: not a regular file"),
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
    ("experiments-config-fifo", {"FIFO:g.toml": ""},
     ["experiments", "--config", "TMP/g.toml", "--out", "TMP/o"], 2,
     "g.toml: not a regular file"),
    ("experiments-nested", {"g.toml": DEEP}, ["experiments", "--config", "TMP/g.toml",
                                              "--out", "TMP/o"], 2, "nested deeper than 64"),
    ("experiments-out-file", {"o": "x"}, ["experiments", "--quick", "--out", "TMP/o"], 2,
     "--out: exists and is a file, not a folder"),
    ("experiments-out-proc", {}, ["experiments", "--quick", "--out", "/proc/self/out"], 2,
     "--out: refusing to write under /proc"),
    ("experiments-workers-0", {}, ["experiments", "--quick", "--workers", "0"], 2,
     "argument --workers: must be between 1 and 1024"),
    ("experiments-scheduler-refused", {},
     ["experiments", "--quick", "--scheduler", "tcp://127.0.0.1:1", "--out", "TMP/o"], 2,
     "--scheduler: cannot reach the dask scheduler (Connection refused)"),
    ("experiments-scheduler-port", {},
     ["experiments", "--quick", "--scheduler", "tcp://127.0.0.1:99999", "--out", "TMP/o"], 2,
     "--scheduler: malformed address (Port out of range 0-65535)"),
    ("experiments-scheduler-scheme", {},
     ["experiments", "--quick", "--scheduler", "inproc://x", "--out", "TMP/o"], 2,
     "--scheduler: unknown scheme 'inproc'"),
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
    ("digits-0", {}, ["--digits", "0", "prove"], 2,
     "argument --digits: must be between 3 and 100 significant digits (received 0)"),
    ("digits-huge-int", {}, ["--digits", "9" * 40, "prove"], 2,
     "argument --digits: integer too long (40 characters)"),
    ("max-work-inf", {}, ["--max-work", "1e400", "prove"], 2,
     "argument --max-work: must be a number >= 1 (received 1e400)"),
    # --- inspect: weights files (.safetensors, .npz, .pt) -------------------------------------
    ("inspect-weights-missing", {"d.npz": DATA}, ["inspect", "TMP/none.pt", "--data", "TMP/d.npz"],
     2, "none.pt: no such file"),
    ("inspect-weights-directory", {"w.safetensors/x": "", "d.npz": DATA}, INS, 2,
     "w.safetensors: is a directory, expected a file"),
    ("inspect-weights-fifo", {"FIFO:w.safetensors": "", "d.npz": DATA}, INS, 2,
     "w.safetensors: not a regular file (a device, FIFO or socket?)"),
    ("inspect-st-lying-header", {"w.safetensors": _st(
        '{"a": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 4000000]}}',
        b"\0" * 16), "d.npz": DATA}, INS, 2,
     "w.safetensors: not a safetensors file (SafetensorError: Error while deserializing header"),
    ("inspect-st-huge-header-length", {"w.safetensors": _bin(struct.pack("<Q", 2**62) + b"{}"),
                                       "d.npz": DATA}, INS, 2,
     "w.safetensors: not a safetensors file: the header length says 4611686018427387904 bytes"),
    ("inspect-st-truncated", {"w.safetensors": WEIGHTS_ST[:-5], "d.npz": DATA}, INS, 2,
     "w.safetensors: not a safetensors file"),
    ("inspect-st-duplicate-tensor", {"w.safetensors": _st(
        '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, '
        '"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', b"\0\0\x80\x3f"),
        "d.npz": DATA}, INS, 2, "w.safetensors: a: duplicate tensor name in the header"),
    ("inspect-st-bool-dtype", {"w.safetensors": _st(**{"0.weight": np.zeros((3, 2), bool),
                                                       "2.weight": _W2}), "d.npz": DATA}, INS, 2,
     "w.safetensors: 0.weight: expected a real numeric array, got dtype bool"),
    ("inspect-st-nan-weight", {"w.safetensors": _w1_with(np.nan), "d.npz": DATA}, INS, 2,
     "w.safetensors: 0.weight: non-finite value nan at index (1, 1)"),
    ("inspect-st-inf-weight", {"w.safetensors": _w1_with(np.inf), "d.npz": DATA}, INS, 2,
     "w.safetensors: 0.weight: non-finite value inf at index (1, 1)"),
    ("inspect-st-layers-do-not-chain", {"w.safetensors": _st(**{
        "0.weight": _W1, "2.weight": np.zeros((1, 4), np.float32)}), "d.npz": DATA}, INS, 2,
     "2.weight: layers do not chain: 2.weight takes 4 inputs but 0.weight gives 3 outputs"),
    ("inspect-st-bias-shape", {"w.safetensors": _st(**{
        "0.weight": _W1, "0.bias": np.ones(4, np.float32), "2.weight": _W2}), "d.npz": DATA},
     INS, 2, "0.weight bias: bias of shape (4,), expected (3,)"),
    ("inspect-st-stray-1d-tensor", {"w.safetensors": _st(**{
        "0.weight": _W1, "1.running_mean": np.ones(3, np.float32), "2.weight": _W2}),
        "d.npz": DATA}, INS, 2, "1.running_mean: a 1-D tensor that is not a layer's bias"),
    ("inspect-npz-duplicate-array", {"w.npz": WEIGHTS_DUP, "d.npz": DATA},
     ["inspect", "TMP/w.npz", "--data", "TMP/d.npz"], 2,
     "w.npz: a: duplicate array name in the archive"),
    ("inspect-npz-conv-kernel", {"w.npz": _npz(c=np.zeros((2, 1, 3, 3)), l=_W1),
                                 "d.npz": DATA}, ["inspect", "TMP/w.npz", "--data", "TMP/d.npz"],
     2, "c: a 4-D tensor of shape (2, 1, 3, 3) (a convolution?)"),
    ("inspect-pt-empty", {"w.pt": "", "d.npz": DATA},
     ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"], 2,
     "w.pt: not a PyTorch state dict of tensors: torch.load(weights_only=True) refused it"),
    ("inspect-pt-malicious-pickle", {"w.pt": _pt({"a": _Pwn()}), "d.npz": DATA},
     ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"], 2,
     "running none of its code (Trying to load unsupported GLOBAL posix.system"),
    ("inspect-pt-raw-pickle", {"w.pt": _pt({"a": _Pwn()}, raw=True), "d.npz": DATA},
     ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"], 2,
     "w.pt: not a PyTorch state dict of tensors: torch.load(weights_only=True) refused it"),
    ("inspect-pt-not-a-dict", {"w.pt": _pt([_t(_W1)]), "d.npz": DATA},
     ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"], 2,
     "w.pt: expected a state dict of tensors, got list"),
    ("inspect-pt-complex", {"w.pt": _pt({"w": _t(_W1.astype(np.complex64)), "v": _t(_W2)}),
                            "d.npz": DATA}, ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"], 2,
     "w.pt: w: expected a real numeric tensor, got dtype torch.complex64"),
    ("inspect-work-huge-net", {"w.npz": _npz(True, a=np.zeros((2500, 100), np.float32),
                                             b=np.zeros((2500, 2500), np.float32)),
                               "d.npz": _npz(X=np.zeros((4, 100)))},
     ["inspect", "TMP/w.npz", "--data", "TMP/d.npz"], 2,
     "d.npz: inspect of the relu network [100, 2500, 2500] on 4 samples needs about"),
    ("inspect-max-work-low", INS_FILES, ["--max-work", "100", *INS], 2,
     "on 8 samples needs about 1.1e+03 operations (estimated before starting), over the limit "
     "1e+02"),
    ("inspect-activation-unknown", INS_FILES, [*INS, "--activation", "gelu"], 2,
     "activation: unknown activation 'gelu'"),
    # --- inspect: data (n x d at the PyTorch boundary) ----------------------------------------
    ("inspect-data-transposed", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(X=_X.T)}, INS, 2,
     "X: data have 8 features but the first layer (0.weight) takes 2 (is X d × n? inspect "
     "takes n × d, samples as rows)"),
    ("inspect-data-wrong-d", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(X=np.ones((8, 5)))},
     INS, 2, "X: data have 5 features but the first layer (0.weight) takes 2"),
    ("inspect-data-empty", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(X=np.zeros((0, 2)))},
     INS, 2, "d.npz: X: no samples (the array is empty)"),
    ("inspect-data-empty-file", {"w.safetensors": WEIGHTS_ST, "d.npz": ""}, INS, 2,
     "d.npz: the file is empty"),
    ("inspect-data-nan", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(X=np.where(
        np.arange(16).reshape(8, 2) == 7, np.nan, _X))}, INS, 2,
     "d.npz: X: non-finite value at sample 3, column 1"),
    ("inspect-data-csv-1e400", {"w.safetensors": WEIGHTS_ST, "d.csv": "1,2\n1e400,3\n"},
     ["inspect", "TMP/w.safetensors", "--data", "TMP/d.csv"], 2,
     "d.csv: X: non-finite value at sample 1, column 0"),
    ("inspect-data-csv-ragged", {"w.safetensors": WEIGHTS_ST, "d.csv": "1,2\n1,2,3\n"},
     ["inspect", "TMP/w.safetensors", "--data", "TMP/d.csv"], 2,
     "d.csv: cannot read the data (the number of columns changed from 2 to 3 at row 2"),
    ("inspect-data-nested", {"w.safetensors": WEIGHTS_ST, "d.npy": _npy(np.zeros((2, 2, 2)))},
     ["inspect", "TMP/w.safetensors", "--data", "TMP/d.npy"], 2,
     "d.npy: X: expected an n × d array (samples as rows), got shape (2, 2, 2)"),
    ("inspect-data-pickled-npy", {"w.safetensors": WEIGHTS_ST, "d.npy": _npy(
        np.array([[1], [1, 2]], dtype=object))},
     ["inspect", "TMP/w.safetensors", "--data", "TMP/d.npy"], 2,
     "d.npy: cannot read the data (Object arrays cannot be loaded when allow_pickle=False)"),
    ("inspect-data-huge-n", {"w.safetensors": WEIGHTS_ST, "d.npy": _npy(None, (
        "{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000000, 2), }"))},
     ["inspect", "TMP/w.safetensors", "--data", "TMP/d.npy"], 2,
     "d.npy: the file declares arrays larger than this machine's memory"),
    ("inspect-data-labels-huge", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(
        X=_X, y=np.array([0, 1, 0, 1, 0, 1, 0, 10**12]))}, INS, 2,
     "d.npz: y: one-hot targets for 8 labels up to 1000000000000 needs about"),
    ("inspect-data-targets-wrong-k", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(
        X=_X, Y=np.zeros((8, 3)))}, INS, 2,
     "d.npz: Y: targets have 3 columns but the network has 1 outputs"),
    ("inspect-data-not-npz", {"w.safetensors": WEIGHTS_ST, "d.npz": "hello"}, INS, 2,
     "d.npz: not an .npz archive (a .npz is a zip of .npy arrays)"),
    ("inspect-data-duplicate-array", {"w.safetensors": WEIGHTS_ST, "d.npz": DATA_DUP}, INS, 2,
     "d.npz: X: duplicate array name in the archive"),
    # --- inspect: options and --report --------------------------------------------------------
    ("inspect-layers-0", INS_FILES, [*INS, "--layers", "0"], 2,
     "argument --layers: must be between 1 and 1000000 (received 0)"),
    ("inspect-layers-beyond-depth", INS_FILES, [*INS, "--layers", "3"], 2,
     "layers: layers are numbered 1..2 (received [3])"),
    ("inspect-samples-0", INS_FILES, [*INS, "--samples", "0"], 2,
     "argument --samples: must be between 1 and"),
    ("inspect-seed-negative", INS_FILES, [*INS, "--samples", "3", "--seed", "-1"], 2,
     "argument --seed: must be between 0 and 2**63-1"),
    ("inspect-batch-size-huge", INS_FILES, [*INS, "--batch-size", "9" * 25], 2,
     "argument --batch-size: must be between 1 and 1000000"),
    ("inspect-slope-nan", INS_FILES, [*INS, "--activation", "leaky_relu", "--slope", "nan"], 2,
     "argument --slope: must be a finite float64 number (received nan)"),
    ("inspect-weight-decay-inf", INS_FILES, [*INS, "--weight-decay", "inf"], 2,
     "argument --weight-decay: must be a finite float64 number (received inf)"),
    ("inspect-weight-decay-zero", INS_FILES, [*INS, "--weight-decay", "0"], 2,
     "argument --weight-decay: must be > 0"),
    ("inspect-weight-decay-no-targets", {"w.safetensors": WEIGHTS_ST, "d.npz": _npz(X=_X)},
     [*INS, "--weight-decay", "0.1"], 2, "d.npz: --weight-decay needs targets"),
    ("inspect-init-shapes", {**INS_FILES, "i.npz": _npz(a=np.ones((4, 2)), b=np.ones((1, 4)))},
     [*INS, "--init", "TMP/i.npz"], 2, "init: init weights have shapes [(4, 2), (1, 4)]"),
    ("inspect-report-dev", INS_FILES, [*INS, "--report", "/dev/null"], 2,
     "/dev/null: --report: refusing to write under /dev"),
    ("inspect-report-proc", INS_FILES, [*INS, "--report", "/proc/self/rep"], 2,
     "/proc/self/rep: --report: refusing to write under /proc"),
    ("inspect-report-under-file", {**INS_FILES, "f": "x"}, [*INS, "--report", "TMP/f/rep"], 2,
     "--report: a parent of this path is a file, not a folder"),
    ("inspect-report-fifo", {**INS_FILES, "FIFO:fifo": ""}, [*INS, "--report", "TMP/fifo"], 2,
     "fifo: --report: exists and is a FIFO, not a folder"),
    # --- limit --------------------------------------------------------------------------------
    ("limit-weight-decay-negative", {"p.toml": _p('weight_decay = "0"', 'weight_decay = "-1"')},
     ["limit", "TMP/p.toml"], 2, "p.toml: training.weight_decay: must be >= 0"),
    ("limit-weight-decay-1e2000", {"p.toml": _p('weight_decay = "0"', 'weight_decay = "1e2000"')},
     ["limit", "TMP/p.toml"], 2, "p.toml: training.weight_decay: the flow of [1, 1, 1] on 1 "
     "samples at 32 working digits (order 29, assuming 1.0e+300 steps to t = 1)"),
    ("limit-times-1e2000", {"p.toml": LIMIT_WD.replace('"1/2"]', '"1e2000"]')},
     ["limit", "TMP/p.toml"], 2, "p.toml: training.times: the flow of [1, 1, 1]"),
    ("limit-5000-digit", {"p.toml": LIMIT_WD.replace('X = [["1"]]', f'X = [["0.{BIG}"]]')},
     ["limit", "TMP/p.toml"], 2, "data.X[0][0]: number too long: 5002 characters"),
    ("limit-duplicate-key", {"p.toml": LIMIT_WD + "[precision]\ndps = 30\n"},
     ["limit", "TMP/p.toml"], 2, "malformed TOML: duplicate key 'precision'"),
    ("limit-unknown-key", {"p.toml": LIMIT_WD.replace("dps = 20", "dps = 20\ndigits = 3")},
     ["limit", "TMP/p.toml"], 2, "precision.digits: unknown key"),
    ("limit-nested", {"p.toml": DEEP}, ["limit", "TMP/p.toml"], 2, "nested deeper than 64"),
    ("limit-dev-zero", {}, ["limit", "/dev/zero"], 2, "/dev/zero: not a regular file"),
    ("limit-file-dps-5000", {"p.toml": LIMIT_WD.replace("dps = 20", "dps = 5000")},
     ["limit", "TMP/p.toml"], 2, "precision.dps: must be between 10 and 1000"),
    ("limit-option-dps-5", {"p.toml": LIMIT_WD}, ["limit", "TMP/p.toml", "--dps", "5"], 2,
     "argument --dps: must be between 15 and 1000"),
    ("limit-radius-negative", {"p.toml": LIMIT_WD},
     ["limit", "TMP/p.toml", "--out", "TMP/c.json", "--radius", "-1"], 2,
     "--radius: must be positive"),
    ("limit-radius-nan", {"p.toml": LIMIT_WD},
     ["limit", "TMP/p.toml", "--out", "TMP/c.json", "--radius", "nan"], 2,
     "--radius: expected a finite number"),
    ("limit-radius-exponent-huge", {"p.toml": LIMIT_WD},
     ["limit", "TMP/p.toml", "--out", "TMP/c.json", "--radius", "1e100000"], 2,
     "--radius: exponent out of range"),
    ("limit-radius-without-out", {"p.toml": LIMIT_WD},
     ["limit", "TMP/p.toml", "--radius", "1/100"], 2,
     "--radius: the box radius is used only with --out"),
    ("limit-out-dev-full", {"p.toml": LIMIT_WD}, ["limit", "TMP/p.toml", "--out", "/dev/full"],
     2, "/dev/full: --out: refusing to write under /dev"),
    ("limit-out-proc", {"p.toml": LIMIT_WD},
     ["limit", "TMP/p.toml", "--out", "/proc/self/c.json"], 2, "refusing to write under /proc"),
    ("limit-out-fifo", {"p.toml": LIMIT_WD, "FIFO:fifo": ""},
     ["limit", "TMP/p.toml", "--out", "TMP/fifo"], 2, "fifo: --out: exists and is a FIFO"),
    ("limit-out-directory", {"p.toml": LIMIT_WD, "d/x": ""},
     ["limit", "TMP/p.toml", "--out", "TMP/d"], 2, "d: --out: exists and is a folder"),
    ("limit-out-under-file", {"p.toml": LIMIT_WD, "f": "x"},
     ["limit", "TMP/p.toml", "--out", "TMP/f/c.json"], 2, "a parent of this path is a file"),
    ("limit-wide-work", {"p.toml": LIMIT_WD.replace('weights = [[["1/10"]], [["1/10"]]]',
                                                   'scheme = "small"').replace(
        "widths = [1, 1, 1]", "widths = [2, 200, 1]").replace(
        'X = [["1"]]\nY = [["2"]]', 'generate = "gaussian"\nn = 4')},
     ["limit", "TMP/p.toml"], 2, "p.toml: network.widths: the limit of [2, 200, 1] (600 "
     "parameters) on 4 samples at 30 digits (Newton on the exact 600 x 600 Hessian) needs about"),
    ("limit-arith-bogus", {"p.toml": LIMIT_WD}, ["limit", "TMP/p.toml", "--arith", "float"], 2,
     "argument --arith: invalid choice: 'float'"),
    ("flow-data-1e1000", {"p.toml": _p('X = [["1"]]', 'X = [["1e1000"]]')},
     ["flow", "TMP/p.toml"], 2, "p.toml: data: the flow of [1, 1, 1] on 1 samples"),
    ("flow-times-1e2000", {"p.toml": _p('"1/2"]', '"1e2000"]')}, ["flow", "TMP/p.toml"], 2,
     "p.toml: training.times: the flow of [1, 1, 1]"),
    ("flow-gbs-relu", {"p.toml": _p('"linear"', '"relu"')},
     ["flow", "TMP/p.toml", "--method", "gbs"], 2, "method 'gbs' does not locate relu kinks"),
    # --- search --weight-decay ----------------------------------------------------------------
    ("search-wd-negative", {}, [*SWD, "-1"], 2, "--weight-decay: must be > 0 (received '-1')"),
    ("search-wd-zero", {}, [*SWD, "0"], 2, "--weight-decay: must be > 0 (received '0')"),
    ("search-wd-nan", {}, [*SWD, "nan"], 2, "--weight-decay: expected a finite number"),
    ("search-wd-1e2000", {}, [*SWD, "1e2000"], 2,
     "--weight-decay: beyond the float64 range of the screen (1e-300..1e300)"),
    ("search-wd-exponent-huge", {}, [*SWD, "1e100000"], 2,
     "--weight-decay: exponent out of range"),
    ("search-wd-zero-denominator", {}, [*SWD, "1/0"], 2, "--weight-decay: zero denominator"),
    ("search-wd-loss-max-0", {}, [*SWD, "1/1000", "--loss-max", "0"], 2,
     "--loss-max: must be > 0"),
    ("search-wd-min-defect-negative", {}, [*SWD, "1/1000", "--min-defect", "-1"], 2,
     "--min-defect: must be > 0"),
    ("search-wd-tries-0", {}, [*SWD, "1/1000", "--tries", "0"], 2,
     "argument --tries: must be between 1 and 100 (received 0)"),
    ("search-wd-mechanism", {}, [*SWD, "1/1000", "--mechanism", "dead_units"], 2,
     "--mechanism: not used with --weight-decay"),
    ("search-wd-json", {}, [*SWD, "1/1000", "--json"], 2,
     "--json: not available with --weight-decay"),
    ("search-wd-relu", {}, ["search", "--activation", "relu", "--weight-decay", "1/1000"], 2,
     "--activation: the weight-decay scan supports tanh, sigmoid, softplus, linear"),
    ("search-wd-out-fifo", {"FIFO:fifo": ""}, [*SWD, "1/1000", "--out", "TMP/fifo"], 2,
     "fifo: --out: exists and is a FIFO"),
    ("search-wd-problem-out-proc", {}, [*SWD, "1/1000", "--problem-out", "/proc/self/p.toml"],
     2, "/proc/self/p.toml: --problem-out: refusing to write under /proc"),
    ("search-wd-derived-problem-dir", {"c.toml/x": ""}, [*SWD, "1/1000", "--out", "TMP/c.json"],
     2, "c.toml: --out (its problem file, suffix .toml): exists and is a folder"),
    ("search-wd-out-is-problem-out", {},
     [*SWD, "1/1000", "--out", "TMP/c.json", "--problem-out", "TMP/c.json"], 2,
     "--problem-out: the same file as --out"),
    ("search-tries-without-wd", {}, ["search", "--activation", "tanh", "--tries", "5"], 2,
     "--tries: only used with --weight-decay"),
    ("search-problem-out-without-wd", {},
     ["search", "--activation", "tanh", "--problem-out", "TMP/p.toml"], 2,
     "--problem-out: only used with --weight-decay"),
    # --- certify: critical-point certificates (format /2) -------------------------------------
    ("certify-critical-duplicate-kind", {"c.json": CRIT_TEXT.replace(
        '"kind": "critical-point",', '"kind": "critical-point", "kind": "counterexample",')},
     ["certify", "TMP/c.json"], 2, "duplicate key 'kind'"),
    ("certify-critical-unknown-top", {"c.json": _crit(comment="x")}, ["certify", "TMP/c.json"],
     2, "c.json: comment: unknown field; known: format, kind, network"),
    ("certify-critical-unknown-box", {"c.json": _crit(box__shape="ball")},
     ["certify", "TMP/c.json"], 2, "c.json: box.shape: unknown field; known: radius, norm, dps"),
    ("certify-critical-unknown-claim", {"c.json": _crit(claims__holds=True)},
     ["certify", "TMP/c.json"], 2, "c.json: claims.holds: unknown field"),
    ("certify-critical-box-norm", {"c.json": _crit(box__norm="l2")}, ["certify", "TMP/c.json"],
     2, "c.json: box.norm: unknown box norm; the box is 'max (every parameter)'"),
    ("certify-critical-radius-negative", {"c.json": _crit(box__radius="-1e-15")},
     ["certify", "TMP/c.json"], 2, "c.json: box.radius: must be > 0"),
    ("certify-critical-radius-exponent", {"c.json": _crit(box__radius="1e100000")},
     ["certify", "TMP/c.json"], 2, "c.json: box.radius: exponent out of range"),
    ("certify-critical-box-dps-huge", {"c.json": _crit(box__dps=100000)},
     ["certify", "TMP/c.json"], 2, "c.json: box.dps: expected an integer number of digits in "
     "15..1010"),
    ("certify-critical-weight-decay-negative", {"c.json": _crit(weight_decay="-1")},
     ["certify", "TMP/c.json"], 2, "c.json: weight_decay: must be >= 0"),
    ("certify-critical-widths-mismatch", {"c.json": _crit(network__widths=[2, 10**6, 1])},
     ["certify", "TMP/c.json"], 2, "c.json: weights[0]: wrong shape: expected 1000000x2, got 3x2"),
    ("certify-critical-wide-box", {"c.json": _crit_wide(300)}, ["certify", "TMP/c.json"], 2,
     "c.json: network.widths: certify: the Krawczyk box of [2, 300, 1] (900 parameters)"),
    ("certify-critical-5000-digits", {"c.json": _crit(claims__loss_at_most="7" * 5000)},
     ["certify", "TMP/c.json"], 2, "claims.loss_at_most: number too long: 5000 characters"),
    ("certify-critical-unique-not-bool", {"c.json": _crit(claims__unique_critical_point="yes")},
     ["certify", "TMP/c.json"], 2, "claims.unique_critical_point: expected true or false"),
    ("certify-critical-kind-unknown", {"c.json": _crit(kind="saddle")},
     ["certify", "TMP/c.json"], 2, "c.json: kind: unknown kind; known: counterexample, "
     "critical-point"),
    ("certify-critical-provenance-not-object", {"c.json": _crit(provenance="x")},
     ["certify", "TMP/c.json"], 2, "c.json: provenance: expected an object"),
    ("certify-critical-missing-box", {"c.json": _crit(box=None)}, ["certify", "TMP/c.json"], 2,
     "c.json: box: missing field"),
    ("certify-arith-bogus", {"c.json": CRIT_TEXT}, ["certify", "TMP/c.json", "--arith", "f64"],
     2, "argument --arith: invalid choice: 'f64'"),
    # --- prove, verify ------------------------------------------------------------------------
    ("prove-latex-dev", {}, ["prove", "balancedness", "--write-latex", "/dev/x"], 2,
     "/dev/x: --write-latex: refusing to write under /dev"),
    ("prove-latex-under-file", {"f": "x"},
     ["prove", "balancedness", "--write-latex", "TMP/f/tex"], 2,
     "--write-latex: a parent of this path is a file, not a folder"),
    ("verify-layer-alphas-disagree", {"p.toml": PROBLEM},
     ["verify", "TMP/p.toml", "--alpha", "1/3", "--layer-alphas", "1/2,1"], 2,
     "--layer-alphas: the first layer's exponent 1/2 disagrees with --alpha 1/3"),
    ("verify-layer-alphas-count", {"p.toml": PROBLEM},
     ["verify", "TMP/p.toml", "--layer-alphas", "1/2"], 2,
     "--layer-alphas: expected 2 exponents (one per layer), got 1"),
    ("verify-layer-alphas-empty-item", {"p.toml": PROBLEM},
     ["verify", "TMP/p.toml", "--layer-alphas", "1/2,,1"], 2, "--layer-alphas: not a number"),
]


def _setup(tmp: Path, files: dict[str, str]) -> list[socket.socket]:
    keep = []
    for name, text in files.items():
        kind, _, rel = name.rpartition(":")
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "FIFO":
            os.mkfifo(path)
        elif kind == "SPARSE":  # a file of int(text) bytes that takes no disk space
            with open(path, "wb") as fh:
                fh.truncate(int(text))
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
    ("inspect-pt-raw-pickle", {"w.pt": _pt({"a": _Pwn()}, raw=True), "d.npz": DATA},
     ["inspect", "TMP/w.pt", "--data", "TMP/d.npz"]),  # torch warns on stderr unless silenced
    ("limit-weight-decay-1e2000", {"p.toml": _p('weight_decay = "0"', 'weight_decay = "1e2000"')},
     ["limit", "TMP/p.toml"]),
]


@pytest.mark.parametrize("name, files, argv", SUBPROCESS, ids=[c[0] for c in SUBPROCESS])
def test_hostile_input_subprocess(name, files, argv, tmp_path):
    _setup(tmp_path, files)
    argv = [a.replace("TMP", str(tmp_path)) for a in argv]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "nfacheck", *argv], capture_output=True,
                         text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    assert not (tmp_path / "pwned").exists()


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
        "`g.toml`, inspect's weights `w.safetensors`/`w.npz`/`w.pt` and data `d.npz`/`d.npy`/"
        "`d.csv`, a FIFO, a socket...). Each case must give its exit status within 5 s, print "
        "one line and no traceback, leave no file behind and touch no special file (the "
        "malicious pickle of `inspect-pt-malicious-pickle` would create a file if it ran).",
        "",
        "The limits behind these refusals (`nfacheck.limits`): numbers have at most 2000 digits "
        "per integer part and |exponent| ≤ 2000; files nest at most 64 levels; `dps` is 10–1000 "
        "in files and on the command line alike; a run whose work, estimated before it starts, "
        "exceeds `--max-work` (default 2e10 operations, roughly 30-60 minutes on one core) is "
        "refused with the estimate (a flow's steps are estimated from its rate, weight decay "
        "plus data scale, times its end time; a limit's Newton phase from its parameter count; "
        "inspect from its widths, samples and batch memory); output paths that exist and are "
        "not regular files, lie "
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


# --- interrupted and concurrent writers of search, search --weight-decay, limit and inspect ---


def test_an_interrupted_search_writes_no_certificate(tmp_path, monkeypatch, capsys):
    import nfacheck.search.search as search_mod

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(search_mod, "search", interrupted)
    out = tmp_path / "c.json"
    assert main(["search", "--activation", "relu", "--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", ["certificate", "critical"])
def test_a_certificate_interrupted_while_written_leaves_nothing(writer, tmp_path, monkeypatch):
    """search --out, limit --out and search --weight-decay --out write through one atomic
    writer: an interrupt in the middle leaves neither a partial file nor its temporary."""
    from nfacheck.search.certificate import write_certificate
    from nfacheck.search.critical import write_critical

    cert = json.loads(CERT_TEXT if writer == "certificate" else CRIT_TEXT)
    out = tmp_path / "out" / "c.json"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    write = write_certificate if writer == "certificate" else write_critical
    with pytest.raises(KeyboardInterrupt):
        write(out, cert)
    assert list(out.parent.iterdir()) == []


def _one_candidate(monkeypatch):
    """search --weight-decay with a scan that yields one screened candidate at once."""
    import random
    from fractions import Fraction

    import nfacheck.search.weight_decay as wd

    prob = wd.draw_problem(random.Random(0), "tanh", Fraction(1, 1000))
    cand = wd.Screened(0, prob, 1e-5, 1e-9, 0.2)
    monkeypatch.setattr(wd, "scan", lambda *a, **k: wd.ScanResult([cand], [cand]))


def test_an_interrupted_weight_decay_search_leaves_no_problem_or_certificate(
        tmp_path, monkeypatch, capsys):
    import nfacheck.numeric.limit.newton as newton

    _one_candidate(monkeypatch)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(newton, "find_limit", interrupted)
    argv = [*SWD, "1/1000", "--out", str(tmp_path / "c.json")]
    assert main(argv) == 130
    capsys.readouterr()
    assert list(tmp_path.iterdir()) == []  # no c.toml of an uncertified candidate


def test_a_weight_decay_search_that_certifies_nothing_leaves_no_problem_file(
        tmp_path, monkeypatch, capsys):
    import nfacheck.numeric.limit.newton as newton

    class NotConverged:
        converged = False

    _one_candidate(monkeypatch)
    monkeypatch.setattr(newton, "find_limit", lambda problem, **kwargs: NotConverged())
    argv = [*SWD, "1/1000", "--out", str(tmp_path / "c.json"), "--problem-out",
            str(tmp_path / "p.toml")]
    assert main(argv) == 1
    assert "candidate 0: the flow + Newton did not converge" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # the candidate's problem file was not kept


def _inspect_files(tmp_path: Path) -> list[str]:
    for name, text in INS_FILES.items():
        (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    return [a.replace("TMP", str(tmp_path)) for a in INS]


def test_an_interrupted_inspect_report_is_marked_incomplete(tmp_path, monkeypatch, capsys):
    from nfacheck.inspect import report
    from nfacheck.io import INCOMPLETE_MARKER, LOCK_NAME

    argv = _inspect_files(tmp_path)

    def interrupted(path, obj):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "atomic_write_json", interrupted)
    rep = tmp_path / "rep"
    assert main([*argv, "--report", str(rep)]) == 130
    names = sorted(p.name for p in rep.iterdir())
    assert INCOMPLETE_MARKER in names and "inspect.json" not in names
    assert "inspect.md" not in names and LOCK_NAME in names
    assert "incomplete" in (rep / INCOMPLETE_MARKER).read_text()
    monkeypatch.undo()
    capsys.readouterr()
    assert main([*argv, "--report", str(rep)]) == 0  # the lock was released; the marker goes
    assert INCOMPLETE_MARKER not in {p.name for p in rep.iterdir()}


def test_a_second_writer_of_an_inspect_report_is_refused_before_any_work(
        tmp_path, monkeypatch, capsys):
    import nfacheck.inspect as ins
    from nfacheck.io import LOCK_NAME, dir_lock

    argv = _inspect_files(tmp_path)
    rep = tmp_path / "rep"

    def never(*args, **kwargs):
        raise AssertionError("inspect ran although the report folder is locked")

    monkeypatch.setattr(ins, "inspect", never)
    with dir_lock(rep, "inspect (first writer)"):
        assert main([*argv, "--report", str(rep)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "another nfacheck is writing this folder (pid" in err[0]
        assert "inspect (first writer)" in err[0]
    assert [p.name for p in rep.iterdir()] == [LOCK_NAME]
