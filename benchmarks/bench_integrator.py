"""Speed of ``nfacheck.integrate`` measured side by side (not a test; prints ratios).

(a) tanh net, widths [3, 3, 3, 3], n = 3, lambda = 1/100, dps 30, T = 1/4: Taylor (every
    backend; median of 5 runs) against ``mpmath.odefun`` on the same vector field
    (nfacheck.numeric.network gradients); target >= 30x faster, agreement <= 1e-25.
(b) tanh, L = 4, width 8, n = 16, dps 50, T = 10: target <= 20 s.
(c) tanh, L = 5, width 16, n = 32, dps 50, T = 10: target <= 4 min (opt-in: --large).

Usage: ``python benchmarks/bench_integrator.py [--large] [--skip-odefun] [--cases a,b,c]
[--backends python,numpy,flint] [--workers 1,2]``.
Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from fractions import Fraction as Fr

import mpmath

from nfacheck.numeric.integrate import integrate
from nfacheck.problem import Problem


def _rational_gauss(rng: random.Random, scale: Fr) -> Fr:
    # a Gaussian sample rounded to 1/1000, times an exact scale: everything stays rational
    return Fr(round(rng.gauss(0, 1) * 1000), 1000) * scale


def _inv_sqrt(m: int) -> Fr:
    return Fr(100, max(1, round(m**0.5 * 100)))  # ~ 1/sqrt(m), exact rational


def tanh_problem(widths, n, dps, T, lam=Fr(1, 100), seed=0, unit_inputs=True) -> Problem:
    """Gaussian data and 1/sqrt(fan_in) weights, rounded to rationals. With ``unit_inputs`` the
    inputs are x ~ N(0, I/d) (|x| ~ 1, the usual normalisation); otherwise N(0, I)."""
    rng = random.Random(seed)
    d, k = widths[0], widths[-1]
    xs = _inv_sqrt(d) if unit_inputs else Fr(1)
    X = tuple(tuple(_rational_gauss(rng, xs) for _ in range(n)) for _ in range(d))
    Y = tuple(tuple(_rational_gauss(rng, Fr(1, 2)) for _ in range(n)) for _ in range(k))
    weights = []
    for l in range(len(widths) - 1):
        scale = _inv_sqrt(widths[l])
        weights.append(
            tuple(
                tuple(_rational_gauss(rng, scale) for _ in range(widths[l]))
                for _ in range(widths[l + 1])
            )
        )
    return Problem(
        widths=tuple(widths),
        activation="tanh",
        X=X,
        Y=Y,
        weights=tuple(weights),
        weight_decay=lam,
        times=(Fr(T),),
        dps=dps,
    )


def _progress(label):
    state = {"last": 0.0}

    def report(t, end):
        now = time.perf_counter()
        if now - state["last"] > 2 or t == end:
            state["last"] = now
            sys.stderr.write(f"\r  {label}: t = {float(t):.4g} / {float(end):.4g}   ")
            sys.stderr.flush()
            if t == end:
                sys.stderr.write("\n")

    return report


def run_taylor(p, backend, label, workers=1):
    tag = f"{backend}, {workers} workers" if workers > 1 else backend
    tr = integrate(p, backend=backend, workers=workers, progress=_progress(f"{label} [{tag}]"))
    if tr.status != "success":
        raise SystemExit(f"{label}: integration failed: {tr.message}")
    return tr


def odefun_reference(p):
    from nfacheck.numeric import network

    shapes = [(p.widths[l + 1], p.widths[l]) for l in range(p.depth)]
    with mpmath.workdps(p.dps):
        X, Y = network.to_ctx_matrix(p.X), network.to_ctx_matrix(p.Y)
        lam = mpmath.mpf(p.weight_decay.numerator) / p.weight_decay.denominator

        def field(t, y):
            ws, i = [], 0
            for r, c in shapes:
                ws.append(mpmath.matrix([[y[i + a * c + b] for b in range(c)] for a in range(r)]))
                i += r * c
            g = network.gradients(ws, X, Y, p.activation, weight_decay=lam)
            return [-v for m in g for v in m]

        y0 = [mpmath.mpf(v.numerator) / v.denominator for W in p.weights for r in W for v in r]
        T = p.times[-1]
        return mpmath.odefun(field, 0, y0)(mpmath.mpf(T.numerator) / T.denominator)


def _flat(tr):
    return [v for W in tr.weights[-1] for v in W]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true", help="also run (c), several minutes")
    ap.add_argument("--skip-odefun", action="store_true")
    ap.add_argument("--backends", default="python,numpy,flint")
    ap.add_argument("--cases", default="a,b,c", help="which of a,b,c to run (c needs --large)")
    ap.add_argument(
        "--raw-inputs",
        action="store_true",
        help="(b), (c): inputs x ~ N(0, I) instead of N(0, I/d): a stiffer flow, more steps",
    )
    ap.add_argument(
        "--workers",
        default="1",
        help="comma list of process counts to run (b), (c) with, e.g. 1,2 (integrate(workers=))",
    )
    args = ap.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w]
    backends = [b for b in args.backends.split(",") if b]
    if "flint" in backends:
        try:
            import flint  # noqa: F401
        except ImportError:
            backends.remove("flint")
            print("python-flint not installed: flint backend skipped")

    cases_wanted = set(args.cases.split(","))
    if "a" in cases_wanted:
        bench_a(backends, args.skip_odefun)
    cases = [("(b)", [8] * 5, 16, 20)] if "b" in cases_wanted else []
    if args.large and "c" in cases_wanted:
        cases.append(("(c)", [16] * 6, 32, 240))
    bench_sizes(cases, backends, unit_inputs=not args.raw_inputs, workers=workers)
    return 0


REPEAT = 5


def bench_a(backends, skip_odefun) -> None:
    print("(a) tanh, widths [3,3,3,3], n=3, lambda=1/100, dps 30, T=1/4")
    pa = tanh_problem([3, 3, 3, 3], 3, 30, Fr(1, 4))
    res = {}
    for b in backends:
        # a ~0.1 s run: the median of REPEAT runs, so one hiccup of a shared machine cannot
        # decide the ratio (odefun's seconds-long single run averages such noise out itself)
        walls = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            res[b] = run_taylor(pa, b, "(a)")
            walls.append(time.perf_counter() - t0)
        res[b].wall = statistics.median(walls)
        print(
            f"  taylor[{b}]: {res[b].wall:.3f} s (median of {REPEAT}; "
            f"min {min(walls):.3f}, max {max(walls):.3f}), {res[b].steps} steps, "
            f"order {res[b].order}"
        )
    if not skip_odefun:
        sys.stderr.write("  (a) mpmath.odefun running...\n")
        t0 = time.perf_counter()
        ref = odefun_reference(pa)
        t_ode = time.perf_counter() - t0
        print(f"  mpmath.odefun: {t_ode:.3f} s")
        with mpmath.workdps(30):
            for b in backends:
                diff = max(abs(x - y) for x, y in zip(_flat(res[b]), ref, strict=True))
                print(
                    f"  ratio odefun/taylor[{b}] = {t_ode / res[b].wall:.1f}x (target >= 30x), "
                    f"max |difference| = {mpmath.nstr(diff, 3)} (target <= 1e-25)"
                )


def bench_sizes(cases, backends, unit_inputs: bool = True, workers=(1,)) -> None:
    for label, widths, n, target in cases:
        xdist = "N(0, I/d)" if unit_inputs else "N(0, I)"
        print(f"{label} tanh, widths {widths}, n={n}, x ~ {xdist}, lambda=1/100, dps 50, T=10")
        p = tanh_problem(widths, n, 50, Fr(10), seed=1, unit_inputs=unit_inputs)
        out = {}
        for b in backends:
            for nw in workers:
                t0 = time.perf_counter()
                tr = out[b, nw] = run_taylor(p, b, label, nw)
                wall = time.perf_counter() - t0
                print(
                    f"  taylor[{b}, workers={tr.workers}]: {wall:.2f} s (target <= {target} s), "
                    f"{tr.steps} steps, order {tr.order}, "
                    f"loss(T) = {mpmath.nstr(tr.losses[-1], 15)}",
                    flush=True,
                )
        if len(out) > 1:
            (k0, first), *rest = out.items()
            with mpmath.workdps(50):
                for key, tr in rest:
                    diff = max(abs(x - y) for x, y in zip(_flat(first), _flat(tr), strict=True))
                    print(f"  {key} agrees with {k0} to {mpmath.nstr(diff, 3)}")


if __name__ == "__main__":
    sys.exit(main())
