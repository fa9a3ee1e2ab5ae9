"""The theorem registry: every claim nfacheck proves, with its controls.

Theorems are defined in the modules listed in ``_MODULES`` and registered with :func:`register`.
"""

from __future__ import annotations

import sys
from importlib import import_module

from ..errors import UsageError
from .base import Control, ControlResult, ProofResult, Step, Theorem, run_theorem

__all__ = [
    "Control", "ControlResult", "ProofResult", "Step", "Theorem", "run_theorem",
    "register", "get_theorem", "all_theorems",
]

_MODULES = ("linear", "linear_power", "linear_asymptotic", "homogeneous", "commutator", "fact",
            "deep")
_REGISTRY: dict[str, Theorem] = {}
_ORIGIN: dict[str, str] = {}  # theorem id -> short name of the module that registered it
_loaded = False


def register(theorem: Theorem) -> Theorem:
    """Add a theorem to the registry (ids are unique)."""
    if theorem.id in _REGISTRY and _REGISTRY[theorem.id] is not theorem:
        raise ValueError(f"duplicate theorem id {theorem.id!r}")
    _REGISTRY[theorem.id] = theorem
    _ORIGIN[theorem.id] = sys._getframe(1).f_globals.get("__name__", "").rpartition(".")[2]
    return theorem


def _load() -> None:
    global _loaded
    if not _loaded:
        for m in _MODULES:
            import_module(f"{__name__}.{m}")
        _loaded = True


def all_theorems() -> list[Theorem]:
    """Every registered theorem: by module in ``_MODULES`` order, then in registration order.

    The order does not depend on which module happened to be imported first.
    """
    _load()
    rank = {m: i for i, m in enumerate(_MODULES)}
    seq = {tid: i for i, tid in enumerate(_REGISTRY)}
    ids = sorted(_REGISTRY, key=lambda t: (rank.get(_ORIGIN[t], len(rank)), seq[t]))
    return [_REGISTRY[t] for t in ids]


def get_theorem(theorem_id: str) -> Theorem:
    """Look up a theorem by id; raises ``UsageError`` listing the known ids."""
    _load()
    try:
        return _REGISTRY[theorem_id]
    except KeyError:
        raise UsageError(
            f"unknown theorem id {theorem_id!r}; known: {', '.join(_REGISTRY)}"
        ) from None
