"""The seeded counterexample search: draw candidates, keep the best, write a certificate.

The search screens candidates from :mod:`nfacheck.search.families` in float64, takes the one with
the largest commutator defect bound that passes the quality filters, makes its targets the
network's own outputs (exact for piecewise-linear activations, ``dps`` digits for smooth ones),
and states claims computed independently at high precision with ``mpmath.mp`` (rounded in the
safe direction). ``nfacheck certify`` then re-derives every claim rigorously from the file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import mp

from .. import __version__
from ..activations import ACTIVATIONS
from ..errors import UsageError
from ..numeric import linalg, network
from .arith import ExactBackend, network_on_data
from .certificate import CONSTRUCTIONS, FORMAT, exact_str, round_sig
from .families import MECHANISMS, Candidate, float_scores, mechanisms_for

__all__ = ["SearchResult", "search", "FAMILY_EPS", "replay_command", "DEFAULT_CANDIDATES"]

DEFAULT_CANDIDATES = 2000
#: eps values of the family: 10^-1 ... 10^-8 and the limit 0.
FAMILY_EPS = tuple(Fraction(1, 10**k) for k in range(1, 9)) + (Fraction(0),)
# screening filters: a clear kink margin, targets of a visible size, a non-degenerate AGOP
MIN_MARGIN, MIN_OUTPUT, MIN_AGOP = 0.05, 0.05, 0.01


@dataclass
class SearchResult:
    """What the search found.

    Attributes
    ----------
    certificate
        The certificate as a JSON-ready dict (validate and write with ``write_certificate``).
    table
        Rows ``(eps, loss, defect_bound)`` as mpmath numbers at the search precision.
    candidate
        The chosen candidate; ``evaluated``: how many candidates were drawn.
    budget_hit
        The time budget stopped the search early (the replay command then fixes the count).
    """

    certificate: dict[str, Any]
    table: list[tuple[Fraction, Any, Any]]
    candidate: Candidate
    evaluated: int
    screened: int
    budget_hit: bool
    replay: str
    seconds: float
    orders: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def replay_command(
    activation: str, seed: int, candidates: int, dps: int, mechanism: str | None = None
) -> str:
    """The one command that reproduces a finding."""
    cmd = (
        f"nfacheck search --activation {activation} --seed {seed} "
        f"--candidates {candidates} --dps {dps}"
    )
    return cmd + (f" --mechanism {mechanism}" if mechanism else "")


def mp_evaluate(activation: str, slope: Fraction, X, Y, weights, dps: int) -> dict[str, Any]:
    """Data loss, commutator defect bound and outputs at ``dps`` digits with ``mpmath.mp``.

    This is the search's own (non-rigorous) computation, on the shared network model
    (:mod:`nfacheck.numeric.network`); certify re-derives it rigorously. ``Y`` may be ``None``
    (then the loss is not computed).
    """
    params = {"slope": slope} if activation == "leaky_relu" else None
    with mp.workdps(dps):
        F, _ = network.forward(weights, X, activation, params)
        outs = [[F[r, i] for r in range(F.rows)] for i in range(F.cols)]
        loss = network.data_loss(weights, X, Y, activation, params) if Y is not None else mp.mpf(0)
        G = network.agop(weights, X, activation, params)
        M = network.gram(weights)
        gnorm = linalg.spectral_norm(G, symmetric_psd=True)
        mnorm = linalg.frobenius(M)
        C = linalg.commutator(M, G)
        defect = linalg.frobenius(C) / (2 * gnorm * mnorm) if gnorm > 0 else mp.mpf(0)
        return {"loss": +loss, "defect": +defect, "outputs": outs}


def _targets(cand: Candidate, activation: str, slope: Fraction, dps: int):
    """Y = f(X): exact for piecewise-linear activations, ``dps`` significant digits otherwise."""
    if ACTIVATIONS[activation].piecewise_linear:
        cols = [list(c) for c in zip(*cand.X, strict=True)]
        nv = network_on_data(ExactBackend(), activation, slope,
                             [[list(r) for r in w] for w in cand.weights], cols)
        return tuple(zip(*nv.outputs, strict=True)), True
    outs = mp_evaluate(activation, slope, cand.X, None, cand.weights, dps + 15)["outputs"]
    with mp.workdps(dps + 15):
        cols = [[Fraction(Decimal(mp.nstr(v, dps, min_fixed=-mp.inf, max_fixed=mp.inf)))
                 for v in o] for o in outs]
    return tuple(zip(*cols, strict=True)), False


def search(
    activation: str,
    *,
    seed: int = 0,
    candidates: int = DEFAULT_CANDIDATES,
    budget: float | None = None,
    dps: int = 30,
    mechanism: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SearchResult:
    """Search for a network that fits its data while the NFA fails for every c and alpha.

    Parameters
    ----------
    activation
        ``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ``softplus`` or ``linear``.
    seed
        Seed of the candidate generator; the same seed and count give the same certificate.
    candidates
        How many candidates to draw.
    budget
        Optional wall-time limit (s) of the drawing phase; if it stops the search early, the
        replay command fixes the number actually drawn.
    dps
        Digits of the targets (smooth activations) and of the claims' computation.
    mechanism
        Restrict the search to one mechanism of :mod:`nfacheck.search.families`.
    progress
        Called with the number of candidates drawn so far.

    Returns
    -------
    SearchResult

    Raises
    ------
    UsageError
        Unknown activation or mechanism, or no candidate passed the filters.
    """
    if activation not in ACTIVATIONS:
        raise UsageError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATIONS)}")
    if candidates < 1 or dps < 15:
        raise UsageError("need --candidates >= 1 and --dps >= 15")
    start = time.perf_counter()
    spec = ACTIVATIONS[activation]
    slope = spec.params.get("slope", Fraction(0))
    rng = np.random.default_rng(seed)
    mechs = mechanisms_for(activation) + (("trained_dead_units",) if activation == "relu" else ())
    if mechanism is not None:
        if mechanism not in mechs:
            raise UsageError(
                f"mechanism {mechanism!r} does not apply to {activation}; "
                f"choose from: {', '.join(mechs)}"
            )
        mechs = (mechanism,)
    else:
        mechs = mechanisms_for(activation)
    if mechs == ("trained_dead_units",):
        from .training import search_trained

        found = search_trained(rng, candidates, budget, start, progress)
        if found.run is None:
            raise UsageError(
                f"no trainable candidate converged after {found.drawn} draws; "
                "try more --candidates or another --seed"
            )
        cand = found.final
        Y, exact = found.targets, False
        drawn, screened, chosen, budget_hit = (found.drawn, found.screened, found.chosen,
                                               found.budget_hit)
        by_mech = {"trained_dead_units": found.limit_score}
        training_block = found.run
    else:
        by_mech: dict[str, float] = {}
        best: tuple[float, int, Candidate] | None = None
        drawn = screened = 0
        budget_hit = False
        for idx in range(candidates):
            if budget is not None and time.perf_counter() - start > budget:
                budget_hit = True
                break
            drawn += 1
            cand = MECHANISMS[mechs[idx % len(mechs)]](rng, activation)
            if progress is not None:
                progress(drawn)
            if cand is None:
                continue
            s = float_scores(cand, activation, float(slope))
            if spec.piecewise_linear and s.min_abs_preactivation < MIN_MARGIN:
                continue
            if s.output_sq < MIN_OUTPUT or s.agop_norm < MIN_AGOP or not math.isfinite(s.defect):
                continue
            screened += 1
            score = round(s.defect, 9)  # rounded so that last-bit float noise cannot reorder
            by_mech[cand.mechanism] = max(by_mech.get(cand.mechanism, 0.0), score)
            if best is None or score > best[0]:
                best = (score, idx, cand)
        if best is None:
            raise UsageError(
                f"no candidate passed the filters after {drawn} draws; try more --candidates"
            )
        cand, chosen = best[2], best[1]
        Y, exact = _targets(cand, activation, slope, dps)
        training_block = None
    work = dps + 10
    table, members = _family_claims(activation, slope, cand, Y, exact, work)
    with mp.workdps(work):
        pos = [row[1] for row in table if row[0] > 0]
        orders = float(mp.log10(max(pos) / min(pos)))
    main = members[-1]  # eps = 0: the network itself
    replay = replay_command(activation, seed, drawn, dps, mechanism)
    network: dict[str, Any] = {"widths": cand.widths, "activation": activation}
    if activation == "leaky_relu":
        network["slope"] = exact_str(slope)
    targets = ("Y = f(X) exactly" if exact else
               "Y = (u/10).x, a linear teacher" if training_block is not None else
               f"Y = f(X) rounded to {dps} digits")
    cert = {
        "format": FORMAT,
        "network": network,
        "data": {
            "X": [[exact_str(x) for x in row] for row in cand.X],
            "Y": [[exact_str(y) for y in row] for row in Y],
        },
        "weights": _weights_json(cand.weights),
        "claims": {
            "loss_at_most": main["loss_at_most"],
            "defect_at_least": main["defect_at_least"],
        },
        "family": {
            "construction": "scale_output",
            "description": CONSTRUCTIONS["scale_output"],
            "members": members,
            "loss_orders_at_least": exact_str(Fraction(math.floor(orders * 10) - 1, 10)),
        },
        "mechanism": {
            "name": cand.mechanism,
            "units": cand.notes,
            "weight_decay": "0",
            "targets": targets,
        },
        "provenance": {
            "nfacheck_version": __version__,
            "seed": seed,
            "dps": dps,
            "candidates": drawn,
            "screened": screened,
            "chosen_index": chosen,
            "best_defect_by_mechanism": {k: f"{v:.6f}" for k, v in by_mech.items()},
            "command": replay,
        },
        "replay": replay,
    }
    extra: dict[str, Any] = {}
    if training_block is not None:
        cert["training"], extra["training_table"] = _training_json(
            activation, slope, cand, Y, training_block, work)
    return SearchResult(cert, table, cand, drawn, screened, budget_hit, replay,
                        time.perf_counter() - start, orders, extra)


def _weights_json(weights) -> list:
    return [[[exact_str(x) for x in row] for row in w] for w in weights]


def _member_claims(activation, slope, X, Y, weights, work, exact_loss=None):
    """Claims for one set of weights: loss rounded up, defect rounded down (safe margins)."""
    ev = mp_evaluate(activation, slope, X, Y, weights, work)
    with mp.workdps(work):
        if exact_loss is not None:
            loss_q = exact_loss
            loss_mp = mp.mpf(loss_q.numerator) / loss_q.denominator
        else:
            loss_mp = ev["loss"]
            loss_q = Fraction(Decimal(mp.nstr(loss_mp * (1 + mp.mpf(10) ** -6), 20)))
        defect_q = Fraction(Decimal(mp.nstr(ev["defect"] * (1 - mp.mpf(10) ** -6), 20)))
    claims = {
        "loss_at_most": exact_str(loss_q if exact_loss is not None and loss_q == 0
                                  else round_sig(loss_q, 3, up=True)),
        "defect_at_least": exact_str(round_sig(defect_q, 4, up=False)),
    }
    return loss_mp, ev["defect"], claims


def _family_claims(activation, slope, cand, Y, exact, work):
    table, members = [], []
    S = None
    if exact:  # Y = f(X) exactly, so loss(eps) = eps^2 (1/2n) sum ||f(x_i)||^2 exactly
        n = len(cand.X[0])
        S = sum(y * y for row in Y for y in row) / (2 * n)
    for eps in FAMILY_EPS:
        scale = 1 - eps
        ws = cand.weights[:-1] + (tuple(tuple(scale * x for x in r) for r in cand.weights[-1]),)
        loss_mp, defect, claims = _member_claims(
            activation, slope, cand.X, Y, ws, work, eps * eps * S if exact else None)
        table.append((eps, loss_mp, defect))
        members.append({"eps": exact_str(eps), **claims})
    return table, members


def _training_json(activation, slope, cand, Y, run, work):
    members, table = [], []
    for it, ws in run.checkpoints:
        loss_mp, defect, claims = _member_claims(activation, slope, cand.X, Y, ws, work)
        members.append({"iteration": it, "weights": _weights_json(ws), **claims})
        table.append((it, loss_mp, defect))
    with mp.workdps(work):
        orders = float(mp.log10(table[0][1] / table[-1][1]))
    block = {
        "method": "gradient_descent",
        "step_size": exact_str(run.step_size),
        "weight_decay": "0",
        "init": _weights_json(run.init.weights),
        "frozen_units": run.init.notes["dead"],
        "members": members,
        "loss_orders_at_least": exact_str(Fraction(math.floor(orders * 10) - 1, 10)),
        "note": "members are gradient-descent iterates from init (replay to reproduce); "
        "certify checks each member's claims and that the frozen units are dead and unchanged",
    }
    return block, table
