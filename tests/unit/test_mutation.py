"""A sample of the mutation run (benchmarks/mutation.py): mutated proof code must not prove.

The full run (>= 200 mutants, figures in benchmarks/README.md) is a benchmark; here two
mutants of the commutator proof are run for real, and the classification is unit-tested.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import mutation  # noqa: E402

REL = "nfacheck/theorems/commutator.py"


def _pick(line_text: str, operator: str) -> tuple:
    src = (mutation.ROOT / REL).read_text(encoding="utf-8").splitlines()
    line = next(i for i, t in enumerate(src, 1) if line_text in t)
    return next(m for m in mutation.mutants(0, 10**6)
                if m[0] == REL and m[1] == line and m[2] == operator)


def test_mutated_commutator_and_bound_constant_are_killed():
    sample = [_pick("return a * b - b * a", "swap +/-"),
              _pick("K.Le(_X, 2 * _A * _G2)", "constant+1")]
    records = mutation.run(0, 0, sample=sample, progress=open("/dev/null", "w"))
    assert [r["verdict"] for r in records] == ["killed", "killed"], records
    assert "kernel rule" in records[0]["why"] and "kernel rule" in records[1]["why"]


def test_classification():
    base = {"t": {"status": "proved", "statement": "s", "derivation": "d"}}
    same = {"t": dict(base["t"])}
    assert mutation.classify(base, same, ["t"])[0] == "equivalent (derivation unchanged)"
    other = {"t": {**base["t"], "derivation": "e"}}
    assert mutation.classify(base, other, ["t"])[0] == "equivalent (same statement)"
    changed = {"t": {**base["t"], "statement": "x"}}
    assert mutation.classify(base, changed, ["t"])[0] == "survivor"
    refused = {"t": {**base["t"], "status": "inconclusive", "why": "kernel rule 'trans'"}}
    assert mutation.classify(base, refused, ["t"])[0] == "killed"
    assert mutation.classify(base, None, ["t"])[0] == "killed"
    assert len(mutation.mutants(0, 10**6)) >= 200
