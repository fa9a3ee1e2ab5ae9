"""``integrate``: the gradient flow of a :class:`~nfacheck.problem.Problem` at arbitrary precision.

The flow dW_l/dt = -dL/dW_l is integrated by an adaptive high-order Taylor method (Taylor-mode
differentiation through the network, Jorba & Zou 2005 step sizes) in fixed-point integers with
guard bits; results are rounded to ``dps`` digits. Nothing here passes through float64.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from ..errors import InputError, UsageError
from .events import initial_sides
from .flowfield import NetworkField
from .solver import DenseOutput, TaylorSolver, jorba_zou_order

__all__ = ["integrate", "Trajectory", "Event", "GUARD_DIGITS", "default_backend",
           "check_flow_size"]

GUARD_DIGITS = 12
LOG2_10 = Fraction(33219280949, 10**10)  # just above log2(10): bits per decimal digit
METHODS = ("taylor", "gbs")
BACKENDS = ("python", "flint", "numpy")


@dataclass(frozen=True)
class Event:
    """A relu/leaky_relu kink crossing: pre-activation ``z_layer[unit]`` of sample ``sample``
    reached 0 at ``t`` (1-based ``layer``, 0-based ``unit``/``sample``); ``direction`` is the
    new sign."""

    t: mpmath.mpf
    layer: int
    unit: int
    sample: int
    direction: int


@dataclass
class Trajectory:
    """The result of :func:`integrate`.

    Attributes
    ----------
    times
        Output times (``mpf``), exactly the requested ones (``times_exact`` holds the Fractions).
    weights
        ``weights[i]`` is the list ``[W_1, ..., W_L]`` of ``mp.matrix`` at ``times[i]``, rounded
        to ``dps`` digits.
    losses, data_losses
        Full loss (with the lambda term) and data loss at each output time.
    status, message
        ``"success"`` or ``"failed"`` and why; on failure the lists stop at the last time reached.
    steps, nfev
        Accepted steps; evaluations (taylor: one order-K expansion of the vector field per step;
        gbs: plain vector-field evaluations, rejected steps included).
    events
        Relu/leaky_relu crossings, in time order.
    dps, method, backend, order, seconds
        Provenance.
    workers
        Processes the samples were split across (1: serial).
    rescaled
        Taylor expansions retried on a 16x shorter time scale because a value outgrew the
        backend's fixed-point range (numpy backend only; 0 otherwise).
    """

    times: list
    weights: list
    losses: list
    data_losses: list
    status: str
    message: str
    steps: int
    nfev: int
    events: list[Event]
    dps: int
    method: str
    backend: str
    order: int
    seconds: float
    times_exact: list[Fraction] = field(default_factory=list)
    dense: list[DenseOutput] = field(default_factory=list, repr=False)
    frac_bits: int = 0
    shapes: list = field(default_factory=list, repr=False)
    workers: int = 1
    rescaled: int = 0

    def state(self, i: int) -> list:
        """``[W_1, ..., W_L]`` at output time ``i``."""
        return self.weights[i]

    def sol(self, t) -> list:
        """Weights at any t in the integrated range (needs ``dense_output=True``)."""
        t = Fraction(t)
        for seg in self.dense:
            if seg.t_old <= t <= seg.t:
                return _to_matrices(seg(t), self.shapes, self.frac_bits, self.dps)
        raise ValueError(f"t={t} is outside the dense output (integrate with dense_output=True)")


def default_backend() -> str:
    """``$NFACHECK_BACKEND`` if set, else ``"python"`` (pure Python integers)."""
    return os.environ.get("NFACHECK_BACKEND", "python")


def _to_matrices(state, shapes, F: int, dps: int) -> list:
    out = []
    with mpmath.mp.workdps(dps):
        for flat, (r, c) in zip(state, shapes, strict=True):
            m = mpmath.mp.matrix(r, c)
            for i in range(r):
                for j in range(c):
                    v = flat[i * c + j]
                    m[i, j] = +mpmath.mpf((v, -F)) if v else mpmath.mpf(0)
            out.append(m)
    return out


def _frac_to_mpf(q: Fraction, dps: int):
    with mpmath.mp.workdps(dps):
        return mpmath.mpf(q.numerator) / q.denominator


def integrate(
    problem,
    *,
    times=None,
    dps: int | None = None,
    method: str = "taylor",
    progress=None,
    backend: str | None = None,
    order: int | None = None,
    step=None,
    dense_output: bool = False,
    workers: int = 1,
) -> Trajectory:
    """Integrate the gradient flow of ``problem`` from t = 0 to its output times.

    Parameters
    ----------
    problem
        A :class:`nfacheck.problem.Problem`.
    times
        Output times (exact numbers, >= 0); default ``problem.times``.
    dps
        Decimal digits of the results; default ``problem.dps``. The work uses
        ``dps + GUARD_DIGITS`` digits (fixed point with F bits).
    method
        ``"taylor"``: adaptive Taylor series, order from ``dps`` (Jorba & Zou 2005);
        ``"gbs"``: Gragg-Bulirsch-Stoer extrapolation (smooth activations; for cross-checks).
    progress
        Called as ``progress(t, t_end)`` (Fractions) after every step.
    backend
        ``"python"`` (default, pure Python integers), ``"numpy"`` (16-bit limb arrays with
        exact float64 BLAS products, :mod:`nfacheck.numeric.limbjet`; the same Taylor
        coefficients, several times faster on wide nets) or ``"flint"`` (python-flint matrix
        products; ``pip install -e .[fast]``).
    order
        Override the Taylor order.
    step
        A fixed step size (exact number) instead of adaptive steps (for order tests).
    dense_output
        Keep every step's polynomial so that :meth:`Trajectory.sol` works between steps.
    workers
        Split the samples across this many processes (the calling one included; at most n)
        for the Taylor expansions; 1 (default) is serial. Results agree with the serial run
        to rounding (exactly with the python backend). Used by ``method="taylor"`` with smooth
        activations only: relu/leaky_relu event location and ``gbs`` run serially (the
        trajectory's ``workers`` says what was used).

    Returns
    -------
    Trajectory

    Raises
    ------
    UsageError
        Unknown method or backend, a negative/unsorted time, or ``workers < 1``.
    InputError
        A relu/leaky_relu pre-activation exactly at its kink at t = 0.

    References
    ----------
    A. Jorba, M. Zou, "A software package for the numerical integration of ODEs by means of
    high-order Taylor methods", Experimental Mathematics 14 (2005) 99-117.
    """
    start = time.perf_counter()
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
    if backend == "flint":
        try:
            import flint  # noqa: F401
        except ImportError:
            raise UsageError("backend 'flint' needs python-flint: pip install -e .[fast]") from None
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be a positive integer (received {workers!r})")
    if method == "gbs" and (dense_output or step is not None or order is not None):
        raise UsageError("method 'gbs' has no dense output, fixed step or order option")
    if method == "gbs" and problem.activation in ("relu", "leaky_relu"):
        raise UsageError("method 'gbs' does not locate relu kinks; use method 'taylor'")
    dps = int(dps if dps is not None else problem.dps)
    out_times = [Fraction(t) for t in (times if times is not None else problem.times)]
    if any(t < 0 for t in out_times) or out_times != sorted(out_times):
        raise UsageError("output times must be >= 0 and increasing")
    work_digits = dps + GUARD_DIGITS
    # extra fraction bits when every weight is small (fixed point keeps absolute precision)
    big = max([abs(v) for W in problem.weights for row in W for v in row] + [Fraction(1, 1 << 64)])
    small_bits = max(0, big.denominator.bit_length() - big.numerator.bit_length())
    F = math.ceil(work_digits * LOG2_10) + 8 + small_bits
    if backend == "numpy":  # a whole number of 16-bit limbs: fixed-point shifts drop limbs
        F = -(-F // 16) * 16
    K = order or jorba_zou_order(dps + 4)
    check_flow_size(problem, dps, method, order=K, frac_bits=F,
                    t_end=out_times[-1] if out_times else Fraction(0))
    field_ = NetworkField(
        problem.widths,
        problem.activation,
        dict(problem.activation_params),
        problem.X,
        problem.Y,
        problem.weight_decay,
        F,
        backend,
    )
    if field_.piecewise:
        field_.set_masks_from(initial_sides(problem))
    from .taylor import to_fixed

    y0 = [[to_fixed(v, F) for row in W for v in row] for W in problem.weights]
    shapes = [(problem.widths[l + 1], problem.widths[l]) for l in range(problem.depth)]
    t_end = out_times[-1] if out_times else Fraction(0)
    raw_events: list = []
    if method == "gbs":
        from .gbs import GBSSolver

        solver = GBSSolver(field_, y0, Fraction(0), t_end, tol_digits=dps + 4, stops=out_times)
        K = 0
    else:
        solver = TaylorSolver(
            field_,
            y0,
            Fraction(0),
            t_end,
            order=K,
            tol_digits=dps + 4,
            fixed_step=step,
            events=raw_events,
        )
    pool = None
    if workers > 1 and method == "taylor" and not field_.piecewise and problem.n > 1:
        from .parallel import SamplePool

        pool = SamplePool(field_, problem.X, problem.Y, workers)
    try:
        states, reached, dense = _run(solver, out_times, dense_output, progress, t_end)
    except BaseException:
        if pool is not None:
            pool.close(abort=True)
        raise
    if pool is not None:
        pool.close()
    status = "failed" if solver.status == "failed" else "success"
    weights, losses, data_losses = [], [], []
    for st in states:
        weights.append(_to_matrices(st, shapes, F, dps))
        dl, ll = field_.losses(st)
        losses.append(_frac_to_mpf(ll, dps))
        data_losses.append(_frac_to_mpf(dl, dps))
    n = problem.n
    events = [
        Event(_frac_to_mpf(t, dps), lay + 1, idx // n, idx % n, d) for t, lay, idx, d in raw_events
    ]
    traj = Trajectory(
        times=[_frac_to_mpf(t, dps) for t in reached],
        weights=weights,
        losses=losses,
        data_losses=data_losses,
        status=status,
        message=solver.message,
        steps=solver.steps,
        nfev=solver.nfev,
        events=events,
        dps=dps,
        method=method,
        backend=backend,
        order=K,
        seconds=time.perf_counter() - start,
        times_exact=reached,
        dense=dense,
        frac_bits=F,
        shapes=shapes,
        workers=pool.workers if pool is not None else 1,
        rescaled=getattr(solver, "rescaled", 0),
    )
    return traj


#: adaptive steps assumed by the work estimate (the examples take 1-50; wide nets take few)
ESTIMATED_STEPS = 10
#: a Taylor step of order ~30 advances about this many time constants 1/rate (measured: 4-6)
STEP_SPAN = 8


def stiffness(problem):
    """Rough rates (1/time) of the flow, ``(weight decay, data)`` as ``mpmath.mpf`` (no float
    overflow).

    The weight decay contracts every weight at rate λ; near a fit, the data term's curvature is
    about ``mx^(1/L) my^((L-1)/L)`` with ``mx``, ``my`` the mean squared norms of the samples
    and targets (a deep linear net balanced at the end-to-end map YX⁺). The adaptive step
    cannot be much longer than a few time constants, so the steps grow like rate·t.
    """
    def mean_sq(M):
        total = sum(mpmath.mpf(v.numerator) ** 2 / mpmath.mpf(v.denominator) ** 2
                    for row in M for v in (Fraction(x) for x in row))
        return total / max(problem.n, 1)

    with mpmath.workdps(15):
        L = len(problem.widths) - 1
        mx, my = mean_sq(problem.X), mean_sq(problem.Y)
        lam = problem.weight_decay
        return (mpmath.mpf(lam.numerator) / lam.denominator,
                mx ** (mpmath.mpf(1) / L) * my ** (mpmath.mpf(L - 1) / L))


def _stiff_field(problem, t_end) -> str | None:
    """The problem field that makes the flow long: the weight decay, the data or the times."""
    lam, data = stiffness(problem)
    if max(lam, data) <= 100:
        return "training.times"
    return "training.weight_decay" if lam >= data else "data"


def estimated_steps(problem, t_end) -> float:
    """Steps the work estimate assumes to reach ``t_end``: ESTIMATED_STEPS, or about
    rate·t/STEP_SPAN for a stiff or long flow (a float, at most 1e300)."""
    with mpmath.workdps(15):
        t = Fraction(t_end)
        steps = sum(stiffness(problem)) * (mpmath.mpf(t.numerator) / t.denominator) / STEP_SPAN
        return float(min(max(steps, ESTIMATED_STEPS), mpmath.mpf("1e300")))


def check_flow_size(problem, dps: int | None = None, method: str = "taylor", *,
                    order: int | None = None, frac_bits: int | None = None,
                    t_end=None) -> None:
    """Refuse, before starting, a flow whose estimated work or memory would not fit.

    Called by :func:`integrate` itself; commands call it earlier too, before they show
    progress. ``t_end`` (default: the last output time) sets the assumed steps
    (:func:`estimated_steps`). Raises ``InputError`` with the estimate (see
    :func:`nfacheck.limits.check_work`), ``UsageError`` for gbs on relu/leaky_relu.
    """
    from ..limits import check_memory, check_work, exact_op_cost

    if method == "gbs" and problem.activation in ("relu", "leaky_relu"):
        raise UsageError("method 'gbs' does not locate relu kinks; use method 'taylor'")
    if t_end is None:
        t_end = max(problem.times, default=Fraction(0))
    steps = estimated_steps(problem, t_end)

    dps = int(dps if dps is not None else problem.dps)
    work_digits = dps + GUARD_DIGITS
    K = order or jorba_zou_order(dps + 4)
    F = frac_bits or math.ceil(work_digits * LOG2_10) + 8

    params = sum(a * b for a, b in zip(problem.widths, problem.widths[1:], strict=False))
    units = sum(problem.widths[1:])
    order = K if method == "taylor" else 64  # gbs: extrapolation table of comparable cost
    per_step = order * order * problem.n * params * exact_op_cost(work_digits)
    assume = f"{steps:.0f}" if steps < 1e6 else f"{steps:.1e}"
    what = (f"the flow of {list(problem.widths)} on {problem.n} samples at {work_digits} "
            f"working digits (order {order}, assuming {assume} steps"
            + (f" to t = {_brief_time(t_end)}" if steps > ESTIMATED_STEPS else "") + ")")
    field = _stiff_field(problem, t_end) if steps > ESTIMATED_STEPS else None
    try:
        check_work(per_step * steps, what, field)
    except InputError as exc:
        raise (exc.with_source(problem.source) if getattr(problem, "source", None)
               else exc) from None

    # Taylor coefficients of every weight and activation, F-bit integers plus object overhead
    check_memory(order * (params + problem.n * units) * (F / 8 + 32) * 4,
                 f"the flow of {list(problem.widths)} on {problem.n} samples")


def _brief_time(t) -> str:
    t = Fraction(t)
    if len(str(t)) <= 20:
        return str(t)
    with mpmath.workdps(15):
        return mpmath.nstr(mpmath.mpf(t.numerator) / t.denominator, 3)


def _run(solver, out_times, dense_output: bool, progress, t_end):
    """Step ``solver`` through the output times: (states, times reached, dense segments)."""
    states, reached, dense = [], [], []
    pending = list(out_times)
    while pending and pending[0] == solver.t:
        states.append(solver.y)
        reached.append(pending.pop(0))
    while pending and solver.status == "running":
        solver.step()
        if solver.status == "failed":
            break
        if dense_output:
            dense.append(solver.dense_output())
        while pending and pending[0] <= solver.t:
            t_out = pending.pop(0)
            states.append(solver.y if t_out == solver.t else solver.dense_output()(t_out))
            reached.append(t_out)
        if progress is not None:
            progress(solver.t, t_end)
    return states, reached, dense
