"""The explicit-instance and random-rational layers of the deep-linear proofs.

Each function evaluates a claim on explicit networks for L = 2..5 (entries as polynomial-ring
generators, or random rationals) and returns a :class:`~.proof.Verdict`: ``holds`` when every
instance agrees, ``fails`` with the first counter-instance otherwise.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import sympy as sp

from . import explicit as ex
from . import linnet as ln
from .crosscheck import Verdict

__all__ = [
    "DEPTHS", "gradient_instances", "imbalance_instances", "agop_instances",
    "balanced_power_instances", "balanced_flow_instances", "unbalanced_counter",
    "remainder_instances", "first_order_counter", "critical_point", "collapse_chain",
    "relu_jacobian_counter", "gram_order_counter",
]

DEPTHS = (2, 3, 4, 5)


def _fail(what: str, where: str, m: ex.Mat | None = None) -> Verdict:
    extra = ""
    if m is not None:
        nz = next((x for row in m for x in row if x != 0), None)
        extra = f"; first non-zero residual entry: {nz}"
    return Verdict("fails", f"{what} on {where}{extra}")


def gradient_instances(*, transpose_prefix: bool = True, decay: Fraction = Fraction(1),
                       square: bool = False) -> Verdict:
    """``dL/dW_l`` by differentiating the explicit loss against the formula, every l, L = 2..5."""
    count = 0
    for L in DEPTHS:
        if square:
            net = _lift_net(ln.random_net((2,) * (L + 1), seed=L), L)
        else:
            net = ln.symbolic_net(L)
        value = ln.loss(net)
        for l in range(1, L + 1):
            res = ex.sub(ln.grad_by_diff(net, value, l),
                         ln.grad_formula(net, l, transpose_prefix=transpose_prefix,
                                         decay_factor=decay))
            count += 1
            if not ex.is_zero(res):
                return _fail("gradient formula differs from the derivative of the loss",
                             f"L = {L}, layer l = {l}", res)
    kind = "square weights" if square else "widths " + ", ".join(
        str(list(ln.INSTANCE_WIDTHS[L])) for L in DEPTHS)
    return Verdict("holds", f"{count} layer gradients (L = 2..5, {kind}, entries symbolic, "
                            "lambda symbolic) equal the entrywise derivative of the loss")


def _lift_net(net: ln.Net, L: int) -> ln.Net:
    """Square control instance: weights symbolic, data rational."""
    widths = (2,) * (L + 1)
    r, weights, (lam,) = ex.symbolic_weights(widths, extra=("lam",))
    return ln.Net(weights, ex.lift(r, net.X), ex.lift(r, net.Y), lam, r, r(1))


def imbalance_instances(*, rate: Fraction = Fraction(-2), lam_zero: bool = False) -> Verdict:
    """``dD_l/dt = rate * lam * D_l`` with velocities from differentiating the explicit loss."""
    count = 0
    for L in DEPTHS:
        net = ln.symbolic_net(L)
        value = ln.loss(net)
        vel = [ex.scale(-1, ln.grad_by_diff(net, value, l)) for l in range(1, L + 1)]
        for l in range(1, L):
            lhs = ln.flow_rate_of_imbalance(net.weights, vel, l)
            rhs = ex.scale(net.lam * rate, ln.imbalance(net.weights, l))
            res = ex.sub(lhs, rhs)
            if lam_zero:
                res = [[x.subs(net.lam, 0) for x in row] for row in res]
            count += 1
            if not ex.is_zero(res):
                return _fail("dD_l/dt differs from the claimed rate", f"L = {L}, l = {l}", res)
    lam_txt = "lambda = 0" if lam_zero else "lambda symbolic"
    return Verdict("holds", f"{count} imbalances D_l (L = 2..5, entries symbolic, {lam_txt}): "
                            "dD_l/dt from the explicit loss gradient matches")


def agop_instances() -> Verdict:
    """Explicit f(x) = W_L...W_1 x with symbolic x: J(x) = E entrywise and G = E^T E."""
    for L in DEPTHS:
        widths = ln.INSTANCE_WIDTHS[L]
        names = [f"x{i}" for i in range(widths[0])]
        r, weights, xs = ex.symbolic_weights(widths, extra=names)
        f = ex.mul(ln.end_to_end(weights), [[x] for x in xs])
        jac = [[fi[0].diff(x) for x in xs] for fi in f]
        E = ln.end_to_end(weights)
        if not ex.is_zero(ex.sub(jac, E)):
            return _fail("Jacobian differs from E", f"L = {L}")
        X = ex.rand_matrix(random.Random(L), widths[0], 3)
        G = None
        for col in range(3):
            Jx = [[_at(entry, xs, [X[i][col] for i in range(len(xs))]) for entry in row]
                  for row in jac]
            term = ex.mul(ex.transpose(Jx), Jx)
            G = term if G is None else ex.add(G, term)
        G = ex.scale(Fraction(1, 3), G)
        if not ex.is_zero(ex.sub(G, ex.mul(ex.transpose(E), E))):
            return _fail("AGOP differs from E^T E", f"L = {L}")
    return Verdict("holds", "L = 2..5, symbolic weights and input x: J(x) = E entrywise (no x "
                            "in it), and (1/n) sum_i J(x_i)^T J(x_i) = E^T E on 3 random inputs")


def _at(p, gens, values):
    for g, v in zip(gens, values, strict=True):
        p = p.subs(g, v)
    return p


def balanced_power_instances(extra: int = 0, *, symbolic: bool = True) -> Verdict:
    """Balanced chains W_l = Q_l diag(s) Q_{l-1}^T: D_l = 0 and E^T E = M^{L + extra}."""
    for L in DEPTHS:
        widths = ln.INSTANCE_WIDTHS[L]
        rank = min(widths)
        if symbolic:
            r, sig = ex.entry_ring([f"s{i}" for i in range(rank)])
        else:
            rng = random.Random(100 + L)
            sig = [Fraction(rng.randint(1, 7), rng.randint(1, 5)) for _ in range(rank)]
        ws = ln.balanced_weights(widths, sig, seed=L)
        for l in range(1, L):
            if not ex.is_zero(ln.imbalance(ws, l)):
                return _fail("construction is not balanced", f"L = {L}")
        res = ln.power_defect(ws, L + extra)
        if not ex.is_zero(res):
            return _fail(f"E^T E != M^{{L+{extra}}}" if extra else "E^T E != M^L",
                         f"a balanced chain with widths {list(widths)} (L = {L})", res)
    what = "singular values symbolic" if symbolic else "random rational singular values"
    return Verdict("holds", f"balanced chains for L = 2..5 (rational orthogonal factors, {what}):"
                            " every D_l = 0 and E^T E - M^L = 0 entrywise")


def balanced_flow_instances() -> Verdict:
    """At balanced rational points the exact flow velocity keeps D_l = 0 and E^T E - M^L = 0."""
    for L in DEPTHS:
        widths = ln.INSTANCE_WIDTHS[L]
        rng = random.Random(200 + L)
        sig = [Fraction(rng.randint(1, 7), rng.randint(1, 5)) for _ in range(min(widths))]
        ws = ln.balanced_weights(widths, sig, seed=L)
        data = ln.random_net(widths, seed=300 + L)
        net = ln.Net(ws, data.X, data.Y, Fraction(0))
        vel = [ex.scale(-1, ln.grad_formula(net, l)) for l in range(1, L + 1)]
        for l in range(1, L):
            if not ex.is_zero(ln.flow_rate_of_imbalance(ws, vel, l)):
                return _fail("dD_l/dt != 0", f"balanced point, L = {L}")
        one = Fraction(1)
        dE = None
        for l in range(1, L + 1):
            term = ex.chain([ln.suffix(ws, l, one), vel[l - 1], ln.prefix(ws, l, one)])
            dE = term if dE is None else ex.add(dE, term)
        E, M = ln.end_to_end(ws), ln.gram(ws)
        dEtE = ex.add(ex.mul(ex.transpose(dE), E), ex.mul(ex.transpose(E), dE))
        dM = ex.add(ex.mul(ex.transpose(vel[0]), ws[0]), ex.mul(ex.transpose(ws[0]), vel[0]))
        dML = None
        for j in range(L):
            term = ex.chain([ex.mpow(M, j), dM, ex.mpow(M, L - 1 - j)])
            dML = term if dML is None else ex.add(dML, term)
        if not ex.is_zero(ex.sub(dEtE, dML)):
            return _fail("d/dt (E^T E - M^L) != 0", f"balanced point, L = {L}")
    return Verdict("holds", "balanced rational points, L = 2..5, random data, lambda = 0: exact "
                            "velocities give dD_l/dt = 0 and d/dt(E^T E - M^L) = 0")


def unbalanced_counter(L: int = 2, seed: int = 5) -> Verdict:
    """A random unbalanced rational point: E^T E != M^L (so M != G^{1/L} by root uniqueness)."""
    ws = ln.random_net(ln.INSTANCE_WIDTHS[L], seed).weights
    res = ln.power_defect(ws)
    if ex.is_zero(res):
        return Verdict("unknown", "the random point happens to satisfy E^T E = M^L")
    return _fail("E^T E != M^L, hence M != G^{1/L}",
                 f"random unbalanced weights (L = {L}, seed {seed}, "
                 f"||D_1||_F^2 = {ex.frob2(ln.imbalance(ws, 1))})", res)


def remainder_instances() -> Verdict:
    """E^T E - M^L = sum_l E_l^T R_{L-l}(W_{l+1}^T W_{l+1}, W_l W_l^T) E_l, unbalanced weights."""
    for L in DEPTHS:
        widths = ln.INSTANCE_WIDTHS[L]
        candidates: list[Sequence[ex.Mat]] = [ln.random_net(widths, 400 + L).weights]
        if L <= 3:
            candidates.append(ex.symbolic_weights(widths)[1])
        for ws in candidates:
            lhs = ln.power_defect(ws)
            if not ex.is_zero(ex.sub(lhs, ln.remainder_sum(ws))):
                return _fail("remainder identity fails", f"L = {L}")
    return Verdict("holds", "L = 2..5 random unbalanced rational weights and L = 2, 3 symbolic "
                            "weights: E^T E - M^L equals the remainder sum entrywise")


def first_order_counter(L: int = 3, seed: int = 6) -> Verdict:
    """Control: E^T E - M^L = sum_l E_l^T D_l E_l (first-order terms only) fails for L = 3."""
    ws = ln.random_net(ln.INSTANCE_WIDTHS[L], seed).weights
    lhs = ln.power_defect(ws)
    approx = ex.scale(0, lhs)
    for l in range(1, L):
        El = ln.end_to_end(ws[:l])
        approx = ex.add(approx, ex.chain([ex.transpose(El), ln.imbalance(ws, l), El]))
    res = ex.sub(lhs, approx)
    if ex.is_zero(res):
        return Verdict("unknown", "first-order sum happens to match")
    return _fail("E^T E - M^L != sum_l E_l^T D_l E_l", f"random weights (L = {L}, seed {seed})",
                 res)


def critical_point(extra: int = 0) -> Verdict:
    """Scalar chain L = 2, x = 1, y = 2, lam = 1/2, w1 = w2 = sqrt(3/2): a non-zero critical
    point (exact); M = 3/2 and G = 9/4, so M^{2 + extra} = G iff extra = 0."""
    w = sp.sqrt(sp.Rational(3, 2))
    lam, x, y = sp.Rational(1, 2), 1, 2
    g1 = (w * w * x - y) * w * x + lam * w  # dL/dw1 = dL/dw2 by symmetry
    if sp.simplify(g1) != 0:
        return Verdict("fails", f"not a critical point: gradient {g1}")
    M, G = sp.nsimplify(w * w), sp.nsimplify((w * w) ** 2)
    res = sp.simplify(M ** (2 + extra) - G)
    if res == 0:
        return Verdict("holds", f"gradient = 0 exactly; M = {M}, G = {G}, M^{2 + extra} = G, "
                                f"M > 0 so M = G^(1/{2 + extra})")
    return Verdict("fails", f"at the non-zero critical point w1 = w2 = sqrt(3/2) (x = 1, y = 2, "
                            f"lambda = 1/2): M^{2 + extra} - G = {res} != 0, so "
                            f"M != G^(1/{2 + extra})")


def collapse_chain() -> Verdict:
    """Control: weights collapsing to 0. With X = 0 the flow is w_l(t) = e^{-lam t} w_l(0)
    exactly; from w(0) = (1, 2) the relative residual |M - G^{1/2}| / M is 1 for all t."""
    t, lam = sp.symbols("t lambda", positive=True)
    w1, w2 = sp.exp(-lam * t), 2 * sp.exp(-lam * t)
    # loss with X = 0: L = (lam/2)(w1^2 + w2^2); check the flow equation exactly
    flow_ok = all(sp.simplify(sp.diff(wi, t) + lam * wi) == 0 for wi in (w1, w2))
    M, G = w1 ** 2, (w2 * w1) ** 2
    D = w2 ** 2 - w1 ** 2
    rel = sp.simplify((sp.sqrt(G) - M) / M)
    lim_rel = sp.limit(rel, t, sp.oo)
    lim_abs = sp.limit(sp.sqrt(G) - M, t, sp.oo)
    decay_ok = sp.simplify(D - 3 * sp.exp(-2 * lam * t)) == 0
    if flow_ok and decay_ok and lim_rel != 0 and lim_abs == 0:
        return Verdict("fails", f"X = 0, w(0) = (1, 2): exact flow w_l = e^(-lambda t) w_l(0); "
                                f"D = 3 e^(-2 lambda t) -> 0 and |M - G^(1/2)| -> 0, but the "
                                f"relative residual is {rel} for every t (limit {lim_rel} != 0)")
    return Verdict("unknown", "collapse example did not come out as expected")


def relu_jacobian_counter() -> Verdict:
    """Control: for ReLU, J(x) = W_2 diag(1[W_1 x > 0]) W_1 is not E at every x."""
    W1, W2 = [[Fraction(1)], [Fraction(1)]], [[Fraction(1), Fraction(1)]]
    E = ex.mul(W2, W1)
    for x in (Fraction(1), Fraction(-1)):
        pre = [row[0] * x for row in W1]
        mask = [[Fraction(int(p > 0)) if i == j else Fraction(0) for j in range(2)]
                for i, p in enumerate(pre)]
        J = ex.chain([W2, mask, W1])
        if J != E:
            return Verdict("fails", f"ReLU net W_1 = [1; 1], W_2 = [1 1]: at x = {x}, "
                                    f"J(x) = {J[0][0]} but E = {E[0][0]}")
    return Verdict("unknown", "no point found")


def gram_order_counter(seed: int = 8) -> Verdict:
    """Control: G = E E^T (transposes swapped) on a square instance."""
    ws = ln.random_net((2, 2, 2), seed).weights
    E = ln.end_to_end(ws)
    res = ex.sub(ex.mul(ex.transpose(E), E), ex.mul(E, ex.transpose(E)))
    if ex.is_zero(res):
        return Verdict("unknown", "E happens to be normal")
    return _fail("E^T E != E E^T", f"random square weights (L = 2, seed {seed})", res)
