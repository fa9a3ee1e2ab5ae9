"""Symmetric eigendecomposition, clamped matrix powers and norms at working precision."""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import rand_rational, random_psd
from mpmath import mp

from nfacheck.errors import InputError
from nfacheck.numeric.linalg import (
    as_matrix,
    commutator,
    eigh,
    frobenius,
    frobenius_inner,
    spectral_norm,
    sym_power,
)


def _maxabs(A):
    return max(abs(A[i, j]) for i in range(A.rows) for j in range(A.cols))


@pytest.mark.parametrize("dps", [30, 50])
def test_eigh_reconstructs_and_is_orthogonal(dps):
    with mp.workdps(dps):
        A = random_psd(5, 5, seed=1)
        e = eigh(A)
        D = mp.diag(e.values)
        assert _maxabs(e.Q * D * e.Q.T - A) < mp.mpf(10) ** (-(dps - 3)) * _maxabs(A)
        assert _maxabs(e.Q.T * e.Q - mp.eye(5)) < mp.mpf(10) ** (-(dps - 3))
        assert list(e.values) == sorted(e.values)


@pytest.mark.parametrize("alpha,power", [(Fraction(1, 2), 2), (Fraction(1, 3), 3), (1, 1)])
def test_sym_power_inverts_integer_powers(alpha, power):
    with mp.workdps(40):
        A = random_psd(4, 4, seed=2)
        R, clamp = sym_power(A, alpha)
        P = mp.eye(4)
        for _ in range(power):
            P = P * R
        assert _maxabs(P - A) < mp.mpf(10) ** -35 * _maxabs(A)
        assert clamp.count == 0


def test_clamp_reported_on_singular_matrix():
    with mp.workdps(40):
        G = random_psd(5, 2, seed=3)  # rank 2 in 5 dimensions: three "zero" eigenvalues
        R, clamp = sym_power(G, Fraction(1, 3))
        assert clamp.count == 3
        assert clamp.largest <= clamp.threshold
        assert clamp.relative_threshold == mp.mpf(10) ** -35
        # the cube of the clamped root reproduces G, which an unclamped root of noise would not
        assert _maxabs(R * R * R - G) < mp.mpf(10) ** -30 * _maxabs(G)
        # what the clamp prevents: a rounding-level eigenvalue to the power 1/3 is ~1e-14
        noise = max(abs(v) for v in eigh(G).values[:3])
        assert noise == 0 or mp.cbrt(noise) > mp.mpf(10) ** -25 * mp.cbrt(max(eigh(G).values))


def test_not_psd_raises():
    with mp.workdps(30), pytest.raises(InputError, match="positive semidefinite"):
        sym_power(mp.matrix([[1, 0], [0, -1]]), Fraction(1, 2))


def test_norms_and_commutator():
    with mp.workdps(30):
        A = mp.matrix([[3, 4], [0, 0]])
        assert frobenius(A) == 5
        assert frobenius_inner(A, A) == 25
        assert abs(spectral_norm(A) - 5) < mp.mpf(10) ** -28
        G = random_psd(4, 4, seed=4)
        lam = max(eigh(G).values)
        assert abs(spectral_norm(G, symmetric_psd=True) - lam) < mp.mpf(10) ** -25 * lam
        assert abs(spectral_norm(G) - lam) < mp.mpf(10) ** -25 * lam
        R, _ = sym_power(G, Fraction(1, 2))
        assert _maxabs(commutator(R, G)) < mp.mpf(10) ** -24 * _maxabs(G) ** 2
        B = as_matrix(rand_rational(4, 4, 5))
        assert frobenius(commutator(B, G)) > 1


def test_as_matrix_is_exact_for_fractions():
    with mp.workdps(50):
        A = as_matrix([[Fraction(1, 3)]])
        assert A[0, 0] == mp.mpf(1) / 3
