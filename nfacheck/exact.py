"""Exact numbers in and out: decimals and ``p/q`` strings to Fractions, TOML/JSON without float64.

Everything a user writes (problem files, certificates) passes through here, so that ``0.1`` means
1/10 exactly and nothing on the high-precision path is rounded to a binary double. The shared
entry points for any command that reads input:

- :func:`parse_exact` — the one number parser; it bounds digit counts and exponents
  (:data:`nfacheck.limits.MAX_DIGITS`, :data:`~nfacheck.limits.MAX_EXPONENT`) before converting,
  so ``1e-999999999`` or a 5000-digit integer is refused at once, never computed;
- :func:`load_toml`, :func:`load_json` — strict loaders: duplicate keys, over-long integers and
  nesting deeper than :data:`MAX_NESTING` are errors naming the file (exit 2), never tracebacks;
- :func:`reject_unknown` — refuse keys of a table/object that the reader does not know.
"""

from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import InputError
from .limits import MAX_DIGITS, MAX_EXPONENT

__all__ = [
    "parse_exact",
    "parse_matrix",
    "format_exact",
    "format_matrix",
    "load_toml",
    "load_json",
    "read_bytes",
    "reject_unknown",
    "MAX_NESTING",
]

#: deepest nesting of arrays/tables accepted in an input file
MAX_NESTING = 64

_RATIONAL = re.compile(r"^\s*([+-]?\d+)\s*/\s*([+-]?\d+)\s*$")
_DECIMAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def parse_exact(value: Any, field: str | None = None) -> Fraction:
    """Read one exact number.

    Parameters
    ----------
    value
        An ``int``, a ``Decimal`` (how TOML/JSON floats are read here), a ``Fraction``, or a
        string holding a decimal (``"0.1"``, ``"1e-3"``) or a ratio ``"p/q"``.
    field
        Field name used in the error message.

    Returns
    -------
    Fraction

    Raises
    ------
    InputError
        For booleans, binary floats, NaN/inf, zero denominators and anything else.

    Examples
    --------
    >>> parse_exact("1/10") == parse_exact(Decimal("0.1")) == Fraction(1, 10)
    True
    """
    if isinstance(value, bool):
        raise InputError("expected a number, not a boolean", field, value)
    if isinstance(value, int):
        _bound_int(value, field)
        return Fraction(value)
    if isinstance(value, Fraction):
        _bound_int(value.numerator, field)
        _bound_int(value.denominator, field)
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError("expected a finite number", field, value)
        _bound_decimal(value, field)
        return Fraction(value)
    if isinstance(value, float):
        raise InputError(
            "binary floats are not exact; write the number as a decimal or 'p/q' string",
            field,
            value,
        )
    if isinstance(value, str):
        if len(value) > 2 * MAX_DIGITS + 40:
            raise InputError(f"number too long: {len(value)} characters (at most {MAX_DIGITS} "
                             "digits per integer part)", field)
        m = _RATIONAL.match(value)
        if m:
            for part in m.groups():
                if len(part.lstrip("+-")) > MAX_DIGITS:
                    raise InputError(f"more than {MAX_DIGITS} digits", field, value)
            p, q = int(m.group(1)), int(m.group(2))
            if q == 0:
                raise InputError("zero denominator", field, value)
            return Fraction(p, q)
        if _DECIMAL.match(value):
            try:
                dec = Decimal(value.strip())
                _bound_decimal(dec, field, value)
                return Fraction(dec)
            except (InvalidOperation, ValueError) as exc:  # pragma: no cover - regex guards
                raise InputError("not a number", field, value) from exc
        low = value.strip().lower().lstrip("+-")
        if low in {"nan", "inf", "infinity"}:
            raise InputError("expected a finite number", field, value)
        raise InputError("not a number: write an integer, a decimal or 'p/q'", field, value)
    raise InputError(f"expected a number, got {type(value).__name__}", field, value)


def _bound_int(value: int, field: str | None) -> None:
    # bit_length is cheap; 3.33 bits per digit
    if value.bit_length() > MAX_DIGITS * 3.33:
        raise InputError(f"integer with more than {MAX_DIGITS} digits", field,
                         f"{value.bit_length()}-bit integer")


def _bound_decimal(value: Decimal, field: str | None, shown: object = None) -> None:
    sign, digits, exp = value.as_tuple()
    shown = value if shown is None else shown
    if len(digits) > MAX_DIGITS:
        raise InputError(f"more than {MAX_DIGITS} digits", field, f"{len(digits)} digits")
    if abs(value.adjusted()) > MAX_EXPONENT or abs(int(exp)) > MAX_EXPONENT + MAX_DIGITS:
        raise InputError(f"exponent out of range (|exponent| <= {MAX_EXPONENT})", field, shown)


def reject_unknown(obj: dict, known, path: str, error: type[InputError] = InputError) -> None:
    """Raise ``error`` naming the first key of ``obj`` not in ``known`` (and listing ``known``).

    ``path`` is the dotted path of ``obj`` (``""`` for the top level).
    """
    for key in obj:
        if key not in known:
            raise error("unknown field; known: " + ", ".join(known),
                        f"{path}.{key}" if path else str(key))


