"""Noncommutative matrix polynomials: words in matrix letters with SymPy scalar coefficients.

Matrices of symbolic shape are letters; a product is a word (order kept, never commuted); a
polynomial maps words to commutative SymPy coefficients. Powers with symbolic exponents
(``(W W^T)^k``) and PSD roots (``(S^T S)^{1/m}``, no algebraic laws) are atoms. Traces use a
canonical cyclic form, so ``tr(AB) = tr(BA)`` is recognised but ``tr(AB)`` and ``tr(BA^T)``
are never confused, and distinct traces never collapse together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import sympy as sp

__all__ = [
    "Letter", "Power", "Root", "NCPoly", "TracePoly", "ShapeError", "letter", "scalar", "zero",
    "normal_word", "word_shape", "word_latex", "trace", "derive", "root",
]


class ShapeError(ValueError):
    """A product or sum whose shapes do not fit together."""


@dataclass(frozen=True)
class Letter:
    """A matrix of shape ``rows x cols`` (``t`` marks the transpose; ``sym`` symmetric letters).

    ``idx`` is an optional symbolic index (e.g. the ``m`` of a remainder ``R_m``); ``tex`` is the
    LaTeX name, with ``{i}`` standing for the index.
    """

    name: str
    rows: sp.Expr
    cols: sp.Expr
    t: bool = False
    sym: bool = False
    idx: sp.Expr | None = None
    tex: str = ""

    @property
    def T(self) -> Letter:  # noqa: N802 - the usual name for a transpose
        return self if self.sym else replace(self, t=not self.t)

    @property
    def shape(self) -> tuple[sp.Expr, sp.Expr]:
        return (self.cols, self.rows) if self.t else (self.rows, self.cols)

    def key(self) -> str:
        return f"{self.name}{'^T' if self.t else ''}[{self.idx}]"

    def latex(self) -> str:
        base = (self.tex or self.name).replace("{i}", sp.latex(self.idx) if self.idx is not None
                                                 else "")
        return base + "^{\\top}" if self.t else base


@dataclass(frozen=True)
class Power:
    """``base ** exp`` for a square word ``base`` and a symbolic exponent ``exp`` (>= 0)."""

    base: tuple[Letter, ...]
    exp: sp.Expr

    @property
    def T(self) -> Power:  # noqa: N802
        return Power(tuple(a.T for a in reversed(self.base)), self.exp)

    @property
    def shape(self) -> tuple[sp.Expr, sp.Expr]:
        r, c = word_shape(self.base)
        if sp.simplify(r - c) != 0:
            raise ShapeError(f"power of a non-square word ({r} x {c})")
        return r, c

    def key(self) -> str:
        return "(" + " ".join(a.key() for a in self.base) + f")^({self.exp})"

    def latex(self) -> str:
        inner = word_latex(self.base)
        if len(self.base) > 1:
            inner = f"\\left({inner}\\right)"
        return f"{inner}^{{{sp.latex(self.exp)}}}"


@dataclass(frozen=True)
class Root:
    """The PSD ``exp``-th root ``base^{1/exp}`` of a square word of letters (an opaque atom).

    It denotes the unique PSD matrix whose ``exp``-th power is the base when the base is PSD and
    ``exp`` a positive integer, else the zero matrix; so its transpose is the root of the
    transposed word. No law applies to it: only the cited uniqueness of the PSD root
    (:func:`.deeplinear.root_uniqueness`) says anything about it.
    """

    base: tuple[Letter, ...]
    exp: sp.Expr

    @property
    def T(self) -> Root:  # noqa: N802
        return Root(tuple(a.T for a in reversed(self.base)), self.exp)

    shape = Power.shape

    def key(self) -> str:
        return "root(" + " ".join(a.key() for a in self.base) + f")^(1/({self.exp}))"

    def latex(self) -> str:
        inner = word_latex(self.base)
        inner = f"\\left({inner}\\right)" if len(self.base) > 1 else inner
        e = sp.latex(self.exp) if self.exp.is_Atom else f"({sp.latex(self.exp)})"
        return f"{inner}^{{1/{e}}}"


Atom = Letter | Power | Root
Word = tuple[Atom, ...]


def word_shape(word: Iterable[Atom]) -> tuple[sp.Expr, sp.Expr]:
    """Shape of a nonempty word; raises :class:`ShapeError` when neighbours do not fit."""
    atoms = list(word)
    if not atoms:
        raise ShapeError("the empty word (identity) has no fixed shape")
    r, c = atoms[0].shape
    for a in atoms[1:]:
        r2, c2 = a.shape
        if sp.simplify(c - r2) != 0:
            raise ShapeError(f"cannot multiply {c} columns by {r2} rows at {a.key()}")
        c = c2
    return r, c


def word_latex(word: Iterable[Atom]) -> str:
    return " ".join(a.latex() for a in word) or "I"


def _flatten(word: Word) -> Word:
    out: list[Atom] = []
    for a in word:
        if isinstance(a, Power) and a.exp.is_Integer:
            n = int(a.exp)
            if n < 0:
                raise ShapeError(f"negative power {a.key()}")
            out.extend(a.base * n)
        else:
            out.append(a)
    return tuple(out)


def normal_word(word: Word) -> Word:
    """Normal form under the power laws: ``B^a B^b = B^{a+b}``, ``B B^a = B^a B = B^{a+1}``."""
    w = _flatten(word)
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(w):
            if not isinstance(a, Power):
                continue
            b, n = a.base, len(a.base)
            nxt = w[i + 1] if i + 1 < len(w) else None
            if isinstance(nxt, Power) and nxt.base == b:
                w = w[:i] + (Power(b, sp.expand(a.exp + nxt.exp)),) + w[i + 2:]
            elif w[i + 1:i + 1 + n] == b:
                w = w[:i] + (Power(b, sp.expand(a.exp + 1)),) + w[i + 1 + n:]
            elif i >= n and w[i - n:i] == b:
                w = w[:i - n] + (Power(b, sp.expand(a.exp + 1)),) + w[i + 1:]
            else:
                continue
            w = _flatten(w)
            changed = True
            break
    return w


def _simplify_coeff(c: sp.Expr) -> sp.Expr:
    c = sp.expand(c)
    if c != 0 and c.free_symbols and sp.simplify(c) == 0:
        return sp.S.Zero
    return c


class NCPoly:
    """A noncommutative polynomial: ``{word: coefficient}``; the empty word is the identity."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Word, sp.Expr] | None = None) -> None:
        self.terms: dict[Word, sp.Expr] = {}
        for w, c in (terms or {}).items():
            c = sp.sympify(c)
            if c != 0:
                self.terms[w] = self.terms.get(w, sp.S.Zero) + c

    # arithmetic -----------------------------------------------------------------------------
    def __add__(self, other: NCPoly | int) -> NCPoly:
        other = _as_poly(other)
        out = dict(self.terms)
        for w, c in other.terms.items():
            out[w] = out.get(w, sp.S.Zero) + c
        return NCPoly(out)

    __radd__ = __add__

    def __neg__(self) -> NCPoly:
        return NCPoly({w: -c for w, c in self.terms.items()})

    def __sub__(self, other: NCPoly | int) -> NCPoly:
        return self + (-_as_poly(other))

    def __rsub__(self, other: NCPoly | int) -> NCPoly:
        return _as_poly(other) - self

    def __mul__(self, other: NCPoly | sp.Expr | int) -> NCPoly:
        if not isinstance(other, NCPoly):
            return NCPoly({w: c * other for w, c in self.terms.items()})
        out: dict[Word, sp.Expr] = {}
        for w1, c1 in self.terms.items():
            for w2, c2 in other.terms.items():
                w = w1 + w2
                out[w] = out.get(w, sp.S.Zero) + c1 * c2
        return NCPoly(out)

    def __truediv__(self, other: sp.Expr | int) -> NCPoly:
        return NCPoly({w: c / sp.sympify(other) for w, c in self.terms.items()})

    def __rmul__(self, other: sp.Expr | int) -> NCPoly:
        return NCPoly({w: other * c for w, c in self.terms.items()})

    def __pow__(self, n: int) -> NCPoly:
        out = NCPoly({(): 1})
        for _ in range(int(n)):
            out = out * self
        return out

    @property
    def T(self) -> NCPoly:  # noqa: N802
        return NCPoly({tuple(a.T for a in reversed(w)): c for w, c in self.terms.items()})

    # canonical form --------------------------------------------------------------------------
    def normal(self) -> NCPoly:
        """Collect terms after normalising each word and each coefficient."""
        out: dict[Word, sp.Expr] = {}
        for w, c in self.terms.items():
            nw = normal_word(w)
            out[nw] = out.get(nw, sp.S.Zero) + c
        return NCPoly({w: _simplify_coeff(c) for w, c in out.items()})

    def is_zero(self) -> bool:
        return not self.normal().terms

    def shape(self) -> tuple[sp.Expr, sp.Expr] | None:
        """The common shape of the non-identity words (``None`` if only the identity)."""
        shapes = [word_shape(w) for w in self.terms if w]
        if not shapes:
            return None
        r, c = shapes[0]
        for r2, c2 in shapes[1:]:
            if sp.simplify(r - r2) != 0 or sp.simplify(c - c2) != 0:
                raise ShapeError(f"terms of different shapes: {r} x {c} and {r2} x {c2}")
        return r, c

    def sort_key(self, w: Word) -> str:
        return " ".join(a.key() for a in w)

    def latex(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for w in sorted(self.terms, key=self.sort_key):
            c = self.terms[w]
            body = word_latex(w)
            if c == 1:
                parts.append(("+", body))
            elif c == -1:
                parts.append(("-", body))
            else:
                cl = sp.latex(c)
                if isinstance(c, sp.Add):
                    cl = f"\\left({cl}\\right)"
                if c.could_extract_minus_sign() and not isinstance(c, sp.Add):
                    parts.append(("-", f"{sp.latex(-c)}\\, {body}" if w else sp.latex(-c)))
                else:
                    parts.append(("+", f"{cl}\\, {body}" if w else cl))
        text = parts[0][1] if parts[0][0] == "+" else "-" + parts[0][1]
        for sign, body in parts[1:]:
            text += f" {sign} {body}"
        return text

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        return " + ".join(f"({c})*{self.sort_key(w) or 'I'}"
                          for w, c in sorted(self.terms.items(), key=lambda t: self.sort_key(t[0])))

    __repr__ = __str__


def _as_poly(x: NCPoly | int | sp.Expr) -> NCPoly:
    return x if isinstance(x, NCPoly) else NCPoly({(): x})


def letter(name: str, rows, cols, *, sym: bool = False, tex: str = "",
           idx: sp.Expr | None = None) -> NCPoly:
    """The polynomial consisting of one matrix letter of shape ``rows x cols``."""
    return NCPoly({(Letter(name, sp.sympify(rows), sp.sympify(cols), sym=sym, idx=idx,
                           tex=tex or name),): 1})


def power(base: NCPoly, exp) -> NCPoly:
    """``base ** exp`` for a single-word ``base`` and symbolic ``exp``."""
    (w, c), = base.terms.items()
    if c != 1 or not all(isinstance(a, Letter) for a in w):
        raise ShapeError("a symbolic power needs a single word of letters as base")
    return NCPoly({(Power(w, sp.sympify(exp)),): 1})


def root(base: NCPoly, exp) -> NCPoly:
    """The PSD ``exp``-th root of a single-word ``base`` of letters (see :class:`Root`)."""
    (w, c), = base.terms.items() if len(base.terms) == 1 else (((), 0),)
    if c != 1 or not w or not all(isinstance(a, Letter) for a in w):
        raise ShapeError("a PSD root needs a single word of letters as base")
    return NCPoly({(Root(w, sp.sympify(exp)),): 1})


def scalar(c) -> NCPoly:
    """``c`` times the identity."""
    return NCPoly({(): c})


def zero() -> NCPoly:
    return NCPoly()


# traces --------------------------------------------------------------------------------------
class TracePoly:
    """A linear combination of traces of words, each in canonical cyclic form."""

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Word, sp.Expr]) -> None:
        self.terms = {w: c for w, c in terms.items() if c != 0}

    def __sub__(self, other: TracePoly) -> TracePoly:
        out = dict(self.terms)
        for w, c in other.terms.items():
            out[w] = out.get(w, sp.S.Zero) - c
        return TracePoly({w: _simplify_coeff(c) for w, c in out.items()})

    def is_zero(self) -> bool:
        return all(_simplify_coeff(c) == 0 for c in self.terms.values())

    def latex(self) -> str:
        if not self.terms:
            return "0"
        return " + ".join(f"\\left({sp.latex(c)}\\right) \\operatorname{{tr}}({word_latex(w)})"
                          for w, c in sorted(self.terms.items(),
                                             key=lambda t: _word_key(t[0])))


