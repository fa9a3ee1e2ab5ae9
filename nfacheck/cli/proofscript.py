"""The runner shared by the ``proofs/<id>.py`` scripts: the standard claims and the verdict loop.

A proof script states its theorem in its docstring, defines its own exact claims (functions
returning ``(ok, detail)``) and ends with ``sys.exit(run_claims(...))``. This module lives in the
CLI package because it prints and returns an exit status; it is not a subcommand.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Literal

__all__ = ["Claim", "registered_claims", "run_claims"]

Claim = Callable[[], tuple[bool, str]]


def registered_claims(theorem_id: str) -> tuple[Claim, Claim]:
    """The two claims every proof script makes about its registered theorem.

    Parameters
    ----------
    theorem_id
        Registry id (``nfacheck.theorems.get_theorem``); the theorem is run once, on first use.

    Returns
    -------
    (claim_registered_proof, claim_controls_refuted)
        The registered proof is ``proved``; every control is ``refuted`` with evidence (and
        there is at least one control).
    """

    @functools.cache
    def result():
        from ..theorems import get_theorem, run_theorem

        return run_theorem(get_theorem(theorem_id))

    def claim_registered_proof() -> tuple[bool, str]:
        from ..fmt import seconds

        r = result()
        return r.status == "proved", f"status {r.status} in {seconds(r.seconds)} s"

    def claim_controls_refuted() -> tuple[bool, str]:
        r = result()
        ok = bool(r.controls) and all(c.status == "refuted" and c.evidence for c in r.controls)
        return ok, "; ".join(f"{c.claim} -> {c.status}" for c in r.controls)

    return claim_registered_proof, claim_controls_refuted


def run_claims(claims: Sequence[Claim], *,
               style: Literal["plain", "bracketed"] = "plain") -> int:
    """Evaluate the claims in order, print one verdict line each, return the exit status.

    Parameters
    ----------
    claims
        Functions returning ``(ok, detail)``; a line names each by its ``__name__``.
    style
        ``plain``: ``HOLDS  name: detail``; ``bracketed``: ``[HOLDS] name: detail`` followed by a
        closing ``verdict:`` line.

    Returns
    -------
    int
        0 when every claim holds, 1 otherwise.
    """
    failed = 0
    for claim in claims:
        ok, detail = claim()
        failed += not ok
        word = "HOLDS" if ok else "FAILS"
        mark = f"[{word}] " if style == "bracketed" else f"{word}  "
        print(f"{mark}{claim.__name__}: {detail}")
    if style == "bracketed":
        print("verdict:", "all claims hold" if not failed else f"{failed} claim(s) failed")
    return 1 if failed else 0
