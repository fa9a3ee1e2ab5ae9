"""The bias-free network f(x) = W_L sigma(W_{L-1} ... sigma(W_1 x)) at arbitrary precision.

Forward pass, loss, backprop gradients, input Jacobians, the AGOP, the Gram matrix W_1^T W_1 and
the imbalances D_l, all written against an mpmath context: ``mpmath.mp`` to confirm, ``mpmath.iv``
to certify. Functions compute at the caller's current precision (scope it with
``ctx.workdps``); nothing here assigns a precision or passes through float64.

Matrices go in as ``ctx.matrix``, nested lists, or exact tuples of Fractions (``Problem`` style)
and come out as ``ctx.matrix``. Internally rows are Python lists of ``ctx`` numbers and every
matrix entry is one ``ctx.fdot`` (exact products, one rounding in ``mp``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mpmath

from ..errors import InputError
from .activation_eval import activation_functions
from .convert import (
    Rows,
    exact_bounds,
    is_interval_context,
    to_ctx_matrix,
    to_ctx_number,
    to_exact,
    to_rows,
)

__all__ = [
    "Network",
    "activation_functions",
    "agop",
    "data_loss",
    "forward",
    "gradients",
    "gram",
    "imbalances",
    "jacobian",
    "layer_agops",
    "layer_grams",
    "loss",
    "to_ctx_matrix",
    "to_ctx_number",
    "to_exact",
    "exact_bounds",
    "to_rows",
]

# ----------------------------------------------------------------------------- row kernels


def _mm(a: Rows, b: Rows, fdot: Any) -> Rows:
    """a @ b with one fdot per entry."""
    cols = list(zip(*b, strict=True))
    return [[fdot(r, c) for c in cols] for r in a]


def _mm_bt(a: Rows, b: Rows, fdot: Any) -> Rows:
    """a @ b^T (rows of a against rows of b)."""
    return [[fdot(r, c) for c in b] for r in a]


def _sumsq(vals: Sequence[Any], ctx: Any, iv: bool) -> Any:
    # x*x of an interval straddling 0 would go negative; x**2 does not
    return ctx.fsum(v**2 for v in vals) if iv else ctx.fdot(vals, vals)


def _symmetric_products(cols: Sequence[Sequence[Any]], ctx: Any, iv: bool) -> Rows:
    """The matrix [<c_a, c_b>]_{a,b}, built symmetric (each pair once)."""
    m = len(cols)
    out: Rows = [[None] * m for _ in range(m)]
    for a in range(m):
        out[a][a] = _sumsq(cols[a], ctx, iv)
        for b in range(a + 1, m):
            out[a][b] = out[b][a] = ctx.fdot(cols[a], cols[b])
    return out


class Network:
    """An activation, optional data and weight decay bound to an mpmath context.

    Build once and call the methods repeatedly: the data are converted once per precision (and
    again, from the exact inputs, if the caller's ``workdps`` changes); the module-level
    functions are thin wrappers. Weights are a sequence ``W_1 ... W_L``; each may be a
    ``ctx.matrix``, nested lists of ``ctx`` numbers, or exact rows of Fractions.

    Parameters
    ----------
    activation, params
        Activation name and parameters (see :func:`activation_functions`).
    ctx
        ``mpmath.mp`` or ``mpmath.iv``.
    X, Y
        Data, d x n and k x n (optional for jacobian/gram/imbalances).
    weight_decay
        lambda >= 0 (exact or ``ctx`` number).
    """

    def __init__(
        self,
        activation: str,
        params: Mapping[str, Any] | None = None,
        ctx: Any = mpmath.mp,
        X: Any = None,
        Y: Any = None,
        weight_decay: Any = 0,
    ) -> None:
        self.ctx = ctx
        self.activation = activation
        self.params = dict(params or {})
        self.iv = is_interval_context(ctx)
        self.linear = activation == "linear"
        activation_functions(activation, params, ctx)  # validate the name and parameters now
        self._X, self._Y, self._weight_decay = X, Y, weight_decay
        self._cache: dict[int, tuple[Any, ...]] = {}
        x, y = self.X, self.Y
        if x is not None and y is not None and len(x[0]) != len(y[0]):
            raise InputError("X and Y have different numbers of columns (samples)", "data.Y")

    def _at_prec(self) -> tuple[Any, ...]:
        """Data, weight decay and activation converted at the context's *current* precision.

        Exact inputs are re-converted when the caller changes precision, so a network built at
        one ``workdps`` and used at another is as accurate as the caller asks.
        """
        prec = self.ctx.prec
        got = self._cache.get(prec)
        if got is None:
            ctx = self.ctx
            x = None if self._X is None else to_rows(self._X, ctx)
            y = None if self._Y is None else to_rows(self._Y, ctx)
            wd = to_ctx_number(self._weight_decay, ctx)
            sigma, dsigma = activation_functions(self.activation, self.params, ctx)
            got = (x, y, None if wd == 0 else wd, sigma, dsigma)
            self._cache[prec] = got
        return got

    @property
    def X(self) -> Rows | None:
        """The inputs as rows of ``ctx`` numbers at the current precision."""
        return self._at_prec()[0]

    @property
    def Y(self) -> Rows | None:
        """The targets as rows of ``ctx`` numbers at the current precision."""
        return self._at_prec()[1]

    @property
    def weight_decay(self) -> Any:
        """lambda as a ``ctx`` number at the current precision (None when zero)."""
        return self._at_prec()[2]

    @property
    def sigma(self) -> Any:
        """The activation at the current precision."""
        return self._at_prec()[3]

    @property
    def dsigma(self) -> Any:
        """The activation's derivative at the current precision."""
        return self._at_prec()[4]

    @classmethod
    def from_problem(cls, problem: Any, ctx: Any = mpmath.mp) -> Network:
        """The network, data and weight decay of a :class:`nfacheck.problem.Problem`."""
        return cls(
            problem.activation,
            problem.activation_params,
            ctx,
            problem.X,
            problem.Y,
            problem.weight_decay,
        )

    # -- helpers ------------------------------------------------------------------------------

    def _weights(self, weights: Sequence[Any]) -> list[Rows]:
        ws = [to_rows(w, self.ctx) for w in weights]
        if not ws:
            raise InputError("expected at least one weight matrix", "weights")
        for i in range(1, len(ws)):
            if len(ws[i][0]) != len(ws[i - 1]):
                raise InputError(
                    f"W_{i + 1} has {len(ws[i][0])} columns but W_{i} has {len(ws[i - 1])} rows",
                    "weights",
                )
        return ws

    def _data(self, X: Any, name: str = "X") -> Rows:
        if X is not None:
            return to_rows(X, self.ctx)
        got = getattr(self, name)
        if got is None:
            raise InputError(f"no {name} given to this network", name)
        return got

    def _apply(self, f: Any, z: Rows) -> Rows:
        return [[f(v) for v in row] for row in z]

    # -- forward, loss, gradients ---------------------------------------------------------------

    def forward_rows(self, ws: list[Rows], X: Rows) -> tuple[Rows, list[Rows], list[Rows]]:
        """Row-level forward pass: ``(F, Z, H)`` with ``Z[l]`` the pre-activation of hidden layer
        l+1 and ``H[l]`` the input of layer l+1 (``H[0] = X``)."""
        fdot, sigma = self.ctx.fdot, self.sigma
        if len(ws[0][0]) != len(X):
            raise InputError(f"W_1 has {len(ws[0][0])} columns but X has {len(X)} rows", "X")
        h, zs, hs = X, [], [X]
        for w in ws[:-1]:
            z = _mm(w, h, fdot)
            zs.append(z)
            h = z if self.linear else self._apply(sigma, z)
            hs.append(h)
        return _mm(ws[-1], h, fdot), zs, hs

    def forward(self, weights: Sequence[Any], X: Any = None) -> tuple[Any, list[Any]]:
        """Output ``f(X)`` (k x n) and the hidden pre-activations ``[W_1 X, W_2 H_1, ...]``."""
        ctx = self.ctx
        f, zs, _ = self.forward_rows(self._weights(weights), self._data(X))
        return ctx.matrix(f), [ctx.matrix(z) for z in zs]

    def _residual(self, f: Rows, Y: Rows) -> list[Any]:
        if len(Y) != len(f) or len(Y[0]) != len(f[0]):
            raise InputError(
                f"Y is {len(Y)}x{len(Y[0])} but the output is {len(f)}x{len(f[0])}", "Y"
            )
        return [a - b for fr, yr in zip(f, Y, strict=True) for a, b in zip(fr, yr, strict=True)]

    def data_loss(self, weights: Sequence[Any], X: Any = None, Y: Any = None) -> Any:
        """(1/2n) sum_i ||f(x_i) - y_i||^2."""
        xs, ys = self._data(X), self._data(Y, "Y")
        f, _, _ = self.forward_rows(self._weights(weights), xs)
        return _sumsq(self._residual(f, ys), self.ctx, self.iv) / (2 * len(xs[0]))

    def penalty(self, weights: Sequence[Any]) -> Any:
        """(lambda/2) sum_l ||W_l||_F^2 (zero without weight decay)."""
        if self.weight_decay is None:
            return self.ctx.mpf(0)
        flat = [v for w in self._weights(weights) for row in w for v in row]
        return self.weight_decay * _sumsq(flat, self.ctx, self.iv) / 2

    def loss(self, weights: Sequence[Any], X: Any = None, Y: Any = None) -> Any:
        """The training loss: data loss plus (lambda/2) sum_l ||W_l||_F^2."""
        return self.data_loss(weights, X, Y) + self.penalty(weights)

    def gradient_rows(self, ws: list[Rows], X: Rows, Y: Rows) -> list[Rows]:
        """Row-level backprop: dLoss/dW_l for l = 1..L (including weight decay)."""
        fdot, lam = self.ctx.fdot, self.weight_decay
        f, zs, hs = self.forward_rows(ws, X)
        n = len(X[0])
        r = self._residual(f, Y)
        k = len(f)
        delta = [[v / n for v in r[i * n : (i + 1) * n]] for i in range(k)]
        grads: list[Rows] = [[] for _ in ws]
        for layer in range(len(ws) - 1, -1, -1):
            w = ws[layer]
            g = _mm_bt(delta, hs[layer], fdot)
            if lam is not None:
                g = [
                    [a + lam * b for a, b in zip(gr, wr, strict=True)]
                    for gr, wr in zip(g, w, strict=True)
                ]
            grads[layer] = g
            if layer == 0:
                break
            back = _mm(list(map(list, zip(*w, strict=True))), delta, fdot)  # W^T delta
            if not self.linear:
                ds = self.dsigma
                back = [
                    [b * ds(z) for b, z in zip(br, zr, strict=True)]
                    for br, zr in zip(back, zs[layer - 1], strict=True)
                ]
            delta = back
        return grads

    def gradients(self, weights: Sequence[Any], X: Any = None, Y: Any = None) -> list[Any]:
        """``[dLoss/dW_1, ..., dLoss/dW_L]`` as ``ctx.matrix`` (gradient flow is minus these)."""
        g = self.gradient_rows(self._weights(weights), self._data(X), self._data(Y, "Y"))
        return [self.ctx.matrix(m) for m in g]

    # -- Jacobian, AGOP, Gram, imbalance --------------------------------------------------------

    def jacobian_rows(self, ws: list[Rows], x: Sequence[Any]) -> Rows:
        """Row-level input Jacobian at one sample ``x`` (a list of d numbers): k x d."""
        fdot, sigma, dsigma = self.ctx.fdot, self.sigma, self.dsigma
        jac = [list(r) for r in ws[0]]
        if len(x) != len(jac[0]):
            raise InputError(f"x has {len(x)} entries but W_1 has {len(jac[0])} columns", "x")
        z = [fdot(r, x) for r in ws[0]]
        for i, w in enumerate(ws[1:], start=1):
            if self.linear:
                scaled = w
            else:
                s = [dsigma(v) for v in z]
                scaled = [[a * b for a, b in zip(row, s, strict=True)] for row in w]
                if i < len(ws) - 1:
                    h = [sigma(v) for v in z]
                    z = [fdot(r, h) for r in w]
            jac = _mm(scaled, jac, fdot)
        return jac

    def jacobian(self, weights: Sequence[Any], x: Any) -> Any:
        """The input Jacobian ``J = df/dx`` (k x d) at one sample ``x`` (d numbers or d x 1)."""
        if hasattr(x, "tolist"):
            x = x.tolist()
        # a flat sequence, a column (d x 1) or a row (1 x d)
        flat = [v for item in x for v in (item if isinstance(item, (list, tuple)) else [item])]
        xs = to_rows([flat], self.ctx)[0]
        return self.ctx.matrix(self.jacobian_rows(self._weights(weights), xs))

    def agop_rows(self, ws: list[Rows], X: Rows) -> Rows:
        """Row-level AGOP (1/n) sum_i J_i^T J_i, uncentered, d x d."""
        n = len(X[0])
        if self.linear:  # the Jacobian is the end-to-end matrix for every sample
            jacs = [self.jacobian_rows(ws, [row[0] for row in X])]
            scale = 1
        else:
            jacs = [self.jacobian_rows(ws, list(col)) for col in zip(*X, strict=True)]
            scale = n
        d = len(X)
        cols = [[row[a] for j in jacs for row in j] for a in range(d)]
        g = _symmetric_products(cols, self.ctx, self.iv)
        return g if scale == 1 else [[v / scale for v in row] for row in g]

    def agop(self, weights: Sequence[Any], X: Any = None) -> Any:
        """The AGOP G = (1/n) sum_i J(x_i)^T J(x_i) (d x d, uncentered)."""
        return self.ctx.matrix(self.agop_rows(self._weights(weights), self._data(X)))

    def layer_agops(self, weights: Sequence[Any], X: Any = None) -> list[Any]:
        """The deep-NFA AGOPs ``[G_1, ..., G_L]``, ``G_l`` of size h_{l-1} x h_{l-1}.

        ``G_l`` is the AGOP of the sub-network ``h -> W_L sigma(... sigma(W_l h))`` from layer l
        on, taken with respect to that layer's input ``h_{l-1}`` (the post-activation of layer
        l-1; ``h_0 = x``) and averaged over the samples: ``G_l = (1/n) sum_i J_l(x_i)^T J_l(x_i)``
        with ``J_l = d f / d h_{l-1}`` at ``h_{l-1}(x_i)``. ``G_1`` is :meth:`agop`; for a linear
        net ``G_l = S_l^T S_l`` with ``S_l = W_L ... W_l``.
        """
        ws, xs = self._weights(weights), self._data(X)
        _, _, hs = self.forward_rows(ws, xs)
        return [self.ctx.matrix(self.agop_rows(ws[i:], hs[i])) for i in range(len(ws))]


def _net(activation: str, params: Any, ctx: Any, **kw: Any) -> Network:
    return Network(activation, params, ctx, **kw)


def forward(
    weights: Sequence[Any],
    X: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
) -> tuple[Any, list[Any]]:
    """Forward pass on the columns of ``X``.

    Returns
    -------
    (F, Z)
        ``F = f(X)`` (k x n ``ctx.matrix``) and ``Z = [Z_1, ..., Z_{L-1}]`` the hidden
        pre-activations ``Z_l = W_l sigma(Z_{l-1})`` (``Z_0 = X`` unactivated), each h_l x n.
    """
    return _net(activation, params, ctx).forward(weights, X)


def data_loss(
    weights: Sequence[Any],
    X: Any,
    Y: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
) -> Any:
    """(1/2n) sum_i ||f(x_i) - y_i||^2 as a ``ctx`` number."""
    return _net(activation, params, ctx).data_loss(weights, X, Y)


def loss(
    weights: Sequence[Any],
    X: Any,
    Y: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
    weight_decay: Any = 0,
) -> Any:
    """Data loss + (lambda/2) sum_l ||W_l||_F^2 with lambda = ``weight_decay``."""
    return _net(activation, params, ctx, weight_decay=weight_decay).loss(weights, X, Y)


def gradients(
    weights: Sequence[Any],
    X: Any,
    Y: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
    weight_decay: Any = 0,
) -> list[Any]:
    """``[dLoss/dW_l]`` for l = 1..L by backpropagation, weight decay included.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> g = gradients([[[F(1)]], [[F(2)]]], [[F(1)]], [[F(0)]], "linear")
    >>> [float(m[0, 0]) for m in g]   # f = 2, residual 2: dL/dW1 = 2*2, dL/dW2 = 2*1
    [4.0, 2.0]
    """
    net = _net(activation, params, ctx, weight_decay=weight_decay)
    return net.gradients(weights, X, Y)


def jacobian(
    weights: Sequence[Any],
    x: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
) -> Any:
    """Input Jacobian ``df/dx`` (k x d ``ctx.matrix``) at one sample ``x`` (d numbers)."""
    return _net(activation, params, ctx).jacobian(weights, x)


def agop(
    weights: Sequence[Any],
    X: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
) -> Any:
    """The uncentered AGOP (1/n) sum_i J(x_i)^T J(x_i), a d x d ``ctx.matrix``.

    For a linear network every J(x_i) is the end-to-end matrix E = W_L ... W_1, so G = E^T E.
    """
    return _net(activation, params, ctx).agop(weights, X)


def gram(weights: Sequence[Any], ctx: Any = mpmath.mp) -> Any:
    """The Gram (neural feature) matrix W_1^T W_1 (d x d) of the first layer."""
    return layer_grams(weights[:1], ctx)[0]


def layer_grams(weights: Sequence[Any], ctx: Any = mpmath.mp) -> list[Any]:
    """``[W_1^T W_1, ..., W_L^T W_L]``, the neural feature matrix of every layer."""
    out = []
    for w in weights:
        cols = [list(c) for c in zip(*to_rows(w, ctx), strict=True)]
        out.append(ctx.matrix(_symmetric_products(cols, ctx, is_interval_context(ctx))))
    return out


def layer_agops(
    weights: Sequence[Any],
    X: Any,
    activation: str,
    params: Mapping[str, Any] | None = None,
    ctx: Any = mpmath.mp,
) -> list[Any]:
    """The per-layer AGOPs ``[G_1, ..., G_L]`` of the deep NFA (see :meth:`Network.layer_agops`).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> gs = layer_agops([[[F(1)]], [[F(2)]], [[F(3)]]], [[F(1)]], "linear")
    >>> [float(g[0, 0]) for g in gs]   # (W_3 W_2 W_1)^2, (W_3 W_2)^2, W_3^2
    [36.0, 36.0, 9.0]
    """
    return _net(activation, params, ctx).layer_agops(weights, X)


def imbalances(weights: Sequence[Any], ctx: Any = mpmath.mp) -> list[Any]:
    """``[D_1, ..., D_{L-1}]`` with D_l = W_{l+1}^T W_{l+1} - W_l W_l^T (h_l x h_l).

    In ``mp`` each entry is a single fdot over the concatenated products, so a balanced network
    gives entries of the size of the input rounding, not of the cancellation.
    """
    ws = [to_rows(w, ctx) for w in weights]
    out = []
    for i in range(len(ws) - 1):
        lower, upper = ws[i], ws[i + 1]
        if len(upper[0]) != len(lower):
            raise InputError(
                f"W_{i + 2} has {len(upper[0])} columns but W_{i + 1} has {len(lower)} rows",
                "weights",
            )
        ucols = [list(c) for c in zip(*upper, strict=True)]
        h = len(lower)
        if is_interval_context(ctx):
            # fdot of an interval with itself overestimates; subtract two PSD parts instead
            up = _symmetric_products(ucols, ctx, True)
            lo = _symmetric_products(lower, ctx, True)
            out.append(ctx.matrix([[up[a][b] - lo[a][b] for b in range(h)] for a in range(h)]))
            continue
        left = [c + r for c, r in zip(ucols, lower, strict=True)]
        right = [c + [-v for v in r] for c, r in zip(ucols, lower, strict=True)]
        m: Rows = [[None] * h for _ in range(h)]
        for a in range(h):
            for b in range(a, h):
                m[a][b] = m[b][a] = ctx.fdot(left[a], right[b])
        out.append(ctx.matrix(m))
    return out
