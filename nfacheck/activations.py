"""The activation functions nfacheck knows: names, parameters and the properties theorems use.

Evaluation lives with each backend (mpmath in ``numeric``, numpy in ``experiments``, exact and
interval arithmetic in ``search``); this module only says what each name means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

__all__ = ["ActivationSpec", "ACTIVATIONS", "activation_spec"]


@dataclass(frozen=True)
class ActivationSpec:
    """What a named activation is.

    Attributes
    ----------
    name
        Canonical name as written in problem files.
    formula
        Plain-text definition.
    homogeneous
        ``sigma(z) = z * sigma'(z)`` (positively 1-homogeneous): linear, relu, leaky_relu.
    piecewise_linear
        Exact rational arithmetic suffices (kinks at 0 are events/undefined derivatives).
    smooth
        Infinitely differentiable everywhere.
    params
        Parameter names with default values (exact).
    """

    name: str
    formula: str
    homogeneous: bool
    piecewise_linear: bool
    smooth: bool
    params: dict[str, Fraction] = field(default_factory=dict)


ACTIVATIONS: dict[str, ActivationSpec] = {
    "linear": ActivationSpec("linear", "sigma(z) = z", True, True, True),
    "relu": ActivationSpec("relu", "sigma(z) = max(z, 0)", True, True, False),
    "leaky_relu": ActivationSpec(
        "leaky_relu",
        "sigma(z) = z if z > 0 else slope*z",
        True,
        True,
        False,
        {"slope": Fraction(1, 100)},
    ),
    "tanh": ActivationSpec("tanh", "sigma(z) = tanh(z)", False, False, True),
    "sigmoid": ActivationSpec("sigmoid", "sigma(z) = 1/(1 + exp(-z))", False, False, True),
    "softplus": ActivationSpec("softplus", "sigma(z) = log(1 + exp(z))", False, False, True),
}


def activation_spec(name: str) -> ActivationSpec:
    """Look up an activation by name; raises ``InputError`` listing the known names."""
    from .errors import InputError

    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise InputError(
            "unknown activation; known: " + ", ".join(ACTIVATIONS), "network.activation", name
        ) from None
