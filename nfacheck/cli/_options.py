"""Typed command-line options with the same bounds as the files (``type=`` for argparse).

Every numeric option goes through one of these, so ``--dps 100000``, ``--seed -1`` or
``--budget -1`` is a one-line usage error (exit 2) naming the option, before any work.
New subcommands should use them too: :func:`dps`, :func:`count`, :func:`seed`,
:func:`seconds`, :func:`work`, :func:`digits`, :func:`real`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ..errors import InputError
from ..limits import DPS_MAX, check_dps

__all__ = ["dps", "count", "seed", "seconds", "work", "digits", "real", "MAX_SEED"]

MAX_SEED = 2**63 - 1
_MAX_INT_TEXT = 30  # digits: anything longer is refused before int() sees it


def _int(text: str) -> int:
    text = text.strip()
    if len(text.lstrip("+-")) > _MAX_INT_TEXT:
        raise argparse.ArgumentTypeError(f"integer too long ({len(text)} characters)")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def dps(lo: int) -> Callable[[str], int]:
    """``--dps``: an integer ``lo..DPS_MAX`` (the cap of problem files)."""

    def parse(text: str) -> int:
        try:
            return check_dps(_int(text), "--dps", lo, DPS_MAX)
        except InputError as exc:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {DPS_MAX} decimal "
                                             f"digits (received {text})") from exc

    parse.__name__ = "dps"
    return parse


def count(lo: int = 1, hi: int = 10**9, what: str = "count") -> Callable[[str], int]:
    """A count ``lo..hi`` (``--candidates``, ``--workers``)."""

    def parse(text: str) -> int:
        n = _int(text)
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi} (received {n})")
        return n

    parse.__name__ = what
    return parse


def seed(text: str) -> int:
    """A seed ``0..2**63-1``."""
    n = _int(text)
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1 (received {n})")
    return n


def _float(text: str, expected: str) -> float:
    """``float(text)`` for an option (NaN and inf come back as they are; callers decide)."""
    if len(text.strip()) > 100:
        raise argparse.ArgumentTypeError(f"number too long ({len(text)} characters)")
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    x = _float(text, "a number of seconds")
    if not math.isfinite(x) or x <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds (received "
                                         f"{text})")
    return x


def work(text: str) -> float:
    """``--max-work``: a positive operation count such as ``1e12``."""
    x = _float(text, "a number such as 1e12")
    if not math.isfinite(x) or x < 1:
        raise argparse.ArgumentTypeError(f"must be a number >= 1 (received {text})")
    return x


def digits(text: str) -> int:
    """``--digits``: significant digits of human output, ``DIGITS_MIN..DIGITS_MAX`` (3..100)."""
    from ..fmt import DIGITS_MAX, DIGITS_MIN

    n = _int(text)
    if not DIGITS_MIN <= n <= DIGITS_MAX:
        raise argparse.ArgumentTypeError(f"must be between {DIGITS_MIN} and {DIGITS_MAX} "
                                         f"significant digits (received {n})")
    return n


def real(*, positive: bool = False, what: str = "number") -> Callable[[str], float]:
    """A finite float64 (``--slope``, ``inspect --weight-decay``): NaN, inf and values
    beyond the float64 range are refused; ``positive`` asks for > 0."""

    def parse(text: str) -> float:
        x = _float(text, "a number")
        if not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"must be a finite float64 number (received {text})")
        if positive and x <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0 (received {text})")
        return x

    parse.__name__ = what
    return parse
