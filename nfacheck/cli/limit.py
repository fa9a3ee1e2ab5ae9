"""`nfacheck limit`: where the gradient flow of a problem ends, its spectrum and a certificate."""

from __future__ import annotations

import sys

from . import _options
from ._output import add_json_flag, emit_json, print_table


def add_parser(sub) -> None:
    p = sub.add_parser(
        "limit",
        help="flow to the end, Newton-polish to a critical point, classify and certify it",
        description="Integrate the gradient flow of PROBLEM until the gradient is small, polish "
        "with Newton's method (pseudo-inverse of the exact Hessian) to a critical point of the "
        "regularised loss, and report the loss, gradient norm, Hessian spectrum (minimum / "
        "saddle / degenerate, with the zero modes forced by known continuous symmetries), NFA "
        "metrics of the first layer, FACT residuals and imbalances. With --out, run Krawczyk's "
        "test over a box around the point and write a critical-point certificate (unique "
        "critical point in the box, data loss <= eps, NFA defect >= delta, Hessian >= mu). "
        "Exit 0: a critical point was reached (and, with --out, certified); 1: not; 2: bad input.",
    )
    p.add_argument("problem", metavar="PROBLEM", help="problem file (TOML)")
    p.add_argument("--dps", type=_options.dps(15), default=None,
                   help="working digits, 15..1000 (default: the file's)")
    p.add_argument("--out", metavar="CERT", help="write a critical-point certificate here")
    p.add_argument("--radius", metavar="R", help="box radius, exact (default 10^-(dps//2))")
    p.add_argument("--arith", choices=("arb", "iv"), default="arb",
                   help="rigorous arithmetic for --out: python-flint arb balls (default) or "
                   "mpmath.iv intervals")
    add_json_flag(p)
    p.set_defaults(func=run)


def _report(problem, res, dps):
    """NFA metrics, FACT residuals and imbalances at the limit (mp)."""
    import mpmath

    from ..numeric.limit.hessian import Model, unflatten
    from ..numeric.limit.kits import MpKit
    from ..numeric.linalg import frobenius
    from ..numeric.metrics import nfa_metrics
    from ..numeric.network import imbalances

    kit = MpKit(res.dps + 10)
    with kit.scope():
        ws = [mpmath.matrix(w) for w in unflatten(res.theta, problem.widths)]
        metrics = nfa_metrics(ws, problem.X, problem.activation, dps=dps,
                              activation_params=problem.activation_params)
        model = Model(problem.widths, problem.activation, problem.X, problem.Y,
                      problem.weight_decay, kit)
        gs = [mpmath.matrix(g) for g in unflatten(model.gradient(res.theta), problem.widths)]
        fact = None
        if problem.weight_decay > 0:
            lam = kit.const(problem.weight_decay)
            # FACT: W^T W = -(1/lam) W^T dL_data/dW, i.e. the residual is ||W^T grad|| / lam
            fact = [frobenius(W.T * g) / (lam * frobenius(W.T * W)) for W, g in
                    zip(ws, gs, strict=True)]
        imb = [frobenius(D) for D in imbalances(ws)]
    return metrics, fact, imb


