"""Problem files: a network, data, an initialisation, training and precision, all exact.

``load_problem`` reads and validates a TOML file into a :class:`Problem` of Fractions;
``problem_from_dict`` does the same for a table built in code, and ``problem_to_toml`` writes a
problem back with every number explicit (it loads to an equal problem). The file format is
documented in ``docs/problem-format.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ._problem_fields import build_problem
from .errors import InputError, ProblemFileError
from .exact import format_exact, load_toml
from .limits import DPS_MAX, DPS_MIN

__all__ = [
    "Problem",
    "Matrix",
    "DPS_MIN",
    "DPS_MAX",
    "load_problem",
    "problem_from_dict",
    "problem_to_dict",
    "problem_to_toml",
]

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
    meta
        Optional free text from the file's ``[meta]`` table (``name``, ``description``).
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
    meta: dict[str, str] = field(default_factory=dict)

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

    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields changed (not re-validated; see :meth:`validated`)."""
        return dataclasses.replace(self, **changes)

    def validated(self) -> Problem:
        """Re-check every field as if the problem had been read from a file; returns a copy."""
        return problem_from_dict(
            problem_to_dict(self), source=self.source, sha256=self.sha256
        ).replace(generated=self.generated)

    def to_toml(self) -> str:
        """The problem as a TOML file with every number explicit (see :func:`problem_to_toml`)."""
        return problem_to_toml(self)

    def same_numbers(self, other: Problem) -> bool:
        """True when both problems have equal widths, activation, data, weights and settings."""
        keys = ("source", "sha256", "generated")
        a, b = dataclasses.asdict(self), dataclasses.asdict(other)
        return all(a[f] == b[f] for f in a if f not in keys)


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file (TOML).

    Parameters
    ----------
    path
        The file. TOML floats are read as decimals (``0.1`` is exactly 1/10); strings hold
        decimals or ``p/q``.

    Returns
    -------
    Problem
        Exact Fractions throughout; ``source`` is ``str(path)`` and ``sha256`` the digest of the
        file's bytes.

    Raises
    ------
    ProblemFileError
        Missing or unreadable file, malformed TOML (with the parser's line and column) or any
        invalid field, as ``FILE: FIELD: what is wrong (received ...)``.

    Examples
    --------
    >>> p = load_problem("docs/examples/linear-balanced-L2.toml")  # doctest: +SKIP
    >>> p.widths, p.dps  # doctest: +SKIP
    ((2, 2, 1), 30)
    """
    data, raw = load_toml(path, ProblemFileError)
    return problem_from_dict(data, source=str(path), sha256=hashlib.sha256(raw).hexdigest())


def problem_from_dict(
    data: dict[str, Any], source: str | None = None, sha256: str | None = None
) -> Problem:
    """Validate a problem given as nested tables (the TOML structure) and build a Problem.

    Numbers may be ints, ``Decimal``, ``Fraction`` or decimal / ``p/q`` strings; matrices are
    lists (or tuples) of rows. Generated data and weights are produced here, deterministically.

    Raises
    ------
    ProblemFileError
        Naming the first invalid field (``section.key[i][j]``) and what was received.
    """
    try:
        return build_problem(data, source=source, sha256=sha256)
    except ProblemFileError as exc:
        if source is not None and exc.source is None:
            exc.with_source(source)
        raise
    except InputError as exc:
        raise ProblemFileError(
            exc.what,
            exc.field,
            exc.received,
            source=source or exc.source,
            show_received=exc.show_received,
        ) from None


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem as TOML-ready tables: every number a ``p/q`` string, matrices explicit."""
    network: dict[str, Any] = {"widths": list(problem.widths), "activation": problem.activation}
    for key, value in sorted(problem.activation_params.items()):
        network[key] = format_exact(value)
    out: dict[str, Any] = {}
    if problem.meta:
        out["meta"] = dict(problem.meta)
    out["network"] = network
    out["data"] = {"X": _fmt(problem.X), "Y": _fmt(problem.Y)}
    out["init"] = {"weights": [_fmt(w) for w in problem.weights]}
    out["training"] = {
        "weight_decay": format_exact(problem.weight_decay),
        "times": [format_exact(t) for t in problem.times],
    }
    out["precision"] = {"dps": problem.dps}
    return out


def _fmt(m: Any) -> list[list[str]]:
    return [[format_exact(x) for x in row] for row in m]


def problem_to_toml(problem: Problem) -> str:
    """Write a problem as TOML with explicit exact numbers; loading it gives an equal problem.

    Generation provenance (seeds, schemes) is kept as comments at the top. Round trip:
    ``problem_from_dict(tomllib.loads(problem_to_toml(p))).same_numbers(p)`` is True.
    """
    import json

    lines = ["# nfacheck problem file, every number exact (p/q strings)"]
    if problem.source:
        lines.append(f"# written from: {problem.source} (sha256 {problem.sha256})")
    for key, value in problem.generated.items():
        text = json.dumps(_brief(value), sort_keys=True, default=str)
        lines.append(f"# generated {key}: {text}")
    for section, table in problem_to_dict(problem).items():
        lines.append("")
        lines.append(f"[{section}]")
        for key, value in table.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _brief(value: Any) -> Any:
    """Provenance without bulky matrices (those are written explicitly anyway)."""
    if isinstance(value, dict):
        return {k: _brief(v) for k, v in value.items() if not k.endswith("_weights")}
    return value


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")  # pragma: no cover
