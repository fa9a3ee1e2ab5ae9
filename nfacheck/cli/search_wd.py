"""`nfacheck search --weight-decay λ`: scan small random problems, certify where training ends."""

from __future__ import annotations

import sys
import time

from . import _options


def add_arguments(p) -> None:
    """The weight-decay options of ``nfacheck search``."""
    g = p.add_argument_group(
        "weight decay (lambda > 0)",
        "With --weight-decay the search draws [2, 3, 1] problems with exact rational data and "
        "init (n = 4), minimises the regularised loss of each in float64 (a screen), ranks "
        "those with data loss <= --loss-max by the commutator bound on the NFA defect, writes "
        "the best as a problem file and runs the 'limit' pipeline on it (flow from the stated "
        "init, Newton, Krawczyk). Exit 0 when a counterexample was certified, 1 when none was.")
    g.add_argument("--weight-decay", metavar="LAMBDA", default=None,
                   help="weight decay lambda > 0, exact (e.g. 1/1000)")
    g.add_argument("--problem-out", metavar="TOML",
                   help="write the chosen problem here (default: CERT with suffix .toml)")
    g.add_argument("--loss-max", metavar="EPS", default="1/1000",
                   help="float64 data-loss filter of the screen, exact > 0 (default 1/1000)")
    g.add_argument("--min-defect", metavar="DELTA", default="1/20",
                   help="smallest float64 commutator bound worth certifying, and the smallest "
                   "certified defect accepted, exact > 0 (default 1/20)")
    g.add_argument("--tries", type=_options.count(1, 100, "tries"), default=3, metavar="K",
                   help="certify at most the K best screened candidates, 1..100 (default 3)")


#: the options above and their defaults (refused without --weight-decay, where they do nothing)
_WD_DEFAULTS = {"problem_out": None, "loss_max": "1/1000", "min_defect": "1/20", "tries": 3}
#: the float64 screen needs lambda (and the filters) well inside the float64 range
_FLOAT_MAX = 10**300


def refuse_without_weight_decay(args) -> None:
    """A weight-decay option given without --weight-decay does nothing: refuse it (exit 2)."""
    from ..errors import UsageError

    for name, default in _WD_DEFAULTS.items():
        if getattr(args, name) != default:
            raise UsageError(f"--{name.replace('_', '-')}: only used with --weight-decay")


def _positive(text: str, option: str):
    from fractions import Fraction

    from ..errors import InputError
    from ..exact import parse_exact

    x = parse_exact(text, option)
    if x <= 0:
        raise InputError("must be > 0", option, text)
    if x > _FLOAT_MAX or x < Fraction(1, _FLOAT_MAX):
        raise InputError("beyond the float64 range of the screen (1e-300..1e300)", option, text)
    return x


