"""Problem files: a network, data, an initialisation, training and precision, all exact.

``load_problem`` reads and validates a TOML file into a :class:`Problem` of Fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["Problem", "Matrix", "load_problem"]

Matrix = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class Problem:
    """A fully validated gradient-flow problem with exact rational entries.

    Attributes
    ----------
    widths
        ``[d, h_1, ..., k]``; the depth is ``len(widths) - 1``.
    activation
        Name from :data:`nfacheck.activations.ACTIVATIONS`.
    activation_params
        E.g. ``{"slope": Fraction(1, 100)}`` for leaky_relu.
    X, Y
        Data, d x n and k x n (columns are samples).
    weights
        Initial weights ``W_1 ... W_L``; ``W_l`` is ``h_l x h_{l-1}``.
    weight_decay
        lambda >= 0.
    times
        Output times, non-negative and increasing.
    dps
        Working precision in decimal digits (>= 10).
    source, sha256
        Where the problem came from and the sha256 of its bytes (None when built in code).
    generated
        How generated data/weights were made (scheme, seed, ...), recorded for provenance.
    """

    widths: tuple[int, ...]
    activation: str
    X: Matrix
    Y: Matrix
    weights: tuple[Matrix, ...]
    weight_decay: Fraction = Fraction(0)
    times: tuple[Fraction, ...] = (Fraction(1),)
    dps: int = 30
    activation_params: dict[str, Fraction] = field(default_factory=dict)
    source: str | None = None
    sha256: str | None = None
    generated: dict[str, Any] = field(default_factory=dict)

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    @property
    def d(self) -> int:
        return self.widths[0]

    @property
    def k(self) -> int:
        return self.widths[-1]

    @property
    def n(self) -> int:
        return len(self.X[0])


def load_problem(path) -> Problem:  # replaced by the full loader (issue 4)
    raise NotImplementedError
