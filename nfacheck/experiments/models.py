"""Bias-free fully connected networks in float64 numpy: forward pass, loss, gradients, AGOP.

The network is f(x) = W_L σ(W_{L-1} ⋯ σ(W_1 x)) with the loss
ℒ = (1/2n) Σ_i ‖f(x_i) − y_i‖² + (λ/2) Σ_l ‖W_l‖_F² (the conventions of the whole package).
This is the fast, approximate path used by the experiments; the exact path lives in
``nfacheck.numeric``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError

__all__ = [
    "ACTIVATIONS64",
    "activation_pair",
    "forward",
    "data_loss",
    "loss",
    "loss_gradients",
    "jacobians",
    "agop",
]

LEAKY_SLOPE = 0.01  # the package default (nfacheck.activations), as a float

ACTIVATIONS64 = ("linear", "relu", "leaky_relu", "tanh")


def activation_pair(name: str):
    """Return ``(sigma, dsigma)`` numpy ufunc-like callables for a named activation.

    The derivative of relu / leaky relu at 0 is taken as the right derivative (1), matching
    the usual autodiff convention; it is only reached on a set of measure zero.
    """
    if name == "linear":
        return (lambda z: z), (lambda z: np.ones_like(z))
    if name == "relu":
        return (lambda z: np.maximum(z, 0.0)), (lambda z: (z >= 0).astype(float))
    if name == "leaky_relu":
        return (
            (lambda z: np.where(z >= 0, z, LEAKY_SLOPE * z)),
            (lambda z: np.where(z >= 0, 1.0, LEAKY_SLOPE)),
        )
    if name == "tanh":
        return np.tanh, (lambda z: 1.0 - np.tanh(z) ** 2)
    raise InputError(
        "unknown activation for experiments; known: " + ", ".join(ACTIVATIONS64),
        "activation",
        name,
    )


def forward(weights: Sequence[np.ndarray], X: np.ndarray, activation: str = "linear"):
    """Run the network on the columns of ``X``.

    Returns
    -------
    out : ndarray
        The k x n outputs.
    pre : list of ndarray
        Pre-activations Z_1 … Z_{L-1} of the hidden layers.
    post : list of ndarray
        Layer inputs H_0 = X, H_1 = σ(Z_1), …, H_{L-1}.
    """
    sigma, _ = activation_pair(activation)
    post = [X]
    pre = []
    h = X
    for W in weights[:-1]:
        z = W @ h
        pre.append(z)
        h = sigma(z)
        post.append(h)
    return weights[-1] @ h, pre, post


def data_loss(weights: Sequence[np.ndarray], X, Y, activation: str = "linear") -> float:
    """(1/2n) Σ_i ‖f(x_i) − y_i‖² without the weight-decay term."""
    out, _, _ = forward(weights, X, activation)
    return 0.5 * float(np.sum((out - Y) ** 2)) / X.shape[1]


def loss(weights, X, Y, activation: str = "linear", weight_decay: float = 0.0) -> float:
    """The full loss ℒ = data loss + (λ/2) Σ_l ‖W_l‖_F²."""
    reg = 0.5 * weight_decay * sum(float(np.sum(W * W)) for W in weights)
    return data_loss(weights, X, Y, activation) + reg


def loss_gradients(
    weights: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, activation: str = "linear"
) -> tuple[list[np.ndarray], float]:
    """Gradients of the *data* loss (no weight decay) with respect to every W_l, and the loss.

    Weight decay is added by the optimizer (coupled into the gradient, or decoupled), so that
    the discrete imbalance law can be stated with the data gradients alone.
    """
    _, dsigma = activation_pair(activation)
    out, pre, post = forward(weights, X, activation)
    n = X.shape[1]
    r = out - Y
    delta = r / n
    grads: list[np.ndarray] = [None] * len(weights)  # type: ignore[list-item]
    for l in range(len(weights) - 1, -1, -1):
        grads[l] = delta @ post[l].T
        if l > 0:
            delta = (weights[l].T @ delta) * dsigma(pre[l - 1])
    return grads, 0.5 * float(np.sum(r * r)) / n


def jacobians(weights: Sequence[np.ndarray], X: np.ndarray, activation: str = "linear"):
    """Input-output Jacobians J(x_i) = ∂f/∂x at every sample, shape (n, k, d)."""
    _, dsigma = activation_pair(activation)
    if activation == "linear":
        E = weights[0]
        for W in weights[1:]:
            E = W @ E
        return np.broadcast_to(E, (X.shape[1],) + E.shape)
    _, pre, _ = forward(weights, X, activation)
    # J = W_L diag(σ'(z_{L-1})) W_{L-1} ⋯ diag(σ'(z_1)) W_1, accumulated from the output side.
    J = np.broadcast_to(weights[-1], (X.shape[1],) + weights[-1].shape)
    for l in range(len(weights) - 2, -1, -1):
        J = (J * dsigma(pre[l]).T[:, None, :]) @ weights[l]
    return J


def agop(weights: Sequence[np.ndarray], X: np.ndarray, activation: str = "linear") -> np.ndarray:
    """The uncentered AGOP G = (1/n) Σ_i J(x_i)ᵀ J(x_i), a d x d PSD matrix."""
    if activation == "linear":
        E = weights[0]
        for W in weights[1:]:
            E = W @ E
        return E.T @ E
    J = jacobians(weights, X, activation)
    return np.einsum("nki,nkj->ij", J, J) / J.shape[0]
