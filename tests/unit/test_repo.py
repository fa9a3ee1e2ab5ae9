"""The repository keeps its promises: CI runs the README's test command, exactly as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_has_the_two_setup_commands_first():
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    assert len(blocks) >= 2
    main_job, tests = blocks[0], blocks[1]
    assert main_job.endswith("nfacheck check") and "pip install" in main_job
    assert "pip install" in tests and "pytest" in tests


def test_ci_runs_the_readme_test_command_exactly():
    tests = _bash_blocks((ROOT / "README.md").read_text())[1]
    ci_lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert tests in ci_lines


def test_getting_started_repeats_the_readme_commands():
    readme = _bash_blocks((ROOT / "README.md").read_text())[:2]
    guide = _bash_blocks((ROOT / "docs" / "getting-started.md").read_text())[:2]
    assert guide == readme


def test_top_level_layout():
    for name in ("pyproject.toml", "nfacheck", "proofs", "tests", "docs", "README.md"):
        assert (ROOT / name).exists(), name
