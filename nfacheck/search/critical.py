"""Critical-point certificates (``"kind": "critical-point"``, format ``nfacheck-certificate/2``).

The file holds the problem (network, data, weight decay), the centre of a box (exact weights),
its radius, and the claims: exactly one critical point of the regularised loss in the box
(Krawczyk), the inclusion ratio, the data loss at most eps, the NFA defect at least delta and the
Hessian's smallest eigenvalue at least mu, all over the whole box. :func:`certify_critical`
re-derives every claim from the file alone (ball arithmetic, or ``mpmath.iv``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..activations import ACTIVATIONS
from ..errors import CertificateError, InputError
from ..exact import reject_unknown
from ..io import atomic_write_json
from ..limits import DPS_MAX, check_work, exact_op_cost
from ..numeric.limit.hessian import Model, flatten
from ..numeric.limit.kits import MpKit, make_kit
from ..numeric.limit.krawczyk import BOX_STEPS, BoxBounds, certify_box, preconditioner
from .certificate import (
    FORMAT as FORMAT_V1,
)
from .certificate import (
    _choice,
    _get,
    _matrix,
    _num,
    _weights,
    exact_str,
)
from .certify import ClaimResult, overall_status

__all__ = ["FORMAT", "FORMATS", "KIND", "CriticalCertificate", "parse_critical",
           "certificate_kind", "certify_critical", "critical_certificate_dict",
           "write_critical", "CriticalResult", "flatten_weights", "box_bounds"]

FORMAT = "nfacheck-certificate/2"
FORMATS = (FORMAT_V1, FORMAT)
KIND = "critical-point"
KINDS = ("counterexample", KIND)
Matrix = tuple[tuple[Fraction, ...], ...]
#: the only box norm (Krawczyk's box is a max-norm ball around the centre)
BOX_NORM = "max (every parameter)"
#: every field a critical-point certificate may hold; anything else is refused, naming it
FIELDS: dict[str, tuple[str, ...]] = {
    "": ("format", "kind", "network", "data", "weight_decay", "weights", "box", "claims",
         "provenance", "replay"),
    "network": ("widths", "activation", "slope"),
    "data": ("X", "Y"),
    "box": ("radius", "norm", "dps"),
    "claims": ("unique_critical_point", "inclusion_ratio_at_most", "loss_at_most",
               "defect_at_least", "hessian_min_eigenvalue_at_least"),
}


@dataclass(frozen=True)
class CriticalCertificate:
    """A validated critical-point certificate, every number exact."""

    widths: tuple[int, ...]
    activation: str
    slope: Fraction
    X: Matrix
    Y: Matrix
    weight_decay: Fraction
    weights: tuple[Matrix, ...]
    radius: Fraction
    dps: int
    unique: bool
    inclusion_ratio_at_most: Fraction
    loss_at_most: Fraction
    defect_at_least: Fraction
    hessian_min_at_least: Fraction
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def certificate_kind(data: Any, source: str | None = None) -> str:
    """``"counterexample"`` or ``"critical-point"`` for parsed certificate JSON."""
    try:
        fmt = _get(data, "format", "")
        if fmt not in FORMATS:
            raise CertificateError("unsupported format; expected one of "
                                   + ", ".join(repr(f) for f in FORMATS), "format", fmt)
        if fmt == FORMAT_V1:
            return "counterexample"
        return _choice(data, "kind", "", KINDS)
    except CertificateError as exc:
        if source:
            exc.with_source(source)
        raise


def parse_critical(data: Any, source: str | None = None) -> CriticalCertificate:
    """Validate a ``critical-point`` certificate.

    Raises
    ------
    CertificateError
        Naming the first missing or malformed field (exit status 2).
    """
    try:
        if certificate_kind(data) != KIND:
            raise CertificateError(f"expected kind {KIND!r}", "kind", data.get("kind"))
        _known(data, "")
        net = _get(data, "network", "")
        _known(net, "network")
        widths = _get(net, "widths", "network")
        if (not isinstance(widths, list) or len(widths) < 3 or not all(
                isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths)):
            raise CertificateError("expected a list [d, h_1, ..., k] of at least 3 positive "
                                   "integers", "network.widths", widths)
        activation = _choice(net, "activation", "network", ACTIVATIONS)
        slope = Fraction(0)
        if activation == "leaky_relu":
            slope = _num(_get(net, "slope", "network"), "network.slope")
        dat = _get(data, "data", "")
        _known(dat, "data")
        X = _matrix(_get(dat, "X", "data"), "data.X", (widths[0], None))
        Y = _matrix(_get(dat, "Y", "data"), "data.Y", (widths[-1], len(X[0])))
        lam = _num(_get(data, "weight_decay", ""), "weight_decay")
        if lam < 0:
            raise CertificateError("must be >= 0", "weight_decay", str(lam))
        weights = _weights(_get(data, "weights", ""), widths, "weights")
        box = _get(data, "box", "")
        _known(box, "box")
        if "norm" in box and box["norm"] != BOX_NORM:
            raise CertificateError(f"unknown box norm; the box is {BOX_NORM!r}", "box.norm",
                                   box["norm"])
        radius = _num(_get(box, "radius", "box"), "box.radius")
        if radius <= 0:
            raise CertificateError("must be > 0", "box.radius", str(radius))
        dps = _get(box, "dps", "box")
        if not isinstance(dps, int) or isinstance(dps, bool) or not 15 <= dps <= DPS_MAX_BOX:
            raise CertificateError(f"expected an integer number of digits in 15..{DPS_MAX_BOX}",
                                   "box.dps", dps)
        _check_size(widths, len(X[0]), dps)
        claims = _get(data, "claims", "")
        _known(claims, "claims")
        for key, kind in (("provenance", dict), ("replay", str)):
            if key in data and not isinstance(data[key], kind):
                raise CertificateError("expected " + ("an object" if kind is dict else "a string"),
                                       key, data[key])
        unique = _get(claims, "unique_critical_point", "claims")
        if not isinstance(unique, bool):
            raise CertificateError("expected true or false", "claims.unique_critical_point",
                                   unique)
        nums = {k: _num(_get(claims, k, "claims"), f"claims.{k}") for k in (
            "inclusion_ratio_at_most", "loss_at_most", "defect_at_least",
            "hessian_min_eigenvalue_at_least")}
    except CertificateError as exc:
        if source:
            exc.with_source(source)
        raise
    return CriticalCertificate(
        tuple(widths), activation, slope, X, Y, lam, weights, radius, dps, unique,
        nums["inclusion_ratio_at_most"], nums["loss_at_most"], nums["defect_at_least"],
        nums["hessian_min_eigenvalue_at_least"], data)


#: box digits: ``limit --dps`` (at most DPS_MAX) plus its 10 guard digits
DPS_MAX_BOX = DPS_MAX + 10


def _known(obj: Any, kind: str) -> None:
    if isinstance(obj, dict):
        reject_unknown(obj, FIELDS[kind], kind, CertificateError)


def _check_size(widths: list[int], n: int, dps: int) -> None:
    """Refuse a box certify could not finish: the interval Hessian over the n samples and
    Krawczyk's P × P products (measured about 8 µs per P^3 at 40 digits)."""
    P = sum(a * b for a, b in zip(widths, widths[1:], strict=False))
    try:
        check_work((80 * P**3 + 50 * n * P**2) * exact_op_cost(dps),
                   f"certify: the Krawczyk box of {widths} ({P} parameters) on {n} samples at "
                   f"{dps} digits")
    except InputError as exc:  # a CertificateError, so that the file is named
        raise CertificateError(exc.what, "network.widths") from None


