"""Imports point down the architecture: the numeric path never loads SymPy (DESIGN.md)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "nfacheck"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            names.update(f"{base}.{a.name}" if node.module else base + a.name for a in node.names)
    return names


@pytest.mark.parametrize("pkg, forbidden", [
    ("numeric", ("sympy", "symbolic", "..symbolic", "nfacheck.symbolic", "..theorems")),
    ("symbolic", ("numeric", "..numeric", "nfacheck.numeric")),
    ("inspect", ("sympy", "symbolic", "..symbolic", "nfacheck.symbolic", "..theorems", "..cli")),
])
def test_symbolic_and_numeric_never_import_each_other(pkg, forbidden):
    bad = []
    for path in sorted((PKG / pkg).glob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append((path.name, name))
    assert not bad, bad


def test_numeric_path_and_cli_start_without_sympy():
    code = (
        "import sys\n"
        "import nfacheck.cli\n"
        "nfacheck.cli.build_parser()\n"
        "from nfacheck.numeric import integrate, metrics, network, verify, confirm\n"
        "from nfacheck.search import certify\n"
        "from nfacheck import problem, generate\n"
        "import nfacheck.inspect, nfacheck.inspect.report, nfacheck.inspect.files\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'sympy')\n"
        "assert not loaded, loaded[:5]\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_layer_test_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..symbolic import freealg\nimport sympy as sp\n")
    assert {"..symbolic", "sympy"} <= _imports(bad)


def test_only_the_cli_exits():
    offenders = []
    for path in PKG.rglob("*.py"):
        if "cli" in path.relative_to(PKG).parts[:1] or path.name == "__main__.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "sys.exit(" in text or "SystemExit" in text:
            offenders.append(str(path.relative_to(PKG)))
    assert not offenders, offenders


def test_only_the_cli_prints():
    offenders = []
    for path in PKG.rglob("*.py"):
        if path.relative_to(PKG).parts[0] == "cli":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.strip()
            if code.startswith((">>>", "...")):
                continue  # doctest examples
            if "print(" in code or "sys.stdout" in code or "sys.stderr" in code:
                offenders.append(f"{path.relative_to(PKG)}:{number}")
    assert not offenders, offenders
