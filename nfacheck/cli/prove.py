"""`nfacheck prove`: run the symbolic proofs and their negative controls."""

from __future__ import annotations

import sys

from ._output import add_json_flag, emit_json, print_table


def add_parser(sub) -> None:
    p = sub.add_parser(
        "prove",
        help="run the symbolic proofs (all theorems, or the given ids) and their controls",
        description="Run each theorem's checked proof and its negative controls. Exit 0 only "
        "when every requested theorem is proved and every control refuted.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="theorem ids (default: all)")
    p.add_argument("--write-docs", metavar="DIR",
                   help="write one derivation page per theorem, DIR/<id>.md")
    p.add_argument("--write-latex", metavar="DIR",
                   help="write DIR/derivations.tex, one section per theorem (a LaTeX appendix)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..fmt import seconds
    from ..theorems import all_theorems, get_theorem, run_theorem

    theorems = [get_theorem(i) for i in args.ids] if args.ids else all_theorems()
    from pathlib import Path

    from ..io import check_output_path

    if args.write_docs:  # refused before any proof runs
        check_output_path(args.write_docs, folder=True, option="--write-docs")
    if args.write_latex:  # DIR/derivations.tex, likewise
        check_output_path(args.write_latex, folder=True, option="--write-latex")
        check_output_path(Path(args.write_latex) / "derivations.tex", option="--write-latex")
    results = []
    for th in theorems:
        r = run_theorem(th)
        results.append(r)
        mark = "ok" if r.ok else "FAIL"
        sys.stderr.write(f"[prove] {th.id}: {r.status} ({seconds(r.seconds)} s) {mark}\n")
    if args.write_docs:
        from ..theorems.docs import write_pages

        for path in write_pages(results, args.write_docs, index=not args.ids):
            sys.stderr.write(f"[prove] wrote {path}\n")
    if args.write_latex:
        from ..theorems.latex import write_latex

        sys.stderr.write(f"[prove] wrote {write_latex(results, args.write_latex)}\n")
    ok = all(r.ok for r in results)
    if args.json:
        emit_json({"ok": ok, "theorems": [r.to_json() for r in results]})
    else:
        print_table(
            ["theorem", "status", "method", "controls", "seconds"],
            [[r.theorem.id, r.status, r.theorem.method,
              f"{sum(c.ok for c in r.controls)}/{len(r.controls)} refuted", seconds(r.seconds)]
             for r in results],
        )
        for r in results:
            for s in r.steps:
                if not s.ok:
                    print(f"  {r.theorem.id}: step '{s.description}' {s.outcome}: {s.evidence}")
            for c in r.controls:
                if not c.ok:
                    print(f"  {r.theorem.id}: control '{c.claim}' {c.status}: {c.evidence}")
        total = sum(r.seconds for r in results)
        verdict = "ALL PROVED" if ok else "NOT ALL PROVED"
        print(f"\n{verdict}: {sum(r.ok for r in results)}/{len(results)} theorems proved with "
              f"every control refuted, in {seconds(total)} s")
    return 0 if ok else 1
