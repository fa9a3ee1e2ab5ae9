"""PNG figures of an experiment grid (matplotlib, Agg backend, written atomically).

``residual_vs_step.png`` (one panel per optimizer), ``alpha_fit_vs_depth.png`` (against 1/L),
``imbalance_law.png`` (‖D‖ against the e^{−2λt} law and the exact discrete law, plus the drift
slopes) and ``linear_vs_nonlinear.png``.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from ..io import atomic_write_bytes
from .optimizers import OPTIMIZERS

__all__ = ["write_figures", "FIGURES"]

#: one look per optimizer, so that curves lying on top of each other (gd under sgd, adam under
#: adamw) stay distinguishable: marker, line style and a small offset in depth
STYLES = {"gd": ("o", "-"), "sgd": ("s", "--"), "momentum": ("^", "-."), "adam": ("D", ":"),
          "adamw": ("v", (0, (5, 1, 1, 1)))}

FIGURES = ("residual_vs_step.png", "alpha_fit_vs_depth.png", "imbalance_law.png",
           "linear_vs_nonlinear.png")


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def _is_base(r: dict, **kw) -> bool:
    """Balanced linear λ=0 runs (the baseline), with overrides."""
    want = {"activation": "linear", "init": "balanced", "weight_decay": 0.0, "status": "ok"}
    want.update(kw)
    return all(r.get(k) == v for k, v in want.items())


def _series(r: dict, key: str):
    h = r.get("history") or []
    pts = [(x["step"], x[key]) for x in h if x.get(key) is not None and x[key] > 0
           and x["step"] > 0]
    return [p[0] for p in pts], [p[1] for p in pts]


def residual_vs_step(runs: Sequence[dict], path: Path) -> Path:
    plt = _plt()
    opts = [o for o in OPTIMIZERS if any(_is_base(r, optimizer=o, seed=0) for r in runs)]
    fig, axes = plt.subplots(1, max(len(opts), 1), figsize=(3.2 * max(len(opts), 1), 3),
                             sharey=True, squeeze=False)
    for ax, opt in zip(axes[0], opts, strict=False):
        for r in sorted((r for r in runs if _is_base(r, optimizer=opt, seed=0)),
                        key=lambda r: r["depth"]):
            x, y = _series(r, "nfa_residual")
            ax.loglog(x, y, label=f"L={r['depth']}")
        ax.set_title(opt)
        ax.set_xlabel("step")
    axes[0][0].set_ylabel("NFA residual at α = 1/L")
    axes[0][0].legend(fontsize=7, framealpha=0.85)
    fig.suptitle("Balanced init, λ = 0, linear: residual along training", fontsize=10, y=1.03)
    return _save(fig, path)


def alpha_fit_vs_depth(runs: Sequence[dict], path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    depths = sorted({r["depth"] for r in runs})
    ax.plot(depths, [1 / L for L in depths], "k-", lw=2, alpha=0.3, label="1/L")
    for i, opt in enumerate(OPTIMIZERS):
        acc = defaultdict(list)
        for r in runs:
            if _is_base(r, optimizer=opt) and r.get("alpha_fit") is not None:
                acc[r["depth"]].append(r["alpha_fit"])
        if acc:
            xs = sorted(acc)
            marker, ls = STYLES.get(opt, ("o", "-"))
            ax.plot([x + 0.06 * (i - 2) for x in xs], [sum(acc[x]) / len(acc[x]) for x in xs],
                    marker=marker, ls=ls, ms=5, mfc="none", label=opt)
    ctrl = [(r["depth"], r["alpha_fit"]) for r in runs
            if _is_base(r, optimizer="gd", init="gaussian", init_scale=1.0)
            and r.get("alpha_fit") is not None]
    if ctrl:  # every seed on its own: the deviations have either sign, a mean would hide them
        ax.plot([c[0] for c in ctrl], [c[1] for c in ctrl], "x", color="gray", ms=7,
                label="gd, Gaussian init, scale 1 (control, each seed)")
    ax.set_xlabel("depth L")
    ax.set_ylabel("alpha_fit")
    ax.set_title("Fitted exponent at the end of training (balanced init, λ = 0)", fontsize=9)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _save(fig, path)


def imbalance_law(trace: dict | None, drift: dict | None, path: Path) -> Path:
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    fig.subplots_adjust(wspace=0.35)
    ax, gap = axes[0], axes[1]
    if trace:
        t = trace["t"]
        ax.semilogy(t, trace["measured"], "k-", lw=3, alpha=0.35, label="measured ‖D‖")
        ax.semilogy(t, trace["flow"], "--", label=r"$e^{-2\lambda t}\,\|D(0)\|$ (flow)")
        ax.semilogy(t, trace["geometric"], ":", label=r"$(1-\eta\lambda)^{2k}\,\|D(0)\|$")
        ax.semilogy(t, trace["discrete"], "-", lw=1, label="exact discrete law (η² drift)")
        ax.set_title(f"GD, η={trace['lr']}, λ={trace['weight_decay']}", fontsize=9)
        for key, style, label in (("flow", "--", r"vs $e^{-2\lambda t}$ law"),
                                  ("geometric", ":", r"vs $(1-\eta\lambda)^{2k}$ law"),
                                  ("discrete", "-", "vs exact discrete law")):
            rel = [max(abs(m - v) / m, 1e-17) for m, v in zip(trace["measured"], trace[key],
                                                                strict=True) if m > 0]
            gap.semilogy(t[:len(rel)], rel, style, label=label)
        gap.set_title(f"relative gap (law error {trace['law_error']:.1e})", fontsize=9)
    ax.set_xlabel("t = η·step")
    ax.set_ylabel(r"$\max_l \|D_l\|_F$")
    ax.legend(fontsize=7, loc="lower left", framealpha=0.85)
    gap.set_xlabel("t = η·step")
    gap.set_ylabel("|measured − law| / measured")
    gap.legend(fontsize=7, loc="center right", framealpha=0.85)
    ax = axes[2]
    looks = list(STYLES.values())
    for i, (name, fit) in enumerate((drift or {}).items()):
        marker, ls = looks[i % len(looks)]  # gd with and without λ coincide: keep both visible
        ax.loglog(fit["lrs"], fit["drifts"], marker=marker, ls=ls, ms=6 - i, mfc="none",
                  label=f"{name}: slope {fit['slope']:.2f}")
    ax.set_xlabel("step size η")
    ax.set_ylabel("one-step imbalance drift")
    ax.set_title("Per-step drift: O(η²) for GD on linear nets", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, path)


def linear_vs_nonlinear(runs: Sequence[dict], path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for r in runs:
        if (r.get("optimizer") == "gd" and r.get("init") == "balanced"
                and r.get("weight_decay") == 0.0 and r.get("seed") == 0
                and r.get("depth") in (2, 3) and r.get("status") == "ok"):
            x, y = _series(r, "nfa_residual")
            style = "-" if r["activation"] == "linear" else "--"
            ax.loglog(x, y, style, label=f"{r['activation']}, L={r['depth']}")
    ax.set_xlabel("step")
    ax.set_ylabel("NFA residual at α = 1/L")
    ax.set_title("GD, balanced init, λ = 0: linear vs nonlinear", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, path)


def write_figures(
    runs: Sequence[dict],
    out_dir: str | Path,
    law_trace: dict | None = None,
    drift: dict | None = None,
) -> list[Path]:
    """Write the four figures into ``out_dir``; returns their paths.

    ``law_trace`` is :func:`~nfacheck.experiments.laws.imbalance_law_trace` output and ``drift``
    maps a label to a :class:`~nfacheck.experiments.laws.DriftFit` JSON dict.
    """
    out = Path(out_dir)
    return [
        residual_vs_step(runs, out / FIGURES[0]),
        alpha_fit_vs_depth(runs, out / FIGURES[1]),
        imbalance_law(law_trace, drift, out / FIGURES[2]),
        linear_vs_nonlinear(runs, out / FIGURES[3]),
    ]
