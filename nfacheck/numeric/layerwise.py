"""The deep NFA: each layer's Gram ``W_l^T W_l`` against the AGOP of the sub-network from l on.

For layer ``l`` of an ``L``-layer net the neural feature matrix ``M_l = W_l^T W_l`` is compared
with ``G_l``, the AGOP of ``h -> W_L sigma(... sigma(W_l h))`` taken with respect to the layer's
input ``h_{l-1}`` (the post-activation of layer ``l-1``, ``h_0 = x``) and averaged over the samples
(Beaglehole, Radhakrishnan et al., the "deep NFA"). For a linear net ``G_l = S_l^T S_l`` with
``S_l = W_L ... W_l``, and a balanced net has ``M_l = G_l^{1/(L-l+1)}`` exactly
(``deep-nfa-layerwise``), so the default exponent of layer ``l`` is ``1/(L-l+1)``. The figures of
each layer are those of :func:`nfacheck.numeric.metrics.nfa_metrics` on ``(M_l, G_l)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from mpmath import mp

from ..errors import InputError
from .metrics import GUARD_DIGITS, NFAMetrics, nfa_metrics

__all__ = ["LayerMetrics", "default_layer_alphas", "layer_metrics"]


@dataclass(frozen=True)
class LayerMetrics:
    """NFA figures of one layer ``l`` (1-based): ``M_l = W_l^T W_l`` against ``G_l``.

    Attributes
    ----------
    l
        The layer, ``1 .. L``.
    alpha_exact
        The exponent the residuals refer to (``1/(L-l+1)`` unless the caller chose another).
    metrics
        :class:`nfacheck.numeric.metrics.NFAMetrics` of ``(M_l, G_l)``; its ``nfa_residual`` is the
        layer's ``gram_residual``.
    """

    l: int  # noqa: E741 - the layer index of the deep-NFA literature
    alpha_exact: Fraction
    metrics: NFAMetrics

    @property
    def gram_residual(self) -> Any:
        """``min_c ||M_l - c G_l^alpha||_F / ||M_l||_F``."""
        return self.metrics.nfa_residual

    def to_json(self) -> dict[str, Any]:
        """``{l, alpha, gram_residual, gram_residual_c1, c_opt, alpha_fit, ...}`` as strings."""
        from ..exact import format_exact

        m = self.metrics.to_json()
        out: dict[str, Any] = {"l": self.l, "alpha": format_exact(self.alpha_exact),
                               "gram_residual": m["nfa_residual"],
                               "gram_residual_c1": m["nfa_residual_c1"]}
        for key in ("c_opt", "alpha_fit", "alpha_fit_at_boundary", "residual_at_alpha_fit",
                    "correlation", "commutator_bound", "clamp"):
            out[key] = m[key]
        if m["notes"]:
            out["notes"] = m["notes"]
        return out


def default_layer_alphas(depth: int) -> list[Fraction]:
    """``[1/L, 1/(L-1), ..., 1/2, 1]``: the exponent ``1/(L-l+1)`` of layer ``l = 1 .. L``."""
    return [Fraction(1, depth - i) for i in range(depth)]


def layer_metrics(
    weights: Sequence[Any],
    X: Any,
    activation: str = "linear",
    *,
    alphas: Sequence[Any] | None = None,
    dps: int = 30,
    activation_params: dict | None = None,
) -> list[LayerMetrics]:
    """Deep-NFA figures of every layer of one network state.

    Parameters
    ----------
    weights
        ``W_1 ... W_L`` (mpmath matrices, or nested lists / tuples of Fractions or decimals).
    X
        Data, ``d x n`` (columns are samples).
    activation, activation_params
        Activation name and parameters (see :mod:`nfacheck.activations`).
    alphas
        One exact exponent per layer; default :func:`default_layer_alphas`.
    dps
        Output precision; Grams and AGOPs are computed with :data:`GUARD_DIGITS` extra digits.

    Returns
    -------
    list of LayerMetrics
        Layer ``1 .. L`` in order. Layer 1 is the first-layer NFA of ``nfa_metrics``; layer ``L``
        compares ``W_L^T W_L`` with itself (the sub-network is linear), so its residual at
        exponent 1 measures only the arithmetic.

    Raises
    ------
    InputError
        When ``alphas`` does not give one positive exponent per layer.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> ws = [[[F(2), F(0)], [F(0), F(1)]], [[F(2), F(0)], [F(0), F(1)]]]   # balanced, L = 2
    >>> [str(m.gram_residual) for m in layer_metrics(ws, [[F(1)], [F(1)]], dps=15)]
    ['0.0', '0.0']
    """
    from . import network

    L = len(weights)
    if alphas is None:
        alphas_q = default_layer_alphas(L)
    else:
        alphas_q = [Fraction(a) for a in alphas]
        if len(alphas_q) != L:
            raise InputError(f"expected {L} exponents (one per layer), got {len(alphas_q)}",
                             "--layer-alphas")
        if any(a <= 0 for a in alphas_q):
            raise InputError("every exponent must be positive", "--layer-alphas")
    with mp.workdps(int(dps) + GUARD_DIGITS):
        grams = network.layer_grams(weights, mp)
        agops = network.layer_agops(weights, X, activation, activation_params or {}, mp)
    return [LayerMetrics(i + 1, a, nfa_metrics(M=M, G=G, alpha=a, dps=dps))
            for i, (M, G, a) in enumerate(zip(grams, agops, alphas_q, strict=True))]
