"""`nfacheck experiments`: float64 training across optimizers, depths, weight decay and inits."""

from __future__ import annotations

import sys

from . import _options
from ._output import add_json_flag, emit_json, print_table, progress


def add_parser(sub) -> None:
    p = sub.add_parser(
        "experiments",
        help="train deep linear and nonlinear nets (float64) and measure the NFA",
        description="Discrete training (gd, sgd, momentum, adam, adamw) over depths, weight "
        "decay and init schemes; writes DIR/results.json and PNG figures and prints alpha_fit "
        "by depth and optimizer. Finished runs are kept in DIR/runs.jsonl, so an interrupted "
        "grid resumes where it stopped.",
    )
    p.add_argument("--quick", action="store_true",
                   help="the small grid (26 runs of 2000 steps, well under a minute)")
    p.add_argument("--full", action="store_true",
                   help="the full grid: 4800 runs of 3000 steps, about 25-50 minutes on 2 "
                   "cores with --workers 2; without --quick, --full or --config the command "
                   "refuses to start rather than launch it by surprise")
    p.add_argument("--out", metavar="DIR", default="experiments-out",
                   help="output folder (default: experiments-out)")
    p.add_argument("--workers", metavar="N", type=_options.count(1, 1024, "workers"),
                   default=1, help="worker processes (default 1)")
    p.add_argument("--config", metavar="FILE",
                   help="a TOML grid file with a [grid] table (see docs/experiments.md)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a dask.distributed scheduler (pip install 'nfacheck[cluster]')")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from ..errors import UsageError
    from ..experiments.grid import (
        check_grid,
        full_grid,
        load_grid,
        quick_grid,
    )
    from ..io import check_output_path, dir_lock

    if args.quick + args.full + bool(args.config) > 1:
        raise UsageError("give one of --quick, --full or --config")
    if not (args.quick or args.full or args.config):
        raise UsageError(
            "say which grid: --quick (26 runs, under a minute), --full (4800 runs, about "
            "25-50 minutes on 2 cores) or --config FILE")
    check_output_path(args.out, folder=True, option="--out")
    if args.scheduler:
        check_scheduler(args.scheduler)
    extra: dict = {}
    if args.config:
        import hashlib

        configs = load_grid(args.config)
        name = f"config:{args.config}"
        extra["config_sha256"] = hashlib.sha256(Path(args.config).read_bytes()).hexdigest()
    elif args.quick:
        configs, name = quick_grid(), "quick"
    else:
        configs, name = full_grid(), "full"
    check_grid(configs, name)  # refuse what would not fit, before any output
    out = Path(args.out)
    with dir_lock(out, f"nfacheck experiments --out {args.out} (grid {name})"):
        return _run_locked(args, configs, name, out, extra)


def check_scheduler(address: str, timeout: float = 3.0) -> None:
    """Refuse, before any output, a ``--scheduler`` address that is malformed or that nothing
    answers at (a TCP connect within ``timeout`` seconds; dask's own client waits 10 s, and only
    after the output folder was made). A ucx address is left to dask."""
    import socket
    from urllib.parse import urlsplit

    from ..errors import InputError

    url = urlsplit(address if "://" in address else "tcp://" + address)
    if url.scheme not in ("tcp", "tls", "ws", "wss", "ucx"):
        raise InputError(f"unknown scheme {url.scheme!r}; a dask scheduler listens on "
                         "tcp://HOST:PORT (or tls, ws, wss, ucx)", "--scheduler", address)
    if url.scheme == "ucx":
        return
    try:
        host, port = url.hostname, url.port
    except ValueError as exc:
        raise InputError(f"malformed address ({exc})", "--scheduler", address) from None
    if not host or port is None:
        raise InputError("expected tcp://HOST:PORT", "--scheduler", address)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise InputError(f"cannot reach the dask scheduler ({why})", "--scheduler",
                         address) from None


def _run_locked(args, configs, name, out, extra) -> int:
    from ..experiments.grid import STORE_NAME, read_store
    from ..experiments.suite import alpha_table, layer_alpha_table, run_suite

    stored = read_store(out / STORE_NAME)
    done = sum(c.key() in stored for c in configs)
    bar = progress(total=len(configs), desc=f"experiments ({name}) into {args.out}",
                   done=done, unit="runs")
    seen = [0]

    def tick(_run) -> None:  # stored runs are reported first; they are already in ``done``
        seen[0] += 1
        if seen[0] > done:
            bar.update(1)

    try:
        suite = run_suite(configs, out, grid_name=name, workers=args.workers,
                          scheduler=args.scheduler, on_result=tick,
                          extra_provenance=extra, lock=False)
    finally:
        bar.close()
    runs = suite["results"]["runs"]
    diverged = sum(r["status"] != "ok" for r in runs)
    if args.json:
        emit_json({"out": str(out), "results": str(out / "results.json"),
                   "figures": [str(p) for p in suite["figures"]],
                   "alpha_table": suite["results"]["alpha_table"],
                   "layer_alpha_table": suite["results"]["layer_alpha_table"],
                   "drift_slopes": {k: v["slope"] for k, v in suite["drift"].items()},
                   "n_runs": len(runs), "diverged": diverged,
                   "seconds": round(suite["seconds"], 2)})
        return 0
    from ..fmt import num, seconds

    headers, rows = alpha_table(suite["runs"], text=True)
    print("alpha_fit at the end of training (balanced init, λ = 0, linear; mean over seeds)")
    if rows:
        print_table(headers, rows)
    else:
        print("(no balanced linear runs with λ = 0 in this grid)")
    headers, rows = layer_alpha_table(suite["runs"], text=True)
    if rows:
        print("\nper layer (deep NFA: W_l^T W_l against the AGOP of the sub-network from layer l "
              "on), same runs")
        print_table(headers, rows)
    print()
    print("one-step imbalance drift ~ η^slope: " + ", ".join(
        f"{k} {num(v['slope'])}" for k, v in suite["drift"].items()))
    print(f"{len(runs)} runs ({diverged} diverged) in {seconds(suite['seconds'])} s; "
          f"wrote {out / 'results.json'} and {len(suite['figures'])} figures")
    sys.stdout.flush()
    return 0
