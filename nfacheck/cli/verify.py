"""`nfacheck verify`: integrate a problem and check the NFA at every output time."""

from __future__ import annotations

import sys

from ._output import add_json_flag, emit_json, print_table

#: the largest exponent --alpha accepts (the NFA's exponents are 1/L <= 1)
ALPHA_MAX = 16


def add_parser(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="integrate a problem file and check the NFA at every output time",
        description="Integrate the gradient flow of PROBLEM at its dps and report, at every "
        "output time, the loss, the imbalance max_l ||D_l||_F, the NFA residual "
        "min_c ||M - c G^alpha||_F / ||M||_F (alpha = 1/L unless --alpha), its c = 1 value, the "
        "fitted exponent, the cosine of M and G and the commutator lower bound; then the same "
        "figures for every layer l (the deep NFA: W_l^T W_l against the AGOP of the "
        "sub-network from layer l on, w.r.t. the layer's input, at exponent 1/(L-l+1) unless "
        "--layer-alphas). "
        "Exit 0 when the first-layer residual (with --all-layers: every layer's) is <= tol at "
        "every time, 1 when not, 2 on bad input.",
    )
    p.add_argument("problem", metavar="PROBLEM", help="problem file (TOML)")
    p.add_argument("--alpha", metavar="A", help="exponent, exact (e.g. 1/3 or 0.5); default 1/L")
    p.add_argument(
        "--tol", metavar="T", help="tolerance on the residual, exact; default 10^-(dps//2)"
    )
    p.add_argument("--layer-alphas", metavar="A1,...,AL",
                   help="per-layer exponents, exact, comma-separated; default 1/(L-l+1)")
    p.add_argument("--all-layers", action="store_true",
                   help="exit status from every layer's residual, not only the first layer's")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import InputError
    from ..exact import parse_exact
    from ..numeric.verify import verify
    from ..problem import load_problem
    from ._output import progress

    def positive(value, name, most=None):
        if value is None:
            return None
        q = parse_exact(value, name)  # digits and exponent bounded there
        if q <= 0:
            raise InputError("must be positive", name, value)
        if most is not None and q > most:
            raise InputError(f"must be at most {most}", name, value)
        return q

    # validate the options before any integration work
    alpha = positive(args.alpha, "--alpha", most=ALPHA_MAX)
    tol = positive(args.tol, "--tol", most=1)
    layer_alphas = None
    if args.layer_alphas is not None:
        layer_alphas = [positive(a.strip(), "--layer-alphas", most=ALPHA_MAX)
                        for a in args.layer_alphas.split(",")]
        if args.alpha is not None and layer_alphas[0] != alpha:
            raise InputError(f"the first layer's exponent {args.layer_alphas.split(',')[0]} "
                             f"disagrees with --alpha {args.alpha}; give one of them",
                             "--layer-alphas", args.layer_alphas)
    problem = load_problem(args.problem)
    if layer_alphas is not None and len(layer_alphas) != problem.depth:
        raise InputError(f"expected {problem.depth} exponents (one per layer), got "
                         f"{len(layer_alphas)}", "--layer-alphas", args.layer_alphas)
    from ..numeric.integrate import check_flow_size

    check_flow_size(problem)  # refuse what would not fit, before any output
    from ..fmt import exact

    t_end = float(problem.times[-1])
    bar = progress(total=t_end, unit="time",
                   desc=f"verify {args.problem}: integrating to t = {exact(problem.times[-1])}")
    try:
        verdict = verify(problem, alpha=alpha, tol=tol,
                         progress=lambda t, _end: bar.set(float(t)),  # display only
                         layer_alphas=layer_alphas)
    finally:
        bar.close()
    if args.json:
        emit_json(verdict.to_json())
    else:
        _print_text(verdict, args.all_layers, problem.weight_decay)
    holds = verdict.holds and (verdict.layers_hold or not args.all_layers)
    return 0 if holds else 1


def _print_text(verdict, all_layers: bool = False, weight_decay=None) -> None:
    from ..fmt import exact, exponent, num, seconds

    prov = verdict.provenance
    lam = exact(weight_decay if weight_decay is not None else prov["weight_decay"])
    tol = exact(verdict.tol)
    alphas = [exponent(a) for a in verdict.layer_alphas]
    print(f"problem: {prov.get('source')}  (sha256 {str(prov.get('sha256'))[:12]})")
    print(f"depth L = {prov['depth']}, activation {prov['activation']}, weight decay "
          f"{lam}, dps {prov['dps']} (+{prov['guard_digits']} guard digits)")
    print(f"alpha = {exponent(verdict.alpha)}, tol = {tol}\n")
    rows = []
    for c in verdict.checks:
        m = c.metrics
        rows.append([exact(c.t), num(c.loss), num(m.imbalance), num(m.nfa_residual),
                     num(m.nfa_residual_c1), num(m.alpha_fit), num(m.correlation),
                     num(m.commutator_bound), m.clamp.count])
    print_table(["t", "loss", "imbalance", "residual", "residual(c=1)", "alpha_fit",
                 "cosine", "comm.bound", "clamped"], rows)
    print(f"\nper layer: W_l^T W_l against the AGOP of the sub-network from layer l on "
          f"(exponents {', '.join(alphas)})")
    rows = [[exact(c.t), lm.l, alphas[lm.l - 1], num(lm.gram_residual),
             num(lm.metrics.alpha_fit), num(lm.metrics.correlation),
             num(lm.metrics.commutator_bound), lm.metrics.clamp.count]
            for c in verdict.checks for lm in c.layers]
    print_table(["t", "l", "alpha", "residual", "alpha_fit", "cosine", "comm.bound", "clamped"],
                rows)
    integ = prov["integrator"]
    print(f"\nintegrator: {integ['method']}, {integ['steps']} steps, {integ['nfev']} evaluations, "
          f"status {integ['status']}; {seconds(prov['seconds'])} s")
    if integ["status"] != "success":
        print(f"integrator stopped early: {integ['message']} (the verdict covers only the "
              "times reached and cannot hold)")
    worst = num(verdict.max_residual)
    if verdict.holds:
        print(f"NFA CONFIRMED at every checkpoint: max residual {worst} <= tol {tol} "
              "(numeric evidence, not a proof)")
    else:
        print(f"NFA NOT CONFIRMED: max residual {worst} > tol {tol}")
        trend = verdict.trend
        theory = trend.get("theory_rate_at_least")
        ref = f"; theorem's rate >= {exact(theory)}" if theory else ""
        if trend["verdict"] == "decaying":
            print(f"but the residual is DECAYING: down {num(trend['reduction'])}x, rate "
                  f"{num(trend['rate_overall'])} overall, {num(trend['rate_last_interval'])} on "
                  f"the last interval{ref} (asymptotic NFA; numeric evidence)")
        elif trend["verdict"] == "inconclusive":
            print(f"the trend is INCONCLUSIVE: {trend['why']}{ref}; add output times or a "
                  "longer horizon to decide")
        elif "rate_last_interval" in trend:
            print(f"and the residual is not decaying to 0: down {num(trend['reduction'])}x, rate "
                  f"{num(trend['rate_last_interval'])} on the last interval{ref}")
    worst_layers = ", ".join(f"l={i + 1}: {num(r)}"
                             for i, r in enumerate(verdict.max_layer_residuals()))
    word = "CONFIRMED" if verdict.layers_hold else "NOT CONFIRMED"
    print(f"deep NFA {word} per layer (max residual {worst_layers}; tol {tol})"
          + ("" if all_layers else "; decides the exit status only with --all-layers"))
    sys.stdout.flush()
