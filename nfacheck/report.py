"""The Markdown report of ``nfacheck check --report DIR``: summary table, details, figures.

Stages write their own artefacts (certificates, results.json, PNG figures) under ``DIR/<section>``;
the report links them and lists every row with its evidence.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .check import CheckReport
from .io import atomic_write_json, atomic_write_text

__all__ = ["write_report", "render_report"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _details(details: dict) -> list[str]:
    lines = []
    for key, value in details.items():
        if isinstance(value, dict | list):
            text = json.dumps(value, default=str)
            if len(text) > 400:
                text = text[:397] + "..."
        else:
            text = str(value)
        lines.append(f"- **{key}**: `{_cell(text)}`")
    return lines


def render_report(report: CheckReport, directory: Path) -> str:
    """Render the report as Markdown; figures are linked relative to ``directory``."""
    verdict = "all claims hold" if report.ok else "SOME CHECKS FAILED"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# nfacheck check report",
        "",
        f"**Verdict: {verdict}** — {sum(r.ok for r in report.rows)}/{len(report.rows)} rows ok "
        f"in {report.seconds:.1f} s.",
        "",
        f"nfacheck {__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {stamp}.",
        "",
        "Status words: *proved* (SymPy, every depth and dimension it claims), *confirmed* "
        "(numeric, at the stated precision), *certified* (rigorous bounds), *refuted*, "
        "*inconclusive*. A row is ok when its claim holds and every negative control is refuted.",
        "",
        "| section | claim | status | method | controls | seconds | ok |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report.rows:
        out.append(
            f"| {r.section} | {_cell(r.name)} | {r.status} | {_cell(r.method)} | "
            f"{_cell(r.controls)} | {r.seconds:.1f} | {'yes' if r.ok else '**no**'} |"
        )
    sections = list(dict.fromkeys(r.section for r in report.rows))
    for section in sections:
        out += ["", f"## {section}", ""]
        for r in (r for r in report.rows if r.section == section):
            out += [f"### {r.name}", "", f"{r.status} — {r.method}; controls: {r.controls}", ""]
            out += _details(r.details)
            out.append("")
        figures = sorted((directory / section).glob("**/*.png"))
        for fig in figures:
            rel = fig.relative_to(directory).as_posix()
            out += [f"![{fig.stem}]({rel})", ""]
    return "\n".join(out).rstrip() + "\n"


def write_report(report: CheckReport, directory: Path) -> Path:
    """Write ``report.md`` and ``report.json`` into ``directory`` (atomically); returns the .md."""
    directory = Path(directory)
    atomic_write_json(
        directory / "report.json",
        {
            "ok": report.ok,
            "seconds": round(report.seconds, 2),
            "version": __version__,
            "rows": [r.to_json() for r in report.rows],
        },
    )
    return atomic_write_text(directory / "report.md", render_report(report, directory))
