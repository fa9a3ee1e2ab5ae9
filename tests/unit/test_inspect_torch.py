"""inspect on real PyTorch models: the deep-NFA numbers re-implemented independently, fx reading.

The reference below re-implements, from the formulas of Beaglehole, Radhakrishnan et al. (deep
NFA), what their code computes: per layer, Jacobians of the sub-network from layer l on w.r.t.
the layer's input by ``vmap(jacrev)``, G = Σ_i J_iᵀJ_i (centered: J_i minus their mean), and the
cosine ``correlate(M, G) = ⟨M, G⟩_F/(‖M‖_F‖G‖_F)`` in double precision.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.func import jacrev, vmap

from nfacheck.errors import InputError
from nfacheck.inspect import inspect

ROOT = Path(__file__).resolve().parents[2]


def _example():
    spec = importlib.util.spec_from_file_location(
        "inspect_digits", ROOT / "docs" / "examples" / "inspect_digits.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def deep_nfa_reference(net: torch.nn.Sequential, X: torch.Tensor, init=None, centered=False):
    """Per layer: the deep-NFA cosine between M (init subtracted, / rows) and the egop."""
    linears = [i for i, m in enumerate(net) if isinstance(m, torch.nn.Linear)]
    out = []
    with torch.no_grad():
        feats = X.double()
    for j, idx in enumerate(linears):
        sub = net[idx:].double()
        J = vmap(jacrev(sub))(feats)  # n × k × h
        J = J.detach()
        if centered:
            J = J - J.mean(dim=0, keepdim=True)
        G = torch.einsum("nki,nkj->ij", J, J)
        W = net[idx].weight.detach().double()
        if init is not None:
            W = W - init[j].double()
        M = W.T @ W / W.shape[0]
        out.append(float(torch.sum(M * G) / (torch.linalg.norm(M.flatten())
                                            * torch.linalg.norm(G.flatten()))))
        with torch.no_grad():
            feats = net[idx:idx + 2].double()(feats) if idx + 1 < len(net) else feats
    return out


@pytest.fixture(scope="module")
def digits_net():
    ex = _example()
    torch.manual_seed(0)
    X, Y = ex.digits()
    net = ex.make_net(32, 3, "relu")
    init = [m.weight.detach().clone() for m in net if isinstance(m, torch.nn.Linear)]
    ex.train(net, X, Y, epochs=3)
    return net, init, X, Y


def test_cosine_equals_the_deep_nfa_formula_on_digits(digits_net):
    net, init, X, _ = digits_net
    Xt = torch.from_numpy(X)
    r = inspect(net, Xt, init=[w.numpy() for w in init])
    for var, ini in (("gram", None), ("init_subtracted", init)):
        for centered in (False, True):
            ref = deep_nfa_reference(net, Xt, ini, centered)
            got = [row[var + ("_centered" if centered else "")]["cosine"] for row in r.layers]
            if centered:  # the last layer's centered AGOP is 0: the cosine is undefined there
                ref, got = ref[:-1], got[:-1]
            assert np.allclose(got, ref, rtol=0, atol=1e-10), (var, centered, got, ref)
    # negative control: the reference is sensitive to the init subtraction
    assert abs(r.layers[0]["gram"]["cosine"] - r.layers[0]["init_subtracted"]["cosine"]) > 1e-3


def test_sequential_with_biases_and_leaky_relu_matches_autograd():
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.LeakyReLU(0.2),
                              torch.nn.Linear(7, 3)).double()
    X = torch.randn(40, 5, dtype=torch.float64)
    r = inspect(net, X)
    assert r.network["activation"] == "leaky_relu" and r.network["slope"] == 0.2
    assert r.network["biases"] and any("biases" in n for n in r.notes)
    J = vmap(jacrev(net))(X).detach()
    G = (torch.einsum("nki,nkj->ij", J, J) / 40).numpy()
    assert np.allclose(r.matrices[1]["G"], G, rtol=1e-12, atol=1e-15)
    assert r.layers[0]["certified"]["gram"]["defect_lower"] > 0


class Chain(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(4, 6, bias=False)
        self.b = torch.nn.Linear(6, 2, bias=False)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


class WithConv(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 1, 3)
        self.fc = torch.nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(self.conv(x))


class Residual(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.a(x) + x


def test_a_traced_module_is_read_and_others_are_refused():
    r = inspect(Chain(), torch.randn(10, 4))
    assert r.network["activation"] == "tanh" and r.network["widths"] == [4, 6, 2]
    seq = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 5, bias=False),
                              torch.nn.ReLU(), torch.nn.Dropout(0.5),
                              torch.nn.Linear(5, 2, bias=False))
    r = inspect(seq, torch.randn(10, 4))
    assert r.network["activation"] == "relu" and r.network["widths"] == [4, 5, 2]
    with pytest.raises(InputError, match="unsupported layer Conv1d"):
        inspect(WithConv(), np.zeros((3, 4)))
    with pytest.raises(InputError, match="unsupported operation"):
        inspect(Residual(), np.zeros((3, 4)))
    attn = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.MultiheadAttention(4, 1))
    with pytest.raises(InputError, match="1: unsupported layer MultiheadAttention"):
        inspect(attn, np.zeros((3, 4)))
    mixed = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4),
                                torch.nn.Tanh(), torch.nn.Linear(4, 1))
    with pytest.raises(InputError, match="different activations"):
        inspect(mixed, np.zeros((3, 4)))
