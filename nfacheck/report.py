"""The Markdown report of ``nfacheck check --report DIR``: summary table, details, figures.

Stages write their own artefacts (certificates, results.json, PNG figures) under ``DIR/<section>``;
the report links them and lists every row with its evidence. ``nfacheck check --report DIR``
builds the folder under a temporary name marked ``INCOMPLETE`` (:func:`nfacheck.io.staged_dir`)
and moves it into place only when the report is complete.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .check import CheckReport
from .fmt import num, seconds
from .io import atomic_write_json, atomic_write_text

__all__ = ["write_report", "render_report"]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: what the less obvious detail fields mean (printed under the field in the report)
GLOSSARY = {
    "loss_orders_of_magnitude": "log10(largest / smallest data loss) over the family members "
    "with eps > 0: how many orders of magnitude the loss falls while the defect bound stays",
    "steps": "the proof's steps, each with its outcome",
    "seconds_note": "how the seconds column of this row was measured",
    "controls": "each negative control and whether it was rejected (true = rejected)",
    "training_iterations": "gradient-descent iterations of the certified training checkpoints",
}


def _tidy(value: object, directory: Path | None = None) -> object:
    """Paths relative to the report (numbers untouched: report.json keeps full precision)."""
    if isinstance(value, dict):
        return {k: _tidy(v, directory) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tidy(v, directory) for v in value]
    if isinstance(value, str) and directory is not None:
        return value.replace(str(directory) + "/", "")
    return value


def _inline(value: object) -> str:
    """A detail value as JSON-like text, its reals in the one human style (:func:`num`)."""
    if isinstance(value, float):
        return num(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_inline(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return json.dumps(value, default=str)


def _details(details: dict, directory: Path | None = None) -> list[str]:
    lines = []
    for key, value in details.items():
        if value in ([], {}, (), None, ""):
            continue  # nothing to say (e.g. no failed claims)
        value = _tidy(value, directory)
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and len(value) <= 40:
            lines.append(f"- **{key}**:")
            lines += [f"    - {_cell(v)}" for v in value]
        else:
            if isinstance(value, dict | list):
                text = _inline(value)
                if len(text) > 400:
                    text = text[:397] + "..."
            else:
                text = num(value) if isinstance(value, float) else str(value)
            lines.append(f"- **{key}**: `{_cell(text)}`")
        if key in GLOSSARY:
            lines.append(f"  ({GLOSSARY[key]})")
    return lines


def render_report(report: CheckReport, directory: Path) -> str:
    """Render the report as Markdown; figures are linked relative to ``directory``."""
    verdict = "all claims hold" if report.ok else "SOME CHECKS FAILED"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# nfacheck check report",
        "",
        f"**Verdict: {verdict}** — {sum(r.ok for r in report.rows)}/{len(report.rows)} rows ok "
        f"in {seconds(report.seconds)} s.",
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
        star = "*" if "seconds_note" in r.details else ""
        out.append(
            f"| {r.section} | {_cell(r.name)} | {r.status} | {_cell(r.method)} | "
            f"{_cell(r.controls)} | {seconds(r.seconds)}{star}"
            f" | {'yes' if r.ok else '**no**'} |"
        )
    if any("seconds_note" in r.details for r in report.rows):
        out += ["", "\\* a share of work done once for several rows (see the row's "
                "*seconds_note*); the other rows are measured on their own."]
    sections = list(dict.fromkeys(r.section for r in report.rows))
    for section in sections:
        out += ["", f"## {section}", ""]
        for r in (r for r in report.rows if r.section == section):
            out += [f"### {r.name}", "", f"{r.status} — {r.method}; controls: {r.controls}", ""]
            out += _details(r.details, directory)
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
            "rows": [_tidy(r.to_json(), directory) for r in report.rows],
        },
    )
    return atomic_write_text(directory / "report.md", render_report(report, directory))
