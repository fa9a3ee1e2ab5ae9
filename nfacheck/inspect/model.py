"""The network ``inspect`` reads: a chain of dense layers with one elementwise activation.

Built from a PyTorch ``nn.Module`` (``nn.Sequential`` walked, anything else traced with
``torch.fx``), a state dict (the 2-D weight tensors in order are the layers, a 1-D ``*.bias``
after a weight is its bias) or a list of numpy arrays. Weights are kept in float64: a float32
or float16 value converts exactly, so the arrays hold the exact binary rationals that were stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["Network", "ACTIVATIONS", "network_from_arrays", "network_from_state_dict",
           "network_from_module", "DEFAULT_SLOPE"]

ACTIVATIONS = ("linear", "relu", "leaky_relu", "tanh", "sigmoid", "softplus")
DEFAULT_SLOPE = 0.01  # PyTorch's negative_slope default
_ALIASES = {"identity": "linear", "none": "linear", "leakyrelu": "leaky_relu",
            "leaky-relu": "leaky_relu"}


@dataclass
class Network:
    """W_l (h_l × h_{l−1}, float64), optional biases b_l, one activation between layers."""

    weights: list[np.ndarray]
    biases: list[np.ndarray | None]
    activation: str
    slope: float = DEFAULT_SLOPE
    names: list[str] | None = None

    @property
    def widths(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def has_biases(self) -> bool:
        return any(b is not None for b in self.biases)


def _canonical_activation(name: str, source: str | None) -> str:
    a = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if a not in ACTIVATIONS:
        raise InputError(f"unknown activation {name!r}; known: " + ", ".join(ACTIVATIONS)
                         + ", identity", "activation", source=source)
    return a


def _as_float64(a, field: str, source: str | None) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise InputError(f"expected a real numeric array, got dtype {arr.dtype}", field,
                         source=source)
    out = arr.astype(np.float64)  # float16/32 → float64 is exact
    if not np.all(np.isfinite(out)):
        bad = np.argwhere(~np.isfinite(out))[0]
        where = tuple(int(i) for i in bad)
        raise InputError(f"non-finite value {out[where]} at index {where}", field, source=source)
    return out


def network_from_arrays(
    weights: Sequence, activation: str = "relu", *, biases: Sequence | None = None,
    slope: float = DEFAULT_SLOPE, names: Sequence[str] | None = None, source: str | None = None,
) -> Network:
    """Validate a chain of weight matrices (and biases) into a :class:`Network`.

    Raises
    ------
    InputError
        No layers, a non-2-D weight, NaN/inf, or consecutive layers that do not chain.
    """
    act = _canonical_activation(activation, source)
    names = list(names) if names is not None else [f"W{i + 1}" for i in range(len(weights))]
    if not weights:
        raise InputError("no 2-D weight tensors (expected the layers' weight matrices)",
                         source=source)
    Ws = []
    for i, (w, nm) in enumerate(zip(weights, names, strict=True)):
        a = _as_float64(w, nm, source)
        if a.ndim != 2 or 0 in a.shape:
            raise InputError(f"expected a non-empty 2-D weight matrix, got shape {a.shape}", nm,
                             source=source)
        if Ws and a.shape[1] != Ws[-1].shape[0]:
            raise InputError(f"layers do not chain: {nm} takes {a.shape[1]} inputs but "
                             f"{names[i - 1]} gives {Ws[-1].shape[0]} outputs", nm, source=source)
        Ws.append(a)
    bs: list[np.ndarray | None] = [None] * len(Ws)
    if biases is not None:
        for i, b in enumerate(biases):
            if b is None:
                continue
            ba = _as_float64(b, f"{names[i]} bias", source)
            if ba.shape != (Ws[i].shape[0],):
                raise InputError(f"bias of shape {ba.shape}, expected ({Ws[i].shape[0]},)",
                                 f"{names[i]} bias", source=source)
            bs[i] = ba
    return Network(Ws, bs, act, float(slope), names)


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def network_from_state_dict(
    state: Mapping, activation: str, *, slope: float = DEFAULT_SLOPE, source: str | None = None,
    sort_keys: bool = False,
) -> Network:
    """The 2-D tensors of a state dict, in order, are the layers; ``X.bias`` goes with ``X.weight``.

    ``sort_keys`` orders the keys naturally (``layers.2`` before ``layers.10``), for formats
    that do not keep the order of insertion (safetensors).
    """
    keys = list(state.keys())
    if sort_keys:
        keys.sort(key=_natural_key)
    weights, names, biases = [], [], []
    by_name = {}
    for key in keys:
        arr = np.asarray(_to_numpy(state[key]))
        if arr.ndim == 2:
            weights.append(arr)
            names.append(key)
            biases.append(None)
            by_name[key] = len(weights) - 1
        elif arr.ndim == 4 or arr.ndim == 3:
            raise InputError(f"a {arr.ndim}-D tensor of shape {tuple(arr.shape)} (a convolution?); "
                             "inspect reads dense layers only", key, source=source)
    for key in keys:
        arr = np.asarray(_to_numpy(state[key]))
        if arr.ndim == 2:
            continue
        wkey = key[: -len("bias")] + "weight"
        if arr.ndim != 1 or not key.endswith("bias"):
            raise InputError(f"a {arr.ndim}-D tensor that is not a layer's bias (batch norm or "
                             "another layer type?); inspect reads dense layers only", key,
                             source=source)
        if wkey not in by_name:
            raise InputError(f"a bias with no matching 2-D weight (expected a key {wkey!r})",
                             key, source=source)
        biases[by_name[wkey]] = arr
    return network_from_arrays(weights, activation, biases=biases, slope=slope, names=names,
                               source=source)


def _to_numpy(x):
    if hasattr(x, "detach"):  # a torch tensor
        return x.detach().cpu().double().numpy()
    return x


_MODULE_ACTS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "Tanh": "tanh", "Sigmoid": "sigmoid",
                "Softplus": "softplus", "Identity": None,
                "Dropout": None, "Flatten": None}  # no-ops on n × d inputs at evaluation
_FUNC_ACTS = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid",
              "softplus": "softplus"}


def _module_steps(model):
    """The model as a list of ("linear", name, module) / ("act", name, activation, slope)."""
    import torch.nn as nn

    if isinstance(model, nn.Sequential):
        steps = []
        for name, child in model.named_children():
            if not isinstance(child, (nn.Sequential, nn.Linear)) and \
                    type(child).__name__ not in _MODULE_ACTS:
                raise InputError(f"unsupported layer {type(child).__name__} (inspect reads "
                                 "nn.Linear and elementwise relu/leaky_relu/tanh/sigmoid/"
                                 "softplus/identity)", name)
            for s in _module_steps(child):
                steps.append((s[0], f"{name}.{s[1]}" if s[1] else name, *s[2:]))
        return steps
    if isinstance(model, nn.Linear):
        return [("linear", "", model)]
    kind = type(model).__name__
    if kind in _MODULE_ACTS:
        act = _MODULE_ACTS[kind]
        if kind == "Softplus" and float(model.beta) != 1.0:
            raise InputError(f"Softplus with beta = {model.beta} (only beta = 1 is supported)",
                             "model")
        slope = float(getattr(model, "negative_slope", DEFAULT_SLOPE))
        return [] if act is None else [("act", "", act, slope)]
    return _traced_steps(model)


def _traced_steps(model):
    import torch
    import torch.fx as fx
    import torch.nn.functional as F

    try:
        gm = fx.symbolic_trace(model)
    except Exception as exc:  # tracing failed: data-dependent control flow and the like
        raise InputError(f"cannot read {type(model).__name__} as a chain of layers "
                         f"(torch.fx: {type(exc).__name__})", "model") from None
    mods = dict(gm.named_modules())
    steps = []
    for node in gm.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if node.op == "call_module":
            sub = mods[node.target]
            if isinstance(sub, torch.nn.Linear) or type(sub).__name__ in _MODULE_ACTS:
                steps.extend((s[0], node.target, *s[2:]) for s in _module_steps(sub))
                continue
            raise InputError(f"unsupported layer {type(sub).__name__} (inspect reads nn.Linear "
                             "and elementwise relu/leaky_relu/tanh/sigmoid/softplus/identity)",
                             node.target)
        name = getattr(node.target, "__name__", str(node.target))
        if node.op in ("call_function", "call_method") and name in _FUNC_ACTS:
            slope = DEFAULT_SLOPE
            if name == "leaky_relu":
                slope = float(node.kwargs.get("negative_slope", node.args[1]
                                              if len(node.args) > 1 else DEFAULT_SLOPE))
            steps.append(("act", str(node.name), _FUNC_ACTS[name], slope))
            continue
        if node.op == "call_function" and node.target in (F.linear,):
            raise InputError("F.linear with weights outside an nn.Linear is not supported",
                             str(node.name))
        raise InputError(f"unsupported operation {name!r} in forward (inspect reads chains of "
                         "nn.Linear layers and elementwise activations)", str(node.name))
    return steps


def network_from_module(model) -> Network:
    """Read an ``nn.Module`` that is a chain of ``nn.Linear`` and one elementwise activation."""
    steps = _module_steps(model)
    weights, biases, names = [], [], []
    acts, expect_linear = set(), True
    slope = DEFAULT_SLOPE
    for s in steps:
        if s[0] == "linear":
            if not expect_linear:
                acts.add("linear")  # two linears in a row: the identity between them
            weights.append(s[2].weight)
            biases.append(s[2].bias)
            names.append(s[1])
            expect_linear = False
        else:
            if expect_linear:
                raise InputError("an activation where a linear layer was expected (the chain "
                                 "must start and end with nn.Linear, one activation between)",
                                 s[1] or "model")
            acts.add(s[2])
            slope = s[3]
            expect_linear = True
    if not weights:
        raise InputError("no nn.Linear layer found", "model")
    if expect_linear:
        raise InputError("the model ends with an activation (expected a final nn.Linear)",
                         "model")
    if len(acts) > 1:
        raise InputError("different activations between layers: " + ", ".join(sorted(acts))
                         + " (the theory has one σ)", "model")
    act = acts.pop() if acts else "linear"
    return network_from_arrays([_to_numpy(w) for w in weights], act,
                               biases=[None if b is None else _to_numpy(b) for b in biases],
                               slope=slope, names=names)
