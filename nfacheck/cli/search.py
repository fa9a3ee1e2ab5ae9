"""`nfacheck search`: find a network that fits its data while the NFA fails, and certify it."""

from __future__ import annotations

import sys

from . import _options, search_wd
from ._output import add_json_flag, emit_json, print_table, progress


def add_parser(sub) -> None:
    p = sub.add_parser(
        "search",
        help="search for a nonlinear NFA counterexample and write its certificate",
        description="Draw seeded candidate networks, keep the one whose commutator lower bound "
        "on the NFA defect (for every c and alpha) is largest, make the data its own outputs, "
        "and print the eps-family table (loss falling over many orders, defect bound staying). "
        "Check the written certificate with 'nfacheck certify FILE'.",
    )
    p.add_argument("--activation", required=True,
                   choices=("relu", "leaky_relu", "tanh", "sigmoid", "softplus", "linear"))
    p.add_argument("--seed", type=_options.seed, default=0,
                   help="seed of the candidate draws, 0..2**63-1 (default 0)")
    p.add_argument("--candidates", type=_options.count(1, 10**7, "candidates"), default=None,
                   metavar="N", help="how many candidates to draw, 1..10^7 (default 2000)")
    p.add_argument("--mechanism", default=None,
                   help="restrict to one mechanism (dead_units, idle_units, data_kernel, "
                   "cancelling_pairs, saturated_units; relu also trained_dead_units: a network "
                   "reached by gradient descent)")
    p.add_argument("--out", metavar="FILE", help="write the certificate (JSON) to FILE")
    p.add_argument("--dps", type=_options.dps(15), default=30,
                   help="digits of targets and claims, 15..1000 (default 30)")
    p.add_argument("--budget", type=_options.seconds, default=120.0, metavar="SECONDS",
                   help="wall-time limit of the drawing phase, > 0 (default 120)")
    add_json_flag(p)
    search_wd.add_arguments(p)
    p.set_defaults(func=run)


def _table_rows(result, digits: int | None = None):
    """The eps-family rows: eps exact; loss and defect bound with ``digits`` (JSON: all of them)
    or in the human style of :func:`nfacheck.fmt.num` (``digits=None``)."""
    from mpmath import mp

    from ..fmt import exact, num

    with mp.workdps(max(30, digits or 0)):
        show = num if digits is None else (lambda x: mp.nstr(x, digits))
        return [[exact(e), show(loss), show(d)] for e, loss, d in result.table]


def run(args) -> int:
    from ..search.certificate import write_certificate
    from ..search.search import DEFAULT_CANDIDATES, search

    if args.weight_decay is not None:
        if args.json:
            from ..errors import UsageError

            raise UsageError("--json: not available with --weight-decay")
        return search_wd.run(args)
    search_wd.refuse_without_weight_decay(args)
    if args.out:
        from ..io import check_output_path

        check_output_path(args.out, option="--out")
    total = args.candidates if args.candidates is not None else DEFAULT_CANDIDATES
    bar = progress(total=total, desc=f"search {args.activation}", unit="candidates")

    def tick(k: int) -> None:
        bar.set(k)

    try:
        result = search(
            args.activation, seed=args.seed, candidates=total, budget=args.budget,
            dps=args.dps, mechanism=args.mechanism, progress=tick,
        )
    finally:
        bar.close()
    replay = result.replay + (f" --out {args.out}" if args.out else "")
    result.certificate["replay"] = replay
    result.certificate["provenance"]["command"] = replay
    if args.out:
        write_certificate(args.out, result.certificate)
    cert = result.certificate
    if args.json:
        emit_json({
            "activation": args.activation,
            "seed": args.seed,
            "mechanism": cert["mechanism"],
            "widths": cert["network"]["widths"],
            "candidates": result.evaluated,
            "screened": result.screened,
            "budget_hit": result.budget_hit,
            "table": [dict(zip(("eps", "loss", "defect_bound"), r, strict=True))
                      for r in _table_rows(result, args.dps)],
            "training_table": [
                {"iteration": it, "loss": str(loss), "defect_bound": str(d)}
                for it, loss, d in result.extra.get("training_table", [])
            ],
            "loss_orders": round(result.orders, 2),
            "claims": cert["claims"],
            "out": args.out,
            "replay": replay,
            "certificate": cert,
        })
        return 0
    from ..fmt import num, seconds

    mech = cert["mechanism"]
    print(f"search {args.activation} (seed {args.seed}): {result.evaluated} candidates drawn, "
          f"{result.screened} passed the filters, {seconds(result.seconds)} s"
          + (" (stopped by --budget)" if result.budget_hit else ""))
    print(f"found: widths {cert['network']['widths']}, mechanism {mech['name']} "
          f"{mech['units']}, weight decay 0, {mech['targets']}")
    print(f"family: {cert['family']['description']}")
    print_table(["eps", "loss (data term)", "defect bound"], _table_rows(result))
    delta = min(r[2] for r in result.table)
    print(f"loss falls over {num(result.orders)} orders of magnitude (eps > 0) while the "
          f"commutator bound on the NFA defect stays >= {num(delta)} for every c, alpha")
    if "training" in cert:
        tr = cert["training"]
        print(f"reached by training: gradient descent, step {tr['step_size']}, weight decay 0, "
              f"from the init in the certificate; units {tr['frozen_units']} stay dead and "
              "never move")
        print_table(["iteration", "loss (data term)", "defect bound"],
                    [[str(it), num(loss), num(d)]
                     for it, loss, d in result.extra["training_table"]])
    print(f"claims: loss <= {cert['claims']['loss_at_most']}, "
          f"defect >= {cert['claims']['defect_at_least']}")
    if args.out:
        print(f"wrote {args.out}; check it with: nfacheck certify {args.out}")
    print(f"replay: {replay}")
    sys.stdout.flush()
    return 0
