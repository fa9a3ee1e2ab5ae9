"""Counterexamples reached by training: two-layer ReLU nets whose dead units survive descent.

A live unit is trained by plain gradient descent (weight decay 0) towards a linear teacher
y = u.x on data inside the cone where the unit is active; dead units (pre-activations negative on
every sample) get exactly zero gradient, so they keep their first-layer weight for ever. At the
limit G = u u^T while M = w w^T + sum_dead v v^T, and the commutator bound stays away from 0.
The limit is known in closed form for gradient flow (a w -> u and the conserved imbalance
a^2 - |w|^2, Du et al. 2018), which is how candidates are screened before any descent is run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .families import Candidate, _exact, _ints

__all__ = [
    "TrainingRun",
    "TrainedFind",
    "draw_trainable",
    "limit_defect",
    "gradient_descent",
    "search_trained",
    "teacher_targets",
    "LOSS_TARGETS",
]

#: checkpoints: the first iterate whose data loss is below each of these
LOSS_TARGETS = tuple(10.0 ** -k for k in (1, 4, 7, 10, 13, 16, 19, 22))


@dataclass
class TrainingRun:
    """A gradient-descent run: exact init, step size, checkpoints (iteration, exact weights)."""

    init: Candidate
    step_size: Fraction
    checkpoints: list[tuple[int, tuple]]
    iterations: int
    converged: bool
    live_active: bool = True


def draw_trainable(rng: np.random.Generator) -> tuple[Candidate, np.ndarray] | None:
    """Draw data in the cone {u.x > 0, v.x < 0}, one small live unit, dead units, a teacher u.

    Returns the initial candidate (targets not included) and the teacher's integer grid vector
    (u / 10 is the teacher), or ``None`` when the draw is rejected.
    """
    d, n = int(rng.integers(2, 4)), int(rng.integers(3, 7))
    dead = int(rng.integers(1, 3))
    u = _ints(rng, d, 10, nonzero=True)
    v = _ints(rng, d, 10, nonzero=True)
    cols = []
    for _ in range(40 * n):
        x = _ints(rng, d, 10)
        if u @ x >= 20 and v @ x <= -10:
            cols.append(x)
        if len(cols) == n:
            break
    if len(cols) < n:
        return None
    X = np.array(cols).T
    if np.linalg.matrix_rank(X) < d or np.linalg.cond(X @ X.T) > 25:
        return None
    w0 = _ints(rng, (1, d), 3)
    if np.any(w0 @ X <= 5):
        return None
    V = v + _ints(rng, (dead, d), 2)
    if np.any(V @ X >= -5):
        return None
    a0 = rng.integers(1, 6, size=(1, 1))
    W2 = np.hstack([a0, _ints(rng, (1, dead), 10, nonzero=True)])
    cand = Candidate(
        "trained_dead_units", [d, 1 + dead, 1], _exact(X, 10),
        (_exact(np.vstack([w0, V]), 10), _exact(W2, 10)),
        {"live": [1], "dead": list(range(2, 2 + dead))},
    )
    return cand, u


def limit_defect(cand: Candidate, u: np.ndarray) -> float:
    """Commutator defect bound at the gradient-flow limit (closed form, float64 screening)."""
    W1 = np.array([[float(x) for x in r] for r in cand.weights[0]])
    a0 = float(cand.weights[1][0][0])
    w0 = W1[0]
    uu = u / 10.0
    delta = a0 * a0 - float(w0 @ w0)
    s = (delta + math.sqrt(delta * delta + 4 * float(uu @ uu))) / 2
    w_inf = uu / math.sqrt(s)
    M = np.outer(w_inf, w_inf) + W1[1:].T @ W1[1:]
    G = np.outer(uu, uu)
    comm = np.linalg.norm(M @ G - G @ M)
    return float(comm / (2 * float(uu @ uu) * np.linalg.norm(M)))


def _loss_and_grads(X, Y, W1, a):
    """Pure-Python float loss and gradients of f = sum_j a_j relu(w_j . x) (deterministic).

    Also returns the smallest pre-activation of unit 1 (the live unit) over the samples.
    """
    d, n, h = len(X), len(X[0]), len(W1)
    gW = [[0.0] * d for _ in range(h)]
    ga = [0.0] * h
    loss = 0.0
    live_min = math.inf
    for i in range(n):
        x = [X[r][i] for r in range(d)]
        z = [sum(W1[j][r] * x[r] for r in range(d)) for j in range(h)]
        live_min = min(live_min, z[0])
        act = [zj if zj > 0 else 0.0 for zj in z]
        res = sum(a[j] * act[j] for j in range(h)) - Y[i]
        loss += res * res
        for j in range(h):
            ga[j] += res * act[j] / n
            if z[j] > 0:
                for r in range(d):
                    gW[j][r] += res * a[j] * x[r] / n
    return loss / (2 * n), gW, ga, live_min


def gradient_descent(cand: Candidate, u: np.ndarray, max_iter: int = 40000) -> TrainingRun:
    """Run gradient descent (weight decay 0) from ``cand`` on targets y = (u/10).x.

    The step size is 1 / (lambda_max(XX^T/n) * (a0^2 + |w0|^2 + 2|u| + 1)), rounded to a short
    decimal. Checkpoint weights are the float iterates written as their shortest decimal repr
    (exact from then on).
    """
    X = [[float(x) for x in r] for r in cand.X]
    n = len(X[0])
    Xa = np.array(X)
    lam = float(np.linalg.eigvalsh(Xa @ Xa.T / n)[-1])
    W1 = [[float(x) for x in r] for r in cand.weights[0]]
    a = [float(x) for x in cand.weights[1][0]]
    uu = [float(c) / 10 for c in u]
    Y = [sum(uu[r] * X[r][i] for r in range(len(X))) for i in range(n)]
    scale = a[0] ** 2 + sum(c * c for c in W1[0]) + 2 * math.sqrt(sum(c * c for c in uu)) + 1
    eta_f = 1.0 / (lam * scale)
    eta = Fraction(f"{eta_f:.2g}")
    eta_f = float(eta)
    targets = list(LOSS_TARGETS)
    checkpoints = []
    live = True
    for it in range(max_iter + 1):
        loss, gW, ga, live_min = _loss_and_grads(X, Y, W1, a)
        live = live and live_min > 0
        while targets and loss <= targets[0]:
            targets.pop(0)
            snap = (
                tuple(tuple(Fraction(repr(x)) for x in r) for r in W1),
                (tuple(Fraction(repr(x)) for x in a),),
            )
            if not checkpoints or checkpoints[-1][0] != it:
                checkpoints.append((it, snap))
        if not targets:
            return TrainingRun(cand, eta, checkpoints, it, True, live)
        W1 = [[w - eta_f * g for w, g in zip(rw, rg, strict=True)] for rw, rg in zip(W1, gW,
                                                                                     strict=True)]
        a = [x - eta_f * g for x, g in zip(a, ga, strict=True)]
    return TrainingRun(cand, eta, checkpoints, max_iter, False, live)


def teacher_targets(cand: Candidate, u: np.ndarray) -> tuple[tuple[Fraction, ...], ...]:
    """Exact targets y_i = (u/10).x_i."""
    cols = list(zip(*cand.X, strict=True))
    return (tuple(sum(Fraction(int(c), 10) * x for c, x in zip(u, col, strict=True))
                  for col in cols),)


@dataclass
class TrainedFind:
    """What :func:`search_trained` found (``run`` is ``None`` when nothing converged)."""

    final: Candidate | None
    targets: tuple | None
    run: TrainingRun | None
    drawn: int
    screened: int
    chosen: int
    budget_hit: bool
    limit_score: float


def search_trained(rng, candidates: int, budget: float | None, start: float, progress,
                   tries: int = 5) -> TrainedFind:
    """Draw ``candidates`` trainable nets, rank by the closed-form limit, train the best few.

    The first of the top ``tries`` whose descent converges with the live unit active on every
    sample at every iteration is returned, with its final iterate as the network.
    """
    import time

    ranked = []
    drawn = 0
    budget_hit = False
    for idx in range(candidates):
        if budget is not None and time.perf_counter() - start > budget:
            budget_hit = True
            break
        drawn += 1
        got = draw_trainable(rng)
        if progress is not None:
            progress(drawn)
        if got is None:
            continue
        ranked.append((round(limit_defect(*got), 9), idx, got))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    for score, idx, (cand, u) in ranked[:tries]:
        run = gradient_descent(cand, u)
        if not run.converged or not run.live_active:
            continue
        it, final_w = run.checkpoints[-1]
        final = Candidate(cand.mechanism, cand.widths, cand.X, final_w,
                          dict(cand.notes, iterations=it))
        return TrainedFind(final, teacher_targets(cand, u), run, drawn, len(ranked), idx,
                           budget_hit, score)
    return TrainedFind(None, None, None, drawn, len(ranked), -1, budget_hit, 0.0)