def _word_key(w: Word) -> str:
    return " ".join(a.key() for a in w)


def _cyclic_canonical(w: Word) -> Word:
    """The least rotation of ``w`` or of its transpose: tr is cyclic and tr(A) = tr(A^T)."""
    if not w:
        return w
    cands = []
    for word in (w, tuple(a.T for a in reversed(w))):
        for i in range(len(word)):
            cands.append(normal_word(word[i:] + word[:i]))
    return min(cands, key=_word_key)


def trace(p: NCPoly) -> TracePoly:
    """``tr(p)`` for a square polynomial, each word in canonical cyclic form.

    The words may be square of different sizes (a sum of traces). The identity word becomes the
    scalar ``tr(I) = rows`` folded into its coefficient (kept under the empty word), which needs
    the other words to agree on one shape.
    """
    q = p.normal()
    shape = p.shape() if () in q.terms else None
    out: dict[Word, sp.Expr] = {}
    for w, c in q.terms.items():
        if w:
            r, cc = word_shape(w)
            if sp.simplify(r - cc) != 0:
                raise ShapeError(f"trace of a non-square word {_word_key(w)}")
        elif shape is None:
            raise ShapeError("trace of a multiple of the identity of unknown size")
        else:
            c = c * shape[0]
        cw = _cyclic_canonical(w)
        out[cw] = out.get(cw, sp.S.Zero) + c
    return TracePoly({w: _simplify_coeff(c) for w, c in out.items()})


# derivatives along a flow --------------------------------------------------------------------
def derive(p: NCPoly, rates: Mapping[str, NCPoly], t: sp.Symbol | None = None) -> NCPoly:
    """Time derivative of ``p`` when each letter named in ``rates`` moves with that rate.

    The Leibniz rule is applied position by position, so the order of factors is kept; letters not
    in ``rates`` are constant, and coefficients are differentiated in ``t`` when it is given.
    """
    out = NCPoly()
    for w, c in p.terms.items():
        if t is not None:
            dc = sp.diff(c, t)
            if dc != 0:
                out = out + NCPoly({w: dc})
        for i, a in enumerate(w):
            if isinstance(a, (Power, Root)):
                names = {b.name for b in a.base}
                if names & set(rates):
                    raise ShapeError("cannot differentiate a symbolic power or root along a "
                                     "flow")
                continue
            if a.name not in rates:
                continue
            rate = rates[a.name].T if a.t else rates[a.name]
            out = out + NCPoly({w[:i]: c}) * rate * NCPoly({w[i + 1:]: 1})
    return out
