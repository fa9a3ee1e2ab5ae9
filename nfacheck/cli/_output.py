"""Shared printing helpers for the subcommands: JSON on stdout, tables, progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["emit_json", "print_table", "add_json_flag", "progress", "Progress"]


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


#: seconds between progress lines when stderr is not a terminal ($NFACHECK_PROGRESS_EVERY)
PROGRESS_EVERY = 10.0


class Progress:
    """Progress on stderr: a tqdm bar on a terminal, else one line every ``PROGRESS_EVERY`` s.

    ``done`` items already finished before this run (a resumed grid) are shown but not counted
    in the rate, so the ETA covers only the work still to do. A first line is printed at once,
    so a long first step never looks like a hang. Use :meth:`update` (``+k``) or :meth:`set`
    (absolute position); ``unit`` names what is counted.
    """

    def __init__(self, total: float, desc: str, *, done: float = 0, unit: str = "",
                 disable: bool = False) -> None:
        import os
        import time

        self.total, self.desc, self.unit, self.done = float(total), desc, unit, float(done)
        self.n = float(done)
        self._t0 = time.monotonic()
        self._last = self._t0
        self._clock = time.monotonic
        self._bar = None
        self._quiet = disable
        self._every = float(os.environ.get("NFACHECK_PROGRESS_EVERY", PROGRESS_EVERY))
        if disable:
            return
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=desc, file=sys.stderr,
                             mininterval=0.5, leave=False, unit=unit or "it")
        else:
            extra = f", {int(done)} already done" if done else ""
            sys.stderr.write(f"nfacheck: {desc}: started ({self._fmt(total)} {unit}".rstrip()
                             + f"{extra})\n")
            sys.stderr.flush()

    @staticmethod
    def _fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:.4g}"

    def update(self, k: float = 1) -> None:
        self.set(self.n + k)

    def set(self, n: float) -> None:
        """Move to position ``n`` (display only)."""
        self.n = float(n)
        if self._quiet:
            return
        if self._bar is not None:
            self._bar.n = n
            self._bar.refresh()
            return
        now = self._clock()
        if now - self._last >= self._every:
            self._last = now
            sys.stderr.write(f"nfacheck: {self.desc}: {self.line()}\n")
            sys.stderr.flush()

    def line(self) -> str:
        """``37% (37/100 runs), 12 s elapsed, about 20 s left``."""
        elapsed = self._clock() - self._t0
        frac = self.n / self.total if self.total else 1.0
        text = (f"{100 * frac:.0f}% ({self._fmt(self.n)}/{self._fmt(self.total)}"
                f"{' ' + self.unit if self.unit else ''}), {elapsed:.0f} s elapsed")
        new = self.n - self.done
        if 0 < new and self.n < self.total:
            text += f", about {elapsed * (self.total - self.n) / new:.0f} s left"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(iterable=None, *, total=None, desc: str = "", disable: bool = False,
             done: float = 0, unit: str = "") -> Progress:
    """A :class:`Progress` of ``total`` items (``iterable`` is not supported any more)."""
    if iterable is not None:  # pragma: no cover - guard for old call sites
        raise TypeError("progress() takes total=, not an iterable")
    return Progress(total if total is not None else 0, desc, done=done, unit=unit,
                    disable=disable)
