"""Shared test fixtures: precision is restored after every test (DESIGN habit 2)."""

from __future__ import annotations

import mpmath
import pytest


@pytest.fixture(autouse=True)
def _restore_mp_precision():
    prec, iv_prec = mpmath.mp.prec, mpmath.iv.prec
    yield
    changed = mpmath.mp.prec != prec
    mpmath.mp.prec, mpmath.iv.prec = prec, iv_prec
    assert not changed, "a test or library call changed mp.prec globally"