def parse_matrix(
    value: Any, field: str, shape: tuple[int | None, int | None] = (None, None)
) -> tuple[tuple[Fraction, ...], ...]:
    """Read a matrix given as a list of rows of exact numbers, checking its shape.

    ``shape`` entries that are ``None`` are free; rows must all have the same length.
    """
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list of rows", field, value)
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise InputError("expected a non-empty list of numbers", f"{field}[{i}]", row)
        rows.append(tuple(parse_exact(x, f"{field}[{i}][{j}]") for j, x in enumerate(row)))
    ncols = {len(r) for r in rows}
    if len(ncols) != 1:
        raise InputError(
            "rows have different lengths", field, sorted(ncols), show_received=True
        )
    nr, nc = len(rows), len(rows[0])
    want_r, want_c = shape
    if (want_r is not None and nr != want_r) or (want_c is not None and nc != want_c):
        w = f"{want_r if want_r is not None else '*'}x{want_c if want_c is not None else '*'}"
        raise InputError(f"wrong shape: expected {w}, got {nr}x{nc}", field)
    return tuple(rows)


def format_exact(q: Fraction | int) -> str:
    """``Fraction(1, 10)`` -> ``"1/10"``; integers without a denominator."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def format_matrix(m) -> list[list[str]]:
    """A matrix of exact numbers as nested lists of ``p/q`` strings (JSON/TOML friendly)."""
    return [[format_exact(x) for x in row] for row in m]


def read_bytes(path: str | Path, error: type[InputError] = InputError) -> bytes:
    """Read a file, turning a missing, unreadable, special (device, FIFO, socket: /dev/zero would
    never end, a FIFO would block) or oversized (> ``MAX_INPUT_BYTES``) file into ``error``."""
    import os
    import stat

    from .limits import MAX_INPUT_BYTES

    p = Path(path)
    try:
        st = os.stat(p)
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            raise error("not a regular file (a device, FIFO or socket?); give a file",
                        source=str(path))
        if st.st_size > MAX_INPUT_BYTES:
            raise error(f"file too large: {st.st_size} bytes, at most {MAX_INPUT_BYTES} for a "
                        "problem, certificate or grid file", source=str(path))
        with open(p, "rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:  # a file that grew, or a /proc file of size 0
            raise error(f"file too large: more than {MAX_INPUT_BYTES} bytes", source=str(path))
        return data
    except FileNotFoundError:
        raise error("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise error("is a directory, expected a file", source=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", source=str(path)) from None


def load_toml(path: str | Path, error: type[InputError] = InputError) -> tuple[dict, bytes]:
    """Parse a TOML file with floats as ``Decimal``; returns the table and the raw bytes.

    Malformed TOML raises ``error`` carrying the parser's line and column.
    """
    raw = read_bytes(path, error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", source=str(path)) from None
    _check_nesting(text, path, error)
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as exc:
        if not isinstance(exc, tomllib.TOMLDecodeError):  # int() over the digit limit
            raise error(f"malformed TOML: {_short(exc)}", source=str(path)) from None
        msg = str(exc)
        if msg.endswith("(at end of document)"):  # say where the end of the document is
            lines = text.split("\n")
            msg = msg[: -len("(at end of document)")] + (
                f"(at end of document, line {len(lines)}, column {len(lines[-1]) + 1})"
            )
        elif msg.startswith(("Cannot overwrite a value", "Cannot declare")):
            msg = _name_duplicate(msg, text)
        raise error(f"malformed TOML: {msg}", source=str(path)) from None
    return data, raw


def _name_duplicate(msg: str, text: str) -> str:
    """tomllib's duplicate-key message with the key or table named (it gives only a place)."""
    m = re.search(r"at line (\d+), column \d+", msg)
    if not m:
        return msg
    line = text.split("\n")[int(m.group(1)) - 1].split("#")[0].strip()
    key = line.strip("[] ") if line.startswith("[") else line.split("=")[0].strip()
    return f"duplicate key {key!r}: a key or table may be given once ({m.group(0)})"


def _short(exc: BaseException) -> str:
    text = str(exc).split(";")[0]
    return text if len(text) < 120 else text[:117] + "..."


def _check_nesting(text: str, path, error) -> None:
    """Refuse brackets nested deeper than MAX_NESTING (a cheap scan; strings may over-count,
    which only matters for files that are hostile anyway)."""
    depth = top = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > top:
                top = depth
                if top > MAX_NESTING:
                    raise error(f"nested deeper than {MAX_NESTING} levels", source=str(path))
        elif ch in "]}":
            depth -= 1


def load_json(path: str | Path, error: type[InputError] = InputError) -> tuple[Any, bytes]:
    """Parse a JSON file with non-integers as ``Decimal`` (never float); returns data and bytes."""
    raw = read_bytes(path, error)

    def _reject_constant(name: str):
        raise error(f"{name} is not a number nfacheck accepts", source=str(path))

    def _int(text: str) -> int:
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise error(f"integer with more than {MAX_DIGITS} digits", source=str(path))
        return int(text)

    def _float(text: str) -> Decimal:
        if len(text) > 2 * MAX_DIGITS:
            raise error(f"number with more than {MAX_DIGITS} digits", source=str(path))
        return Decimal(text)

    def _pairs(pairs: list) -> dict:
        out: dict = {}
        for key, value in pairs:
            if key in out:
                raise error(f"duplicate key {key!r} (the first and the last would disagree)",
                            source=str(path))
            out[key] = value
        return out

    try:
        _check_nesting(raw.decode("utf-8"), path, error)
        data = json.loads(raw, parse_float=_float, parse_int=_int,
                          parse_constant=_reject_constant, object_pairs_hook=_pairs)
    except RecursionError:  # pragma: no cover - _check_nesting refuses these first
        raise error(f"nested deeper than {MAX_NESTING} levels", source=str(path)) from None
    except json.JSONDecodeError as exc:
        raise error(
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            source=str(path),
        ) from None
    except UnicodeDecodeError:
        raise error("not UTF-8 text", source=str(path)) from None
    return data, raw
