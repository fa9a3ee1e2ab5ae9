"""``nfacheck.inspect``: the NFA layer by layer on a trained network and real data."""

from __future__ import annotations

import math
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..experiments.metrics64 import Fitter
from .certified import agop_enclosure, agop_mid, certified_defect, gram_enclosure
from .exact_signs import RESOLVE
from .layer import ALPHA_GRID, fact_residual, pair_metrics
from .model import (
    DEFAULT_SLOPE,
    Network,
    network_from_arrays,
    network_from_module,
    network_from_state_dict,
)
from .passes import CERTIFIABLE, check_size, run_passes
from .propagate import FOLLOW

__all__ = ["inspect", "InspectResult", "as_network", "CERT_METHOD"]

CERT_METHOD = ("float64 with rigorous a-priori rounding-error bounds (Higham's γ_n for sums and "
               "products, entrywise and per-sample norm radii on pre-activations, uncertain "
               "ReLU signs decided in exact integer arithmetic or followed explicitly through "
               "the Frobenius bounds on Jacobians), "
               "combined in exact rational arithmetic, over the exact binary-rational values of "
               "the stored weights and data")


# ‖G_centered‖_F below this fraction of ‖G‖_F is rounding noise of a constant Jacobian
CENTERED_ZERO = 1e-10