@dataclass
class CriticalResult:
    """What :func:`certify_critical` found."""

    status: str
    method: str
    claims: list[ClaimResult]
    bounds: BoxBounds

    @property
    def exit_status(self) -> int:
        return 0 if self.status == "certified" else 1

    def failed(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.verdict != "holds"]


def _model(cert, kit) -> Model:
    return Model(cert.widths, cert.activation, cert.X, cert.Y, cert.weight_decay, kit,
                 cert.slope)


def flatten_weights(cert: CriticalCertificate) -> list[Fraction]:
    """The box centre as one flat parameter vector."""
    return flatten(cert.weights)


#: the steps :func:`box_bounds` reports: the preconditioner, then those of ``certify_box``
CRITICAL_STEPS = ("the preconditioner (midpoint Hessian inverse)", *BOX_STEPS)


def box_bounds(cert: CriticalCertificate, arithmetic: str = "arb", mu=None,
               progress: Callable[[int, str], None] | None = None) -> BoxBounds:
    """Krawczyk and the box bounds for the certificate's box, in ``arithmetic``.

    ``progress(k, what)`` is called as step k of :data:`CRITICAL_STEPS` starts (display only).
    """
    tick = progress or (lambda k, what: None)
    center = flatten_weights(cert)
    tick(0, CRITICAL_STEPS[0])
    C = preconditioner(_model(cert, MpKit(cert.dps)), center)
    return certify_box(_model(cert, make_kit(arithmetic, cert.dps)), center, cert.radius, C,
                       cert.hessian_min_at_least if mu is None else mu,
                       progress=lambda k, what: tick(k + 1, what))


