"""The committed derivation pages are what the generator writes today (no drift)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nfacheck.theorems import all_theorems, run_theorem
from nfacheck.theorems.docs import INDEX, page_name, render_index, render_markdown

PAGES = Path(__file__).resolve().parents[2] / "docs" / "derivations"
REGEN = "regenerate with: nfacheck prove --write-docs docs/derivations"


@pytest.fixture(scope="module")
def results():
    return {t.id: run_theorem(t) for t in all_theorems()}


def test_every_theorem_has_a_page_matching_the_generator(results):
    missing, drifted = [], []
    for tid, r in results.items():
        page = PAGES / page_name(tid)
        if not page.exists():
            missing.append(tid)
        elif page.read_text(encoding="utf-8") != render_markdown(r):
            drifted.append(tid)
    assert not missing, f"missing pages {missing}; {REGEN}"
    assert not drifted, f"pages out of date {drifted}; {REGEN}"


def test_index_matches_the_generator(results):
    index = PAGES / INDEX
    assert index.exists(), REGEN
    assert index.read_text(encoding="utf-8") == render_index(results.values()), REGEN
    for tid in results:
        assert f"]({page_name(tid)})" in index.read_text(encoding="utf-8")


def test_no_stray_pages(results):
    stray = {p.name for p in PAGES.glob("*.md")} - {page_name(t) for t in results} - {INDEX}
    assert not stray, f"pages without a theorem: {sorted(stray)}"


def test_rendering_is_deterministic_and_sensitive(results):
    r = results["agop-linear"]
    assert render_markdown(r) == render_markdown(run_theorem(r.theorem))
    changed = dataclasses.replace(r, status="refuted")
    assert render_markdown(changed) != render_markdown(r)
    assert "seconds" not in render_markdown(r)


def test_registry_order_does_not_depend_on_import_order():
    import subprocess
    import sys

    code = (
        "import nfacheck.theorems.{first}\n"
        "from nfacheck.theorems import all_theorems\n"
        "print(' '.join(t.id for t in all_theorems()))\n"
    )
    orders = {
        subprocess.run([sys.executable, "-c", code.format(first=m)], capture_output=True,
                       text=True, check=True).stdout
        for m in ("fact", "commutator", "linear_asymptotic")
    }
    assert len(orders) == 1
