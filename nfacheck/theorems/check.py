"""The ``proofs`` stage of ``nfacheck check``: one row per registered theorem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..check import CheckRow
from . import all_theorems, run_theorem
from .base import ProofResult

__all__ = ["rows", "row_of"]


def row_of(result: ProofResult) -> CheckRow:
    """A :class:`CheckRow` summarising a proof and its controls."""
    refuted = sum(c.ok for c in result.controls)
    bad = [f"{c.claim}: {c.status}" for c in result.controls if not c.ok]
    failing = [f"{s.description}: {s.outcome}: {s.evidence}" for s in result.steps if not s.ok]
    details = {"steps": [f"{s.description}: {s.outcome}" for s in result.steps]}
    if bad:
        details["controls_not_refuted"] = bad
    if failing:
        details["steps_not_holding"] = failing
    return CheckRow(
        section="proofs",
        name=result.theorem.id,
        status=result.status,
        method=result.theorem.method,
        controls=f"{refuted}/{len(result.controls)} refuted",
        seconds=result.seconds,
        ok=result.ok,
        details=details,
    )


def rows(quick: bool, workdir: Path) -> Iterator[CheckRow]:
    """Run every theorem's proof and controls (the proofs are the same with ``quick``)."""
    for theorem in all_theorems():
        yield row_of(run_theorem(theorem))
