"""Resource limits of every input: number sizes, one precision cap, work and memory estimates.

Every command reads numbers through :func:`nfacheck.exact.parse_exact` (files) or the option
parsers of :mod:`nfacheck.cli._options` (command line); both apply the bounds here, so a huge
exponent or digit count is refused in one place. The shared functions for new code:

- :func:`check_dps` — the one precision cap (``DPS_MIN``..``DPS_MAX``) for files and ``--dps``;
- :func:`check_work` — refuse a run whose estimated operation count exceeds the work limit
  (``--max-work`` on the command line raises it; the message states the estimate);
- :func:`check_memory` — refuse what would not fit in this machine's available memory;
- :data:`MAX_DIGITS`, :data:`MAX_EXPONENT` — bounds applied by ``parse_exact``;
- :data:`MAX_INPUT_BYTES` — the size of a problem, certificate or grid file
  (:func:`nfacheck.exact.read_bytes`).

Estimates are made before any work starts, from the sizes alone; they are deliberately rough
(order of magnitude) and err on the side of starting.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import InputError

__all__ = [
    "DPS_MIN",
    "DPS_MAX",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "DEFAULT_MAX_WORK",
    "MAX_INPUT_BYTES",
    "check_dps",
    "check_work",
    "check_memory",
    "max_work",
    "work_limit",
    "exact_op_cost",
    "available_memory",
]

DPS_MIN, DPS_MAX = 10, 1000
#: digits of an integer, a numerator, a denominator or a decimal mantissa
MAX_DIGITS = 2000
#: largest |decimal exponent| of a number (1e2000 is accepted, 1e2001 is not)
MAX_EXPONENT = 2000
#: operations a run may be estimated to need before it is refused (30-60 min on one core)
DEFAULT_MAX_WORK = 2 * 10**10
#: bytes of a problem, certificate or grid file (text; the largest shipped one is ~10 kB)
MAX_INPUT_BYTES = 64 << 20

_MAX_WORK: contextvars.ContextVar[float] = contextvars.ContextVar(
    "nfacheck_max_work", default=float(DEFAULT_MAX_WORK)
)


def max_work() -> float:
    """The current work limit (operations); see :func:`work_limit`."""
    return _MAX_WORK.get()


@contextmanager
def work_limit(limit: float) -> Iterator[None]:
    """Run a block with another work limit (the CLI's ``--max-work``)."""
    token = _MAX_WORK.set(float(limit))
    try:
        yield
    finally:
        _MAX_WORK.reset(token)


def check_dps(value: object, field: str, lo: int = DPS_MIN, hi: int = DPS_MAX) -> int:
    """Validate a precision in decimal digits, the same cap for files and ``--dps``.

    Parameters
    ----------
    value
        The requested ``dps`` (an ``int``; booleans and other types are refused).
    field
        Where it came from (``precision.dps``, ``--dps``).
    lo, hi
        Bounds; ``hi`` never exceeds :data:`DPS_MAX`.

    Returns
    -------
    int

    Raises
    ------
    InputError
        Not an integer, or outside ``lo..hi``.
    """
    hi = min(hi, DPS_MAX)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("expected an integer number of decimal digits", field, value)
    if not lo <= value <= hi:
        raise InputError(f"must be between {lo} and {hi}", field, value)
    return value


def exact_op_cost(digits: int) -> float:
    """Relative cost of one operation on ``digits``-digit numbers (1 up to 30 digits).

    Measured on the Taylor integrator (python backend) and the float64 grids: one unit is
    roughly 40-200 ns on one core.
    """
    return max(1.0, digits / 30) ** 1.2


def check_work(ops: float, what: str, field: str | None = None) -> None:
    """Refuse a run estimated to need more than :func:`max_work` operations.

    Parameters
    ----------
    ops
        Estimated operations (weighted by :func:`exact_op_cost` for multi-digit arithmetic).
    what
        What would be run, e.g. ``"certify: 5 networks [1000, 1000, 1] on 8 samples"``.
    field
        The input that makes it large (named in the message).

    Raises
    ------
    InputError
        With the estimate and the ``--max-work`` value that would let it start.
    """
    limit = max_work()
    if ops > limit:
        need = 10 ** math.ceil(math.log10(ops))
        raise InputError(
            f"{what} needs about {ops:.1e} operations (estimated before starting), over the "
            f"limit {limit:.0e}; raise it with --max-work {need:.0e} or make the input smaller",
            field,
        )


def available_memory() -> int:
    """Bytes of memory available (``MemAvailable`` of /proc/meminfo; 8 GiB if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 8 << 30


def check_memory(nbytes: float, what: str, field: str | None = None) -> None:
    """Refuse what would need more memory than this machine has available.

    Raises
    ------
    InputError
        Stating the estimate and what is available.
    """
    have = available_memory()
    if nbytes > have:
        raise InputError(
            f"{what} needs about {nbytes / 2**30:.1f} GiB of memory, more than the "
            f"{have / 2**30:.1f} GiB available on this machine; make the input smaller",
            field,
        )
