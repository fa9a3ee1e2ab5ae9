"""``--report DIR``: inspect.md, inspect.json and PNG figures, each file written atomically.

DIR is checked before any work (:func:`nfacheck.io.check_output_path`); while the files are
written it is locked (:func:`nfacheck.io.dir_lock`: a second writer is refused, told who holds
it) and holds an ``INCOMPLETE`` file, removed when the last file is in place, so an
interrupted write is marked as such.

Per layer ``layer<l>_heatmap.png`` shows M_l beside c·G_l^α at α = 1/(L−l+1) (as the deep-NFA
paper shows them) and ``residual_vs_alpha.png`` the best-c residual of every layer against α.
All figures are rendered in memory first; nothing is written when an input is bad.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..io import (
    INCOMPLETE_MARKER,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    check_not_locked,
    check_output_path,
    dir_lock,
)
from .layer import ALPHA_GRID

__all__ = ["write_report", "check_report_dir", "render_figures"]

MAX_PIXELS = 256  # heatmaps of wider layers show the leading block (said in the caption)


def check_report_dir(path: str) -> None:
    """Refuse, before any work, a report path nfacheck may not write (a file, a device, a FIFO,
    a path under a file or under /proc, /sys, /dev: :func:`nfacheck.io.check_output_path`) or
    that another nfacheck is writing (:func:`nfacheck.io.check_not_locked`)."""
    check_output_path(path, folder=True, option="--report")
    check_not_locked(path)


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def render_figures(result) -> dict[str, bytes]:
    """The report's figures as ``{file name: PNG bytes}``."""
    from ..fmt import exponent, num

    plt = _plt()
    out = {}
    for l, mats in result.matrices.items():
        M, cG = mats["M"], mats["cG"]
        m = min(M.shape[0], MAX_PIXELS)
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.8))
        top = float(max(np.abs(M[:m, :m]).max(), np.abs(cG[:m, :m]).max(), 1e-300))
        row = next(r for r in result.layers if r["layer"] == l)
        for ax, A, title in ((axes[0], M, f"M = W{l}ᵀW{l}"),
                             (axes[1], cG, f"c·G{l}^α, α = {exponent(row['alpha_theory'])}")):
            im = ax.imshow(A[:m, :m], cmap="RdBu_r", vmin=-top, vmax=top)
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(im, ax=axes, shrink=0.8)
        fig.suptitle(f"layer {l}: residual {num(row['gram']['residual_theory'])}, "
                     f"cosine {num(row['gram']['cosine'])}"
                     + (f" (leading {m}×{m} block)" if m < M.shape[0] else ""))
        out[f"layer{l}_heatmap.png"] = _png(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in result.layers:
        ax.plot(ALPHA_GRID, r["gram"]["residual_curve"], label=f"layer {r['layer']}")
        ax.axvline(r["alpha_theory"], ls=":", lw=0.8, color=ax.lines[-1].get_color())
        cert = r.get("certified", {}).get("gram")
        if cert and cert["defect_lower"] > 0:
            ax.axhline(cert["defect_lower"], ls="--", lw=0.8, color=ax.lines[-1].get_color())
    ax.set_xlabel("α")
    ax.set_ylabel("min_c ‖M − cG^α‖_F / ‖M‖_F")
    ax.set_title("residual against α (dotted: 1/(L−l+1); dashed: certified lower bound)")
    ax.legend()
    out["residual_vs_alpha.png"] = _png(fig)
    return out


def _markdown(result, table, command: str, figures) -> str:
    headers, rows = table
    net = result.network
    lines = [
        "# nfacheck inspect report", "",
        f"`{command}`", "",
        f"{net['activation']} network, widths {net['widths']}, n = {net['n']} samples"
        + (", with biases" if net["biases"] else "") + ".", "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    c = result.certification
    lines += ["", "cos: the deep-NFA cosine ⟨M,G⟩_F/(‖M‖_F‖G‖_F); residual: "
              "min_c ‖M − cG^α‖_F/‖M‖_F; certified ≥: a rigorous lower bound on the residual "
              "for every c and α.", "",
              f"Certification: {c['method']}." if c["status"] == "certified"
              else f"Certification: none ({c['reason']}).", ""]
    lines += [f"Note: {n}" for n in result.notes]
    lines += ["", "## Figures", "", "![residual against alpha](residual_vs_alpha.png)", ""]
    lines += [f"![{name}]({name})" for name in sorted(figures) if name.endswith("heatmap.png")]
    return "\n".join(lines) + "\n"


def write_report(result, folder: str, *, table, command: str = "nfacheck.inspect") -> list[Path]:
    """Write the report files into ``folder`` (created); returns the paths written."""
    figures = render_figures(result)
    data = json.loads(json.dumps(result.to_json(), allow_nan=False))
    md = _markdown(result, table, command, figures)
    d = check_output_path(folder, folder=True, option="--report")
    with dir_lock(d, command):
        marker = atomic_write_text(d / INCOMPLETE_MARKER, _INCOMPLETE_TEXT)
        written = [atomic_write_bytes(d / name, png) for name, png in figures.items()]
        written.append(atomic_write_json(d / "inspect.json", data))
        written.append(atomic_write_text(d / "inspect.md", md))
        marker.unlink()
    return written


_INCOMPLETE_TEXT = ("This inspect report is incomplete: nfacheck stopped while writing it, so the "
                    "files here may be missing or from an older run. Run nfacheck inspect "
                    "--report again.\n")
