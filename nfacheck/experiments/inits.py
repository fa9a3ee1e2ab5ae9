"""Initial weights for the experiments: balanced, Gaussian, orthogonal and small.

Every scheme takes ``widths = [d, h_1, ..., k]``, a scale and a ``numpy.random.Generator`` and
returns the list W_1 … W_L (W_l of shape h_l x h_{l-1}).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError

__all__ = ["INITS", "DEFAULT_SCALES", "init_weights", "balanced", "gaussian", "orthogonal", "small"]


def _orthonormal_columns(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A rows x cols matrix with orthonormal columns (rows >= cols), Haar-distributed."""
    q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q * np.sign(np.diag(r))  # sign fix makes the distribution Haar


def balanced(
    widths: Sequence[int],
    scale: float = 1.0,
    rng: np.random.Generator | None = None,
    singular_values: Sequence[float] | None = None,
) -> list[np.ndarray]:
    """Exactly balanced weights W_l = U_l S U_{l-1}ᵀ with shared singular values.

    With U_l (h_l x r) having orthonormal columns and r = min(widths), both W_{l+1}ᵀW_{l+1} and
    W_l W_lᵀ equal U_l S² U_lᵀ, so every imbalance D_l vanishes (up to rounding). When d = k = r
    the outer frames coincide, so the end-to-end map starts as a positive multiple of the identity.

    Parameters
    ----------
    widths
        ``[d, h_1, ..., k]``.
    scale
        Used when ``singular_values`` is not given: S = scale · I.
    rng
        Random generator for the orthonormal frames.
    singular_values
        The r diagonal entries of S (all layers share them).
    """
    rng = rng or np.random.default_rng(0)
    r = min(widths)
    s = np.full(r, float(scale)) if singular_values is None else np.asarray(singular_values, float)
    if s.shape != (r,):
        raise InputError(f"expected {r} singular values (min of widths)", "singular_values", s)
    frames = [_orthonormal_columns(w, r, rng) for w in widths]
    if widths[0] == widths[-1] == r:
        # E(0) = U_L S^L U_0ᵀ; taking U_L = U_0 makes it s^L·I, which has positive determinant.
        # Balanced flows keep det(E) away from 0, so a random sign could trap E away from a
        # teacher with det > 0 (make_data's teachers have det > 0).
        frames[-1] = frames[0]
    return [frames[l + 1] @ np.diag(s) @ frames[l].T for l in range(len(widths) - 1)]


def gaussian(
    widths: Sequence[int], scale: float = 1.0, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Independent entries N(0, scale² / fan_in) (scale 1 is the LeCun/"standard" choice)."""
    rng = rng or np.random.default_rng(0)
    return [
        rng.standard_normal((widths[l + 1], widths[l])) * (scale / np.sqrt(widths[l]))
        for l in range(len(widths) - 1)
    ]


def orthogonal(
    widths: Sequence[int], scale: float = 1.0, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """scale times a Haar (semi-)orthogonal matrix per layer, chosen independently.

    With all widths equal this is balanced (every W_lW_lᵀ = W_lᵀW_l = scale²·I); with unequal
    widths it is not.
    """
    rng = rng or np.random.default_rng(0)
    out = []
    for l in range(len(widths) - 1):
        rows, cols = widths[l + 1], widths[l]
        q = _orthonormal_columns(max(rows, cols), min(rows, cols), rng)
        out.append(scale * (q if rows >= cols else q.T))
    return out


def small(
    widths: Sequence[int], scale: float = 0.1, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Gaussian init shrunk towards 0 (entries N(0, scale²/fan_in), default scale 0.1).

    Deep linear nets started near 0 sit near a saddle; training leaves it slowly but ends
    nearly balanced (the imbalance stays at its small initial size while the weights grow).
    """
    return gaussian(widths, scale, rng)


INITS = {"balanced": balanced, "gaussian": gaussian, "orthogonal": orthogonal, "small": small}
DEFAULT_SCALES = {"balanced": 1.0, "gaussian": 1.0, "orthogonal": 1.0, "small": 0.1}


def init_weights(
    name: str, widths: Sequence[int], scale: float | None = None, seed: int = 0
) -> list[np.ndarray]:
    """Initial weights by scheme name (``balanced``, ``gaussian``, ``orthogonal``, ``small``)."""
    if name not in INITS:
        raise InputError("unknown init; known: " + ", ".join(INITS), "init", name)
    s = DEFAULT_SCALES[name] if scale is None else float(scale)
    if not np.isfinite(s) or s <= 0:
        raise InputError("init scale must be a positive number", "init_scale", scale)
    return INITS[name](widths, s, np.random.default_rng(seed))
