"""The ``counterexamples`` stage of ``nfacheck check``: one search + certify round per activation.

A last round certifies a ReLU network reached by gradient descent (``trained_dead_units``), with
one more control: a frozen unit moved in the last iterate (``training.frozen_units`` refuted, 1).

Each round writes the search's certificate, certifies it, and certifies tampered copies that must
be rejected with the right exit status (the negative controls): weights scaled by 1.01 and a loss
claimed to be -1 (loss claim refuted, 1), a defect claimed to be 0.999 (defect claim refuted, 1),
a missing field (malformed, 2) and, for ReLU-type activations, a sample on the kink (refused, 2).
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
from ..exact import parse_exact
from ..io import atomic_write_json
from .certificate import exact_str, read_certificate
from .certify import certify
from .search import search

__all__ = ["rows", "tampered_copies", "certify_status", "ACTIVATIONS_CHECKED"]

ACTIVATIONS_CHECKED = ("relu", "leaky_relu", "tanh", "sigmoid", "softplus")
QUICK_ACTIVATIONS = ("relu", "leaky_relu", "tanh")
#: (row suffix, activation, mechanism): the network reached by gradient descent
TRAINED = ("relu-trained", "relu", "trained_dead_units")


def _scale_weights(cert: dict[str, Any], factor: Fraction) -> None:
    cert["weights"] = [
        [[exact_str(parse_exact(x) * factor) for x in row] for row in w] for w in cert["weights"]
    ]


def tampered_copies(cert: dict[str, Any]) -> dict[str, tuple[dict[str, Any], int, str]]:
    """Tampered versions of a certificate: ``name -> (data, expected exit status, field)``.

    ``field`` is the claim that must be refuted (status 1) or the field the error must name (2).
    """
    out: dict[str, tuple[dict[str, Any], int, str]] = {}
    c = copy.deepcopy(cert)
    _scale_weights(c, Fraction(101, 100))
    out["weights x 1.01"] = (c, 1, "claims.loss_at_most")
    c = copy.deepcopy(cert)
    c["claims"]["defect_at_least"] = "0.999"
    out["defect claimed 0.999"] = (c, 1, "claims.defect_at_least")
    c = copy.deepcopy(cert)
    c["claims"]["loss_at_most"] = "-1"
    out["loss claimed -1"] = (c, 1, "claims.loss_at_most")
    c = copy.deepcopy(cert)
    del c["data"]["Y"]
    out["data.Y missing"] = (c, 2, "data.Y")
    if cert["network"]["activation"] in ("relu", "leaky_relu"):
        c = copy.deepcopy(cert)
        for row in c["data"]["X"]:
            row[0] = "0"  # a zero sample puts every first-layer pre-activation on the kink
        out["sample on the kink"] = (c, 2, "weights[0]")
    if cert.get("training", {}).get("frozen_units"):
        c = copy.deepcopy(cert)
        unit = c["training"]["frozen_units"][0]
        row = c["training"]["members"][-1]["weights"][0][unit - 1]
        row[:] = [exact_str(2 * parse_exact(x)) for x in row]  # still dead, but it moved
        out["frozen unit moved"] = (c, 1, "training.frozen_units")
    return out


def certify_status(path: Path) -> tuple[int, str, list[str]]:
    """Certify a file as the CLI would: ``(exit status, message, names of failed claims)``."""
    try:
        result = certify(read_certificate(path), source=str(path))
    except NfacheckError as exc:
        return exc.exit_status, str(exc), []
    failed = [c.name for c in result.failed()]
    return result.exit_status, result.status, failed


def _control_ok(status: int, message: str, failed: list[str], want: int, field: str) -> bool:
    if status != want:
        return False
    return field in failed if want == 1 else f": {field}" in message


def rows(quick: bool, workdir: Path) -> Iterator[CheckRow]:
    """One row per activation: the search's certificate is certified and every control rejected."""
    workdir.mkdir(parents=True, exist_ok=True)
    plan = [(a, a, None) for a in (QUICK_ACTIVATIONS if quick else ACTIVATIONS_CHECKED)]
    plan.append(TRAINED)
    for label, act, mech in plan:
        t0 = time.perf_counter()
        res = search(act, seed=0, candidates=300 if quick else 1000, dps=30, budget=20,
                     mechanism=mech)
        path = workdir / f"{label}.json"
        cert = res.certificate
        atomic_write_json(path, cert)
        status, message, failed = certify_status(path)
        controls = {}
        for name, (data, want, field) in tampered_copies(cert).items():
            tpath = workdir / f"{label}-tampered-{name.replace(' ', '_')}.json"
            atomic_write_json(tpath, data)
            controls[name] = _control_ok(*certify_status(tpath), want, field)
        n_ok = sum(controls.values())
        certified = status == 0
        ok = certified and n_ok == len(controls)
        yield CheckRow(
            "counterexamples",
            f"nonlinear-counterexample-{label}",
            "certified" if certified else message,
            "search seed 0 + certify (" + ("exact rationals" if act in ("relu", "leaky_relu")
                                           else "mpmath.iv") + ")",
            f"{n_ok}/{len(controls)} rejected",
            time.perf_counter() - t0,
            ok,
            {
                "certificate": str(path),
                "mechanism": cert["mechanism"]["name"],
                "widths": cert["network"]["widths"],
                "loss_at_most": cert["claims"]["loss_at_most"],
                "defect_at_least": cert["claims"]["defect_at_least"],
                "loss_orders_of_magnitude": round(res.orders, 2),
                "training_iterations": [r[0] for r in res.extra.get("training_table", [])],
                "failed_claims": failed,
                "controls": controls,
                "replay": res.replay,
            },
        )
    from .critical_check import rows as critical_rows  # the lambda > 0 critical point

    yield from critical_rows(quick, workdir)
