"""A whole experiment: run a grid, measure the imbalance laws, write results.json and figures.

Shared by ``nfacheck experiments`` and the experiments stage of ``nfacheck check``.
"""

from __future__ import annotations

import platform
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..io import atomic_write_json, dir_lock
from .figures import write_figures
from .grid import STORE_NAME, _round, check_grid, run_grid
from .laws import drift_slope, imbalance_law_trace
from .optimizers import OPTIMIZERS
from .train import RunConfig, run_config

__all__ = ["DRIFT_CASES", "LAW_CASE", "run_suite", "alpha_table", "layer_alpha_table",
           "measure_laws"]

# One-step imbalance drift vs η: GD on linear nets is O(η²); the rest are first-order controls.
DRIFT_CASES: dict[str, RunConfig] = {
    "gd linear": run_config(optimizer="gd", depth=3, init="gaussian"),
    "gd linear λ=0.05": run_config(optimizer="gd", depth=3, init="gaussian", weight_decay=0.05),
    "adam linear": run_config(optimizer="adam", depth=3, init="gaussian"),
    "momentum linear": run_config(optimizer="momentum", depth=3, init="gaussian"),
    "gd tanh": run_config(optimizer="gd", depth=3, init="gaussian", activation="tanh"),
}
# Imbalance under weight decay from an unbalanced init, against the flow and discrete laws.
LAW_CASE = run_config(optimizer="gd", depth=3, init="gaussian", weight_decay=0.05, steps=3000)


def measure_laws(quick: bool = True) -> tuple[dict, dict]:
    """The drift fits (label -> DriftFit JSON) and the imbalance-law trace."""
    drift = {label: drift_slope(cfg).to_json() for label, cfg in DRIFT_CASES.items()}
    return drift, imbalance_law_trace(LAW_CASE)


def _balanced_linear(r: dict) -> bool:
    return (r.get("activation") == "linear" and r.get("init") == "balanced"
            and r.get("weight_decay") == 0.0 and r.get("alpha_fit") is not None)


def _cells(text: bool):
    """How table cells are written: JSON numbers (full precision, exponents as ``"1/2"``) or the
    human style of :mod:`nfacheck.fmt` (``text=True``)."""
    from fractions import Fraction

    from ..fmt import exponent, num

    if text:
        return str, lambda k: exponent(Fraction(1, k)), lambda v: num(sum(v) / len(v))
    return int, lambda k: exponent(Fraction(1, k)), lambda v: sum(v) / len(v)


def alpha_table(runs: Sequence[dict], text: bool = False) -> tuple[list[str], list[list]]:
    """alpha_fit (mean over seeds) by depth and optimizer, balanced linear runs with λ = 0.

    Rows are ``[L, "1/L", mean or None, ...]`` (JSON), or strings with ``text=True`` (means in
    the style of :func:`nfacheck.fmt.num`, ``-`` where no run).
    """
    count, expo, mean = _cells(text)
    none = "-" if text else None
    acc: dict[tuple[int, str], list[float]] = defaultdict(list)
    for r in runs:
        if _balanced_linear(r):
            acc[(r["depth"], r["optimizer"])].append(r["alpha_fit"])
    depths = sorted({d for d, _ in acc})
    opts = [o for o in OPTIMIZERS if any(o == p for _, p in acc)]
    rows = []
    for L in depths:
        row = [count(L), expo(L)]
        for o in opts:
            v = acc.get((L, o))
            row.append(mean(v) if v else none)
        rows.append(row)
    return ["depth", "1/L"] + opts, rows


def layer_alpha_table(runs: Sequence[dict], text: bool = False) -> tuple[list[str], list[list]]:
    """Per-layer alpha_fit (mean over seeds) against 1/(L−l+1), by depth, layer and optimizer.

    The deep NFA of layer l (``W_l^T W_l`` against the AGOP of the sub-network from layer l on,
    w.r.t. its input); balanced linear runs with λ = 0. Layer L is exact for every net (its
    sub-network is ``W_L`` itself), so its row shows the arithmetic only. Cells as in
    :func:`alpha_table`.
    """
    count, expo, mean = _cells(text)
    none = "-" if text else None
    acc: dict[tuple[int, int, str], list[float]] = defaultdict(list)
    for r in runs:
        if _balanced_linear(r):
            for i, a in enumerate(r.get("layer_alpha_fit") or []):
                if a is not None:
                    acc[(r["depth"], i + 1, r["optimizer"])].append(a)
    keys = sorted({(L, layer) for L, layer, _ in acc})
    opts = [o for o in OPTIMIZERS if any(o == p for _, _, p in acc)]
    rows = []
    for L, layer in keys:
        row = [count(L), count(layer), expo(L - layer + 1)]
        for o in opts:
            v = acc.get((L, layer, o))
            row.append(mean(v) if v else none)
        rows.append(row)
    return ["depth", "l", "1/(L-l+1)"] + opts, rows


def run_suite(
    configs: Sequence[RunConfig],
    out_dir: str | Path,
    *,
    grid_name: str,
    workers: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[dict], None] | None = None,
    extra_provenance: dict | None = None,
    lock: bool = True,
) -> dict:
    """Run ``configs`` (resuming from ``out_dir``), the law measurements, and write the outputs.

    The grid's work is estimated first (:func:`~nfacheck.experiments.grid.check_grid`), and the
    folder is locked for the whole run (:func:`nfacheck.io.dir_lock`): a second writer of the
    same folder is refused, told which process holds it, instead of computing every run twice.
    ``lock=False``: the caller already holds that lock.

    Returns
    -------
    dict
        ``runs`` (with histories), ``drift``, ``law_trace``, ``figures`` (paths), ``results``
        (what was written to ``out_dir/results.json``), ``seconds``.
    """
    import numpy as np

    from .. import __version__

    start = time.perf_counter()
    out = Path(out_dir)
    check_grid(configs, grid_name)
    if not lock:  # the caller holds the folder's lock
        return _run_locked(configs, out, grid_name, workers, scheduler, on_result,
                           extra_provenance, start, np, __version__)
    with dir_lock(out, f"experiments, grid {grid_name}"):
        return _run_locked(configs, out, grid_name, workers, scheduler, on_result,
                           extra_provenance, start, np, __version__)


def _run_locked(configs, out, grid_name, workers, scheduler, on_result, extra_provenance,
                start, np, __version__) -> dict:
    runs = run_grid(configs, out, workers=workers, scheduler=scheduler, on_result=on_result)
    drift, trace = measure_laws()
    figures = write_figures(runs, out, trace, drift)
    seconds = time.perf_counter() - start
    results = {
        "runs": [{k: v for k, v in r.items() if k != "history"} for r in runs],
        "laws": {
            "drift": _round(drift),
            "imbalance_law": _round({k: trace[k] for k in ("lr", "weight_decay", "law_error")}
                                    | {"config": LAW_CASE.key()}),
        },
        "alpha_table": dict(zip(("headers", "rows"), alpha_table(runs), strict=True)),
        "layer_alpha_table": dict(zip(("headers", "rows"), layer_alpha_table(runs),
                                      strict=True)),
        "provenance": {
            "nfacheck": __version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "backend": "numpy float64",
            "grid": grid_name,
            "n_runs": len(runs),
            "workers": workers,
            "scheduler": scheduler,
            "seconds": round(seconds, 2),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "store": STORE_NAME,
            "figures": [p.name for p in figures],
            **(extra_provenance or {}),
        },
    }
    atomic_write_json(out / "results.json", results)
    return {"runs": runs, "drift": drift, "law_trace": trace, "figures": figures,
            "results": results, "seconds": seconds}
