"""Counterexample certificates: the JSON format, reading with validation, and atomic writing.

A certificate holds exact data and weights and the claims that ``nfacheck certify`` re-derives
(format ``nfacheck-certificate/1``, documented field by field in ``docs/certificates.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..activations import ACTIVATIONS
from ..errors import CertificateError, InputError
from ..exact import load_json, parse_exact, parse_matrix, reject_unknown
from ..io import atomic_write_json
from ..limits import check_work, exact_op_cost

__all__ = [
    "FORMAT",
    "CONSTRUCTIONS",
    "Certificate",
    "Family",
    "FamilyMember",
    "Training",
    "TrainingMember",
    "exact_str",
    "round_sig",
    "read_certificate",
    "parse_certificate",
    "write_certificate",
    "member_weights",
    "FIELDS",
    "estimate_work",
]

#: every field a certificate may hold, by object (``mechanism`` and ``provenance`` are free-form
#: informational objects); anything else is refused, naming it.
FIELDS: dict[str, tuple[str, ...]] = {
    "": ("format", "network", "data", "weights", "claims", "family", "training", "mechanism",
         "provenance", "replay"),
    "network": ("widths", "activation", "slope"),
    "data": ("X", "Y"),
    "claims": ("loss_at_most", "defect_at_least"),
    "family": ("construction", "members", "loss_orders_at_least", "description"),
    "family.members": ("eps", "loss_at_most", "defect_at_least"),
    "training": ("method", "step_size", "weight_decay", "init", "frozen_units", "members",
                 "loss_orders_at_least", "note"),
    "training.members": ("iteration", "weights", "loss_at_most", "defect_at_least"),
}


def _known(obj: Any, kind: str, path: str) -> None:
    if isinstance(obj, dict):
        reject_unknown(obj, FIELDS[kind], path, CertificateError)


def estimate_work(widths, n: int, networks: int, digits: int) -> float:
    """Operations certify needs: per network the forward pass and Jacobians over the data, the
    AGOP and Gram products and their spectral bounds, at ``digits``-digit numbers."""
    d = widths[0]
    params = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    # exact spectral bounds of the d x d AGOP: d^3 operations on numbers growing with d
    per = n * params * (2 + widths[-1]) + n * d * d * widths[-1] + 20 * d**3 * max(1, d / 10)
    return networks * per * exact_op_cost(digits)


def _check_size(data: dict, widths: list[int]) -> None:
    """Refuse, before reading the matrices, a certificate certify could not finish."""
    X = data.get("data", {}).get("X") if isinstance(data.get("data"), dict) else None
    n = len(X[0]) if isinstance(X, list) and X and isinstance(X[0], list) else 1
    nets = 1
    for key in ("family", "training"):
        block = data.get(key)
        if isinstance(block, dict) and isinstance(block.get("members"), list):
            nets += len(block["members"])
    check_work(estimate_work(widths, n, nets, 50),
               f"certify: {nets} networks {widths} on {n} samples", "network.widths")

FORMAT = "nfacheck-certificate/1"

#: How family members are built from the certificate's weights (the member parameter is eps).
CONSTRUCTIONS = {
    "scale_output": "W_L(eps) = (1 - eps) * W_L; W_1 ... W_{L-1} unchanged",
}

Matrix = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class FamilyMember:
    """One member of the eps-family and its two claims."""

    eps: Fraction
    loss_at_most: Fraction
    defect_at_least: Fraction


@dataclass(frozen=True)
class Family:
    """A family of networks parametrised by eps, built by a named construction."""

    construction: str
    members: tuple[FamilyMember, ...]
    loss_orders_at_least: Fraction | None = None
    description: str = ""


@dataclass(frozen=True)
class TrainingMember:
    """One checkpoint of a training run: iteration, exact weights and its two claims."""

    iteration: int
    weights: tuple[Matrix, ...]
    loss_at_most: Fraction
    defect_at_least: Fraction


@dataclass(frozen=True)
class Training:
    """How the network was reached: gradient descent from ``init`` (lambda = 0).

    ``frozen_units`` (1-based first-layer units) are claimed dead on every sample and unchanged
    from ``init`` through every member, so descent never moved them.
    """

    method: str
    step_size: Fraction
    weight_decay: Fraction
    init: tuple[Matrix, ...]
    frozen_units: tuple[int, ...]
    members: tuple[TrainingMember, ...]
    loss_orders_at_least: Fraction | None = None


@dataclass(frozen=True)
class Certificate:
    """A validated certificate with every number exact.

    Attributes
    ----------
    widths, activation, slope
        The network ``[d, h_1, ..., k]``, the activation name and the leaky slope (else 0).
    X, Y
        Data, d x n and k x n.
    weights
        ``W_1 ... W_L``.
    loss_at_most, defect_at_least
        The claims on the data loss and on the commutator lower bound of the NFA defect.
    family
        The eps-family or ``None``.
    raw
        The parsed JSON (for provenance and re-writing).
    """

    widths: tuple[int, ...]
    activation: str
    slope: Fraction
    X: Matrix
    Y: Matrix
    weights: tuple[Matrix, ...]
    loss_at_most: Fraction
    defect_at_least: Fraction
    family: Family | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    training: Training | None = None

    @property
    def n(self) -> int:
        return len(self.X[0])

    def columns(self, which: str = "X") -> list[list[Fraction]]:
        """The samples of ``X`` (or targets of ``Y``) as a list of columns."""
        m = self.X if which == "X" else self.Y
        return [list(col) for col in zip(*m, strict=True)]


def exact_str(q: Fraction | int) -> str:
    """Write an exact number as a terminating decimal when it is one, else as ``p/q``.

    Very small or very large decimals use exponent notation (``4.71e-62``), still exact: the
    one exact style of :func:`nfacheck.fmt.exact`.
    """
    from ..fmt import exact

    return exact(Fraction(q))


def round_sig(q: Fraction, sig: int, up: bool) -> Fraction:
    """Round ``q`` to ``sig`` significant decimal digits, upwards or downwards (exactly)."""
    if q == 0:
        return q
    a = abs(q)
    e = math.floor(math.log10(a.numerator) - math.log10(a.denominator)) - sig + 1
    scale = Fraction(10) ** e
    m = q / scale
    return (math.ceil(m) if up else math.floor(m)) * scale


def _get(obj: Any, key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise CertificateError("expected a JSON object", path or "(top level)", obj)
    if key not in obj:
        raise CertificateError("missing field", f"{path}.{key}" if path else key)
    return obj[key]


def _choice(obj: Any, key: str, path: str, known) -> Any:
    """``obj[key]``, which must be one of ``known``."""
    value = _get(obj, key, path)
    if value not in known:
        raise CertificateError(f"unknown {key}; known: " + ", ".join(known),
                               f"{path}.{key}" if path else key, value)
    return value


def _num(value: Any, path: str) -> Fraction:
    try:
        return parse_exact(value, path)
    except InputError as exc:
        raise CertificateError(exc.what, path, value, show_received=exc.show_received) from None


def _matrix(value: Any, path: str, shape: tuple[int | None, int | None]) -> Matrix:
    try:
        return parse_matrix(value, path, shape)
    except InputError as exc:
        raise CertificateError(
            exc.what, exc.field, exc.received, show_received=exc.show_received
        ) from None


def _family(value: Any) -> Family:
    _known(value, "family", "family")
    construction = _choice(value, "construction", "family", CONSTRUCTIONS)
    members_raw = _get(value, "members", "family")
    if not isinstance(members_raw, list) or not members_raw:
        raise CertificateError("expected a non-empty list", "family.members", members_raw)
    members = []
    for i, m in enumerate(members_raw):
        p = f"family.members[{i}]"
        _known(m, "family.members", p)
        eps = _num(_get(m, "eps", p), f"{p}.eps")
        if not 0 <= eps <= 1:
            raise CertificateError("eps must lie in [0, 1]", f"{p}.eps", str(eps))
        members.append(
            FamilyMember(
                eps,
                _num(_get(m, "loss_at_most", p), f"{p}.loss_at_most"),
                _num(_get(m, "defect_at_least", p), f"{p}.defect_at_least"),
            )
        )
    orders = value.get("loss_orders_at_least")
    return Family(
        construction,
        tuple(members),
        None if orders is None else _num(orders, "family.loss_orders_at_least"),
        str(value.get("description", "")),
    )


def _weights(ws: Any, widths: list[int], path: str) -> tuple[Matrix, ...]:
    L = len(widths) - 1
    if not isinstance(ws, list) or len(ws) != L:
        raise CertificateError(f"expected a list of {L} weight matrices W_1 ... W_{L}", path, ws)
    return tuple(
        _matrix(w, f"{path}[{i}]", (widths[i + 1], widths[i])) for i, w in enumerate(ws)
    )


def _training(value: Any, widths: list[int]) -> Training:
    p = "training"
    _known(value, "training", p)
    method = _choice(value, "method", p, ("gradient_descent",))
    step = _num(_get(value, "step_size", p), f"{p}.step_size")
    decay = _num(value.get("weight_decay", "0"), f"{p}.weight_decay")
    init = _weights(_get(value, "init", p), widths, f"{p}.init")
    frozen = value.get("frozen_units", [])
    if not isinstance(frozen, list) or not all(
        isinstance(u, int) and not isinstance(u, bool) and 1 <= u <= widths[1] for u in frozen
    ):
        raise CertificateError(
            f"expected a list of first-layer unit numbers 1..{widths[1]}", f"{p}.frozen_units",
            frozen,
        )
    raw = _get(value, "members", p)
    if not isinstance(raw, list) or not raw:
        raise CertificateError("expected a non-empty list", f"{p}.members", raw)
    members = []
    for i, m in enumerate(raw):
        q = f"{p}.members[{i}]"
        _known(m, "training.members", q)
        it = _get(m, "iteration", q)
        if not isinstance(it, int) or isinstance(it, bool) or it < 0:
            raise CertificateError("expected a non-negative integer", f"{q}.iteration", it)
        members.append(TrainingMember(
            it,
            _weights(_get(m, "weights", q), widths, f"{q}.weights"),
            _num(_get(m, "loss_at_most", q), f"{q}.loss_at_most"),
            _num(_get(m, "defect_at_least", q), f"{q}.defect_at_least"),
        ))
    orders = value.get("loss_orders_at_least")
    return Training(
        method, step, decay, init, tuple(frozen), tuple(members),
        None if orders is None else _num(orders, f"{p}.loss_orders_at_least"),
    )


def parse_certificate(data: Any, source: str | None = None) -> Certificate:
    """Validate parsed JSON and return a :class:`Certificate`.

    Raises
    ------
    CertificateError
        Naming the first missing or malformed field.
    """
    try:
        fmt = _get(data, "format", "")
        if fmt != FORMAT:
            raise CertificateError(f"unsupported format; expected {FORMAT!r}", "format", fmt)
        _known(data, "", "")
        net = _get(data, "network", "")
        _known(net, "network", "network")
        widths = _get(net, "widths", "network")
        if (
            not isinstance(widths, list)
            or len(widths) < 3
            or not all(isinstance(w, int) and not isinstance(w, bool)
                                and 1 <= w <= 100_000 for w in widths)
        ):
            raise CertificateError(
                "expected a list [d, h_1, ..., k] of at least 3 integers 1..100000",
                "network.widths",
                widths,
            )
        activation = _choice(net, "activation", "network", ACTIVATIONS)
        slope = Fraction(0)
        if activation == "leaky_relu":
            slope = _num(_get(net, "slope", "network"), "network.slope")
            if not 0 <= slope < 1:
                raise CertificateError("slope must lie in [0, 1)", "network.slope", str(slope))
        _check_size(data, widths)
        d, k = widths[0], widths[-1]
        dat = _get(data, "data", "")
        _known(dat, "data", "data")
        X = _matrix(_get(dat, "X", "data"), "data.X", (d, None))
        n = len(X[0])
        Y = _matrix(_get(dat, "Y", "data"), "data.Y", (k, n))
        weights = _weights(_get(data, "weights", ""), widths, "weights")
        claims = _get(data, "claims", "")
        _known(claims, "claims", "claims")
        loss = _num(_get(claims, "loss_at_most", "claims"), "claims.loss_at_most")
        defect = _num(_get(claims, "defect_at_least", "claims"), "claims.defect_at_least")
        family = _family(data["family"]) if data.get("family") is not None else None
        training = (_training(data["training"], widths)
                    if data.get("training") is not None else None)
        for key in ("provenance",):
            if key in data and not isinstance(data[key], dict):
                raise CertificateError("expected a JSON object", key, data[key])
        if "replay" in data and not isinstance(data["replay"], str):
            raise CertificateError("expected a command string", "replay", data["replay"])
    except CertificateError as exc:
        if source:
            exc.with_source(source)
        raise
    return Certificate(
        tuple(widths), activation, slope, X, Y, weights, loss, defect, family, data, training
    )


def read_certificate(path: str | Path) -> Certificate:
    """Read and validate a certificate file (numbers as Decimals or strings, never float)."""
    data, _ = load_json(path, CertificateError)
    return parse_certificate(data, str(path))


def write_certificate(path: str | Path, data: dict[str, Any]) -> Path:
    """Validate ``data`` as a certificate and write it atomically as JSON."""
    parse_certificate(data, str(path))
    return atomic_write_json(path, data)


def member_weights(cert: Certificate, eps: Fraction) -> tuple[Matrix, ...]:
    """The weights of the family member with parameter ``eps`` (construction ``scale_output``)."""
    scale = 1 - Fraction(eps)
    last = tuple(tuple(scale * x for x in row) for row in cert.weights[-1])
    return cert.weights[:-1] + (last,)
