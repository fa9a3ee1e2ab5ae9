"""Does the NFA hold along a gradient flow? Integrate a problem and measure it at every output time.

``verify`` runs :func:`nfacheck.numeric.integrate.integrate`, then evaluates
:func:`nfacheck.numeric.metrics.nfa_metrics` at each output time and returns a :class:`Verdict`
with the figures and their provenance. The verdict is numeric evidence (``confirmed``), never a
proof.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
from mpmath import mp

from ..errors import InputError
from ..exact import format_exact
from .layerwise import LayerMetrics, default_layer_alphas, layer_metrics
from .metrics import GUARD_DIGITS, NFAMetrics, nfa_metrics

__all__ = ["Checkpoint", "Verdict", "verify", "default_tol"]


def default_tol(dps: int) -> Fraction:
    """The default NFA tolerance at working precision ``dps``: ``10**-(dps // 2)``.

    Why half the digits: the integrator delivers the weights to about ``10**-(dps-2)``; the map
    ``G -> G**(1/L)`` can amplify a weight error by ``lambda_min**(1/L - 1)`` (and, near a singular
    ``G``, turn ``delta`` into ``delta**(1/L)``; Bhatia, ch. X). Half the digits leaves room for an
    amplification up to ``10**(dps/2 - 2)`` while staying many orders below the residual of any
    genuinely unbalanced state, which is of the size of the imbalance ``||D_l||`` (a residual below
    ``10**-(dps/2)`` would need an init balanced to ``dps/2`` digits).
    """
    return Fraction(1, 10 ** (int(dps) // 2))


@dataclass(frozen=True)
class Checkpoint:
    """NFA figures at one output time (numbers are ``mpf`` rounded to ``dps``).

    ``metrics`` is the first-layer NFA at the verdict's ``alpha``; ``layers`` the deep NFA of
    every layer (:func:`nfacheck.numeric.layerwise.layer_metrics`).
    """

    t: Fraction
    loss: Any
    metrics: NFAMetrics
    layers: tuple[LayerMetrics, ...] = ()

    def __getattr__(self, name: str) -> Any:  # checkpoint.nfa_residual etc.
        if name.startswith("_") or name in ("metrics", "t", "loss", "layers"):
            raise AttributeError(name)
        return getattr(self.metrics, name)

    def to_json(self) -> dict[str, Any]:
        m = self.metrics.to_json()
        dps = self.metrics.dps
        out = {"t": _fmt_exact(self.t, dps),
               "loss": mp.nstr(self.loss, dps, strip_zeros=False)}
        for key in ("imbalance", "nfa_residual", "nfa_residual_c1", "alpha_fit", "correlation",
                    "commutator_bound", "c_opt", "residual_at_alpha_fit"):
            out[key] = m[key]
        out["alpha_fit_at_boundary"] = m["alpha_fit_at_boundary"]
        out["clamp"] = m["clamp"]
        if m["notes"]:
            out["notes"] = m["notes"]
        out["layers"] = [lm.to_json() for lm in self.layers]
        return out


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    checks
        One :class:`Checkpoint` per output time.
    holds
        True when ``nfa_residual <= tol`` at every checkpoint (NaN counts as not holding) and
        the integrator reached every output time.
    alpha, tol
        The exponent and tolerance used (exact).
    layer_alphas
        The exponent of each layer's deep-NFA figures (exact; ``1/(L-l+1)`` by default).
    provenance
        dps, guard digits, tolerances, integrator method/steps/nfev/status, versions, backend,
        sha256 of the problem file, wall time.
    """

    checks: list[Checkpoint]
    holds: bool
    alpha: Fraction
    tol: Fraction
    provenance: dict[str, Any] = field(default_factory=dict)
    layer_alphas: tuple[Fraction, ...] = ()

    @property
    def layers_hold(self) -> bool:
        """True when every layer's ``gram_residual`` is ``<= tol`` at every checkpoint (and the
        integrator reached every output time, as for :attr:`holds`)."""
        if not self.provenance.get("complete", True) or not self.checks:
            return False
        with mp.workdps(self.provenance.get("dps", 30) + GUARD_DIGITS):
            tol = mp.mpf(self.tol.numerator) / self.tol.denominator
            return all(not mp.isnan(lm.gram_residual) and lm.gram_residual <= tol
                       for c in self.checks for lm in c.layers)

    def max_layer_residuals(self) -> list[Any]:
        """The largest ``gram_residual`` of each layer over the checkpoints (NaN counts as inf)."""
        big = lambda v: mp.inf if mp.isnan(v) else v  # noqa: E731
        return [max((c.layers[i].gram_residual for c in self.checks), key=big)
                for i in range(len(self.layer_alphas))] if self.checks else []

    @property
    def status(self) -> str:
        """``confirmed`` when the NFA holds at every checkpoint, else ``refuted``."""
        return "confirmed" if self.holds else "refuted"

    @property
    def trend(self) -> dict[str, Any]:
        """Which of the three verdicts the residual path supports (see :func:`residual_trend`)."""
        return residual_trend(self)

    @property
    def max_residual(self) -> Any:
        vals = [c.metrics.nfa_residual for c in self.checks]
        return max(vals, key=lambda v: mp.inf if mp.isnan(v) else v) if vals else mp.nan

    def to_json(self) -> dict[str, Any]:
        return {
            "checks": [c.to_json() for c in self.checks],
            "holds": self.holds,
            "layers_hold": self.layers_hold,
            "trend": self.trend,
            "provenance": self.provenance,
        }


#: the residual must fall by at least this factor between the first and last checkpoint (t > 0)
#: for the verdict "decaying"
DECAY_FACTOR = 10
#: the residual "does not hold" (settles at a positive value) only when it changes by less than
#: this fraction over the last interval; otherwise the path is "inconclusive"
SETTLED_CHANGE = Fraction(1, 100)


def residual_trend(verdict: Verdict) -> dict[str, Any]:
    """Classify the residual path: ``holds``, ``decaying``, ``does-not-hold`` or ``inconclusive``.

    ``holds`` is :attr:`Verdict.holds`. Otherwise, over the checkpoints with t > 0, the path is
    ``decaying`` when the residual falls by at least :data:`DECAY_FACTOR` and keeps falling at the
    end: the exponential rate over the last interval is at least half the average rate. A
    residual that settles at a positive value (the unbalanced, weight-decay-free flow, whose
    imbalance is conserved) fails the second test even when it first drops. ``does-not-hold``
    needs at least three checkpoints with t > 0 and a last interval over which the residual
    changes by less than :data:`SETTLED_CHANGE`; any other path is ``inconclusive`` (with
    ``why``): the data support no more. The theorem's rate
    for linear nets with weight decay, ``2 lambda / L`` (``nfa-weight-decay-asymptotic``), is
    reported beside the measured rates for comparison; it is not used to decide.
    """
    prov = verdict.provenance
    lam = Fraction(prov.get("weight_decay", "0"))
    depth = prov.get("depth")
    out: dict[str, Any] = {"verdict": "holds" if verdict.holds else "does-not-hold"}
    if lam > 0 and depth and prov.get("activation") == "linear":
        out["theory_rate_at_least"] = _fmt_exact(2 * lam / depth)
    pts = [(c.t, c.metrics.nfa_residual) for c in verdict.checks if c.t > 0]
    if verdict.holds or len(pts) < 2 or any(mp.isnan(r) or r <= 0 for _, r in pts):
        return out
    with mp.workdps(20):
        (ta, ra), (tb, rb), (tz, rz) = pts[0], pts[-2], pts[-1]
        overall = mp.log(mp.mpf(ra) / rz) / (mp.mpf(tz.numerator) / tz.denominator
                                             - mp.mpf(ta.numerator) / ta.denominator)
        last = mp.log(mp.mpf(rb) / rz) / (mp.mpf((tz - tb).numerator) / (tz - tb).denominator)
        # every digit computed (JSON is exact); the CLI's text rounds with nfacheck.fmt.num
        out["rate_overall"] = mp.nstr(overall, mp.dps)
        out["rate_last_interval"] = mp.nstr(last, mp.dps)
        out["reduction"] = mp.nstr(mp.mpf(ra) / rz, mp.dps)
        if mp.mpf(ra) / rz >= DECAY_FACTOR and overall > 0 and last >= overall / 2:
            out["verdict"] = "decaying"
        elif len(pts) < 3:
            out.update(verdict="inconclusive",
                       why=f"only {len(pts)} checkpoints with t > 0 (a trend needs 3)")
        elif abs(mp.mpf(rb) / rz - 1) > _settled():
            out.update(verdict="inconclusive", why=(
                f"the residual still changes by {mp.nstr(100 * abs(mp.mpf(rb) / rz - 1), 3)}% "
                "over the last interval, neither settled nor decaying at a steady rate"))
    return out


def _settled():
    return mp.mpf(SETTLED_CHANGE.numerator) / SETTLED_CHANGE.denominator


def _fmt_exact(q: Any, dps: int = 30) -> str:
    """An exact number as a decimal string: exact when it terminates, else ``dps`` digits."""
    q = Fraction(q)
    den = q.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den == 1:
        from decimal import Decimal, localcontext

        with localcontext() as ctx:
            ctx.prec = max(len(str(abs(q.numerator))) + max(twos, fives) + 2, 28)
            text = format(Decimal(q.numerator) / Decimal(q.denominator), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text.startswith("0.") and len(text) > 12 and set(text[2:-1]) == {"0"}:
            text = f"1e-{len(text) - 2}" if text[-1] == "1" else text
        return text
    with mp.workdps(dps):
        return mp.nstr(mp.mpf(q.numerator) / q.denominator, dps)


def _positive(value: Any, name: str) -> Fraction:
    from ..exact import parse_exact

    q = parse_exact(value, name)
    if q <= 0:
        raise InputError("must be positive", name, _fmt_exact(q))
    return q


def _file_sha256(problem: Any) -> str | None:
    if getattr(problem, "sha256", None):
        return problem.sha256
    src = getattr(problem, "source", None)
    if src and Path(src).is_file():
        return hashlib.sha256(Path(src).read_bytes()).hexdigest()
    return None


def verify(
    problem: Any,
    *,
    alpha: Any = None,
    tol: Any = None,
    progress: Callable[..., Any] | None = None,
    method: str = "taylor",
    layer_alphas: Any = None,
) -> Verdict:
    """Integrate ``problem`` and check the NFA ``W_1^T W_1 = c G^alpha`` at every output time.

    Parameters
    ----------
    problem
        A :class:`nfacheck.problem.Problem` or the path of a problem file.
    alpha
        Exponent (exact: int, Fraction, decimal or ``p/q`` string); default ``1/L``.
    tol
        Tolerance on the min-c residual; default :func:`default_tol` ``= 10**-(dps // 2)``.
    progress
        Passed to the integrator (progress reporting on stderr is the caller's business).
    method
        Integrator method name.
    layer_alphas
        One exact exponent per layer for the deep-NFA figures; default ``1/(L-l+1)`` for layer l.

    Returns
    -------
    Verdict
        ``holds`` is True when the first-layer residual is ``<= tol`` at every output time;
        ``layers_hold`` when every layer's is.

    Raises
    ------
    InputError
        Bad ``alpha``/``tol`` or a bad problem file.
    IntegrationError
        If the integrator cannot reach the output times.
    """
    from .. import __version__
    from .integrate import integrate

    if not hasattr(problem, "widths"):
        from ..problem import load_problem

        problem = load_problem(problem)
    L = problem.depth
    alpha_q = Fraction(1, L) if alpha is None else _positive(alpha, "--alpha")
    tol_q = default_tol(problem.dps) if tol is None else _positive(tol, "--tol")
    dps = problem.dps
    if layer_alphas is None:
        layer_q = default_layer_alphas(L)
    else:
        layer_q = [_positive(a, "--layer-alphas") for a in layer_alphas]
        if len(layer_q) != L:
            raise InputError(f"expected {L} exponents (one per layer), got {len(layer_q)}",
                             "--layer-alphas", ",".join(format_exact(a) for a in layer_q))
    t0 = time.perf_counter()
    traj = integrate(problem, method=method, progress=progress)
    t_int = time.perf_counter() - t0
    checks: list[Checkpoint] = []
    texact = list(getattr(traj, "times_exact", None) or problem.times)[: len(traj.weights)]
    for t, ws, loss in zip(texact, traj.weights, traj.losses, strict=True):
        m = nfa_metrics(ws, problem.X, problem.activation, alpha=alpha_q, dps=dps,
                        activation_params=problem.activation_params)
        layers = layer_metrics(ws, problem.X, problem.activation, alphas=layer_q, dps=dps,
                               activation_params=problem.activation_params)
        checks.append(Checkpoint(Fraction(t), loss, m, tuple(layers)))
    with mp.workdps(dps + GUARD_DIGITS):
        tol_mp = mp.mpf(tol_q.numerator) / tol_q.denominator
        complete = getattr(traj, "status", "success") == "success" and len(checks) == len(
            problem.times)
        holds = complete and bool(checks) and all(
            (not mp.isnan(c.metrics.nfa_residual)) and c.metrics.nfa_residual <= tol_mp
            for c in checks
        )
    seconds = time.perf_counter() - t0
    provenance = {
        "nfacheck_version": __version__,
        "mpmath_version": mpmath.__version__,
        "backend": f"mpmath ({mpmath.libmp.BACKEND})",
        "dps": dps,
        "guard_digits": GUARD_DIGITS,
        "alpha": _fmt_exact(alpha_q, dps),
        "alpha_exact": format_exact(alpha_q),
        "tol": _fmt_exact(tol_q, dps),
        "tol_rule": "user" if tol is not None else "10^-(dps//2)",
        "layer_alphas": [format_exact(a) for a in layer_q],
        "layer_agop": "AGOP of h -> W_L sigma(... sigma(W_l h)) w.r.t. the layer input h_{l-1}, "
                      "averaged over the samples (S_l^T S_l, S_l = W_L...W_l, when linear)",
        "complete": complete,
        "clamp_rule": "eigenvalues <= lambda_max * 10^-(dps + 5) of G set to 0",
        "integrator": {
            "method": method,
            "backend": getattr(traj, "backend", None),
            "order": getattr(traj, "order", None),
            "status": getattr(traj, "status", None),
            "message": getattr(traj, "message", None),
            "steps": getattr(traj, "steps", None),
            "nfev": getattr(traj, "nfev", None),
            "dps": getattr(traj, "dps", None),
            "events": len(getattr(traj, "events", None) or []),
            "seconds": round(t_int, 3),
        },
        "depth": L,
        "widths": list(problem.widths),
        "activation": problem.activation,
        "weight_decay": _fmt_exact(problem.weight_decay),
        "times": [_fmt_exact(t) for t in problem.times],
        "source": getattr(problem, "source", None),
        "sha256": _file_sha256(problem),
        "clamped": [c.metrics.clamp.count for c in checks],
        "seconds": round(seconds, 3),
    }
    return Verdict(checks, holds, alpha_q, tol_q, provenance, tuple(layer_q))
