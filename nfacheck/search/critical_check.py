"""The ``nfacheck check`` row for the certified weight-decay counterexample (critical-point kind).

Certifies the committed certificate (python-flint arb; also mpmath.iv unless quick), rejects
tampered copies (box shifted off the point, radius too small, lambda changed, defect and Hessian
bound overclaimed: exit 1; a missing field: exit 2) and, unless quick, re-runs the flow and Newton
from the problem file and checks that the limit lies in the certified box.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..check import CheckRow
from ..errors import NfacheckError
from ..exact import load_json, parse_exact
from .certificate import exact_str
from .critical import certify_critical, parse_critical

__all__ = ["rows", "CERTIFICATE", "PROBLEM", "tampered_critical"]

ROOT = Path(__file__).resolve().parents[2]
CERTIFICATE = ROOT / "docs" / "certificates" / "tanh-weight-decay-limit.json"
PROBLEM = ROOT / "docs" / "examples" / "tanh-weight-decay-limit.toml"


def tampered_critical(data: dict[str, Any]) -> dict[str, tuple[dict[str, Any], int]]:
    """``name -> (tampered copy, expected exit status)``."""
    out = {}

    def edit(name, want, fn):
        c = copy.deepcopy(data)
        fn(c)
        out[name] = (c, want)

    def shift(c):
        row = c["weights"][0][0]
        row[0] = exact_str(parse_exact(row[0]) + Fraction(1, 10**8))

    edit("box shifted 1e-8", 1, shift)
    edit("radius 1e-40", 1, lambda c: c["box"].update(radius="1e-40"))
    edit("lambda 11/10000", 1, lambda c: c.update(weight_decay="0.0011"))
    edit("defect overclaimed", 1, lambda c: c["claims"].update(defect_at_least="0.5"))
    edit("mu overclaimed", 1,
         lambda c: c["claims"].update(hessian_min_eigenvalue_at_least="0.01"))
    edit("box.radius missing", 2, lambda c: c["box"].pop("radius"))
    return out


def _status(data: dict[str, Any], arith: str) -> int:
    try:
        return certify_critical(parse_critical(data), arith).exit_status
    except NfacheckError as exc:
        return exc.exit_status


def rows(quick: bool, workdir: Path) -> Iterator[CheckRow]:
    """One row: the committed lambda > 0 certificate, its controls and (full) its replay."""
    t0 = time.perf_counter()
    data, _ = load_json(CERTIFICATE)
    ariths = ("arb",) if quick else ("arb", "iv")
    certified = all(_status(data, a) == 0 for a in ariths)
    controls = {name: _status(c, "arb") == want
                for name, (c, want) in tampered_critical(data).items()}
    details: dict[str, Any] = {"certificate": str(CERTIFICATE.relative_to(ROOT)),
                               "claims": data["claims"], "radius": data["box"]["radius"],
                               "weight_decay": data["weight_decay"], "controls": controls,
                               "replay": data.get("replay")}
    reached = True
    if not quick:
        from ..numeric.limit.kits import mpf_fraction
        from ..numeric.limit.newton import find_limit
        from ..problem import load_problem
        from .critical import flatten_weights

        res = find_limit(load_problem(PROBLEM))
        cert = parse_critical(data)
        dist = max(abs(mpf_fraction(a) - b)
                   for a, b in zip(res.theta, flatten_weights(cert), strict=True))
        reached = res.converged and dist <= cert.radius
        details.update(flow_time=str(res.flow_time), distance_to_center=float(dist))
    n_ok = sum(controls.values())
    ok = certified and reached and n_ok == len(controls)
    yield CheckRow(
        "counterexamples", "weight-decay-critical-point-tanh",
        "certified" if certified and reached else "failed",
        "flow + Newton + Krawczyk (" + " and ".join(ariths) + ")",
        f"{n_ok}/{len(controls)} rejected", time.perf_counter() - t0, ok, details)
