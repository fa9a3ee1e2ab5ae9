"""`nfacheck flow PROBLEM`: integrate a problem's gradient flow and print the weights over time."""

from __future__ import annotations

from . import _options
from ._output import add_json_flag


def add_parser(sub) -> None:
    p = sub.add_parser(
        "flow",
        help="integrate the gradient flow of a problem file at high precision",
        description="Integrate dW/dt = -dL/dW of PROBLEM (TOML) by the adaptive Taylor method "
        "and print the weights and the loss at the output times.",
    )
    p.add_argument("problem", metavar="PROBLEM", help="problem file (TOML)")
    add_json_flag(p)
    p.add_argument("--dps", type=_options.dps(10), default=None,
                   help="decimal digits, 10..1000 (default: the file's)")
    p.add_argument(
        "--method",
        default="taylor",
        choices=["taylor", "gbs"],
        help="taylor (adaptive Taylor series, default) or gbs (Gragg-Bulirsch-Stoer, cross-check)",
    )
    p.add_argument(
        "--backend",
        default=None,
        choices=["python", "numpy", "flint"],
        help="arithmetic backend: python (default, pure Python integers), numpy (the same "
        "numbers on limb arrays with exact BLAS products; fastest on wide nets) or flint "
        "(needs pip install -e .[fast]); $NFACHECK_BACKEND sets the default",
    )
    p.add_argument(
        "--workers",
        type=_options.count(1, 1024, "workers"),
        default=1,
        metavar="N",
        help="split the samples across N processes for the Taylor method (default 1: serial; "
        "relu/leaky_relu and gbs run serially)",
    )
    p.set_defaults(func=run)


def _digits(x, dps: int) -> str:
    import mpmath

    return mpmath.nstr(x, dps, min_fixed=-4, max_fixed=6, strip_zeros=False) if x else "0"


def run(args) -> int:

    from .. import __version__
    from ..errors import IntegrationError
    from ..numeric.integrate import integrate
    from ..problem import load_problem
    from ._output import emit_json, print_table, progress

    problem = load_problem(args.problem)
    dps = args.dps if args.dps is not None else problem.dps
    from ..numeric.integrate import check_flow_size

    check_flow_size(problem, dps, args.method)  # refuse what would not fit, before any output
    t_end = float(problem.times[-1]) if problem.times else 0.0
    from ..fmt import exact

    shown = exact(problem.times[-1]) if problem.times else "0"
    bar = progress(total=t_end, desc=f"flow {args.problem} to t = {shown}", unit="time")

    def report(t, end):
        bar.set(float(t))  # display only: the flow itself never sees a float

    with bar:
        traj = integrate(
            problem,
            dps=dps,
            method=args.method,
            backend=args.backend,
            progress=report,
            workers=args.workers,
        )
    states = []
    for t, ws, loss in zip(traj.times, traj.weights, traj.losses, strict=True):
        states.append(
            {
                "t": _digits(t, dps),
                "weights": [
                    [[_digits(w[i, j], dps) for j in range(w.cols)] for i in range(w.rows)]
                    for w in ws
                ],
                "loss": _digits(loss, dps),
            }
        )
    provenance = {
        "dps": dps,
        "method": traj.method,
        "order": traj.order if traj.method == "taylor" else None,
        "steps": traj.steps,
        "nfev": traj.nfev,
        "status": traj.status,
        "message": traj.message,
        "version": __version__,
        "backend": traj.backend,
        "workers": traj.workers,
        "rescaled": traj.rescaled,
        "sha256": problem.sha256,
        "source": problem.source,
        "seconds": round(traj.seconds, 3),
        "events": [
            {
                "t": _digits(e.t, dps),
                "layer": e.layer,
                "unit": e.unit,
                "sample": e.sample,
                "direction": e.direction,
            }
            for e in traj.events
        ],
    }
    if args.json:
        emit_json({"states": states, "provenance": provenance})
    else:
        from ..fmt import exact, num, seconds

        print_table(["t", "loss"], [[exact(t), num(loss)]
                                    for t, loss in zip(traj.times_exact, traj.losses, strict=True)])
        for t, ws in zip(traj.times_exact, traj.weights, strict=True):
            print(f"\nt = {exact(t)}")
            for l, w in enumerate(ws, start=1):
                print(f"  W_{l} =")
                cells = [[num(w[i, j]) for j in range(w.cols)] for i in range(w.rows)]
                width = max(len(c) for row in cells for c in row)
                for row in cells:
                    print("    " + "  ".join(c.rjust(width) for c in row))
        print(
            f"\n{traj.status}: {traj.method}, {traj.steps} steps"
            + (f", order {traj.order}" if traj.method == "taylor" else "")
            + f", dps {dps}, "
            f"backend {traj.backend}, {len(traj.events)} events, {seconds(traj.seconds)} s"
        )
    if traj.status != "success":
        raise IntegrationError(f"{args.problem}: integration failed: {traj.message}")
    return 0
