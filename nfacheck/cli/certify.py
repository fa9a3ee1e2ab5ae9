"""`nfacheck certify` (placeholder until its issue lands)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("certify", help="(not yet available)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import UsageError

    raise UsageError("'nfacheck certify' is not available yet")
