"""The documentation: generated pages match their generators and the site builds strictly."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nfacheck.cli.reference import render_cli_reference

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_cli_reference_matches_the_parsers():
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert page == render_cli_reference(), (
        "docs/cli.md is out of date; regenerate with: python -m nfacheck.cli.reference docs/cli.md"
    )


def test_cli_reference_notices_a_new_option(monkeypatch):
    from nfacheck.cli import check

    original = check.add_parser

    def with_extra(sub):
        original(sub)
        sub.choices["check"].add_argument("--brand-new-flag")

    monkeypatch.setattr(check, "add_parser", with_extra)
    assert "--brand-new-flag" in render_cli_reference()


def test_every_nav_page_exists():
    text = (DOCS / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [line.split(":", 1)[1].strip() for line in text.splitlines()
             if line.strip().startswith("- ") and line.strip().endswith(".md")]
    assert pages and all((DOCS / p).exists() for p in pages), pages


def test_site_builds_strictly(tmp_path):
    mkdocs = shutil.which("mkdocs")
    assert mkdocs, "mkdocs is missing: install the docs extra (pip install -e '.[docs]')"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run(
        # from the repository root, as documented: `mkdocs build -f docs/mkdocs.yml`
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", "docs/mkdocs.yml",
         "-d", str(tmp_path / "site")],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    for page in ("index.html", "theorems/index.html", "api/index.html", "cli/index.html"):
        assert (tmp_path / "site" / page).exists(), page
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "load_problem" in api and "nfa_metrics" in api


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_pages_use_existing_example_files(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for token in text.split():
        token = token.strip("`'\"(),")
        if token.startswith("docs/examples/") and token.endswith(".toml"):
            assert (ROOT / token).exists(), f"{page} mentions missing {token}"


def _example_commands():
    import re

    text = (DOCS / "examples.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip()]


@pytest.mark.slow
def test_examples_page_runs_with_the_stated_exit_statuses(tmp_path):
    (tmp_path / "docs").symlink_to(DOCS)
    commands = _example_commands()
    assert len(commands) >= 10
    for line in commands:
        command, _, note = line.partition("# exit ")
        out = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)
        if note:
            assert out.returncode == int(note), (command, out.stdout[-800:], out.stderr[-800:])
        else:
            assert out.returncode == 0, (command, out.stderr[-800:])


@pytest.mark.parametrize("page", ["examples.md", "api.md", "inspect.md"])
def test_python_snippets_run(page, monkeypatch, capsys):
    import re

    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, f"docs/{page}", "exec"), {})
    assert capsys.readouterr().out.strip()
