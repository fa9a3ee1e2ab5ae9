"""Rigorous re-derivation of a certificate's claims from its data and weights alone.

Piecewise-linear activations (linear, relu, leaky_relu) are evaluated in exact rational arithmetic;
smooth ones (tanh, sigmoid, softplus) in outward-rounded ``mpmath.iv`` interval arithmetic. Every
computed quantity is a pair of rigorous rational bounds ``[lower, upper]``; a claim holds when the
bound on its side clears the claimed value, is refuted when the other bound misses it, and is
inconclusive in between.

The defect bound is the commutator obstruction: for symmetric M, PSD G and every c and alpha,
``||M - c G^alpha||_F >= ||[M, G]||_F / (2 ||G||_2)`` because G^alpha commutes with G and
``||[A, G]||_F <= 2 ||A||_F ||G||_2``. ``||G||_2`` is bounded above by a number u for which
``u I - G`` is verified positive definite (exact or interval LDL^T pivots), and below by a
Rayleigh quotient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..activations import ACTIVATIONS
from ..errors import CertificateError
from ..limits import DPS_MAX, check_work
from ..numeric.limit.krawczyk import ldl_positive
from .arith import (
    Backend,
    ExactBackend,
    IntervalBackend,
    KinkError,
    iv_precision,
    matmul,
    network_on_data,
    transpose,
)
from .certificate import Certificate, estimate_work, member_weights

__all__ = [
    "Bounds",
    "Quantities",
    "ClaimResult",
    "CertifyResult",
    "quantities",
    "certify",
    "frozen_units_check",
]

Bounds = tuple[Fraction, Fraction]


@dataclass
class Quantities:
    """Rigorous bounds on what a certificate claims, for one set of weights."""

    loss: Bounds
    defect: tuple[Fraction, Fraction | None]  # upper is None when unbounded (G ~ 0)
    agop_norm: Bounds  # bounds on ||G||_2
    commutator_sq: Bounds  # ||[M, G]||_F^2
    gram_sq: Bounds  # ||M||_F^2
    min_abs_preactivation: Fraction | None


@dataclass
class ClaimResult:
    """One claim: its value, the computed rigorous bounds and the verdict."""

    name: str
    relation: str  # "<=" (at most) or ">=" (at least)
    claimed: Fraction
    lower: Fraction
    upper: Fraction | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.relation == "is":  # a yes/no fact checked exactly: 1 true, 0 false
            return "holds" if self.lower == self.claimed else "refuted"
        if self.relation == "<=":
            if self.upper is not None and self.upper <= self.claimed:
                return "holds"
            return "refuted" if self.lower > self.claimed else "inconclusive"
        if self.lower >= self.claimed:
            return "holds"
        return (
            "refuted" if self.upper is not None and self.upper < self.claimed else "inconclusive"
        )


@dataclass
class CertifyResult:
    """Everything certify found: the verdict, each claim and the family table."""

    status: str  # certified | refuted | inconclusive
    method: str
    claims: list[ClaimResult]
    main: Quantities
    family: list[tuple[Fraction, Quantities]] = field(default_factory=list)
    loss_orders: Fraction | None = None  # lower bound on log10 span (None: no family)
    training: list[tuple[int, Quantities]] = field(default_factory=list)
    training_orders: Fraction | None = None

    @property
    def exit_status(self) -> int:
        return 0 if self.status == "certified" else 1

    def failed(self) -> list[ClaimResult]:
        return [c for c in self.claims if c.verdict != "holds"]


def _convert(backend: Backend, m) -> list[list[Any]]:
    return [[backend.const(x) for x in row] for row in m]


def _mid_float(backend: Backend, x) -> float:
    lo, hi = backend.bounds(x)
    return float((lo + hi) / 2)


def _spectral_bounds(backend: Backend, g: list[list[Any]]) -> Bounds:
    """Rigorous ``(lower, upper)`` bounds on the largest eigenvalue of symmetric PSD ``g``."""
    import numpy as np

    d = len(g)
    gf = np.array([[_mid_float(backend, x) for x in row] for row in g])
    w, v = np.linalg.eigh(gf)
    lam, vec = float(w[-1]), v[:, -1]
    # upper: the smallest u tried with u I - G certainly positive definite
    upper = None
    if lam > 0:
        for rel in (Fraction(1, 10**12), Fraction(1, 10**8), Fraction(1, 10**4), Fraction(1, 10)):
            u = Fraction(lam) * (1 + rel)
            shifted = [
                [(backend.const(u) if i == j else backend.const(Fraction(0))) - g[i][j]
                 for j in range(d)]
                for i in range(d)
            ]
            if ldl_positive(backend, shifted):
                upper = u
                break
    if upper is None:  # fall back on ||G||_2 <= ||G||_F, always valid
        fro = sum((backend.bounds(x)[1] ** 2 if backend.bounds(x)[1] >= -backend.bounds(x)[0]
                   else backend.bounds(x)[0] ** 2) for row in g for x in row)
        upper = backend.sqrt_bounds(fro, fro)[1]
    # lower: a Rayleigh quotient v^T G v / v^T v with a rational v
    vq = [Fraction(float(c)).limit_denominator(10**12) for c in vec]
    vv = sum(c * c for c in vq)
    lower = Fraction(0)
    if vv > 0:
        vb = [[backend.const(c)] for c in vq]
        num = matmul(transpose(vb), matmul(g, vb))[0][0]
        lower = max(Fraction(0), backend.bounds(num)[0] / vv)
    return lower, max(upper, lower)


def quantities(cert: Certificate, weights, backend: Backend) -> Quantities:
    """Bounds on the data loss and on the commutator defect bound for ``weights``.

    Raises
    ------
    KinkError
        A piecewise-linear activation sits exactly on its kink at some sample.
    """
    W = [_convert(backend, w) for w in weights]
    xs = [[backend.const(v) for v in col] for col in cert.columns("X")]
    ys = [[backend.const(v) for v in col] for col in cert.columns("Y")]
    n = len(xs)
    nv = network_on_data(backend, cert.activation, cert.slope, W, xs)
    total = None
    for out, y in zip(nv.outputs, ys, strict=True):
        for o, t in zip(out, y, strict=True):
            sq = (o - t) ** 2
            total = sq if total is None else total + sq
    loss = total / backend.const(Fraction(2 * n))
    lo, hi = backend.bounds(loss)
    loss_b = (max(lo, Fraction(0)), hi)

    d = cert.widths[0]
    G = None
    for J in nv.jacobians:
        jtj = matmul(transpose(J), J)
        G = jtj if G is None else [[a + b for a, b in zip(r, s, strict=True)] for r, s in
                                   zip(G, jtj, strict=True)]
    inv_n = backend.const(Fraction(1, n))
    G = [[x * inv_n for x in row] for row in G]
    G = [[G[i][j] if i <= j else G[j][i] for j in range(d)] for i in range(d)]  # exact symmetry
    M = matmul(transpose(W[0]), W[0])
    MG, GM = matmul(M, G), matmul(G, M)

    def sq_sum(m) -> Bounds:
        los = his = Fraction(0)
        for row in m:
            for x in row:
                a, b = backend.bounds(x ** 2)
                los += max(a, Fraction(0))
                his += b
        return los, his

    comm = sq_sum([[a - b for a, b in zip(r, s, strict=True)] for r, s in zip(MG, GM, strict=True)])
    gram = sq_sum(M)
    g_lo, g_hi = _spectral_bounds(backend, G)
    c_lo = backend.sqrt_bounds(comm[0], comm[1])
    m_lo = backend.sqrt_bounds(gram[0], gram[1])
    if g_hi > 0 and m_lo[1] > 0:
        defect_lo = c_lo[0] / (2 * g_hi * m_lo[1])
    else:
        defect_lo = Fraction(0)
    defect_hi = c_lo[1] / (2 * g_lo * m_lo[0]) if g_lo > 0 and m_lo[0] > 0 else None
    return Quantities(loss_b, (defect_lo, defect_hi), (g_lo, g_hi), comm, gram,
                      nv.min_abs_preactivation)


def _digits(q: Fraction) -> int:
    return len(str(abs(q.numerator))) + len(str(q.denominator))


def auto_dps(cert: Certificate) -> int:
    """Working digits for interval certification: enough to resolve the residuals of ``Y``."""
    mats = [cert.X, cert.Y, *cert.weights]
    most = max(_digits(x) for m in mats for row in m for x in row)
    return max(50, 2 * most + 30)


def _log10_lower(ratio: Fraction) -> Fraction:
    """A rational lower bound on log10(ratio), ratio > 0, to 1/100 (checked exactly)."""
    est = math.log10(ratio.numerator) - math.log10(ratio.denominator)
    m = Fraction(math.floor(est * 100) + 1, 100)
    while not _pow10_le(m, ratio):
        m -= Fraction(1, 100)
    return m


def _orders(qs: list[Quantities]) -> Fraction:
    """A lower bound on log10(max loss / min loss) over ``qs`` (10^6 if the loss reaches 0)."""
    top = max(q.loss[0] for q in qs)
    bottom = min(q.loss[1] for q in qs)
    if top <= 0:
        return Fraction(0)
    if bottom <= 0:
        return Fraction(10**6)
    return _log10_lower(top / bottom)


def frozen_units_check(cert: Certificate) -> tuple[bool, str]:
    """Exactly: the training's frozen units are ReLU units dead on every sample and unchanged.

    Dead means every pre-activation is < 0, so sigma and sigma' vanish on the data and the
    gradient of the data loss in that unit's weights is exactly zero at every member.
    """
    tr = cert.training
    if not tr.frozen_units:
        return True, "no frozen units claimed"
    if cert.activation != "relu":
        return False, "frozen (dead) units need relu"
    snapshots = [("training.init", tr.init)]
    snapshots += [(f"training.members[{i}]", m.weights) for i, m in enumerate(tr.members)]
    snapshots.append(("weights", cert.weights))
    cols = cert.columns("X")
    for u in tr.frozen_units:
        row0, out0 = tr.init[0][u - 1], [r[u - 1] for r in tr.init[1]]
        for where, ws in snapshots:
            if ws[0][u - 1] != row0 or [r[u - 1] for r in ws[1]] != out0:
                return False, f"unit {u} differs between training.init and {where}"
            for i, x in enumerate(cols):
                z = sum(a * b for a, b in zip(ws[0][u - 1], x, strict=True))
                if z >= 0:
                    return False, (f"unit {u} is not dead in {where} at sample {i + 1} "
                                   f"(pre-activation {z})")
    return True, f"units {list(tr.frozen_units)} dead on every sample and unchanged"


def _pow10_le(e: Fraction, ratio: Fraction) -> bool:
    """Exact test 10^e <= ratio for rational e = p/q and ratio > 0."""
    return Fraction(10) ** e.numerator <= ratio**e.denominator


def overall_status(claims: list[ClaimResult]) -> str:
    """``refuted`` if any claim is, else ``inconclusive`` if any is undecided, else
    ``certified``."""
    verdicts = {c.verdict for c in claims}
    return ("refuted" if "refuted" in verdicts else
            "inconclusive" if "inconclusive" in verdicts else "certified")


def network_count(cert: Certificate) -> int:
    """How many weight sets :func:`certify` evaluates: the main one, family and training members."""
    return 1 + len(cert.family.members if cert.family else ()) + len(
        cert.training.members if cert.training else ())


def certify(cert: Certificate, *, dps: int | None = None, source: str | None = None,
            progress: Callable[[int, str], None] | None = None) -> CertifyResult:
    """Re-derive every claim of ``cert`` rigorously.

    Parameters
    ----------
    cert
        A validated certificate (:func:`~nfacheck.search.certificate.read_certificate`).
    dps
        Working digits for interval arithmetic (smooth activations); default from the data.
    source
        File name used in error messages.
    progress
        Called as ``progress(done, what)`` before each weight set (display only): ``done`` of
        :func:`network_count` evaluated so far, ``what`` names the one starting.

    Returns
    -------
    CertifyResult
        ``status`` is ``certified`` (every claim holds), ``refuted`` (some claim is false) or
        ``inconclusive`` (the bounds could not decide).

    Raises
    ------
    CertificateError
        A pre-activation sits exactly on a ReLU/leaky-ReLU kink (the AGOP is undefined); exit 2.
    """
    spec = ACTIVATIONS[cert.activation]
    if spec.piecewise_linear:
        backend: Backend = ExactBackend()
        method = "exact rational arithmetic"
        work = 0
    else:
        work = dps or auto_dps(cert)
        if work > DPS_MAX:
            raise CertificateError(
                f"its numbers need {work} working digits to certify, over the cap of {DPS_MAX}",
                "data", source=source)
        backend = IntervalBackend(work)
        method = f"interval arithmetic (mpmath.iv, dps={work})"
    nets = network_count(cert)
    tick = progress or (lambda done, what: None)
    check_work(estimate_work(list(cert.widths), cert.n, nets, max(work, 50)),
               f"certify: {nets} networks {list(cert.widths)} on {cert.n} samples")
    with iv_precision(max(work, 50)):
        try:
            tick(0, "weights")
            main = quantities(cert, cert.weights, backend)
            fam = []
            if cert.family is not None:
                for i, m in enumerate(cert.family.members):
                    tick(len(fam) + 1, f"family.members[{i}]")
                    fam.append((m.eps, quantities(cert, member_weights(cert, m.eps), backend)))
            train = []
            if cert.training is not None:
                for i, m in enumerate(cert.training.members):
                    tick(len(fam) + len(train) + 1, f"training.members[{i}]")
                    train.append((m.iteration, quantities(cert, m.weights, backend)))
            tick(nets, "")
        except KinkError as exc:
            raise CertificateError(
                f"{exc}; refusing to certify", f"weights[{exc.layer - 1}][{exc.unit - 1}]",
                source=source,
            ) from None
    claims = [
        ClaimResult("claims.loss_at_most", "<=", cert.loss_at_most, *main.loss),
        ClaimResult("claims.defect_at_least", ">=", cert.defect_at_least, *main.defect),
    ]
    orders = None
    if cert.family is not None:
        for i, (m, (_, q)) in enumerate(zip(cert.family.members, fam, strict=True)):
            p = f"family.members[{i}]"
            claims.append(ClaimResult(f"{p}.loss_at_most", "<=", m.loss_at_most, *q.loss))
            claims.append(ClaimResult(f"{p}.defect_at_least", ">=", m.defect_at_least,
                                      *q.defect))
        pos = [q for e, q in fam if e > 0]
        if pos:
            orders = _orders(pos)
            if cert.family.loss_orders_at_least is not None:
                claims.append(ClaimResult("family.loss_orders_at_least", ">=",
                                          cert.family.loss_orders_at_least, orders, None))
    t_orders = None
    if cert.training is not None:
        tr = cert.training
        for i, (m, (_, q)) in enumerate(zip(tr.members, train, strict=True)):
            p = f"training.members[{i}]"
            claims.append(ClaimResult(f"{p}.loss_at_most", "<=", m.loss_at_most, *q.loss))
            claims.append(ClaimResult(f"{p}.defect_at_least", ">=", m.defect_at_least,
                                      *q.defect))
        t_orders = _orders([q for _, q in train])
        if tr.loss_orders_at_least is not None:
            claims.append(ClaimResult("training.loss_orders_at_least", ">=",
                                      tr.loss_orders_at_least, t_orders, None))
        ok, note = frozen_units_check(cert)
        flag = Fraction(int(ok))
        claims.append(ClaimResult("training.frozen_units", "is", Fraction(1), flag, flag, note))
    status = overall_status(claims)
    return CertifyResult(status, method, claims, main, fam, orders, train, t_orders)
