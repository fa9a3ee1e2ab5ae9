"""``limit``: integrate the gradient flow until the gradient is small, Newton-polish to a critical
point at working precision, and classify it by the spectrum of the exact Hessian.

Newton steps use the pseudo-inverse of the Hessian (eigenvalues below a stated threshold are
dropped), so they also converge on a manifold of critical points, as for linear networks, whose
continuous symmetries make the Hessian singular.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath

from ..integrate import integrate
from .hessian import Model, flatten, unflatten
from .kits import MpKit

__all__ = ["LimitResult", "Spectrum", "find_limit", "spectrum", "symmetry_zero_modes",
           "to_exact_decimal", "check_limit_size"]

GUARD = 10


def check_limit_size(problem, dps: int) -> None:
    """Refuse, before starting, a limit whose Newton phase would not finish: each step builds the
    exact P × P Hessian over the n samples and eigendecomposes it at ``dps`` digits (mpmath,
    about P^3 multi-digit operations times a large constant; measured 150-370 µs per P^3 at 30
    digits), as does the Krawczyk box of ``--out``."""
    from ...limits import check_work, exact_op_cost

    w = problem.widths
    P = sum(a * b for a, b in zip(w, w[1:], strict=False))
    ops = (1500 * P**3 + 2000 * problem.n * P**2) * exact_op_cost(dps + GUARD)
    try:
        check_work(ops, f"the limit of {list(w)} ({P} parameters) on {problem.n} samples at "
                   f"{dps + GUARD} digits (Newton on the exact {P} x {P} Hessian)",
                   "network.widths")
    except Exception as exc:
        if hasattr(exc, "with_source") and getattr(problem, "source", None):
            raise exc.with_source(problem.source) from None
        raise


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues of the Hessian (ascending) and their classification."""

    values: list[Any]
    threshold: Any
    negative: int
    near_zero: int
    positive: int
    kind: str  # "minimum", "saddle", "maximum" or "degenerate"


@dataclass
class LimitResult:
    """Where the flow of a problem ends.

    Attributes
    ----------
    theta
        The polished critical point (flat, ``mp`` at ``dps + GUARD``).
    flow_time, flow_steps, flow_gradient
        How long the flow ran, its steps, and the gradient norm where it handed over to Newton.
    newton
        ``(iteration, gradient norm)`` after each Newton step.
    gradient_norm, loss, data_loss
        At the polished point.
    spectrum
        Of the exact Hessian there.
    symmetry_zero_modes
        Zero eigenvalues forced by known continuous symmetries (None when there are none).
    """

    theta: list[Any]
    flow_time: Fraction
    flow_steps: int
    flow_gradient: Any
    newton: list[tuple[int, Any]]
    gradient_norm: Any
    loss: Any
    data_loss: Any
    spectrum: Spectrum
    symmetry_zero_modes: int | None
    dps: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        """True when the gradient is at working precision (``<= 10^-(dps-5)``)."""
        return self.gradient_norm <= mpmath.mpf(10) ** -(self.dps - 5)


def _norm(v) -> Any:
    return mpmath.sqrt(mpmath.fsum(x * x for x in v))


