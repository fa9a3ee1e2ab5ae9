"""Plain helpers shared by several test modules (``tests/`` is on ``sys.path`` through its
``conftest.py``, so a test imports them as ``from helpers import ...``)."""

from __future__ import annotations

import random
from fractions import Fraction

from nfacheck.numeric.linalg import as_matrix


def rand_rational(rows: int, cols: int, seed: int) -> list[list[Fraction]]:
    """A seeded ``rows x cols`` matrix of rationals ``p/q``, ``|p| <= 9``, ``1 <= q <= 7``."""
    rng = random.Random(seed)
    return [[Fraction(rng.randint(-9, 9), rng.randint(1, 7)) for _ in range(cols)]
            for _ in range(rows)]


def random_psd(d: int, rank: int, seed: int):
    """``BᵀB`` for a seeded rational ``rank x d`` matrix ``B``, as an mpmath matrix at the
    current precision."""
    B = as_matrix(rand_rational(rank, d, seed))
    return B.T * B


def trajectory_max_diff(a, b, dps: int):
    """Largest entrywise difference between the weights of two trajectories at every output
    time, computed at ``dps + 10`` digits."""
    import mpmath

    with mpmath.workdps(dps + 10):
        return max(
            abs(x - y)
            for sa, sb in zip(a.weights, b.weights, strict=True)
            for Wa, Wb in zip(sa, sb, strict=True)
            for x, y in zip(Wa, Wb, strict=True)
        )


# a two-layer scalar linear problem that flows in well under a second (CLI and bad-input tests)
TINY_PROBLEM = """
[network]
widths = [1, 1, 1]
activation = "linear"
[data]
X = [["1"]]
Y = [["2"]]
[init]
weights = [[["1/10"]], [["1/10"]]]
[training]
weight_decay = "0"
times = ["0", "1/2"]
[precision]
dps = 20
"""

# a hand-checked ReLU counterexample certificate: [2, 2, 1], three samples fitted exactly, defect
# bound 0.26726... (tests of certify, of the certificate format and of bad input start from it)
HAND_CERTIFICATE = {
    "format": "nfacheck-certificate/1",
    "network": {"widths": [2, 2, 1], "activation": "relu"},
    "data": {"X": [["1", "2", "1"], ["1", "-1", "3"]], "Y": [["1", "2", "1"]]},
    "weights": [[["1", "0"], ["-1", "-1"]], [["1", "5"]]],
    "claims": {"loss_at_most": "0", "defect_at_least": "0.2672"},
}
