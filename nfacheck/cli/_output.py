"""Shared printing helpers for the subcommands: JSON on stdout, tables, progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["emit_json", "print_table", "add_json_flag", "progress"]


def add_json_flag(parser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="machine-readable JSON on stdout (nothing else)"
    )


def emit_json(obj: Any) -> None:
    """Print ``obj`` as JSON on stdout (the only thing printed there under ``--json``)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], file=None) -> None:
    """Print a plain aligned text table."""
    file = file or sys.stdout
    rows = [[str(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, r, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line.rstrip(), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=file)


def progress(iterable=None, *, total=None, desc: str = "", disable: bool = False):
    """A progress bar on stderr (tqdm), quiet when stderr is not a terminal and CI is set."""
    from tqdm import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        file=sys.stderr,
        disable=disable,
        mininterval=1.0,
        leave=False,
    )
