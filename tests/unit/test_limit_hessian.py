"""numeric.limit.kits and .hessian: the gradient matches backprop in numeric.network, the
forward-over-reverse Hessian matches central differences of the gradient at high precision, and
the arb and iv kits enclose the mp values (both rigorous paths are exercised)."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import mpmath
import pytest

from nfacheck.numeric.limit.hessian import Model, flatten, unflatten
from nfacheck.numeric.limit.kits import KinkError, make_kit, mpf_fraction
from nfacheck.numeric.network import Network
from nfacheck.problem import load_problem

X = ((F(1), F(-1, 2), F(1, 3)), (F(1, 4), F(1), F(-1)))
Y = ((F(1, 2), F(-1, 4), F(1, 5)),)
WS = (((F(1, 2), F(1, 5)), (F(-1, 3), F(1, 2))), ((F(1, 3), F(-1, 4)),))
ACTS = ("linear", "tanh", "sigmoid", "softplus", "relu")


def _model(act, kit, lam=F(1, 50)):
    return Model((2, 2, 1), act, X, Y, lam, kit)


@pytest.mark.parametrize("act", ACTS)
def test_gradient_and_loss_match_network(act):
    kit = make_kit("mp", 40)
    with kit.scope():
        m = _model(act, kit)
        theta = [kit.const(v) for v in flatten(WS)]
        net = Network(act, {}, mpmath.mp, X, Y, F(1, 50))
        ref = flatten([g.tolist() for g in net.gradients(WS)])
        diff = max(abs(a - b) for a, b in zip(m.gradient(theta), ref, strict=True))
        assert diff < mpmath.mpf(10) ** -35
        assert abs(m.loss(theta) - net.loss(WS)) < mpmath.mpf(10) ** -35
        M, G = m.gram_agop(theta)
        assert mpmath.norm(mpmath.matrix(G) - net.agop(WS)) < mpmath.mpf(10) ** -35


@pytest.mark.parametrize("act", ACTS)
def test_hessian_matches_central_differences(act):
    kit = make_kit("mp", 60)
    with kit.scope():
        m = _model(act, kit)
        theta = [kit.const(v) for v in flatten(WS)]
        H = m.hessian(theta)
        h = mpmath.mpf(10) ** -20
        for j in range(len(theta)):
            up, dn = list(theta), list(theta)
            up[j] += h
            dn[j] -= h
            fd = [(a - b) / (2 * h) for a, b in zip(m.gradient(up), m.gradient(dn), strict=True)]
            assert max(abs(H[i][j] - fd[i]) for i in range(len(theta))) < mpmath.mpf(10) ** -30
        # a wrong Hessian (one entry perturbed) would fail the same comparison
        assert abs(H[0][1] + mpmath.mpf(10) ** -25 - H[1][0]) > mpmath.mpf(10) ** -30


@pytest.mark.parametrize("name", ["arb", "iv"])
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus", "relu"])
def test_rigorous_kits_enclose_the_point_values(name, act):
    mp_kit, kit = make_kit("mp", 50), make_kit(name, 40)
    center = flatten(WS)
    with mp_kit.scope():
        m = _model(act, mp_kit)
        point = [mp_kit.const(v) for v in center]
        g_mp = [mpf_fraction(v) for v in m.gradient(point)]
        h_mp = [mpf_fraction(v) for r in m.hessian(point) for v in r]
    with kit.scope():
        m = _model(act, kit)
        box = [kit.ball(v, F(1, 10**12)) for v in center]
        for got, ref in ((m.gradient(box), g_mp), (flatten([m.hessian(box)]), h_mp)):
            for v, r in zip(got, ref, strict=True):
                lo, hi = kit.bounds(v)
                assert lo <= r <= hi and hi - lo < F(1, 10**9)


def test_relu_refuses_a_box_across_the_kink():
    kit = make_kit("arb", 30)
    with kit.scope():
        m = Model((1, 1, 1), "relu", ((F(1),),), ((F(1),),), F(0), kit)
        with pytest.raises(KinkError):
            m.gradient([kit.ball(F(0), F(1, 10)), kit.const(F(1))])


def test_flatten_roundtrip():
    assert unflatten(flatten(WS), (2, 2, 1)) == [[list(r) for r in w] for w in WS]


def test_limit_modules_do_not_load_sympy():
    code = ("import sys\nimport nfacheck.numeric.limit.newton, nfacheck.numeric.limit.krawczyk\n"
            "import nfacheck.search.critical, nfacheck.cli.limit\n"
            "assert not [m for m in sys.modules if m.startswith('sympy')]\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_problem_examples_load():
    root = Path(__file__).resolve().parents[2]
    p = load_problem(root / "docs" / "examples" / "tanh-weight-decay-limit.toml")
    assert p.weight_decay == F(1, 1000) and p.activation == "tanh"
