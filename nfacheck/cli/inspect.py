"""`nfacheck inspect`: the NFA layer by layer on a trained network (weights file) and its data."""

from __future__ import annotations

import sys

from . import _options
from ._output import add_json_flag, emit_json, print_table, progress


def add_parser(sub) -> None:
    p = sub.add_parser(
        "inspect",
        help="the NFA per layer on a trained network and real data (peers' numbers + bounds)",
        description="Per layer l of a trained bias-free (or biased) MLP: the neural feature "
        "matrix W_lᵀW_l (and (W_l − W_l⁰)ᵀ(W_l − W_l⁰) with --init) against the AGOP of the "
        "sub-network from layer l on w.r.t. that layer's input, uncentered and centered; the "
        "deep-NFA cosine (α = 1) and Pearson with √G; nfacheck's best-c residual at "
        "α = 1/(L−l+1) and 1/2, alpha_fit; a certified lower bound on the defect for every c "
        "and α; with --weight-decay and targets, the FACT residual. DATA is n × d (samples as "
        "rows, the PyTorch convention). Exit 0: done; 2: bad input (nothing written).",
    )
    p.add_argument("weights", metavar="WEIGHTS",
                   help="state dict: .safetensors, .npz or PyTorch .pt (the 2-D tensors in "
                   "order are the layers; X.bias goes with X.weight)")
    p.add_argument("--data", required=True, metavar="DATA",
                   help=".npz with X (n × d) and optionally Y (n × k) or labels y; .npy; .csv")
    p.add_argument("--init", metavar="INIT", help="the weights at initialisation (same format)")
    p.add_argument("--activation", default="relu",
                   help="relu (default), leaky_relu, tanh, sigmoid, softplus, linear/identity")
    p.add_argument("--slope", type=_options.real(what="slope"), default=0.01,
                   help="leaky_relu slope, a finite number (default 0.01)")
    p.add_argument("--weight-decay", type=_options.real(positive=True, what="weight decay"),
                   default=None, metavar="λ",
                   help="λ of (1/2n)Σ‖f−y‖² + (λ/2)Σ‖W‖²: adds the FACT residual (needs Y)")
    p.add_argument("--layers", type=_options.count(1, 10**6, "layer"), nargs="+", default=None,
                   metavar="L",
                   help="1-based layers to report (default: all)")
    p.add_argument("--samples", type=_options.count(1, 10**12, "samples"), default=None,
                   metavar="N",
                   help="use a random subset of N samples (seed --seed)")
    p.add_argument("--seed", type=_options.seed, default=0,
                   help="seed of --samples, 0..2**63-1 (default 0)")
    p.add_argument("--batch-size", type=_options.count(1, 10**6, "batch size"), default=512,
                   help="samples per batch, 1..10^6 (default 512)")
    p.add_argument("--no-certify", action="store_true",
                   help="skip the certified defect bound (it costs about two extra forward "
                   "passes, more when ReLU signs are uncertain and are decided exactly)")
    p.add_argument("--report", metavar="DIR",
                   help="write DIR/inspect.md, DIR/inspect.json and heatmap/residual figures "
                   "(DIR is locked while they are written; an INCOMPLETE file marks an "
                   "interrupted write)")
    add_json_flag(p)
    p.set_defaults(func=run)


def table_rows(result) -> list[list[str]]:
    """The per-layer table (one row per feature-matrix variant), shared with the report."""
    from ..fmt import exponent, num

    rows = []
    for r in result.layers:
        for var, label in (("gram", "WᵀW"), ("init_subtracted", "(W−W⁰)ᵀ(W−W⁰)")):
            if var not in r:
                continue
            m, mc = r[var], r[var + "_centered"]
            cert = r.get("certified", {}).get(var)
            rows.append([
                str(r["layer"]), label, num(m["cosine"]), num(mc["cosine"]),
                num(m["pearson_sqrt"]),
                f"{num(m['residual_theory'])} (α={exponent(r['alpha_theory'])})",
                num(m["residual_half"]),
                f"{num(m['alpha_fit'])} ({num(m['alpha_fit_residual'])})",
                num(m["commutator_bound"]), "-" if cert is None else num(cert["defect_lower"]),
                num(r["fact"]["fact_residual"]) if "fact" in r and var == "gram" else "-",
            ])
    return rows


HEADERS = ["layer", "M", "cos(M,G)", "cos(M,Gc)", "pearson(M,√G)", "residual at 1/(L−l+1)",
           "residual at 1/2", "alpha_fit (residual)", "comm. bound", "certified ≥", "FACT"]


def run(args) -> int:
    from ..errors import InputError
    from ..inspect import inspect
    from ..inspect.files import read_data, read_weights
    from ..inspect.report import check_report_dir, write_report

    if args.report:
        check_report_dir(args.report)
    net = read_weights(args.weights, args.activation, args.slope)
    init = read_weights(args.init, args.activation, args.slope) if args.init else None
    X, Y = read_data(args.data)
    if Y is not None and Y.shape[1] != net.widths[-1]:
        raise InputError(f"targets have {Y.shape[1]} columns but the network has "
                         f"{net.widths[-1]} outputs", "Y", source=args.data)
    if args.weight_decay is not None and Y is None:
        raise InputError("--weight-decay needs targets: an array Y (or labels y) in the .npz",
                         source=args.data)
    n = X.shape[0] if args.samples is None else min(args.samples, X.shape[0])
    bar = progress(total=n, desc=f"inspect {args.weights} on {n} samples", unit="samples")

    def tick(b: int) -> None:
        bar.update(b)

    try:
        result = inspect(net, X, init=init, Y=Y, weight_decay=args.weight_decay,
                         layers=args.layers, samples=args.samples, seed=args.seed,
                         batch_size=args.batch_size, certify=not args.no_certify,
                         progress=tick, source=args.data)
    finally:
        bar.close()
    if args.report:
        write_report(result, args.report, table=(HEADERS, table_rows(result)),
                     command="nfacheck inspect " + " ".join(sys.argv[2:]))
    if args.json:
        emit_json(result.to_json())
        return 0
    net_d = result.network
    print(f"inspect {args.weights}: {net_d['activation']} network {net_d['widths']}, "
          f"n = {net_d['n']} samples (rows of {args.data})"
          + (", with biases" if net_d["biases"] else ""))
    print_table(HEADERS, table_rows(result))
    print("\ncos: the deep-NFA cosine ⟨M,G⟩_F/(‖M‖_F‖G‖_F) (G uncentered; Gc centered). residual: "
          "min_c ‖M − cG^α‖_F/‖M‖_F. certified ≥: a rigorous lower bound on the residual for "
          "every c and α, over the exact stored values.")
    c = result.certification
    print(f"certified bounds: {c['method']}" if c["status"] == "certified"
          else f"certified bounds: none ({c['reason']})")
    for note in result.notes:
        print(f"note: {note}")
    if args.report:
        print(f"report written to {args.report}/inspect.md")
    return 0
