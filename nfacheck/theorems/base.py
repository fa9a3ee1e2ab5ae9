"""What a theorem is in nfacheck: declared conclusion, hypotheses, axioms, proof, controls.

A proof returns a :class:`Proof`: the final kernel theorem (:mod:`nfacheck.symbolic.kernel`) and
the steps to show. The registry calls a theorem ``proved`` only when that kernel theorem is
exactly the declared conclusion under the declared hypotheses and cited axioms, and no
cross-check step (explicit or random instances, numeric spot checks) found a counter-instance.
A control is the same machinery pointed at a perturbed claim; it must come back ``refuted``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..symbolic import kernel as K
from ..symbolic import printing as pr

__all__ = ["Step", "Proof", "Control", "ControlResult", "Theorem", "ProofResult", "run_theorem",
           "kstep"]

StepKind = Literal["symbolic", "induction", "instance", "random", "lemma", "numeric",
                   "equality", "inequality", "axiom", "rate"]
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
    theorem: Any = None  # the kernel theorem a kernel step established

    @property
    def ok(self) -> bool:
        return self.outcome == "holds"


_RULE_KIND = {"cite": "axiom", "real_arith": "inequality", "induct": "induction",
              "leibniz": "rate", "rate_scale": "rate", "rate_congr": "rate",
              "const_of_zero_rate": "rate"}


def _inequality(p) -> bool:
    if isinstance(p, K.And):
        return any(_inequality(q) for q in p.parts)
    return isinstance(p, (K.Le, K.Lt))


def kstep(description: str, th: K.Theorem, reference: str = "") -> Step:
    """A step showing a kernel theorem: its sequent (generated from the objects) and its rule."""
    if not isinstance(th, K.Theorem):
        raise K.KernelError("step", "a kernel step needs a kernel theorem")
    kind = _RULE_KIND.get(th.rule, "equality")
    if kind == "equality" and _inequality(th.concl):
        kind = "inequality"
    return Step(description, pr.sequent_latex(th), kind, "holds",
                f"kernel: {pr.rule_summary(th)}", reference or pr.axiom_reference(th), th)


@dataclass
class Proof:
    """What a proof function returns: the final kernel theorem and the steps to show."""

    final: Any
    steps: list[Step]


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
    conclusion, assumptions, axioms
        The declared kernel proposition, the kernel hypotheses it may use and the names of the
        axioms it cites; the registry checks the proof's final theorem against them.
    """

    id: str
    title: str
    statement: str
    statement_prose_latex: str
    hypotheses: tuple[str, ...]
    references: tuple[str, ...]
    method: str
    prove: Callable[[], list[Step]]
    controls: tuple[Control, ...] = ()
    lemmas: tuple[str, ...] = ()
    conclusion: Any = None
    assumptions: tuple = ()
    axioms: tuple[str, ...] = ()

    @property
    def statement_latex(self) -> str:
        """Generated from the declared kernel conclusion (the prose LaTeX if none is declared)."""
        if self.conclusion is None:
            return self.statement_prose_latex
        return pr.prop_latex(self.conclusion)


@dataclass
class ProofResult:
    theorem: Theorem
    status: str  # proved / refuted / inconclusive
    steps: list[Step]
    controls: list[ControlResult]
    seconds: float
    final: Any = None  # the kernel theorem, when the proof produced one
    kernel_error: str = ""

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
            "kernel_hypotheses": [pr.prop_latex(h) for h in
                                  (self.final.hypotheses if self.final is not None else ())],
            "axioms": [{"name": n, "statement": st, "reference": ref}
                       for n, (st, ref) in pr.axioms_of(self.final).items()]
            if self.final is not None else [],
            "kernel": self.kernel_error or ("checked" if self.final is not None else ""),
            "references": list(t.references),
            "method": t.method,
            "seconds": round(self.seconds, 3),
            "steps": [
                {"description": s.description, "kind": s.kind, "outcome": s.outcome,
                 "evidence": s.evidence, "latex": s.latex}
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
    return "holds", ""


def _run(fn: Callable[[], Any]) -> tuple[Any, list[Step], str]:
    """Run a proof or control: (final kernel theorem or None, steps, kernel refusal)."""
    try:
        out = fn()
    except K.KernelError as exc:  # the kernel refused a step: nothing is proved
        return None, [Step("kernel refused a step", "", "symbolic", "unknown", str(exc))], str(exc)
    except Exception as exc:  # a crash decides nothing: record it as unknown
        return None, [Step("proof machinery raised", "", "symbolic", "unknown",
                           f"{type(exc).__name__}: {exc}")], ""
    if isinstance(out, Proof):
        return out.final, list(out.steps), ""
    return None, list(out), ""


def run_theorem(theorem: Theorem) -> ProofResult:
    """Run a theorem's proof and all its controls; check the final theorem against the claim."""
    t0 = time.perf_counter()
    final, steps, refusal = _run(theorem.prove)
    status, _ = _verdict(steps)
    if status == "holds":
        if theorem.conclusion is None or final is None:
            status, refusal = "inconclusive", "the proof produced no kernel theorem"
        else:
            why = K.matches(final, theorem.conclusion, theorem.assumptions, theorem.axioms)
            status = "proved" if why is None else "inconclusive"
            refusal = "" if why is None else f"kernel rule 'matches' refused: {why}"
    if refusal and not any(s.evidence == refusal for s in steps):
        steps.append(Step("the kernel theorem is not the declared statement", "", "symbolic",
                          "unknown", refusal))
    controls = []
    for c in theorem.controls:
        _, csteps, _ = _run(c.attempt)
        cstatus, evidence = _verdict(csteps)
        cstatus = "proved" if cstatus == "holds" else cstatus
        controls.append(ControlResult(c.claim, cstatus, evidence, csteps))
    return ProofResult(theorem, status, steps, controls, time.perf_counter() - t0, final,
                       refusal)
