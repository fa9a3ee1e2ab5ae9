"""Field-by-field validation of problem tables (the TOML structure) into a ``Problem``.

Every check names the field (``section.key[i][j]``) and what was received; generation of data
and weights is delegated to :mod:`nfacheck.generate` with the seeds recorded.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import generate as gen
from .activations import ACTIVATIONS
from .errors import InputError
from .exact import format_exact, format_matrix, parse_exact, parse_matrix
from .limits import check_dps  # one precision cap everywhere

SECTIONS: dict[str, tuple[str, ...]] = {
    "meta": ("name", "description"),
    "network": ("widths", "activation", "slope"),
    "data": (
        "X",
        "Y",
        "generate",
        "n",
        "seed",
        "digits",
        "scale",
        "target_scale",
        "teacher_hidden",
        "teacher_activation",
        "teacher_slope",
        "teacher_scale",
        "noise",
    ),
    "init": ("weights", "scheme", "seed", "singular_values", "rotate", "scale", "digits"),
    "training": ("weight_decay", "times"),
    "precision": ("dps",),
}
REQUIRED = ("network", "data", "init")
DATA_GENERATORS: dict[str, tuple[str, ...]] = {
    "gaussian": ("n", "seed", "digits", "scale", "target_scale"),
    "teacher": (
        "n",
        "seed",
        "digits",
        "scale",
        "teacher_hidden",
        "teacher_activation",
        "teacher_slope",
        "teacher_scale",
        "noise",
    ),
}
INIT_SCHEMES: dict[str, tuple[str, ...]] = {
    "balanced": ("seed", "singular_values", "rotate"),
    "gaussian": ("seed", "scale", "digits"),
    "orthogonal": ("seed", "scale"),
    "small": ("seed", "scale", "digits"),
}
SCALE_DEFAULTS = {"gaussian": Fraction(1), "orthogonal": Fraction(1), "small": Fraction(1, 100)}
MAX_WIDTH, MAX_N, MAX_SEED = 100_000, 1_000_000, 2**63
MAX_ORTHOGONAL = 64
MAX_GENERATED = 10**6  # generated numbers per section (Box-Muller at digits + 20 digits each)


def _err(what: str, fld: str, received: Any = None, show: bool | None = None) -> InputError:
    return InputError(what, fld, received, show_received=show)


def _plain(value: Any) -> Any:
    """Tuples to lists, recursively (problems built in code may hold tuples)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _table(data: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name not in data:
        if name in REQUIRED:
            raise _err(f"missing section [{name}]", name)
        return None
    table = data[name]
    if not isinstance(table, dict):
        raise _err(f"expected a table [{name}]", name, table)
    unknown = [k for k in table if k not in SECTIONS[name]]
    if unknown:
        raise _err(
            "unknown key; known: " + ", ".join(SECTIONS[name]),
            f"{name}.{unknown[0]}",
            table[unknown[0]],
            True,
        )
    return table


def _int(value: Any, fld: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err("expected an integer", fld, value, True)
    if not lo <= value <= hi:
        raise _err(f"must be between {lo} and {hi}", fld, value, True)
    return value


def _number(value: Any, fld: str, *, positive: bool = False, nonneg: bool = False) -> Fraction:
    q = parse_exact(value, fld)
    if positive and q <= 0:
        raise _err("must be > 0", fld, value, True)
    if nonneg and q < 0:
        raise _err("must be >= 0", fld, value, True)
    return q


def _str(value: Any, fld: str, choices: Any = None) -> str:
    if not isinstance(value, str):
        raise _err("expected a string", fld, value, True)
    if choices is not None and value not in choices:
        raise _err("unknown value; known: " + ", ".join(choices), fld, value, True)
    return value


def _list(value: Any, fld: str) -> list[Any]:
    value = _plain(value)
    if not isinstance(value, list) or not value:
        raise _err("expected a non-empty list", fld, value, True)
    return value


def _matrix(value: Any, fld: str, shape: tuple[int, int | None], what: str) -> Any:
    m = parse_matrix(_plain(value), fld)
    rows, cols = len(m), len(m[0])
    want_r, want_c = shape
    if rows != want_r or (want_c is not None and cols != want_c):
        want = f"{want_r}x{want_c if want_c is not None else 'n'}"
        raise _err(f"wrong shape: {what} must be {want}, got {rows}x{cols}", fld)
    return m


def _get(table: dict[str, Any], key: str, section: str, conv: Callable, default: Any) -> Any:
    if key not in table:
        return default
    return conv(table[key], f"{section}.{key}")


def _slope(value: Any, fld: str) -> Fraction:
    s = _number(value, fld)
    if not 0 < s < 1:
        raise _err("leaky_relu slope must satisfy 0 < slope < 1", fld, value, True)
    return s


def _network(t: dict[str, Any]) -> tuple[tuple[int, ...], str, dict[str, Fraction]]:
    if "widths" not in t:
        raise _err("missing required key", "network.widths")
    widths = _list(t["widths"], "network.widths")
    if len(widths) < 2:
        raise _err("need at least [d, k] (two widths)", "network.widths", widths, True)
    widths = tuple(_int(w, f"network.widths[{i}]", 1, MAX_WIDTH) for i, w in enumerate(widths))
    if "activation" not in t:
        raise _err("missing required key", "network.activation")
    act = _str(t["activation"], "network.activation", ACTIVATIONS)
    params: dict[str, Fraction] = {}
    if act == "leaky_relu":
        params["slope"] = _get(t, "slope", "network", _slope, ACTIVATIONS[act].params["slope"])
    elif "slope" in t:
        raise _err("only leaky_relu takes a slope", "network.slope", t["slope"], True)
    return widths, act, params


def _only(t: dict[str, Any], section: str, allowed: tuple[str, ...], what: str, head: str):
    for key in t:
        if key != head and key not in allowed:
            raise _err(
                f"not used by {what}; it takes: {', '.join(allowed)}",
                f"{section}.{key}",
                t[key],
                True,
            )


def _data(t, widths, act, params) -> tuple[Any, Any, dict[str, Any]]:
    d, k = widths[0], widths[-1]
    if "generate" not in t:
        for key in ("X", "Y"):
            if key not in t:
                raise _err("missing required key (or give generate = ...)", f"data.{key}")
        _only(t, "data", ("X", "Y"), "explicit data", "X")
        x = _matrix(t["X"], "data.X", (d, None), "X (d x n)")
        y = _matrix(t["Y"], "data.Y", (k, len(x[0])), "Y (k x n)")
        return x, y, {}
    kind = _str(t["generate"], "data.generate", DATA_GENERATORS)
    if "X" in t or "Y" in t:
        raise _err("give either X and Y or generate, not both", "data.generate", kind, True)
    _only(t, "data", DATA_GENERATORS[kind], f"generate = {kind!r}", "generate")
    if "n" not in t:
        raise _err("missing required key", "data.n")
    n = _int(t["n"], "data.n", 1, MAX_N)
    _generated_size((d + k) * n, "data.n")
    seed = _get(t, "seed", "data", lambda v, f: _int(v, f, 0, MAX_SEED), 0)
    digits = _get(t, "digits", "data", lambda v, f: _int(v, f, 1, 50), 6)
    pos = lambda v, f: _number(v, f, positive=True)  # noqa: E731
    scale = _get(t, "scale", "data", pos, Fraction(1))
    rng = random.Random(seed)
    rec: dict[str, Any] = {
        "generate": kind,
        "n": n,
        "seed": seed,
        "digits": digits,
        "scale": format_exact(scale),
        "rng": "random.Random(seed)",
    }
    if kind == "gaussian":
        tscale = _get(t, "target_scale", "data", pos, Fraction(1))
        rec["target_scale"] = format_exact(tscale)
        x, y = gen.gaussian_data(d, k, n, rng, scale, tscale, digits)
        return x, y, rec
    hidden = _get(t, "teacher_hidden", "data", _hidden, list(widths[1:-1]))
    tact = _get(t, "teacher_activation", "data", lambda v, f: _str(v, f, ACTIVATIONS), act)
    tparams: dict[str, Fraction] = {}
    if tact == "leaky_relu":
        tparams["slope"] = _get(
            t,
            "teacher_slope",
            "data",
            _slope,
            params.get("slope", ACTIVATIONS[tact].params["slope"]),
        )
    elif "teacher_slope" in t:
        raise _err(
            "only a leaky_relu teacher takes a slope",
            "data.teacher_slope",
            t["teacher_slope"],
            True,
        )
    tscale = _get(t, "teacher_scale", "data", pos, Fraction(1))
    noise = _get(t, "noise", "data", lambda v, f: _number(v, f, nonneg=True), Fraction(0))
    tw = [d, *hidden, k]
    x, y, teacher = gen.teacher_data(tw, n, rng, tact, tparams, scale, tscale, noise, digits)
    rec.update(
        teacher_widths=tw,
        teacher_activation=tact,
        teacher_scale=format_exact(tscale),
        noise=format_exact(noise),
        teacher_weights=[format_matrix(w) for w in teacher],
    )
    if tparams:
        rec["teacher_slope"] = format_exact(tparams["slope"])
    return x, y, rec


def _hidden(value: Any, fld: str) -> list[int]:
    value = _plain(value)
    if not isinstance(value, list):
        raise _err("expected a list of hidden widths (may be empty)", fld, value, True)
    return [_int(w, f"{fld}[{i}]", 1, MAX_WIDTH) for i, w in enumerate(value)]


def _init(t, widths) -> tuple[tuple[Any, ...], dict[str, Any]]:
    depth = len(widths) - 1
    if "scheme" not in t:
        if "weights" not in t:
            raise _err("missing required key (or give scheme = ...)", "init.weights")
        _only(t, "init", ("weights",), "explicit weights", "weights")
        ws = _list(t["weights"], "init.weights")
        if len(ws) != depth:
            raise _err(
                f"expected {depth} matrices (one per layer, depth = len(widths) - 1), "
                f"got {len(ws)}",
                "init.weights",
            )
        out = tuple(
            _matrix(
                w,
                f"init.weights[{i}]",
                (widths[i + 1], widths[i]),
                f"W_{i + 1} (h_{i + 1} x h_{i})",
            )
            for i, w in enumerate(ws)
        )
        return out, {}
    scheme = _str(t["scheme"], "init.scheme", INIT_SCHEMES)
    if "weights" in t:
        raise _err("give either weights or scheme, not both", "init.scheme", scheme, True)
    _only(t, "init", INIT_SCHEMES[scheme], f"scheme = {scheme!r}", "scheme")
    seed = _get(t, "seed", "init", lambda v, f: _int(v, f, 0, MAX_SEED), 0)
    _generated_size(sum(a * b for a, b in zip(widths, widths[1:], strict=False)), "init.scheme")
    rng = random.Random(seed)
    rec: dict[str, Any] = {"scheme": scheme, "seed": seed, "rng": "random.Random(seed)"}
    if scheme == "balanced":
        if "singular_values" not in t:
            raise _err("missing required key for scheme = 'balanced'", "init.singular_values")
        svs = _list(t["singular_values"], "init.singular_values")
        if len(svs) > min(widths):
            raise _err(
                f"at most min(widths) = {min(widths)} singular values",
                "init.singular_values",
                len(svs),
                True,
            )
        svs = [_number(s, f"init.singular_values[{i}]", nonneg=True) for i, s in enumerate(svs)]
        rotate = t.get("rotate", True)
        if not isinstance(rotate, bool):
            raise _err("expected true or false", "init.rotate", rotate, True)
        if rotate:
            _orthogonal_size(max(widths), "balanced")
        ws = gen.balanced_weights(widths, svs, rng if rotate else None)
        rec.update(singular_values=[format_exact(s) for s in svs], rotate=rotate)
        return ws, rec
    scale = _get(
        t, "scale", "init", lambda v, f: _number(v, f, positive=True), SCALE_DEFAULTS[scheme]
    )
    rec["scale"] = format_exact(scale)
    if scheme == "orthogonal":
        _orthogonal_size(max(max(a, b) for a, b in zip(widths, widths[1:], strict=False)), scheme)
        return gen.orthogonal_weights(widths, rng, scale), rec
    digits = _get(t, "digits", "init", lambda v, f: _int(v, f, 1, 50), 6)
    rec["digits"] = digits
    maker = gen.gaussian_weights if scheme == "gaussian" else gen.small_weights
    return maker(widths, rng, scale, digits), rec


def _generated_size(count: int, fld: str) -> None:
    if count > MAX_GENERATED:
        raise _err(
            f"would generate {count} numbers; the limit is {MAX_GENERATED} (give them explicitly)",
            fld,
        )


def _orthogonal_size(size: int, scheme: str) -> None:
    # exact Cayley transforms cost O(m^3) Fraction operations with growing denominators
    if size > MAX_ORTHOGONAL:
        raise _err(
            f"scheme = {scheme!r} builds exact rational orthogonal matrices, limited to size "
            f"{MAX_ORTHOGONAL}; the widths need {size} (use rotate = false or another scheme)",
            "init.scheme",
        )


def _times(value: Any, fld: str) -> tuple[Fraction, ...]:
    ts = _list(value, fld)
    out = tuple(_number(x, f"{fld}[{i}]", nonneg=True) for i, x in enumerate(ts))
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            raise _err("times must be strictly increasing", f"{fld}[{i}]", ts[i], True)
    return out


def build_problem(data: Any, source: str | None = None, sha256: str | None = None):
    """Validate ``data`` and build the :class:`~nfacheck.problem.Problem` (see problem.py)."""
    from .problem import Problem

    if not isinstance(data, dict):
        raise _err("expected a table of sections", None, data, True)
    unknown = [k for k in data if k not in SECTIONS]
    if unknown:
        raise _err(
            "unknown section; known: " + ", ".join(SECTIONS), unknown[0], data[unknown[0]], True
        )
    meta_t = _table(data, "meta") or {}
    meta = {k: _str(v, f"meta.{k}") for k, v in meta_t.items()}
    widths, act, params = _network(_table(data, "network"))
    x, y, data_rec = _data(_table(data, "data"), widths, act, params)
    weights, init_rec = _init(_table(data, "init"), widths)
    tr = _table(data, "training") or {}
    wd = _get(tr, "weight_decay", "training", lambda v, f: _number(v, f, nonneg=True), Fraction(0))
    times = _get(tr, "times", "training", _times, (Fraction(1),))
    pr = _table(data, "precision") or {}
    dps = _get(pr, "dps", "precision", lambda v, f: check_dps(v, f), 30)
    generated = {}
    if data_rec:
        generated["data"] = data_rec
    if init_rec:
        generated["init"] = init_rec
    return Problem(
        widths=widths,
        activation=act,
        X=x,
        Y=y,
        weights=weights,
        weight_decay=wd,
        times=times,
        dps=dps,
        activation_params=params,
        source=source,
        sha256=sha256,
        generated=generated,
        meta=meta,
    )
