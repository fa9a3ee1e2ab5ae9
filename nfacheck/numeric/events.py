"""Sign changes of hidden pre-activations (relu/leaky_relu kinks) inside a Taylor step.

The step's polynomial z(s) of every hidden pre-activation is sampled at s_max*m/M; the first
sample on the wrong side of 0 brackets the root, which bisection on the polynomial then locates to
the last fixed-point bit (2**-F of the scaled time). Two crossings of one pre-activation between
adjacent samples cancel and are missed; M = 16 samples per step keep that window small.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from .taylor import SeriesMatrix, horner

__all__ = ["Crossing", "find_first_crossing", "initial_sides", "SAMPLES"]

SAMPLES = 16
# a value within NOISE units of 2**-F of 0 sits on the kink (rounding), not across it
NOISE = 1 << 16


@dataclass(frozen=True)
class Crossing:
    """A root of the hidden pre-activation ``z[layer]`` flat entry ``index`` at scaled time ``s``
    (fixed point; z has the new sign there); ``direction`` is the new side (+1 or -1)."""

    s: int
    layer: int
    index: int
    direction: int


def _poly_at(coeffs: list[int], s: int, F: int) -> int:
    acc = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        acc = ((acc * s) >> F) + c
    return acc


def find_first_crossing(
    z: list[SeriesMatrix], masks: list[list[tuple[int, int]]], s_max: int, frac_bits: int
) -> Crossing | None:
    """The earliest sign change in ``(0, s_max]`` of the hidden pre-activations, or None.

    ``masks[l][i] == (1, 1)`` means the entry is on the positive side.
    """
    F = frac_bits
    prev = 0
    for m in range(1, SAMPLES + 1):
        sm = s_max * m // SAMPLES
        if sm <= prev:
            continue
        hits = []
        for lay, zz in enumerate(z):
            vals = horner(zz.coeffs, sm, F)
            for idx, (v, mk) in enumerate(zip(vals, masks[lay], strict=True)):
                side = 1 if mk == (1, 1) else -1
                if side * v < -NOISE:
                    hits.append((lay, idx, -side))
        if hits:
            best = None
            for lay, idx, new_side in hits:
                ent = z[lay].view("entries")[idx]
                lo, hi = prev, sm  # old side at lo (or 0 within noise), new side at hi
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if new_side * _poly_at(ent, mid, F) < 0:
                        lo = mid
                    else:
                        hi = mid
                if best is None or hi < best.s:
                    best = Crossing(hi, lay, idx, new_side)
            return best
        prev = sm
    return None


def initial_sides(problem) -> list[list[int]]:
    """Exact signs (+1/-1) of the hidden pre-activations at t = 0 for relu/leaky_relu.

    Raises
    ------
    InputError
        When a hidden pre-activation is exactly 0 at t = 0: the flow is not defined there (the
        activation has a kink), so the problem is rejected rather than a side picked silently.
    """
    slope = Fraction(problem.activation_params.get("slope", Fraction(1, 100)))
    neg = Fraction(0) if problem.activation == "relu" else slope
    a = [list(row) for row in problem.X]
    n = problem.n
    sides = []
    for lay, W in enumerate(problem.weights[:-1]):
        z = [[sum(w * a[p][j] for p, w in enumerate(row)) for j in range(n)] for row in W]
        layer_sides = []
        for i, row in enumerate(z):
            for j, v in enumerate(row):
                if v == 0:
                    raise InputError(
                        f"hidden pre-activation z_{lay + 1}[{i}] of sample {j} is exactly 0 at "
                        f"t = 0, where {problem.activation} has a kink; perturb the weights",
                        "init.weights",
                        source=problem.source,
                    )
                layer_sides.append(1 if v > 0 else -1)
        sides.append(layer_sides)
        a = [[v if v > 0 else neg * v for v in row] for row in z]
    return sides