def run(args) -> int:
    from fractions import Fraction

    import mpmath

    from ..errors import InputError
    from ..exact import parse_exact
    from ..io import check_output_path
    from ..numeric.integrate import check_flow_size
    from ..numeric.limit.newton import check_limit_size, find_limit
    from ..problem import load_problem

    radius = None
    if args.radius is not None:
        if not args.out:
            raise InputError("the box radius is used only with --out (the certificate)",
                             "--radius", args.radius)
        radius = parse_exact(args.radius, "--radius")
        if radius <= 0:
            raise InputError("must be positive", "--radius", args.radius)
    if args.out:  # before any work: a certificate must be writable there
        check_output_path(args.out, option="--out")
    problem = load_problem(args.problem)
    dps = args.dps or problem.dps
    check_limit_size(problem, dps)  # refuse what would not finish, before any output
    check_flow_size(problem, dps, t_end=max(problem.times[-1], 1))

    def say(msg):
        if not args.json:
            print(f"  {msg}", file=sys.stderr, flush=True)

    res = find_limit(problem, dps=dps, progress=say)
    metrics, fact, imb = _report(problem, res, dps)
    cert_info = None
    ok = res.converged
    if args.out and ok:
        cert_info = _certify(args, problem, res, dps, radius or Fraction(1, 10 ** (dps // 2)))
        ok = cert_info["certified"]

    def s(x):  # JSON keeps every working digit; the text rounds with nfacheck.fmt.num
        return None if x is None else mpmath.nstr(x, dps)

    spec = res.spectrum
    out = {
        "problem": args.problem,
        "dps": dps,
        "flow": {"t": str(res.flow_time), "steps": res.flow_steps,
                 "gradient_norm": s(res.flow_gradient)},
        "newton": [{"iteration": i, "gradient_norm": s(g)} for i, g in res.newton],
        "loss": s(res.loss), "data_loss": s(res.data_loss),
        "gradient_norm": s(res.gradient_norm),
        "converged": res.converged,
        "hessian": {
            "kind": spec.kind, "min": s(spec.values[0]), "max": s(spec.values[-1]),
            "negative": spec.negative, "near_zero": spec.near_zero, "positive": spec.positive,
            "threshold": s(spec.threshold), "eigenvalues": [s(v) for v in spec.values],
            "symmetry_zero_modes": res.symmetry_zero_modes,
        },
        "nfa_first_layer": metrics.to_json(),
        "fact_residuals": None if fact is None else [s(v) for v in fact],
        "imbalances": [s(v) for v in imb],
        "certificate": cert_info,
        "seconds": round(res.seconds, 2),
        "notes": res.notes,
    }
    if args.json:
        emit_json(out)
    else:
        _print_text(out)
    return 0 if ok else 1


def _certify(args, problem, res, dps, radius):
    import time
    from fractions import Fraction

    from ..numeric.limit.hessian import Model, flatten
    from ..numeric.limit.kits import MpKit, make_kit, mpf_fraction
    from ..numeric.limit.krawczyk import certify_box, preconditioner
    from ..numeric.limit.newton import _weights_exact
    from ..search.certificate import exact_str, round_sig
    from ..search.critical import critical_certificate_dict, write_critical

    t0 = time.perf_counter()
    box_dps = dps + 10
    weights = _weights_exact(res.theta, problem.widths, dps + 5)
    center = flatten(weights)
    slope = problem.activation_params.get("slope", Fraction(0))

    def model(kit):
        return Model(problem.widths, problem.activation, problem.X, problem.Y,
                     problem.weight_decay, kit, slope)

    lam_min = mpf_fraction(res.spectrum.values[0])
    mu = round_sig(lam_min * Fraction(9, 10) if lam_min > 0 else lam_min * Fraction(11, 10),
                   3, up=False)
    C = preconditioner(model(MpKit(box_dps)), center)
    b = certify_box(model(make_kit(args.arith, box_dps)), center, radius, C, mu)
    info = {"file": args.out, "certified": False, "arithmetic": b.arithmetic,
            "radius": exact_str(radius), "note": b.note}
    if b.unique_zero and b.hessian_min_lower is not None:
        data = critical_certificate_dict(
            problem, weights, radius, box_dps, b, mu,
            provenance={"problem": problem.source, "sha256": problem.sha256,
                        "flow_time": str(res.flow_time), "flow_steps": res.flow_steps,
                        "newton_iterations": len(res.newton), "dps": dps},
            replay=f"nfacheck limit {problem.source} --dps {dps} --out {args.out}")
        write_critical(args.out, data)
        info.update(certified=True, claims=data["claims"])
    elif b.unique_zero:
        info["note"] = f"Hessian lower bound mu = {exact_str(mu)} not verified on the box"
    info["seconds"] = round(time.perf_counter() - t0, 2)
    return info


def _print_text(o) -> None:
    from ..fmt import exact, num, nums, seconds

    h = o["hessian"]
    print(f"limit of {o['problem']} (dps {o['dps']})")
    print(f"flow: t = {exact(o['flow']['t'])}, {o['flow']['steps']} steps, |grad| = "
          f"{num(o['flow']['gradient_norm'])}; Newton: "
          + nums(n["gradient_norm"] for n in o["newton"]))
    print(f"loss {num(o['loss'])}\ndata loss {num(o['data_loss'])}\n"
          f"|grad| {num(o['gradient_norm'])}")
    print(f"Hessian: {h['kind']}; eigenvalues min {num(h['min'])}, max {num(h['max'])}; "
          f"{h['negative']} negative, {h['near_zero']} near zero (|.| <= {num(h['threshold'])}), "
          f"{h['positive']} positive")
    if h["symmetry_zero_modes"] is not None:
        print(f"  known continuous symmetries force {h['symmetry_zero_modes']} zero modes "
              f"(found {h['near_zero']} near zero): the Hessian is singular by symmetry")
    m = o["nfa_first_layer"]
    print_table(["NFA (first layer)", "value"], [[name, num(m[key])] for name, key in (
        ("residual (alpha = 1/L)", "nfa_residual"), ("residual (c = 1)", "nfa_residual_c1"),
        ("alpha_fit", "alpha_fit"), ("residual at alpha_fit", "residual_at_alpha_fit"),
        ("commutator bound", "commutator_bound"), ("cosine", "correlation"))])
    if o["fact_residuals"] is not None:
        print("FACT residual per layer: " + nums(o["fact_residuals"]))
    print("imbalance per hidden layer: " + nums(o["imbalances"]))
    for n in o["notes"]:
        print(f"note: {n}")
    c = o["certificate"]
    if c is not None:
        if c["certified"]:
            cl = c["claims"]
            print(f"CERTIFIED ({c['arithmetic']}, {seconds(c['seconds'])} s): exactly one "
                  f"critical point in the box of radius {c['radius']}; over the box data loss "
                  f"<= {cl['loss_at_most']}, NFA defect >= {cl['defect_at_least']}, "
                  f"lambda_min(Hessian) >= {cl['hessian_min_eigenvalue_at_least']}; "
                  f"written to {c['file']}")
        else:
            print(f"NOT CERTIFIED ({c['arithmetic']}): {c['note']}; nothing written")
    verdict = "critical point reached" if o["converged"] else "NOT converged"
    print(f"{verdict} ({seconds(o['seconds'])} s)")
