"""Mutation testing of the proof code: mutate a theorem or lemma module, rerun its proofs.

A small AST mutator (mutmut and cosmic-ray mutate whole test runs; this one needs the proof's
*derivation* to classify a mutant): constants (+1), ``+``/``-`` swapped, operand order of ``*``,
``/`` made ``*``, a dropped transpose ``.T``, a dropped unary minus, a dropped last element of a
list or tuple argument (a hypothesis, rate or step), booleans flipped. Each mutant is run in a
fresh interpreter on a copy of the package; for every theorem the module defines:

- ``killed``: not proved (the kernel refused a step, the final theorem is not the declared
  statement, or a cross-check found a counter-instance), or the module no longer loads;
- ``equivalent (derivation unchanged)``: proved with the same kernel derivation and statement —
  the mutated code is evidence, a description or a cross-check that still agrees;
- ``equivalent (same statement)``: proved with the same declared statement, hypotheses and axioms
  by another kernel derivation — sound, because the kernel checked it;
- ``survivor``: proved, but the declared statement, hypotheses or axioms changed; each needs a
  reason in ``EXPLAINED`` or is a finding.

Usage: ``python3 benchmarks/mutation.py [--count N] [--seed S] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "nfacheck/symbolic/deeplinear.py": ("gradient-linear", "balancedness", "imbalance-decay",
                                        "agop-linear", "agop-balanced-power",
                                        "nfa-weight-decay-asymptotic"),
    "nfacheck/theorems/linear.py": ("gradient-linear", "balancedness", "imbalance-decay",
                                    "agop-linear"),
    "nfacheck/theorems/linear_power.py": ("agop-balanced-power", "nfa-linear-balanced"),
    "nfacheck/theorems/linear_asymptotic.py": ("nfa-weight-decay-asymptotic",),
    "nfacheck/theorems/commutator.py": ("nfa-commutator-obstruction",
                                        "nfa-commutator-obstruction-sharp"),
    "nfacheck/theorems/fact.py": ("fact-stationary",),
    "nfacheck/theorems/homogeneous.py": ("neuronwise-balancedness-homogeneous",),
}
EXPLAINED: dict[str, str] = {}  # "file:line:operator" -> why the surviving mutant is equivalent

_DRIVER = r"""
import hashlib, json, sys
from nfacheck.symbolic import kernel as K, printing as pr
from nfacheck.theorems import get_theorem
from nfacheck.theorems.base import _run, _verdict
out = {}
for tid in sys.argv[1:]:
    th = get_theorem(tid)
    final, steps, refusal = _run(th.prove)
    status, why = _verdict(steps)
    if status == "holds":
        why = K.matches(final, th.conclusion, th.assumptions, th.axioms) if final else "no theorem"
        status = "proved" if why is None else "inconclusive"
    stmt = "\n".join([pr.prop_latex(th.conclusion), *sorted(pr.prop_latex(h)
                                                               for h in th.assumptions),
                       *sorted(th.axioms)])
    der = "\n".join(pr.derivation(final, limit=10**9)) if final is not None else ""
    out[tid] = {"status": status, "why": str(why or refusal)[:300],
                "statement": hashlib.sha256(stmt.encode()).hexdigest(),
                "derivation": hashlib.sha256(der.encode()).hexdigest()}
