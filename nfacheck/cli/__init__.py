"""The ``nfacheck`` command: argument parsing, printing and exit codes (and nothing else).

Each subcommand lives in ``nfacheck/cli/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``; modules import their heavy dependencies inside ``run`` so start-up stays fast.
Exit status: 0 holds/ok, 1 a check failed or a claim was refuted, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from importlib import import_module

from .. import __version__
from ..errors import NfacheckError

__all__ = ["main", "COMMANDS"]

COMMANDS = ("check", "prove", "flow", "verify", "limit", "search", "certify", "experiments",
            "inspect")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        sys.stderr.write(f"nfacheck: error: {message} (try '{self.prog} --help')\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nfacheck",
        description="Check claims about the Neural Feature Ansatz: symbolic proofs, "
        "high-precision gradient flows, counterexample certificates and experiments.",
    )
    parser.add_argument("--version", action="version", version=f"nfacheck {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error"
    )
    from ..limits import DEFAULT_MAX_WORK
    from ._options import digits as _options_digits
    from ._options import work

    parser.add_argument(
        "--max-work", metavar="OPS", type=work, default=float(DEFAULT_MAX_WORK),
        help="refuse runs estimated (before starting) to need more arithmetic operations "
        f"than this (default {DEFAULT_MAX_WORK:.0e}, roughly 30-60 minutes on one core)",
    )
    from ..fmt import DEFAULT_DIGITS

    parser.add_argument(
        "--digits", metavar="N", type=_options_digits, default=DEFAULT_DIGITS,
        help="significant digits of measured numbers in text output and reports, 3..100 "
        f"(default {DEFAULT_DIGITS}); exact inputs print as given, --json is always exact",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (also used by the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..fmt import significant_digits
    from ..limits import work_limit

    try:
        with work_limit(args.max_work), significant_digits(args.digits):
            status = int(args.func(args))
    except NfacheckError as exc:
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(f"nfacheck: error: {exc}\n")
        status = exc.exit_status
    except KeyboardInterrupt:
        sys.stderr.write("nfacheck: interrupted (finished output files were kept)\n")
        status = 130
    except BrokenPipeError:
        status = 1
    except (MemoryError, RecursionError) as exc:  # an input too large for this machine
        if args.debug:
            traceback.print_exc()
        what = "memory" if isinstance(exc, MemoryError) else "recursion depth"
        sys.stderr.write(f"nfacheck: error: the input needs more {what} than this machine "
                         "allows; make it smaller\n")
        status = 2
    except Exception as exc:  # a bug: say so in one line, show the traceback with --debug
        if args.debug:
            traceback.print_exc()
        hint = "" if args.debug else " (rerun with --debug)"
        text = " ".join(str(exc).split())
        text = text if len(text) <= 200 else text[:197] + "..."
        sys.stderr.write(f"nfacheck: internal error: {type(exc).__name__}: {text}{hint}\n")
        status = 1
    return status


def entry() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())