def run(args) -> int:
    """Scan, then certify the best candidates in turn; see :func:`add_arguments`."""
    import argparse
    import tempfile
    from fractions import Fraction
    from pathlib import Path

    from ..errors import UsageError
    from ..exact import load_json, parse_exact
    from ..fmt import exact, num, seconds
    from ..io import atomic_write_text, check_output_path
    from ..numeric.limit.newton import find_limit
    from ..problem import load_problem, problem_to_toml
    from ..search.critical import write_critical
    from ..search.weight_decay import scan
    from .limit import _certify

    lam = _positive(args.weight_decay, "--weight-decay")
    eps = _positive(args.loss_max, "--loss-max")
    delta = _positive(args.min_defect, "--min-defect")
    if args.mechanism is not None:
        raise UsageError("--mechanism: not used with --weight-decay")
    # the problem file goes to --problem-out, else next to --out (CERT with suffix .toml)
    derived = Path(args.out).with_suffix(".toml") if args.out and not args.problem_out else None
    for path, opt in ((args.out, "--out"), (args.problem_out, "--problem-out"),
                      (derived, "--out (its problem file, suffix .toml)")):
        if path:
            check_output_path(path, option=opt)
    if args.out and args.problem_out and \
            Path(args.out).resolve() == Path(args.problem_out).resolve():
        raise UsageError("--problem-out: the same file as --out; give two paths")
    if derived is not None and Path(args.out).resolve() == derived.resolve():
        raise UsageError(f"--out: {args.out} already ends in .toml, the suffix of its "
                         "problem file; give --problem-out or another name")
    total = args.candidates if args.candidates is not None else 50
    t0 = time.perf_counter()

    def say(msg):
        print(f"  {msg}", file=sys.stderr, flush=True)

    def tick(k, s):
        if k == total or k % 10 == 0:
            say(f"screen {k}/{total}: candidate {s.index} data loss {num(s.data_loss)}, "
                f"commutator bound {num(s.bound)}")

    res = scan(args.activation, lam, seed=args.seed, candidates=total, loss_max=float(eps),
               dps=args.dps, progress=tick, budget=args.budget)
    best = [s for s in res.ranked if s.bound >= float(delta)][: args.tries]
    print(f"search {args.activation}, weight decay {args.weight_decay} (seed {args.seed}): "
          f"{len(res.screened)} candidates screened in float64, {len(res.ranked)} with data "
          f"loss <= {args.loss_max}, {len([s for s in res.ranked if s.bound >= float(delta)])} "
          f"with commutator bound >= {args.min_defect} ({seconds(time.perf_counter() - t0)} s)")
    if not best:
        top = num(res.ranked[0].bound) if res.ranked else "none"
        why = ("no candidate fitted its data" if not res.ranked else
               f"defect too small: the largest float64 commutator bound is {top}")
        print(f"no counterexample: {why}; nothing certified")
        return 1
    tmp = tempfile.TemporaryDirectory()
    try:
        # each candidate is written to a scratch file; --problem-out (or CERT.toml) receives it
        # only once it is certified, so a failed or interrupted run leaves no uncertified file
        cpath = Path(tmp.name) / "candidate.toml"
        ppath = Path(args.problem_out) if args.problem_out else derived or cpath
        blocked = []
        for s in best:
            prob = s.problem.replace(meta={
                "name": f"{args.activation}-weight-decay-search",
                "description": f"found by: nfacheck search --activation {args.activation} "
                               f"--weight-decay {args.weight_decay} --seed {args.seed} "
                               f"--candidates {total} (candidate {s.index})"})
            text = problem_to_toml(prob)
            atomic_write_text(cpath, text)
            say(f"candidate {s.index}: float64 data loss {num(s.data_loss)}, bound "
                f"{num(s.bound)}; limit pipeline (flow, Newton, Krawczyk)")
            problem = load_problem(cpath)
            lim = find_limit(problem, dps=args.dps, progress=say)
            if not lim.converged:
                blocked.append(f"candidate {s.index}: the flow + Newton did not converge")
                continue
            if lim.spectrum.kind != "minimum":
                blocked.append(f"candidate {s.index}: the limit is a {lim.spectrum.kind}")
                continue
            cert_path = str(Path(tmp.name) / "candidate.json")  # args.out only once accepted
            info = _certify(argparse.Namespace(arith="arb", out=cert_path), problem, lim,
                            args.dps, Fraction(1, 10 ** (args.dps // 2)))
            if not info["certified"]:
                blocked.append(f"candidate {s.index}: Krawczyk failed ({info['note']})")
                continue
            cl = info["claims"]
            if parse_exact(cl["defect_at_least"]) < delta:
                blocked.append(f"candidate {s.index}: certified defect {cl['defect_at_least']} "
                               f"< {args.min_defect} (defect too small)")
                continue
            command = (f"nfacheck search --activation {args.activation} --weight-decay "
                       f"{args.weight_decay} --seed {args.seed} --candidates {total} "
                       f"--dps {args.dps}")
            if ppath != cpath:
                atomic_write_text(ppath, text)
            if args.out:
                data = load_json(cert_path)[0]
                data["replay"] = f"nfacheck limit {ppath} --dps {args.dps} --out {args.out}"
                prov = data.setdefault("provenance", {})
                prov["problem"] = str(ppath)
                prov["search"] = {"command": command, "candidate": s.index}
                write_critical(args.out, data)
            print(f"CERTIFIED counterexample: candidate {s.index}, flow t = "
                  f"{exact(lim.flow_time)}, "
                  f"{len(lim.newton)} Newton steps; unique critical point in the box of radius "
                  f"{info['radius']}; data loss <= {cl['loss_at_most']}, NFA defect >= "
                  f"{cl['defect_at_least']}, lambda_min(Hessian) >= "
                  f"{cl['hessian_min_eigenvalue_at_least']} "
                  f"({seconds(time.perf_counter() - t0)} s)")
            if args.problem_out or args.out:
                print(f"problem written to {ppath}")
            if args.out:
                print(f"wrote {args.out}; check it with: nfacheck certify {args.out}")
                print(f"replay: nfacheck limit {ppath} --dps {args.dps} --out {args.out}")
            else:
                print(f"replay: {command}")
            return 0
    finally:
        tmp.cleanup()
    for b in blocked:
        print(f"not certified: {b}")
    print("no counterexample certified")
    return 1