def symmetry_zero_modes(widths, activation: str, weight_decay: Fraction) -> int | None:
    """Dimension of the continuous symmetry group of the loss (zero Hessian modes it forces).

    Linear nets: ``W_{l+1} A^{-1}, A W_l`` with A in GL(h_l) (lambda = 0) or O(h_l)
    (lambda > 0) per hidden layer. relu/leaky_relu with lambda = 0: positive rescaling of each
    hidden unit. Otherwise (smooth activations, or lambda > 0 with relu) only discrete
    symmetries are known: None.
    """
    hidden = list(widths[1:-1])
    if activation == "linear":
        return sum(h * h if weight_decay == 0 else h * (h - 1) // 2 for h in hidden)
    if activation in ("relu", "leaky_relu") and weight_decay == 0:
        return sum(hidden)
    return None


def spectrum(H, dps: int) -> Spectrum:
    """Eigenvalues of the symmetric ``H`` (lists of rows, ``mp``) and their classification.

    An eigenvalue is "near zero" when ``|value| <= 10^(-dps/2) max(1, max|values|)``.
    """
    E, _ = mpmath.eigsy(mpmath.matrix(H))
    vals = sorted(E[i] for i in range(E.rows))
    thr = mpmath.mpf(10) ** (-(dps // 2)) * max(mpmath.mpf(1), max(abs(v) for v in vals))
    neg = sum(1 for v in vals if v < -thr)
    pos = sum(1 for v in vals if v > thr)
    zero = len(vals) - neg - pos
    if zero:
        kind = "degenerate" if neg == 0 else "saddle"
    else:
        kind = "minimum" if neg == 0 else "maximum" if pos == 0 else "saddle"
    return Spectrum(vals, thr, neg, zero, pos, kind)


def _newton_step(H, g, thr) -> list[Any]:
    """``-H^+ g`` with eigenvalues ``|lambda| <= thr`` dropped."""
    E, Q = mpmath.eigsy(mpmath.matrix(H))
    n = E.rows
    coef = [mpmath.fsum(Q[i, k] * g[i] for i in range(n)) for k in range(n)]
    coef = [c / E[k] if abs(E[k]) > thr else mpmath.mpf(0) for k, c in enumerate(coef)]
    return [-mpmath.fsum(Q[i, k] * coef[k] for k in range(n)) for i in range(n)]


def to_exact_decimal(x: Any, digits: int) -> Fraction:
    """``x`` rounded to ``digits`` significant decimal digits, as an exact Fraction."""
    if x == 0:
        return Fraction(0)
    return Fraction(Decimal(mpmath.nstr(x, digits, min_fixed=1, max_fixed=0)))


def _weights_exact(theta, widths, digits: int):
    return tuple(tuple(tuple(to_exact_decimal(v, digits) for v in row) for row in w)
                 for w in unflatten(theta, widths))


def find_limit(problem, *, dps: int | None = None, flow_tol=None, t_max=Fraction(10**5),
               newton_max: int = 40, progress=None) -> LimitResult:
    """Flow, then Newton, then the spectrum (see the module docstring).

    Parameters
    ----------
    problem
        A :class:`~nfacheck.problem.Problem` (its weights are the flow's initial condition).
    dps
        Working digits (default ``problem.dps``); Newton runs with ``GUARD`` more.
    flow_tol
        Gradient norm at which the flow hands over to Newton (default ``10^-6``).
    t_max
        Give up the flow at this time (Newton then starts wherever the flow is).
    newton_max
        Newton iterations at most.
    progress
        Called as ``progress(message)`` after each flow chunk and Newton step.

    Returns
    -------
    LimitResult
    """
    start = time.perf_counter()
    dps = int(dps or problem.dps)
    check_limit_size(problem, dps)
    tol = mpmath.mpf(Fraction(flow_tol or Fraction(1, 10**6)).numerator) / Fraction(
        flow_tol or Fraction(1, 10**6)).denominator
    kit = MpKit(dps + GUARD)
    model = Model(problem.widths, problem.activation, problem.X, problem.Y,
                  problem.weight_decay, kit, problem.activation_params.get("slope", Fraction(0)))
    current = problem
    t_done, steps, chunk = Fraction(0), 0, Fraction(max(problem.times[-1], 1))
    notes: list[str] = []
    with kit.scope():
        theta = [kit.const(v) for v in flatten(problem.weights)]
        gnorm = _norm(model.gradient(theta))
        while gnorm > tol and t_done < t_max:
            traj = integrate(current, times=(chunk,), dps=dps)
            steps += traj.steps
            if traj.status != "success":
                notes.append(f"the flow stopped at t = {t_done}: {traj.message}")
                break
            t_done += chunk
            ws = _weights_exact(flatten([m.tolist() for m in traj.weights[-1]]),
                                problem.widths, dps)
            current = current.replace(weights=ws)
            theta = [kit.const(v) for v in flatten(ws)]
            gnorm = _norm(model.gradient(theta))
            if progress:
                progress(f"flow t = {t_done}: |grad| = {mpmath.nstr(gnorm, 3)}")
            chunk *= 2
        flow_gradient = gnorm
        if gnorm > tol:
            notes.append(f"the flow did not reach |grad| <= {mpmath.nstr(tol, 3)} by "
                         f"t = {t_done}; Newton started from there")
        history = []
        target = mpmath.mpf(10) ** -(dps + GUARD - 5)
        for it in range(1, newton_max + 1):
            g = model.gradient(theta)
            if _norm(g) <= target:
                break
            H = model.hessian(theta)
            thr = mpmath.mpf(10) ** (-(dps // 2)) * max(mpmath.mpf(1),
                                                        max(abs(v) for r in H for v in r))
            step = _newton_step(H, g, thr)
            theta = [a + b for a, b in zip(theta, step, strict=True)]
            gn = _norm(model.gradient(theta))
            history.append((it, gn))
            if progress:
                progress(f"newton {it}: |grad| = {mpmath.nstr(gn, 3)}")
        g = model.gradient(theta)
        spec = spectrum(model.hessian(theta), dps)
        res = LimitResult(
            theta, t_done, steps, flow_gradient, history, _norm(g), model.loss(theta),
            model.data_loss(theta), spec,
            symmetry_zero_modes(problem.widths, problem.activation, problem.weight_decay),
            dps, notes=notes)
    res.seconds = time.perf_counter() - start
    return res