print(json.dumps(out))
"""


def _points(tree: ast.Module) -> list[tuple[int, str, ast.AST]]:
    """Every mutation point: (line, operator, node)."""
    doc = {id(n.body[0].value) for n in ast.walk(tree)
           if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
           and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    out = []
    for node in ast.walk(tree):
        if id(node) in doc:
            continue
        if isinstance(node, ast.Constant) and type(node.value) is int:
            out.append((node.lineno, "constant+1", node))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            out.append((node.lineno, "flip bool", node))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            out.append((node.lineno, "swap +/-", node))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            out.append((node.lineno, "operand order of *", node))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            out.append((node.lineno, "/ -> *", node))
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            out.append((node.lineno, "drop transpose", node))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            out.append((node.lineno, "drop minus", node))
        elif isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, (ast.List, ast.Tuple)) and len(arg.elts) >= 2:
                    out.append((arg.lineno, "drop last element", arg))
    return out


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST, op: str) -> None:
        self.target, self.op = target, op

    def visit(self, node):
        if node is not self.target:
            return self.generic_visit(node)
        op = self.op
        if op == "constant+1":
            return ast.copy_location(ast.Constant(node.value + 1), node)
        if op == "flip bool":
            return ast.copy_location(ast.Constant(not node.value), node)
        if op == "swap +/-":
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        elif op == "operand order of *":
            node.left, node.right = node.right, node.left
        elif op == "/ -> *":
            node.op = ast.Mult()
        elif op == "drop transpose":
            return node.value
        elif op == "drop minus":
            return node.operand
        elif op == "drop last element":
            node.elts = node.elts[:-1]
        return node


def mutants(seed: int, count: int) -> list[tuple[str, int, str, int]]:
    """A deterministic sample: (file, line, operator, index of the point in that file)."""
    every = []
    for rel in TARGETS:
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        every += [(rel, line, op, i) for i, (line, op, _) in enumerate(_points(tree))]
    rng = random.Random(seed)
    return sorted(rng.sample(every, min(count, len(every))))


def _mutated_source(rel: str, index: int) -> str:
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
    _, op, node = _points(tree)[index]
    return ast.unparse(ast.fix_missing_locations(_Apply(node, op).visit(tree)))


def _run(pkg_root: Path, ids, timeout: float = 180) -> dict | None:
    try:
        # cwd = the copy: ``python -c`` puts the working directory first on sys.path
        env = {"PYTHONPATH": str(pkg_root), "PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin"}
        p = subprocess.run([sys.executable, "-c", _DRIVER, *ids], capture_output=True,
                           cwd=pkg_root, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def classify(base: dict, got: dict | None, ids) -> tuple[str, str]:
    if got is None:
        return "killed", "the module no longer loads or the run crashed"
    worst = "equivalent (derivation unchanged)"
    for tid in ids:
        g, b = got[tid], base[tid]
        if g["status"] != "proved":
            return "killed", f"{tid}: {g['status']}: {g['why']}"
        if g["statement"] != b["statement"]:
            worst = "survivor"
        elif g["derivation"] != b["derivation"] and worst != "survivor":
            worst = "equivalent (same statement)"
    return worst, ""


def _one(pkg: Path, base: dict, mutant) -> dict:
    rel, line, op, index = mutant
    original = (ROOT / rel).read_text(encoding="utf-8")
    try:
        (pkg / rel).write_text(_mutated_source(rel, index), encoding="utf-8")
        got = _run(pkg, TARGETS[rel])
    finally:
        (pkg / rel).write_text(original, encoding="utf-8")
    verdict, why = classify(base, got, TARGETS[rel])
    tag = f"{rel}:{line}:{op}"
    if verdict == "survivor" and tag in EXPLAINED:
        verdict, why = "equivalent (explained)", EXPLAINED[tag]
    return {"file": rel, "line": line, "operator": op, "verdict": verdict, "why": why}


def run(count: int, seed: int, sample: list | None = None, workers: int = 1,
        progress=sys.stderr) -> list[dict]:
    """Run the sampled mutants (``workers`` package copies side by side); one record each."""
    from concurrent.futures import ThreadPoolExecutor

    chosen = sample if sample is not None else mutants(seed, count)
    with tempfile.TemporaryDirectory() as tmp:
        pkgs = []
        for w in range(workers):
            pkg = Path(tmp) / str(w)
            shutil.copytree(ROOT / "nfacheck", pkg / "nfacheck",
                            ignore=shutil.ignore_patterns("__pycache__"))
            pkgs.append(pkg)
        all_ids = sorted({t for m in chosen for t in TARGETS[m[0]]})
        base = _run(pkgs[0], all_ids, timeout=600)
        if base is None or any(v["status"] != "proved" for v in base.values()):
            raise SystemExit("the unmutated proofs do not all prove")
        t0 = time.perf_counter()
        records: list = [None] * len(chosen)

        def job(w):
            for n in range(w, len(chosen), workers):
                records[n] = _one(pkgs[w], base, chosen[n])
                r = records[n]
                progress.write(f"[mutation] {n + 1}/{len(chosen)} {r['file']}:{r['line']}:"
                               f"{r['operator']}: {r['verdict']} "
                               f"({time.perf_counter() - t0:.0f} s)\n")
                progress.flush()

        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(job, range(workers)))
    return records


def summary(records: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in records:
        out[r["verdict"]] = out.get(r["verdict"], 0) + 1
    return dict(sorted(out.items()))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=220)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--out", default="")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    records = run(args.count, args.seed, workers=args.workers)
    s = summary(records)
    killed = s.get("killed", 0)
    print(json.dumps(s, indent=1))
    changing = len(records) - s.get("equivalent (derivation unchanged)", 0)
    print(f"mutants {len(records)}, killed {killed}; mutation score among mutants that change "
          f"a derivation or statement: {killed}/{changing}")
    for r in records:
        if r["verdict"] == "survivor":
            print(f"SURVIVOR {r['file']}:{r['line']} {r['operator']}")
    if args.out:
        Path(args.out).write_text(json.dumps(records, indent=1) + "\n", encoding="utf-8")
    return 1 if s.get("survivor") else 0


if __name__ == "__main__":
    sys.exit(main())
