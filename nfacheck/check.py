"""The main job: every proof, numeric confirmation, certificate round and experiment, in one run.

Each area contributes a *stage*, ``rows(quick: bool, workdir: Path) -> Iterator[CheckRow]``, that
yields one row per claim it checked (controls included in the row). ``run_check`` runs the stages
in order and collects the rows; the CLI prints the table and the overall verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

__all__ = ["CheckRow", "STAGES", "run_check", "CheckReport"]


@dataclass
class CheckRow:
    """One checked claim.

    Attributes
    ----------
    section
        ``proofs``, ``numeric``, ``counterexamples`` or ``experiments``.
    name
        Theorem id or check name.
    status
        ``proved``, ``confirmed``, ``certified``, ``refuted``, ``inconclusive`` or ``failed``.
    method
        How it was established, e.g. ``sympy: induction on L``, ``taylor dps=50``.
    controls
        Summary such as ``3/3 refuted``.
    seconds
        Wall time.
    ok
        Whether the claim holds *and* every control was refuted.
    details
        Anything else worth keeping (figures, residuals, files written).
    """

    section: str
    name: str
    status: str
    method: str
    controls: str
    seconds: float
    ok: bool
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# (section, "module:function") in the order they run.
STAGES: tuple[tuple[str, str], ...] = (
    ("proofs", "nfacheck.theorems.check:rows"),
    ("numeric", "nfacheck.numeric.confirm:rows"),
    ("counterexamples", "nfacheck.search.check:rows"),
    ("experiments", "nfacheck.experiments.check:rows"),
)


@dataclass
class CheckReport:
    rows: list[CheckRow]
    seconds: float

    @property
    def ok(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)


def _load(target: str) -> Callable[..., Iterator[CheckRow]]:
    mod, _, fn = target.partition(":")
    return getattr(import_module(mod), fn)


def run_check(
    *,
    quick: bool = False,
    workdir: Path,
    sections: tuple[str, ...] | None = None,
    on_row: Callable[[CheckRow], None] | None = None,
) -> CheckReport:
    """Run the stages (all, or those in ``sections``) and return every row.

    A stage that raises is recorded as a failed row rather than stopping the run.
    """
    start = time.perf_counter()
    rows: list[CheckRow] = []
    for section, target in STAGES:
        if sections is not None and section not in sections:
            continue
        t0 = time.perf_counter()
        try:
            for row in _load(target)(quick=quick, workdir=workdir / section):
                rows.append(row)
                if on_row:
                    on_row(row)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # keep going: one broken stage must not hide the others
            row = CheckRow(
                section, f"{section} stage", "failed", target, "-",
                time.perf_counter() - t0, False, {"error": f"{type(exc).__name__}: {exc}"},
            )
            rows.append(row)
            if on_row:
                on_row(row)
    return CheckReport(rows, time.perf_counter() - start)
