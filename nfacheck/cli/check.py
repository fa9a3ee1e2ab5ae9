"""`nfacheck check`: the main job (proofs, numeric confirmations, counterexamples, experiments)."""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from ._output import add_json_flag, emit_json, print_table

SECTIONS = ("proofs", "numeric", "counterexamples", "experiments")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "check",
        help="run every proof, numeric confirmation, certificate and experiment",
        description="Run everything nfacheck checks and print a summary table. "
        "Exit 0 only when every claim holds and every negative control is refuted.",
    )
    p.add_argument("--quick", action="store_true", help="smaller numeric and experiment runs")
    p.add_argument(
        "--only", action="append", choices=SECTIONS, metavar="SECTION",
        help=f"run only these sections ({', '.join(SECTIONS)}); repeatable",
    )
    p.add_argument("--report", metavar="DIR",
                   help="write a Markdown report with figures to DIR (built in a temporary "
                   "folder marked INCOMPLETE and moved into place when finished)")
    add_json_flag(p)
    p.set_defaults(func=run)


#: the summary table must fit this many columns (details are in --json and the report)
TABLE_WIDTH = 100


def _clip(text: str, width: int = 48) -> str:
    """Shorten a cell of the text table (``--json`` and the report keep the full text)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _say_if_unfinished(workdir: Path, report: str) -> None:
    if workdir.exists() and sys.exc_info()[0] is not None:
        sys.stderr.write(f"nfacheck: the unfinished report was kept in {workdir} (marked "
                         f"INCOMPLETE); {report} was not changed\n")


def run(args) -> int:
    from ..check import run_check
    from ..fmt import seconds

    def on_row(row) -> None:
        mark = "ok" if row.ok else "FAIL"
        sys.stderr.write(
            f"[{row.section}] {row.name}: {row.status} ({seconds(row.seconds)} s) {mark}\n"
        )

    with ExitStack() as stack:
        if args.report:  # refused before any check runs; written in place only when complete
            from ..io import check_output_path, staged_dir
            from ..report import write_report

            check_output_path(args.report, folder=True, option="--report")
            workdir = stack.enter_context(staged_dir(args.report, what="nfacheck check report"))
            stack.callback(_say_if_unfinished, workdir, args.report)
        else:
            workdir = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="nfacheck-check-")))
        report = run_check(
            quick=args.quick,
            workdir=workdir,
            sections=tuple(args.only) if args.only else None,
            on_row=on_row,
        )
        if args.report:
            write_report(report, workdir)
    if args.json:
        emit_json(
            {
                "ok": report.ok,
                "seconds": round(report.seconds, 2),
                "rows": [r.to_json() for r in report.rows],
            }
        )
    else:
        print_table(
            ["section", "claim", "status", "controls", "s", "ok"],
            [
                [r.section, _clip(r.name, 34), r.status, _clip(r.controls, 20),
                 seconds(r.seconds), "ok" if r.ok else "FAIL"]
                for r in report.rows
            ],
        )
        print("(methods and evidence: --json or --report DIR)")
        verdict = "ALL CLAIMS HOLD" if report.ok else "SOME CHECKS FAILED"
        nbad = sum(not r.ok for r in report.rows)
        print(f"\n{verdict}: {len(report.rows) - nbad}/{len(report.rows)} rows ok "
              f"in {seconds(report.seconds)} s")
    return 0 if report.ok else 1
