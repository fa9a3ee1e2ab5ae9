"""What a theorem is in nfacheck: statement, hypotheses, reference, checked proof steps, controls.

A proof is a list of :class:`Step` results produced by running the proof function; each step says
whether SymPy (or an explicit instance, or a cited lemma) established it. A control is the same
machinery pointed at a perturbed claim; it must come back ``refuted`` with evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Step", "Control", "ControlResult", "Theorem", "ProofResult", "run_theorem"]

StepKind = Literal["symbolic", "induction", "instance", "random", "lemma"]
Outcome = Literal["holds", "fails", "unknown"]


@dataclass(frozen=True)
class Step:
    """One checked step of a proof.

    Attributes
    ----------
    description
        What the step establishes, in plain text.
    latex
        The identity or inequality in LaTeX (no surrounding ``$``).
    kind
        ``symbolic`` (SymPy-checked equality, all dimensions), ``induction`` (base and step
        checked, principle applied), ``instance`` (explicit small dimensions, entry by entry),
        ``random`` (random rational / high-precision points), ``lemma`` (a cited analytic fact,
        checked numerically on random instances where possible).
    outcome
        ``holds``, ``fails`` (a definite counter-evidence: non-zero residual or counter-instance),
        or ``unknown`` (could not decide).
    evidence
        For ``fails``: the non-zero residual expression or the concrete counter-instance; for
        ``holds``: what was compared (e.g. ``residual simplifies to 0``); for ``lemma``: the
        numeric spot check.
    reference
        Citation for a ``lemma`` step.
    """

    description: str
    latex: str
    kind: StepKind
    outcome: Outcome
    evidence: str = ""
    reference: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "holds"


@dataclass(frozen=True)
class Control:
    """A perturbed claim that the theorem's machinery must refute.

    ``attempt`` runs the same proof steps with one thing changed and returns the steps; the
    control counts as refuted when some step ``fails`` with evidence.
    """

    claim: str
    attempt: Callable[[], list[Step]]


@dataclass
class ControlResult:
    claim: str
    status: str  # refuted / proved / inconclusive
    evidence: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "refuted"


@dataclass(frozen=True)
class Theorem:
    """A registered theorem.

    Attributes
    ----------
    id
        Stable identifier, e.g. ``balancedness``.
    title
        One line.
    statement, statement_latex
        The claim in plain text and in LaTeX.
    hypotheses
        Each hypothesis in plain text.
    references
        Citations (see ``shared/REFERENCES.md``).
    method
        How it is proved, in a few words (shown in tables).
    prove
        Runs the proof and returns its steps.
    controls
        Negative controls.
    lemmas
        Names of cited lemmas the proof relies on (also appear as ``lemma`` steps).
    """

    id: str
    title: str
    statement: str
    statement_latex: str
    hypotheses: tuple[str, ...]
    references: tuple[str, ...]
    method: str
    prove: Callable[[], list[Step]]
    controls: tuple[Control, ...] = ()
    lemmas: tuple[str, ...] = ()


@dataclass
class ProofResult:
    theorem: Theorem
    status: str  # proved / refuted / inconclusive
    steps: list[Step]
    controls: list[ControlResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status == "proved" and all(c.ok for c in self.controls)

    def to_json(self) -> dict[str, Any]:
        t = self.theorem
        return {
            "id": t.id,
            "title": t.title,
            "status": self.status,
            "statement": t.statement,
            "statement_latex": t.statement_latex,
            "hypotheses": list(t.hypotheses),
            "references": list(t.references),
            "method": t.method,
            "seconds": round(self.seconds, 3),
            "steps": [
                {"description": s.description, "kind": s.kind, "outcome": s.outcome,
                 "evidence": s.evidence}
                for s in self.steps
            ],
            "controls": [
                {"claim": c.claim, "status": c.status, "evidence": c.evidence}
                for c in self.controls
            ],
        }


def _verdict(steps: list[Step]) -> tuple[str, str]:
    """Status of a list of steps and the evidence of the first non-holding one."""
    if not steps:
        return "inconclusive", "no steps"
    for s in steps:
        if s.outcome == "fails":
            return "refuted", f"{s.description}: {s.evidence}"
    for s in steps:
        if s.outcome == "unknown":
            return "inconclusive", f"{s.description}: {s.evidence}"
    return "proved", ""


def _run_steps(fn: Callable[[], list[Step]]) -> list[Step]:
    try:
        return list(fn())
    except Exception as exc:  # a crash decides nothing: record it as unknown
        return [Step("proof machinery raised", "", "symbolic", "unknown",
                     f"{type(exc).__name__}: {exc}")]


def run_theorem(theorem: Theorem) -> ProofResult:
    """Run a theorem's proof and all its controls."""
    t0 = time.perf_counter()
    steps = _run_steps(theorem.prove)
    status, _ = _verdict(steps)
    controls = []
    for c in theorem.controls:
        csteps = _run_steps(c.attempt)
        cstatus, evidence = _verdict(csteps)
        controls.append(ControlResult(c.claim, cstatus, evidence, csteps))
    return ProofResult(theorem, status, steps, controls, time.perf_counter() - t0)