@dataclass
class InspectResult:
    """What :func:`inspect` found: per-layer numbers (``layers``) and how they were obtained.

    ``matrices[l]`` holds, for the report, M_l, G_l (uncentered) and the fitted c·G_l^α.
    """

    network: dict
    layers: list[dict]
    certification: dict
    notes: list[str]
    matrices: dict[int, dict[str, np.ndarray]] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the content of ``inspect.json``; undefined numbers are ``None``)."""
        return _clean({"format": "nfacheck-inspect/1", "network": self.network,
                       "layers": self.layers, "certification": self.certification,
                       "notes": self.notes, "alpha_grid": [float(a) for a in ALPHA_GRID]})


def _clean(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def as_network(model, activation: str | None = None, slope: float = DEFAULT_SLOPE,
               source: str | None = None) -> Network:
    """A :class:`Network` from an ``nn.Module``, a state dict, a list of arrays or a Network."""
    if isinstance(model, Network):
        return model
    if hasattr(model, "named_children") and hasattr(model, "forward"):
        if activation is not None:
            raise InputError("activation= is read from the module; do not pass it", "activation")
        return network_from_module(model)
    if isinstance(model, dict):
        return network_from_state_dict(model, activation or "relu", slope=slope, source=source)
    if isinstance(model, Sequence) or isinstance(model, np.ndarray):
        return network_from_arrays(list(model), activation or "relu", slope=slope, source=source)
    raise InputError("expected an nn.Module, a state dict, or a list of weight arrays, got "
                     f"{type(model).__name__}", "model")


def _array(a, field: str) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().double().numpy()
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InputError(f"expected a non-empty n × d array (samples as rows), got shape "
                         f"{arr.shape}", field)
    if not np.all(np.isfinite(arr)):
        raise InputError("non-finite values", field)
    return arr


def inspect(
    model,
    X,
    *,
    init=None,
    weight_decay: float | None = None,
    Y=None,
    activation: str | None = None,
    slope: float = DEFAULT_SLOPE,
    layers: Sequence[int] | None = None,
    samples: int | None = None,
    seed: int = 0,
    batch_size: int = 512,
    certify: bool = True,
    follow: int = FOLLOW,
    resolve: int = RESOLVE,
    progress: Callable[[int], None] | None = None,
    source: str | None = None,
) -> InspectResult:
    """The NFA, layer by layer, for a trained network on its data.

    Parameters
    ----------
    model
        A PyTorch ``nn.Module`` (a chain of ``nn.Linear`` and one elementwise activation: relu,
        leaky_relu, tanh, sigmoid, softplus or identity), a state dict, or a list of weight
        arrays W_l of shape h_l × h_{l−1} (then ``activation`` names σ, default relu).
    X
        The data, n × d with samples as ROWS (the PyTorch convention; nfacheck's own d × n
        convention is its transpose). numpy array or torch tensor.
    init
        The weights at initialisation (same kinds as ``model``): adds the init-subtracted
        feature matrices (W_l − W_l⁰)ᵀ(W_l − W_l⁰) that the deep-NFA code uses.
    weight_decay
        λ of ℒ = (1/2n)Σ‖f(x_i) − y_i‖² + (λ/2)Σ‖W_l‖_F²; with ``Y``, adds the FACT residual.
    Y
        Targets, n × k (for FACT).
    layers
        1-based layers to report (default: all).
    samples
        Use a random subset of this many samples (seeded by ``seed``).
    batch_size
        Samples per batch of the passes (memory O(batch · k · width)).
    certify
        Compute the certified lower bound on the defect (piecewise-linear activations).
    follow
        ReLU inputs of uncertain sign followed explicitly through the backward pass, per sample
        (the rest is bounded norm-wise; ``uncertain_followed`` in each row counts them).
    resolve
        Samples whose uncertain signs are first decided in exact integer arithmetic
        (``uncertain_resolved`` in each row); an exact kink z = 0 stays uncertain.
    progress
        Called with the number of samples finished after each batch.

    Returns
    -------
    InspectResult

    Raises
    ------
    InputError
        The model is not a chain of dense layers, the data do not fit its first layer, NaN/inf.

    Examples
    --------
    >>> import numpy as np
    >>> from nfacheck.inspect import inspect
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.standard_normal((5, 3)), rng.standard_normal((2, 5))]
    >>> r = inspect(W, rng.standard_normal((40, 3)), activation="linear")
    >>> [round(row["alpha_theory"], 3) for row in r.layers]
    [0.5, 1.0]
    """
    net = as_network(model, activation, slope, source)
    Xa = _array(X, "X")
    d = net.widths[0]
    if Xa.shape[1] != d:
        hint = " (is X d × n? inspect takes n × d, samples as rows)" \
            if Xa.shape[0] == d else ""
        raise InputError(f"data have {Xa.shape[1]} features but the first layer "
                         f"({net.names[0]}) takes {d}{hint}", "X", source=source)
    L = len(net.weights)
    Ya = None
    if Y is not None:
        Ya = _array(Y, "Y")
        if Ya.shape != (Xa.shape[0], net.widths[-1]):
            raise InputError(f"targets of shape {Ya.shape}, expected ({Xa.shape[0]}, "
                             f"{net.widths[-1]})", "Y")
    if weight_decay is not None and not (math.isfinite(weight_decay) and weight_decay > 0):
        raise InputError("weight decay must be a positive number", "weight_decay", weight_decay)
    init_w = None
    if init is not None:
        inet = as_network(init, net.activation if not hasattr(init, "forward") else None,
                          slope)
        if [w.shape for w in inet.weights] != [w.shape for w in net.weights]:
            raise InputError("init weights have shapes "
                             f"{[w.shape for w in inet.weights]}, the model "
                             f"{[w.shape for w in net.weights]}", "init")
        init_w = inet.weights
    chosen = list(range(1, L + 1)) if layers is None else sorted(set(int(x) for x in layers))
    if any(not 1 <= x <= L for x in chosen):
        raise InputError(f"layers are numbered 1..{L}", "layers", list(layers or []))
    notes = []
    if samples is not None:
        if samples < 1:
            raise InputError("samples must be at least 1", "samples", samples)
        if samples < Xa.shape[0]:
            idx = np.sort(np.random.default_rng(seed).choice(Xa.shape[0], samples, replace=False))
            Xa = Xa[idx]
            Ya = Ya[idx] if Ya is not None else None
            notes.append(f"a random subset of {samples} samples (seed {seed})")
    if net.has_biases:
        notes.append("the model has biases (the theory has none): the AGOPs are those of the "
                     "network with its biases; FACT and the feature matrices use the weights only")
    n = Xa.shape[0]
    fact_on = weight_decay is not None and Ya is not None
    if weight_decay is not None and Ya is None:
        notes.append("weight decay given without targets Y: no FACT residual")
    try:
        check_size(net, n, batch_size, len(chosen), certify)
    except InputError as exc:
        raise exc.with_source(source) if source else exc from None
    passes = run_passes(net, Xa, Ya if fact_on else None, batch_size=batch_size,
                        certify=certify, follow=follow, resolve=resolve,
                        progress=progress)
    rows, mats, zero_centered = [], {}, []
    for l in chosen:
        i = l - 1
        W = net.weights[i]
        s = passes.layers[i]
        Gm = agop_mid(s, n)
        eig = np.linalg.eigh(Gm)
        G = agop_enclosure(s, n, eig) if passes.certifiable else None
        Jbar = s.Jsum / n
        Gc = Gm - Jbar.T @ Jbar
        if np.linalg.norm(Gc) <= CENTERED_ZERO * np.linalg.norm(Gm):
            Gc = np.zeros_like(Gm)  # constant Jacobians (linear net, last layer): Gc = 0
            zero_centered.append(l)
        eig_c = np.linalg.eigh(Gc)
        a_th = 1.0 / (L - l + 1)
        variants = {"gram": W.T @ W}
        if init_w is not None:
            Dw = W - init_w[i]
            variants["init_subtracted"] = Dw.T @ Dw
        row: dict[str, Any] = {"layer": l, "name": net.names[i], "shape": list(W.shape),
                               "alpha_theory": a_th, "width_divisor": W.shape[0],
                               "uncertain_signs": s.uncertain if i < L - 1 else 0,
                               "uncertain_resolved": s.resolved if i < L - 1 else 0,
                               "gates_corrected": s.corrected if i < L - 1 else 0,
                               "uncertain_followed": s.followed if i < L - 1 else 0}
        for name, M in variants.items():
            row[name] = pair_metrics(M, Gm, a_th, curve=True, eig=eig)
            row[name + "_centered"] = pair_metrics(M, Gc, a_th, eig=eig_c)
        if passes.certifiable:
            cert = {"gram": _cert_json(certified_defect(gram_enclosure(W), G))}
            if init_w is not None:
                cert["init_subtracted"] = _cert_json(
                    certified_defect(gram_enclosure(W, init_w[i]), G))
            row["certified"] = cert
        if fact_on:
            row["fact"] = fact_residual(W, s.fact, n, float(weight_decay))
        main = row["gram"]
        c = main["c_theory"]
        mats[l] = {"M": variants["gram"], "G": Gm,
                   "cG": c * Fitter(variants["gram"], Gm, eig=eig).power(a_th)
                   if math.isfinite(c) else np.zeros_like(Gm)}
        rows.append(row)
    if zero_centered:
        notes.append("the centered AGOP vanishes in layer(s) " + ", ".join(map(str, zero_centered))
                     + " (the Jacobians do not depend on the sample there): its numbers are "
                     "undefined (nan)")
    data_loss = None
    if passes.residual_sumsq is not None:
        data_loss = passes.residual_sumsq / (2 * n)
    if passes.certifiable:
        certification = {"method": CERT_METHOD, "status": "certified",
                         "quantity": "‖[M,G]‖_F / (2‖G‖_2‖M‖_F) ≤ min_{c,α} ‖M − cG^α‖_F/‖M‖_F",
                         "agop": "uncentered", "follow_per_sample": follow,
                         "resolve_samples": resolve}
    else:
        certification = {"status": "not certified",
                         "reason": f"activation {net.activation}: only "
                         + ", ".join(CERTIFIABLE) + " are certified (numpy's libm "
                         "transcendentals carry no guaranteed error bound)"
                         if certify else "certify=False"}
    network = {"widths": net.widths, "depth": L, "activation": net.activation,
               "slope": net.slope if net.activation == "leaky_relu" else None,
               "biases": net.has_biases, "n": n, "layers_reported": chosen,
               "data_layout": "n x d (samples as rows)",
               "weight_decay": weight_decay, "data_loss": data_loss,
               "numpy": np.__version__, "python": platform.python_version()}
    return InspectResult(network, rows, certification, notes, mats)


def _cert_json(c: dict) -> dict:
    c.pop("exact")  # a Fraction with thousands of digits; the float is rounded down
    return c
