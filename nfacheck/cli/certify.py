"""`nfacheck certify`: re-derive a certificate's claims rigorously from its data and weights."""

from __future__ import annotations

from . import _options
from ._output import add_json_flag, emit_json, print_table, progress


def add_parser(sub) -> None:
    p = sub.add_parser(
        "certify",
        help="rigorously re-check a counterexample certificate",
        description="Recompute the data loss and the commutator lower bound of the NFA defect "
        "from the certificate's data and weights only (exact rationals for linear/relu/"
        "leaky_relu, mpmath.iv intervals for tanh/sigmoid/softplus). Exit 0: every claim holds; "
        "1: a claim is refuted or undecided; 2: malformed file or field, or a pre-activation "
        "exactly on a ReLU kink.",
    )
    p.add_argument("file", metavar="FILE",
                   help="certificate (JSON, nfacheck-certificate/1 or /2; /2 with kind "
                   "critical-point is checked by Krawczyk's test over its box)")
    p.add_argument("--arith", choices=("arb", "iv"), default="arb",
                   help="critical-point certificates: python-flint arb balls (default) or "
                   "mpmath.iv intervals")
    p.add_argument("--dps", type=_options.dps(15), default=None,
                   help="working digits of the interval arithmetic, 15..1000 (default: from "
                   "the data)")
    add_json_flag(p)
    p.set_defaults(func=run)


def _fmt(q, up: bool | None = None, sig: int | None = None) -> str:
    """A certified bound rounded outward (``up``) to ``sig`` digits (default ``--digits``)."""
    from ..fmt import digits
    from ..search.certificate import exact_str, round_sig

    sig = digits() if sig is None else sig
    if q is None:
        return "inf"
    if up is None:
        r = round_sig(q, sig, up=False)
        return exact_str(q) if r == q else "~" + exact_str(round_sig(q, sig, up=True))
    return exact_str(round_sig(q, sig, up=up))


def _interval(lo, hi) -> str:
    if hi is not None and lo == hi:
        return _fmt(lo)
    return f"[{_fmt(lo, up=False)}, {_fmt(hi, up=True)}]"


def _claim_json(c) -> dict:
    """One claim in ``--json``: the claimed value, the bounds rounded outward to 17 digits."""
    return {"claim": c.name, "relation": c.relation, "claimed": _fmt(c.claimed, sig=8),
            "lower": _fmt(c.lower, up=False, sig=17),
            "upper": None if c.upper is None else _fmt(c.upper, up=True, sig=17),
            "verdict": c.verdict, **({"note": c.note} if c.note else {})}


def _claim_cells(c) -> list[str]:
    if c.relation == "is":
        return ["true", c.note]
    return [f"{c.relation} {_fmt(c.claimed)}", _interval(c.lower, c.upper)]


def run(args) -> int:
    from ..errors import CertificateError
    from ..exact import load_json
    from ..search.certificate import parse_certificate
    from ..search.certify import certify, network_count
    from ..search.critical import certificate_kind

    data, _ = load_json(args.file, CertificateError)
    if certificate_kind(data, args.file) == "critical-point":
        return _run_critical(args, data)
    cert = parse_certificate(data, args.file)
    with progress(total=network_count(cert), desc=f"certify {args.file}",
                  unit="weight sets") as bar:
        result = certify(cert, dps=args.dps, source=args.file, progress=bar.set)
    if args.json:
        emit_json({
            "file": args.file,
            "status": result.status,
            "method": result.method,
            "claims": [_claim_json(c) for c in result.claims],
            "loss_orders_at_least": None if result.loss_orders is None
            else _fmt(result.loss_orders, sig=8),
        })
        return result.exit_status
    print(f"certify {args.file}: {cert.activation} network {list(cert.widths)}, "
          f"n = {cert.n}, {result.method}")
    main = [c for c in result.claims if ".members[" not in c.name]
    print_table(
        ["claim", "claimed", "computed (rigorous bounds)", "verdict"],
        [[c.name, *_claim_cells(c), c.verdict] for c in main],
    )
    if result.family:
        print(f"\nfamily ({cert.family.description or cert.family.construction}):")
        _print_members(result, "family", "eps", [_fmt(e) for e, _ in result.family])
    if result.training:
        tr = cert.training
        print(f"\ntraining (gradient descent, step {_fmt(tr.step_size)}, weight decay "
              f"{_fmt(tr.weight_decay)}, from the stated init):")
        _print_members(result, "training", "iteration", [str(it) for it, _ in result.training])
    bad = result.failed()
    if not bad:
        print(f"\nCERTIFIED: all {len(result.claims)} claims hold")
    else:
        print(f"\n{result.status.upper()}:")
        for c in bad:
            if c.relation == "is":
                print(f"  {c.name}: {c.note} ({c.verdict})")
                continue
            word = "at most" if c.relation == "<=" else "at least"
            print(f"  {c.name}: claimed {word} {_fmt(c.claimed)}, computed "
                  f"{_interval(c.lower, c.upper)} ({c.verdict})")
    return result.exit_status


def _print_members(result, section: str, first: str, labels: list[str]) -> None:
    """One table row per member of ``result.<section>``: its bounds, claims and joint verdict."""
    by_name = {c.name: c for c in result.claims}
    rows = []
    for i, (label, (_, q)) in enumerate(zip(labels, getattr(result, section), strict=True)):
        lc = by_name[f"{section}.members[{i}].loss_at_most"]
        dc = by_name[f"{section}.members[{i}].defect_at_least"]
        rows.append([
            label, _interval(*q.loss), f"<= {_fmt(lc.claimed)}",
            _fmt(q.defect[0], up=False), f">= {_fmt(dc.claimed)}",
            "holds" if lc.verdict == dc.verdict == "holds" else f"{lc.verdict}/{dc.verdict}",
        ])
    print_table([first, "loss (data term)", "claimed", "defect bound >=", "claimed", "verdict"],
                rows)


def _run_critical(args, data) -> int:
    """A critical-point certificate: Krawczyk and the box bounds, re-derived from the file."""
    from ..search.critical import CRITICAL_STEPS, certify_critical, parse_critical

    cert = parse_critical(data, args.file)
    with progress(total=len(CRITICAL_STEPS), desc=f"certify {args.file}", unit="steps") as bar:
        result = certify_critical(cert, args.arith, progress=bar.set)
    if args.json:
        emit_json({
            "file": args.file, "kind": "critical-point", "status": result.status,
            "method": result.method,
            "claims": [_claim_json(c) for c in result.claims],
        })
        return result.exit_status
    print(f"certify {args.file}: critical point of a {cert.activation} network "
          f"{list(cert.widths)}, n = {len(cert.X[0])}, weight decay {_fmt(cert.weight_decay)}, "
          f"box radius {_fmt(cert.radius)}, {result.method}")
    print_table(["claim", "claimed", "computed (rigorous bounds)", "verdict"],
                [[c.name, *_claim_cells(c), c.verdict] for c in result.claims])
    bad = result.failed()
    if not bad:
        print(f"\nCERTIFIED: all {len(result.claims)} claims hold")
    else:
        print(f"\n{result.status.upper()}:")
        for c in bad:
            print(f"  {c.name}: {c.note or c.verdict}")
    return result.exit_status
