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
#: seconds of silence before the first progress line or bar: a short run prints nothing
PROGRESS_QUIET = 2.0


class Progress:
    """Progress on stderr: a tqdm bar on a terminal, else periodic one-line reports.

    Nothing is shown for the first ``PROGRESS_QUIET`` s, so a quick run (or one that stops at
    once on bad input) prints no progress at all. After that, when stderr is not a terminal, a
    ``started`` line and then one line every ``PROGRESS_EVERY`` s come from a background
    heartbeat, so a long single step still shows signs of life (elapsed time, the step under
    way); a new step named by :meth:`set` is reported at once. ``done`` items finished before
    this run (a resumed grid) are shown but not counted in the rate, so the ETA covers only the
    work still to do. Use :meth:`update` (``+k``) or :meth:`set` (absolute position); ``unit``
    names what is counted; :meth:`close` (or ``with``) ends it.
    """

    def __init__(self, total: float, desc: str, *, done: float = 0, unit: str = "",
                 disable: bool = False) -> None:
        import os
        import threading
        import time

        self.total, self.desc, self.unit, self.done = float(total), desc, unit, float(done)
        self.n = float(done)
        self.doing = ""
        self._clock = time.monotonic
        self._t0 = self._clock()
        self._bar = None
        self._off = disable
        self._started = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._every = float(os.environ.get("NFACHECK_PROGRESS_EVERY", PROGRESS_EVERY))
        self._wait = min(PROGRESS_QUIET, self._every)  # read here: tests may set it to 0
        if disable:
            return
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=desc, file=sys.stderr,
                             mininterval=0.5, leave=False, unit=unit or "it",
                             delay=PROGRESS_QUIET)
        else:
            if self._wait <= 0:
                self.heartbeat()
            threading.Thread(target=self._heartbeat_loop, daemon=True,
                             name="nfacheck-progress").start()

    @staticmethod
    def _fmt(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else f"{x:.4g}"

    def _write(self, text: str) -> None:
        with self._lock:
            if not self._stop.is_set():
                sys.stderr.write(f"nfacheck: {self.desc}: {text}\n")
                sys.stderr.flush()

    def heartbeat(self) -> None:
        """Report now (the background thread calls this; the first call adds ``started``)."""
        if not self._started:
            self._started = True
            extra = f", {self._fmt(self.done)} already done" if self.done else ""
            self._write(f"started ({self._fmt(self.total)} {self.unit}".rstrip() + f"{extra})")
        self._write(self.line())

    def _heartbeat_loop(self) -> None:
        if self._stop.wait(self._wait):
            return
        if not self._started:
            self.heartbeat()
        while not self._stop.wait(self._every):
            self.heartbeat()

    def update(self, k: float = 1) -> None:
        self.set(self.n + k, self.doing)

    def set(self, n: float, doing: str = "") -> None:
        """Move to position ``n`` (display only); ``doing`` names the step now under way."""
        self.n = float(n)
        if self._off:
            return
        changed, self.doing = doing != self.doing, doing
        if self._bar is not None:
            self._bar.n = n
            if changed:
                self._bar.set_postfix_str(doing, refresh=False)
            self._bar.refresh()
        elif changed and doing and self._started:
            self._write(self.line())

    def line(self) -> str:
        """``37% (37/100 runs), 12 s elapsed, about 20 s left; now <step>``."""
        elapsed = self._clock() - self._t0
        frac = self.n / self.total if self.total else 1.0
        text = (f"{100 * frac:.0f}% ({self._fmt(self.n)}/{self._fmt(self.total)}"
                f"{' ' + self.unit if self.unit else ''}), {elapsed:.0f} s elapsed")
        new = self.n - self.done
        if 0 < new and self.n < self.total:
            text += f", about {elapsed * (self.total - self.n) / new:.0f} s left"
        return text + (f"; now {self.doing}" if self.doing else "")

    def close(self) -> None:
        self._stop.set()
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