def certify_critical(cert: CriticalCertificate, arithmetic: str = "arb",
                     progress: Callable[[int, str], None] | None = None) -> CriticalResult:
    """Re-derive every claim of a critical-point certificate from the file alone.

    ``progress`` is passed to :func:`box_bounds`.
    """
    b = box_bounds(cert, arithmetic, progress=progress)
    flag = Fraction(int(b.unique_zero))
    ratio = b.inclusion_ratio
    mu = cert.hessian_min_at_least
    not_shown = mu - abs(mu) - 1  # a stand-in lower bound: the claim was not established
    claims = [
        ClaimResult("claims.unique_critical_point", "is", Fraction(int(cert.unique)), flag, flag,
                    "Krawczyk: K(X) inside the box" if b.unique_zero else b.note),
        ClaimResult("claims.inclusion_ratio_at_most", "<=", cert.inclusion_ratio_at_most,
                    Fraction(0) if ratio is None else ratio, ratio,
                    "" if ratio is not None else b.note),
        ClaimResult("claims.loss_at_most", "<=", cert.loss_at_most, *b.data_loss),
        ClaimResult("claims.defect_at_least", ">=", cert.defect_at_least, b.defect_lower, None),
        ClaimResult("claims.hessian_min_eigenvalue_at_least", ">=", mu,
                    mu if b.hessian_min_lower is not None else not_shown, None,
                    "" if b.hessian_min_lower is not None else
                    "interval LDL^T of H(X) - mu I has a pivot not certainly > 0"),
    ]
    status = overall_status(claims)
    return CriticalResult(status, f"Krawczyk + box bounds ({b.arithmetic})", claims, b)


def critical_certificate_dict(problem, weights, radius: Fraction, dps: int, bounds: BoxBounds,
                              mu: Fraction, *, provenance: dict | None = None,
                              replay: str | None = None) -> dict[str, Any]:
    """The JSON of a certificate whose claims are what ``bounds`` established."""
    from .certificate import round_sig

    def mat(m):
        return [[exact_str(v) for v in row] for row in m]

    net: dict[str, Any] = {"widths": list(problem.widths), "activation": problem.activation}
    if problem.activation == "leaky_relu":
        net["slope"] = exact_str(problem.activation_params["slope"])
    data = {
        "format": FORMAT,
        "kind": KIND,
        "network": net,
        "data": {"X": mat(problem.X), "Y": mat(problem.Y)},
        "weight_decay": exact_str(problem.weight_decay),
        "weights": [mat(w) for w in weights],
        "box": {"radius": exact_str(radius), "norm": "max (every parameter)", "dps": dps},
        "claims": {
            "unique_critical_point": bounds.unique_zero,
            "inclusion_ratio_at_most": exact_str(round_sig(bounds.inclusion_ratio or 1, 3,
                                                           up=True)),
            "loss_at_most": exact_str(round_sig(bounds.data_loss[1], 6, up=True)),
            "defect_at_least": exact_str(round_sig(bounds.defect_lower, 6, up=False)),
            "hessian_min_eigenvalue_at_least": exact_str(mu),
        },
    }
    if provenance:
        data["provenance"] = provenance
    if replay:
        data["replay"] = replay
    return data


def write_critical(path: str | Path, data: dict[str, Any]) -> Path:
    """Validate and write a critical-point certificate atomically."""
    parse_critical(data, str(path))
    return atomic_write_json(path, data)
