"""nfacheck: check claims about the Neural Feature Ansatz, symbolically and at high precision.

The public API is imported lazily so that ``import nfacheck`` (and the CLI) start fast and the
numeric path never imports SymPy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "load_problem": "nfacheck.problem",
    "Problem": "nfacheck.problem",
    "integrate": "nfacheck.numeric.integrate",
    "Trajectory": "nfacheck.numeric.integrate",
    "nfa_metrics": "nfacheck.numeric.metrics",
    "verify": "nfacheck.numeric.verify",
    "inspect": "nfacheck.inspect",
    "NfacheckError": "nfacheck.errors",
    "InputError": "nfacheck.errors",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name == "inspect":  # the subpackage itself is callable: nfacheck.inspect(model, X)
        return import_module(_LAZY[name])
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nfacheck' has no attribute {name!r}")
