"""Cited analytic lemmas the symbolic proofs rely on, each with a numeric spot check.

SymPy cannot prove these (they are inequalities or facts about matrix functions); a proof uses
them as ``lemma`` steps naming the reference, and the spot check here evaluates them on random
instances at 30 significant digits so a mistaken statement would show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from . import explicit as ex
from . import linnet as ln
from .crosscheck import Verdict

__all__ = [
    "Lemma", "PSD_ROOT_CONTINUITY", "PSD_ROOT_UNIQUENESS", "COERCIVITY", "SUBMULTIPLICATIVITY",
    "check_root_continuity", "check_root_uniqueness", "check_coercivity",
    "check_submultiplicativity", "psd_power", "spectral_norm",
]

_DPS = 30


@dataclass(frozen=True)
class Lemma:
    name: str
    statement: str
    latex: str
    reference: str


PSD_ROOT_CONTINUITY = Lemma(
    "PSD root continuity",
    "for PSD A, B and 0 < r <= 1: ||A^r - B^r||_2 <= ||A - B||_2^r",
    r"\|A^{r}-B^{r}\|_2 \le \|A-B\|_2^{\,r}\quad (A,B\succeq 0,\ 0<r\le 1)",
    "Bhatia, Matrix Analysis (GTM 169), ch. X (operator monotonicity of t^r)",
)
PSD_ROOT_UNIQUENESS = Lemma(
    "uniqueness of the PSD root",
    "a PSD matrix G has exactly one PSD L-th root G^{1/L}; so M PSD and M^L = G give M = G^{1/L}",
    r"M\succeq 0,\ M^{L}=G\ \Longrightarrow\ M=G^{1/L}",
    "Bhatia, Matrix Analysis (GTM 169), ch. X; Higham, Functions of Matrices (SIAM 2008), ch. 7",
)
COERCIVITY = Lemma(
    "coercivity of the decayed loss",
    "L(W) >= (lam/2) sum_l ||W_l||_F^2 and L decreases along gradient flow, so "
    "sum_l ||W_l(t)||_F^2 <= 2 L(W(0)) / lam for all t >= 0",
    r"\tfrac{\lambda}{2}\sum_l\|W_l(t)\|_F^2\le\mathcal L(W(t))\le\mathcal L(W(0))",
    "gradient flow: dL/dt = -sum_l ||dL/dW_l||_F^2 <= 0; data term >= 0",
)
SUBMULTIPLICATIVITY = Lemma(
    "submultiplicativity",
    "||AB||_F <= ||A||_F ||B||_F and the triangle inequality bound each remainder term",
    r"\Big\|\sum_{l}E_l^{\top}R_{L-l}E_l\Big\|_F\le\sum_{l}\|E_l\|_F^2\sum_{j}"
    r"\|X_l\|_F^{j}\,\|D_l\|_F\,\|Y_l\|_F^{L-l-1-j}",
    "Horn and Johnson, Matrix Analysis, sec. 5.6 (Frobenius norm is submultiplicative)",
)


def _mp(a: ex.Mat) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(Fraction(x).numerator) / Fraction(x).denominator
                           for x in row] for row in a])


def psd_power(a: mpmath.matrix, r) -> mpmath.matrix:
    """``a^r`` for symmetric PSD ``a`` by eigendecomposition (eigenvalues < 0 set to 0)."""
    evals, q = mpmath.eigsy(a)
    n = a.rows
    d = mpmath.matrix(n, n)
    for i in range(n):
        d[i, i] = max(evals[i], 0) ** r
    return q * d * q.T


def spectral_norm(a: mpmath.matrix) -> mpmath.mpf:
    evals, _ = mpmath.eigsy(a.T * a)
    return mpmath.sqrt(max(max(evals), 0))


def _rand_psd(rng: random.Random, n: int) -> mpmath.matrix:
    b = _mp(ex.rand_matrix(rng, n, n))
    return b * b.T


def check_root_continuity(seed: int = 7, trials: int = 6) -> Verdict:
    """Spot check on random PSD pairs, r = 1/2 ... 1/5 (incl. nearby and rank-deficient pairs)."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(_DPS):
        for t in range(trials):
            a = _rand_psd(rng, 3)
            b = a + _rand_psd(rng, 3) * mpmath.mpf(10) ** (-t)
            if t % 2:
                u = _mp(ex.rand_matrix(rng, 3, 1))
                b = u * u.T
            for L in (2, 3, 4, 5):
                r = mpmath.mpf(1) / L
                lhs = spectral_norm(psd_power(a, r) - psd_power(b, r))
                rhs = spectral_norm(a - b) ** r
                worst = max(worst, lhs / rhs)
        ok = worst <= 1 + mpmath.mpf(10) ** (-20)
        text = mpmath.nstr(worst, 6)
    return Verdict("holds" if ok else "fails",
                   f"{trials * 4} random PSD pairs (3x3, r = 1/2..1/5): largest ratio "
                   f"||A^r - B^r|| / ||A - B||^r = {text} <= 1")


