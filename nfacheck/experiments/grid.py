"""Grids of training runs: the quick and full grids, TOML grid files, parallel and resumable runs.

A grid is a list of :class:`~nfacheck.experiments.train.RunConfig`. :func:`run_grid` runs the ones
not yet in ``DIR/runs.jsonl`` (one JSON line per finished run, appended and flushed as each
finishes, so an interrupted grid resumes where it stopped), in worker processes or on a
``dask.distributed`` cluster, and returns every run of the grid.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from itertools import product
from pathlib import Path

from ..errors import InputError, UsageError
from .inits import DEFAULT_SCALES
from .optimizers import OPTIMIZERS
from .train import DEFAULT_LR, RunConfig, train

__all__ = [
    "product_grid",
    "quick_grid",
    "full_grid",
    "load_grid",
    "run_grid",
    "read_store",
    "STORE_NAME",
    "grid_work",
    "check_grid",
]

STORE_NAME = "runs.jsonl"
MAX_RUNS = 100_000
FULL_WEIGHT_DECAYS = (0.0, 0.001, 0.01, 0.05)
FULL_INITS = (("balanced", 1.0), ("gaussian", 0.5), ("gaussian", 1.0), ("gaussian", 2.0),
              ("orthogonal", 1.0), ("small", 0.1))


def product_grid(
    optimizers: Sequence[str] = ("gd",),
    depths: Sequence[int] = (2,),
    activations: Sequence[str] = ("linear",),
    inits: Sequence[tuple[str, float]] = (("balanced", 1.0),),
    weight_decays: Sequence[float] = (0.0,),
    seeds: Sequence[int] = (0,),
    lr: dict[str, float] | float | None = None,
    **common,
) -> list[RunConfig]:
    """Every combination of the given values (``common`` fields are shared, e.g. ``steps``)."""
    out = []
    for opt, L, act, (init, scale), lam, seed in product(
        optimizers, depths, activations, inits, weight_decays, seeds
    ):
        default = DEFAULT_LR.get(opt, 0.02)  # unknown names are rejected by validate()
        eta = lr.get(opt, default) if isinstance(lr, dict) else lr
        eta = default if eta is None else eta
        out.append(RunConfig(optimizer=opt, depth=L, activation=act, init=init,
                             init_scale=float(scale), weight_decay=float(lam), lr=float(eta),
                             seed=seed, **common).validate())
    return out


def quick_grid() -> list[RunConfig]:
    """About 30 short runs: every optimizer at depths 2–4 from a balanced init, the Gaussian
    control, weight decay from a Gaussian init, and relu / tanh against linear."""
    steps = {"steps": 2000}
    runs = product_grid(OPTIMIZERS, (2, 3, 4), **steps)
    runs += product_grid(("gd",), (2, 3, 4), inits=(("gaussian", 1.0),), **steps)
    runs += product_grid(("gd", "adamw"), (2, 3), inits=(("gaussian", 1.0),),
                         weight_decays=(0.05,), **steps)
    runs += product_grid(("gd",), (2, 3), activations=("relu", "tanh"), **steps)
    return _unique(runs)


def full_grid() -> list[RunConfig]:
    """Every optimizer x depth 2–6 x activation x init x weight decay, two seeds, 3000 steps."""
    return product_grid(
        OPTIMIZERS, (2, 3, 4, 5, 6), ("linear", "relu", "leaky_relu", "tanh"), FULL_INITS,
        FULL_WEIGHT_DECAYS, (0, 1), steps=3000,
    )


def _unique(runs: Iterable[RunConfig]) -> list[RunConfig]:
    seen: dict[str, RunConfig] = {}
    for r in runs:
        seen.setdefault(r.key(), r)
    return list(seen.values())


# --- grid files --------------------------------------------------------------------------------

_LIST_KEYS = {"optimizers": str, "depths": int, "activations": str, "seeds": int,
              "weight_decays": float}
_SCALAR_KEYS = {"steps": int, "width": int, "d": int, "k": int, "n": int, "batch_size": int,
                "record_every": int}


def _to_float(value, field: str) -> float:
    # Grid files are read exactly (Decimal / p/q) and converted to float64 on purpose: the
    # experiments are the float64 path of nfacheck.
    import math

    from ..exact import parse_exact

    q = parse_exact(value, field)
    try:
        x = float(q)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x) or abs(x) > 1e300:
        raise InputError("beyond the float64 range of the experiments (|x| <= 1e300)", field,
                         str(value))
    return x


def _to_int(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError("expected an integer", field, value)
    if abs(value) > 10**18:
        raise InputError("integer out of range (|n| <= 10^18)", field, value)
    return value


def _parse_list(value, key: str, kind) -> list:
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list", f"grid.{key}", value)
    conv = {str: lambda v, f: v if isinstance(v, str) else _bad_str(v, f),
            int: _to_int, float: _to_float}[kind]
    return [conv(v, f"grid.{key}[{i}]") for i, v in enumerate(value)]


def _bad_str(v, f):
    raise InputError("expected a string", f, v)


def load_grid(path: str | Path) -> list[RunConfig]:
    """Read a grid file (TOML, a ``[grid]`` table) into run configurations.

    Keys: ``optimizers``, ``depths``, ``activations``, ``seeds``, ``weight_decays`` (lists);
    ``inits`` (list of names, or of ``{name = "...", scale = ...}`` tables); ``lr`` (a number,
    or a table optimizer -> number); ``steps``, ``width``, ``d``, ``k``, ``n``, ``batch_size``,
    ``record_every`` (integers). Unknown keys are errors.

    Raises
    ------
    InputError
        Naming the file and the field.
    """
    from ..exact import load_toml

    data, _ = load_toml(path)
    try:
        return _grid_from_table(data)
    except InputError as exc:
        raise exc.with_source(str(path)) from None


def _grid_from_table(data: dict) -> list[RunConfig]:
    extra = set(data) - {"grid"}
    if extra or "grid" not in data or not isinstance(data["grid"], dict):
        raise InputError("expected exactly one [grid] table", ", ".join(sorted(extra)) or "grid")
    g = data["grid"]
    known = set(_LIST_KEYS) | set(_SCALAR_KEYS) | {"inits", "lr"}
    for key in g:
        if key not in known:
            raise InputError("unknown key; known: " + ", ".join(sorted(known)), f"grid.{key}")
    kw: dict = {}
    for key, kind in _LIST_KEYS.items():
        if key in g:
            kw[key] = _parse_list(g[key], key, kind)
    if "inits" in g:
        kw["inits"] = _parse_inits(g["inits"])
    if "lr" in g:
        lr = g["lr"]
        if isinstance(lr, dict):
            for name in lr:
                if name not in OPTIMIZERS:
                    raise InputError("unknown optimizer", f"grid.lr.{name}")
            kw["lr"] = {name: _to_float(v, f"grid.lr.{name}") for name, v in lr.items()}
        else:
            kw["lr"] = _to_float(lr, "grid.lr")
    common = {key: _to_int(g[key], f"grid.{key}") for key in _SCALAR_KEYS if key in g}
    sizes = 1
    for key in ("optimizers", "depths", "activations", "seeds", "weight_decays", "inits"):
        sizes *= len(kw.get(key, [0]))
    if sizes > MAX_RUNS:
        raise InputError(f"the grid has {sizes} runs, more than {MAX_RUNS}; split it", "grid")
    try:
        return _unique(product_grid(**kw, **common))
    except InputError as exc:  # name the grid key, not the RunConfig field
        exc.field = "grid." + _GRID_FIELD.get(exc.field or "", exc.field or "")
        exc.args = (exc._message(),)
        raise


_GRID_FIELD = {"optimizer": "optimizers", "depth": "depths", "activation": "activations",
               "init": "inits", "init_scale": "inits", "weight_decay": "weight_decays",
               "seed": "seeds"}


def _parse_inits(value) -> list[tuple[str, float]]:
    if not isinstance(value, list) or not value:
        raise InputError("expected a non-empty list", "grid.inits", value)
    out = []
    for i, item in enumerate(value):
        field = f"grid.inits[{i}]"
        if isinstance(item, str):
            out.append((item, DEFAULT_SCALES.get(item, 1.0)))
        elif isinstance(item, dict):
            bad = set(item) - {"name", "scale"}
            if bad or "name" not in item or not isinstance(item["name"], str):
                raise InputError("expected {name = \"...\", scale = ...}", field, item)
            scale = (_to_float(item["scale"], f"{field}.scale") if "scale" in item
                     else DEFAULT_SCALES.get(item["name"], 1.0))
            out.append((item["name"], scale))
        else:
            raise InputError("expected a name or a {name, scale} table", field, item)
    return out


# --- running -----------------------------------------------------------------------------------

def _run_json(cfg: RunConfig) -> dict:
    """Worker entry point (top level so process pools and dask can pickle it)."""
    return _round(train(cfg).to_json())


def _round(obj):
    """Floats to 7 significant digits (keeps the store small), NaN/inf to None."""
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return None
        return float(f"{obj:.7g}")
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    return obj


def _key_of(run: dict) -> str | None:
    try:
        return RunConfig(**{f.name: run[f.name] for f in fields(RunConfig)}).key()
    except (KeyError, TypeError):
        return None


def read_store(path: str | Path) -> dict[str, dict]:
    """Finished runs in a store file, by key; a torn last line (from a kill) is skipped."""
    out: dict[str, dict] = {}
    p = Path(path)
    if not p.exists():
        return out
    for line in p.read_text(encoding="utf-8").splitlines():
        try:
            run = json.loads(line, parse_float=float)
        except json.JSONDecodeError:
            continue
        key = _key_of(run) if isinstance(run, dict) else None
        if key:
            out[key] = run
    return out


def _append(fh, run: dict) -> None:
    fh.write(json.dumps(run) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def run_grid(
    configs: Sequence[RunConfig],
    out_dir: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Run every configuration not already stored in ``out_dir/runs.jsonl``; return all runs.

    Parameters
    ----------
    configs
        The grid.
    out_dir
        Folder holding the store; created if missing.
    workers
        Worker processes (1: run in this process).
    scheduler
        Address of a ``dask.distributed`` scheduler (needs the ``cluster`` extra); overrides
        ``workers``.
    on_result
        Called with each run as it finishes (also for runs found in the store).

    Returns
    -------
    list of dict
        One dict per configuration, in grid order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = out / STORE_NAME
    done = read_store(store)
    todo = [c for c in configs if c.key() not in done]
    for c in configs:
        if c.key() in done and on_result:
            on_result(done[c.key()])
    fh = None  # opened at the first finished run: a grid that fails leaves no empty store
    try:
        for run in _execute(todo, workers, scheduler):
            if fh is None:
                fh = open(store, "a", encoding="utf-8")
                if store.stat().st_size and not store.read_bytes().endswith(b"\n"):
                    fh.write("\n")  # close a line torn by a kill: the next record stands alone
            _append(fh, run)
            done[_key_of(run)] = run
            if on_result:
                on_result(run)
    finally:
        if fh is not None:
            fh.close()
    return [done[c.key()] for c in configs]


def grid_work(configs: Sequence[RunConfig]) -> float:
    """Operations (in :mod:`nfacheck.limits` units) to train ``configs``: per step a fixed
    Python/numpy overhead plus the float64 products of the forward and backward passes."""
    total = 0.0
    for c in configs:
        widths = c.widths()
        params = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
        total += c.steps * (400 + 0.05 * c.n * params * c.depth)
    return total


def check_grid(configs: Sequence[RunConfig], name: str) -> None:
    """Refuse (before starting) a grid over the work limit or this machine's memory."""
    from ..limits import check_memory, check_work

    check_work(grid_work(configs), f"the {name} grid ({len(configs)} runs)")
    biggest = max((c.n * max(c.widths()) * c.depth * 8 * 4 for c in configs), default=0)
    check_memory(biggest, f"the largest run of the {name} grid")


def _execute(todo: list[RunConfig], workers: int, scheduler: str | None):
    if not todo:
        return
    if scheduler:
        yield from _execute_dask(todo, scheduler)
    elif workers <= 1:
        for cfg in todo:
            yield _run_json(cfg)
    else:
        import multiprocessing

        # Workers ignore Ctrl-C; the parent alone is interrupted and terminates the pool, so an
        # interrupted grid stops at once and keeps every run already stored.
        pool = multiprocessing.get_context().Pool(workers, initializer=_ignore_sigint)
        try:
            yield from pool.imap_unordered(_run_json, todo)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _execute_dask(todo: list[RunConfig], address: str):
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise UsageError(
            "--scheduler needs dask.distributed; install it with: pip install 'nfacheck[cluster]'"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the dask scheduler at {address!r}: {exc}") from None
    try:
        futures = client.map(_run_json, todo, pure=False)
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
