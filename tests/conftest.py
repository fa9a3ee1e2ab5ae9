"""Shared test fixtures: precision is restored after every test (DESIGN habit 2); proof scripts
are importable as modules."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import mpmath
import pytest
from hypothesis import settings

# CI draws the same property-test examples every run (a failure there is reproducible, never a
# coin toss); local runs keep hypothesis' random exploration, which is how new failures are found
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _restore_mp_precision():
    prec, iv_prec = mpmath.mp.prec, mpmath.iv.prec
    yield
    changed = mpmath.mp.prec != prec
    mpmath.mp.prec, mpmath.iv.prec = prec, iv_prec
    assert not changed, "a test or library call changed mp.prec globally"


@pytest.fixture
def proof_script():
    """A loader: ``proof_script(name)`` imports ``proofs/<name>.py`` as a module (its claims are
    plain functions)."""

    def load(name: str):
        path = Path(__file__).resolve().parents[1] / "proofs" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