def check_root_uniqueness(seed: int = 11, trials: int = 4) -> Verdict:
    """``(M^L)^{1/L} = M`` for random PSD ``M`` (the PSD root recovers the PSD base)."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    # M^L squares the condition number L times: 2 * _DPS digits keep _DPS of them for the root
    with mpmath.workdps(2 * _DPS):
        for _ in range(trials):
            m = _rand_psd(rng, 3)
            for L in (2, 3, 4, 5):
                back = psd_power(m ** L, mpmath.mpf(1) / L)
                worst = max(worst, mpmath.mnorm(back - m, "f") / mpmath.mnorm(m, "f"))
        ok = worst < mpmath.mpf(10) ** (-_DPS)
        text = mpmath.nstr(worst, 3)
    return Verdict("holds" if ok else "fails",
                   f"{trials * 4} random PSD M (3x3, L = 2..5): largest relative "
                   f"||(M^L)^(1/L) - M||_F / ||M||_F = {text} < 1e-{_DPS} "
                   f"(at {2 * _DPS} digits)")


def check_coercivity(seed: int = 13, trials: int = 8) -> Verdict:
    """Exact rational check of ``L(W) >= (lam/2) sum ||W_l||^2`` on random networks."""
    rng = random.Random(seed)
    for _ in range(trials):
        L = rng.randint(2, 5)
        widths = ln.INSTANCE_WIDTHS[L]
        lam = Fraction(rng.randint(1, 9), rng.randint(1, 9))
        net = ln.random_net(widths, rng.randint(0, 10**6), lam=lam)
        decay = sum((ex.frob2(w) for w in net.weights), Fraction(0)) * lam / 2
        if ln.loss(net) < decay:
            return Verdict("fails", f"loss below its decay term on widths {widths}")
    return Verdict("holds", f"{trials} random rational networks (L = 2..5): "
                            "L(W) >= (lam/2) sum ||W_l||_F^2 exactly")


def check_submultiplicativity(seed: int = 17, trials: int = 6) -> Verdict:
    """The remainder bound on random unbalanced rational networks, at 30 digits."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(_DPS):
        for _ in range(trials):
            L = rng.randint(2, 5)
            ws = ln.random_net(ln.INSTANCE_WIDTHS[L], rng.randint(0, 10**6)).weights
            lhs = mpmath.mnorm(_mp(ln.power_defect(ws)), "f")
            rhs = mpmath.mpf(0)
            for l in range(1, L):
                el = mpmath.mnorm(_mp(ln.end_to_end(ws[:l])), "f")
                x = mpmath.mnorm(_mp(ex.mul(ex.transpose(ws[l]), ws[l])), "f")
                y = mpmath.mnorm(_mp(ex.mul(ws[l - 1], ex.transpose(ws[l - 1]))), "f")
                d = mpmath.mnorm(_mp(ln.imbalance(ws, l)), "f")
                rhs += el ** 2 * sum(x ** j * d * y ** (L - l - 1 - j) for j in range(L - l))
            worst = max(worst, lhs / rhs)
        ok = worst <= 1
        text = mpmath.nstr(worst, 6)
    return Verdict("holds" if ok else "fails",
                   f"{trials} random unbalanced networks (L = 2..5): largest ratio "
                   f"||E^T E - M^L||_F / bound = {text} <= 1")
