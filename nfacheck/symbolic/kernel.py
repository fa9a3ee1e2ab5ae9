"""The proof kernel: the only code in nfacheck that can create a proved :class:`Theorem`.

LCF style (HOL Light's ``fusion.ml``, Lean's kernel): a ``Theorem`` is ``hypotheses ⊢ conclusion``
plus the names of the cited axioms it rests on; its constructor refuses every caller but the
rules below, so tactics, lemma libraries, the registry and the page generator can only *receive*
theorems. Every rule returns a new theorem or raises :class:`KernelError` naming itself and why.
Trusted besides this file: the canonicaliser :mod:`.freealg` (normal forms), SymPy's ``expand``/
``simplify`` and assumptions, and z3 for real arithmetic.

Propositions (compared after canonicalisation, never as text)
    ``Eq(a, b)`` for free-algebra polynomials (``NCPoly``), trace polynomials or scalar SymPy
    expressions; ``Le(a, b)``/``Lt(a, b)`` for real scalars; ``Forall(var, start, body)`` (every
    integer ``var >= start``); ``Rate(p, q)`` (``dp/dt = q`` along the flow, time ``TIME``);
    ``Const(p)`` (``p(t) = p(0)`` for every ``t >= 0``); ``And(props)``; ``Implies(p, q)``.
Rules
    ``assume(P)``: P ⊢ P.  ``by_canon(a, b, refute=())``: ⊢ a = b when the canonical forms agree
    (shapes checked; ``refute`` callables may return counter-evidence, which only *refutes*).
    ``sym``, ``trans`` (middle terms must agree), ``cong(th, op, arg)`` (``mul_left``,
    ``mul_right``, ``add``, ``scale``, ``transpose``, ``trace`` on both sides).
    ``inst(th, symbols=, letters=)``: substitute free symbols (assumptions kept: a nonnegative
    integer stays one) and letters (shape and symmetry kept) in hypotheses and conclusion.
    ``spec(th, value)`` / ``gen(th, var, start)``: eliminate / introduce ``Forall``.
    ``rewrite(eq_th, term)``: ⊢ term = term' replacing each occurrence of the (one-word) left side
    of a *proved* equation; this is how a "rule" is used — rules are theorems.
    ``Induction(pred, start)``: the kernel forms ``base_goal = P(start)``, a fresh ``n >= 0``,
    ``hyp = P(start + n)`` and ``step_goal = P(start + n + 1)``; ``conclude(base, step, var)``
    accepts only theorems with exactly those conclusions (the step may use ``hyp``, and no other
    hypothesis mentioning ``n``) and returns ⊢ ∀ var >= start. P(var).
    ``cite(name, prop, reference)``: ⊢ prop with axiom ``name`` (one name, one statement).
    ``real_arith(goal, facts=())``: a scalar (in)equality from proved scalar facts and the
    symbols' sign assumptions, decided by z3 (non-polynomial subterms are opaque reals).
    ``leibniz(p, rate_ths)``: ⊢ Rate(p, dp/dt) by the ordered Leibniz rule when every letter of
    ``p`` has a proved rate; ``rate_scale(th, f)``: Rate(f p, f' p + f q) for scalar f(t);
    ``rate_congr(th, eq)``: rewrite the rate by a proved equation; ``const_of_zero_rate(th)``:
    Rate(p, 0) ⊢ Const(p), citing ``ZERO_DERIVATIVE``.  ``conj``/``proj`` for ``And``;
    ``mp(imp, th)`` for ``Implies(premise, concl)`` (cited implications are used this way).
    ``matches(th, conclusion, hypotheses, axioms)``: the registry's check (``None`` if exact).
    Writing a proof: see :mod:`.tactics`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import sympy as sp

from ..errors import ProofError
from . import freealg
from .freealg import Letter, NCPoly, Power, Root, ShapeError, TracePoly

__all__ = [
    "KernelError", "Eq", "Le", "Lt", "Forall", "Rate", "Const", "And", "Pred", "Theorem",
    "TIME", "ZERO_DERIVATIVE", "assume", "by_canon", "sym", "trans", "cong", "inst", "spec",
    "gen", "rewrite", "Induction", "cite", "real_arith", "leibniz", "rate_scale", "rate_congr",
    "const_of_zero_rate", "conj", "proj", "matches", "key", "Implies", "mp",
]

TIME = sp.Symbol("t", nonnegative=True)
ZERO_DERIVATIVE = "zero derivative implies constant"
_ZERO_REF = "mean value theorem, e.g. Rudin, Principles of Mathematical Analysis, Thm 5.11"


class KernelError(ProofError):
    """A kernel rule refused: ``rule`` names it, the message says why."""

    def __init__(self, rule: str, why: str) -> None:
        super().__init__(f"kernel rule '{rule}' refused: {why}")
        self.rule = rule


# propositions --------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Eq:
    lhs: object
    rhs: object


@dataclass(frozen=True, eq=False)
class Le:
    lhs: sp.Expr
    rhs: sp.Expr


@dataclass(frozen=True, eq=False)
class Lt:
    lhs: sp.Expr
    rhs: sp.Expr


@dataclass(frozen=True, eq=False)
class Forall:
    var: sp.Symbol
    start: int
    body: object


@dataclass(frozen=True, eq=False)
class Rate:
    of: NCPoly
    rate: NCPoly


@dataclass(frozen=True, eq=False)
class Const:
    of: NCPoly


@dataclass(frozen=True, eq=False)
class And:
    parts: tuple


@dataclass(frozen=True, eq=False)
class Implies:
    premise: object
    concl: object


@dataclass(frozen=True, eq=False)
class Pred:
    """A predicate ``P(var) = body``; the kernel forms its instances by substitution."""

    var: sp.Symbol
    body: object

    def at(self, value) -> object:
        return _subs_prop(self.body, {self.var: sp.sympify(value)})


def _tkey(x):
    if isinstance(x, NCPoly):
        return ("nc", frozenset(x.normal().terms.items()))
    if isinstance(x, TracePoly):
        out: dict = {}
        for w, c in x.terms.items():
            cw = freealg._cyclic_canonical(w)
            out[cw] = sp.expand(out.get(cw, 0) + c)
        return ("tr", frozenset((w, c) for w, c in out.items() if c != 0))
    return ("s", sp.expand(sp.sympify(x)))


def key(p, level: int = 0):
    """The canonical, hashable form of a proposition (two props are the same iff keys agree)."""
    if isinstance(p, Eq):
        return ("eq", _tkey(p.lhs), _tkey(p.rhs))
    if isinstance(p, (Le, Lt)):
        return (type(p).__name__, sp.expand(p.lhs), sp.expand(p.rhs))
    if isinstance(p, Forall):
        v = sp.Symbol(f"_bound{level}", integer=True)
        return ("all", int(p.start), key(_subs_prop(p.body, {p.var: v}), level + 1))
    if isinstance(p, Rate):
        return ("rate", _tkey(p.of), _tkey(p.rate))
    if isinstance(p, Const):
        return ("const", _tkey(p.of))
    if isinstance(p, And):
        return ("and", tuple(key(q, level) for q in p.parts))
    if isinstance(p, Implies):
        return ("imp", key(p.premise, level), key(p.concl, level))
    raise KernelError("key", f"not a proposition: {type(p).__name__}")


# substitution and free symbols ---------------------------------------------------------------
def _expand(e):
    return sp.Tuple(*(sp.expand(x) for x in e)) if isinstance(e, sp.Tuple) else sp.expand(e)


def _subs_atom(a, s):
    if isinstance(a, (Power, Root)):
        return type(a)(tuple(_subs_atom(b, s) for b in a.base), sp.expand(a.exp.subs(s)))
    return replace(a, rows=sp.sympify(a.rows).subs(s), cols=sp.sympify(a.cols).subs(s),
                   idx=None if a.idx is None else _expand(a.idx.subs(s)))


def _subs_term(x, s):
    if isinstance(x, NCPoly):
        return NCPoly({tuple(_subs_atom(a, s) for a in w): sp.sympify(c).subs(s)
                       for w, c in x.terms.items()})
    if isinstance(x, TracePoly):
        return TracePoly({tuple(_subs_atom(a, s) for a in w): sp.sympify(c).subs(s)
                          for w, c in x.terms.items()})
    return sp.sympify(x).subs(s)


def _map_prop(p, f):
    """Apply ``f`` to every term of ``p`` (``Forall`` handled by the caller)."""
    if isinstance(p, (Eq, Le, Lt)):
        return type(p)(f(p.lhs), f(p.rhs))
    if isinstance(p, Rate):
        return Rate(f(p.of), f(p.rate))
    if isinstance(p, Const):
        return Const(f(p.of))
    raise KernelError("substitute", f"not a proposition: {type(p).__name__}")


def _subs_prop(p, s):
    if isinstance(p, Forall):
        inner = {k: v for k, v in s.items() if k != p.var}
        if any(p.var in sp.sympify(v).free_symbols for v in inner.values()):
            raise KernelError("substitute", f"the value would be captured by the bound {p.var}")
        return Forall(p.var, p.start, _subs_prop(p.body, inner))
    if isinstance(p, And):
        return And(tuple(_subs_prop(q, s) for q in p.parts))
    if isinstance(p, Implies):
        return Implies(_subs_prop(p.premise, s), _subs_prop(p.concl, s))
    return _map_prop(p, lambda t: _subs_term(t, s))


def _atom_symbols(a) -> set:
    if isinstance(a, (Power, Root)):
        return set(sp.sympify(a.exp).free_symbols).union(*(_atom_symbols(b) for b in a.base))
    out = set(sp.sympify(a.rows).free_symbols) | set(sp.sympify(a.cols).free_symbols)
    return out | (set(a.idx.free_symbols) if a.idx is not None else set())


def _term_symbols(x) -> set:
    if isinstance(x, (NCPoly, TracePoly)):
        out: set = set()
        for w, c in x.terms.items():
            out |= set(sp.sympify(c).free_symbols)
            for a in w:
                out |= _atom_symbols(a)
        return out
    return set(sp.sympify(x).free_symbols)


def _prop_symbols(p) -> set:
    if isinstance(p, Forall):
        return _prop_symbols(p.body) - {p.var}
    if isinstance(p, And):
        return set().union(*(_prop_symbols(q) for q in p.parts))
    if isinstance(p, Implies):
        return _prop_symbols(p.premise) | _prop_symbols(p.concl)
    terms = {Eq: ("lhs", "rhs"), Le: ("lhs", "rhs"), Lt: ("lhs", "rhs"), Rate: ("of", "rate"),
             Const: ("of",)}[type(p)]
    return set().union(*(_term_symbols(getattr(p, t)) for t in terms))


# theorems ------------------------------------------------------------------------------------
_TOKEN = object()


class Theorem:
    """``hypotheses ⊢ conclusion`` with the cited ``axioms``; made only by kernel rules.

    ``rule`` and ``premises`` record how the kernel derived it (for derivation pages).
    """

    __slots__ = ("hyps", "concl", "axioms", "rule", "premises", "detail")

    def __init__(self, token, hyps: Mapping, concl, axioms: Iterable[str], rule: str,
                 premises: Sequence[Theorem] = (), detail: str = "") -> None:
        if token is not _TOKEN:
            raise KernelError("Theorem", "only kernel rules construct theorems")
        key(concl)
        for name, value in (("hyps", dict(hyps)), ("concl", concl),
                            ("axioms", frozenset(axioms)), ("rule", rule),
                            ("premises", tuple(premises)), ("detail", detail)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise KernelError("Theorem", "theorems are immutable")

    @property
    def hypotheses(self) -> tuple:
        return tuple(self.hyps[k] for k in sorted(self.hyps, key=str))


def _thm(hyps, concl, axioms, rule, premises=(), detail=""):
    return Theorem(_TOKEN, hyps, concl, axioms, rule, premises, detail)


def _join(ths: Sequence[Theorem]) -> tuple[dict, frozenset]:
    hyps: dict = {}
    axioms: frozenset = frozenset()
    for th in ths:
        if not isinstance(th, Theorem):
            raise KernelError("premise", f"{type(th).__name__} is not a kernel theorem")
        hyps.update(th.hyps)
        axioms |= th.axioms
    return hyps, axioms


def _need(th: Theorem, kind, rule: str):
    if not isinstance(th, Theorem) or not isinstance(th.concl, kind):
        raise KernelError(rule, f"needs a theorem concluding {kind.__name__}")
    return th.concl


def _check_shape(x, rule: str) -> None:
    polys = [x] if isinstance(x, NCPoly) else []
    try:
        for p in polys:
            p.shape()
            for w in p.terms:
                for a in w:
                    if isinstance(a, Power) and not (a.exp.is_integer and a.exp.is_nonnegative):
                        raise ShapeError(f"exponent {a.exp} is not a natural number")
                    if isinstance(a, Root) and not (a.exp.is_integer and a.exp.is_positive):
                        raise ShapeError(f"root index {a.exp} is not a positive integer")
                    if isinstance(a, (Power, Root)):
                        a.shape  # noqa: B018 - raises for a non-square base
    except ShapeError as exc:
        raise KernelError(rule, str(exc)) from None


def _same_shape(a, b, rule: str) -> None:
    for x in (a, b):
        _check_shape(x, rule)
    if isinstance(a, NCPoly) and isinstance(b, NCPoly):
        sa, sb = a.shape(), b.shape()
        if sa and sb and any(sp.simplify(u - v) != 0 for u, v in zip(sa, sb, strict=True)):
            raise KernelError(rule, f"sides have shapes {sa} and {sb}")
    elif type(a) is not type(b) and (isinstance(a, (NCPoly, TracePoly))
                                     or isinstance(b, (NCPoly, TracePoly))):
        raise KernelError(rule, f"cannot equate {type(a).__name__} and {type(b).__name__}")


def _zero(d) -> bool:
    if isinstance(d, (NCPoly, TracePoly)):
        return d.is_zero()
    d = sp.expand(d)
    return d == 0 or sp.simplify(d) == 0 or sp.simplify(d.doit()) == 0


# rules ---------------------------------------------------------------------------------------
def assume(p) -> Theorem:
    """P ⊢ P."""
    return _thm({key(p): p}, p, (), "assume")


def by_canon(lhs, rhs, refute: Sequence[Callable] = ()) -> Theorem:
    """⊢ lhs = rhs when the canonical forms agree; ``refute`` checks may only refuse."""
    _same_shape(lhs, rhs, "by_canon")
    if not _zero(lhs - rhs):
        raise KernelError("by_canon", "the canonical forms of the two sides differ")
    for check in refute:
        bad = check(lhs, rhs)
        if bad:
            raise KernelError("by_canon", f"layers disagree: {bad}")
    return _thm({}, Eq(lhs, rhs), (), "by_canon")


def sym(th: Theorem) -> Theorem:
    c = _need(th, Eq, "sym")
    return _thm(th.hyps, Eq(c.rhs, c.lhs), th.axioms, "sym", (th,))


def trans(a: Theorem, b: Theorem) -> Theorem:
    """a: x = y, b: y' = z with y' canonically y ⊢ x = z."""
    ca, cb = _need(a, Eq, "trans"), _need(b, Eq, "trans")
    if _tkey(ca.rhs) != _tkey(cb.lhs):
        raise KernelError("trans", "the middle terms differ")
    hyps, axioms = _join([a, b])
    return _thm(hyps, Eq(ca.lhs, cb.rhs), axioms, "trans", (a, b))


_OPS = {
    "mul_left": lambda x, arg: arg * x, "mul_right": lambda x, arg: x * arg,
    "add": lambda x, arg: x + arg, "scale": lambda x, arg: x * sp.sympify(arg),
    "transpose": lambda x, arg: x.T, "trace": lambda x, arg: freealg.trace(x),
}


def cong(th: Theorem, op: str, arg=None) -> Theorem:
    """Apply the same operation to both sides of a proved equation."""
    c = _need(th, Eq, "cong")
    if op not in _OPS:
        raise KernelError("cong", f"unknown operation {op!r}")
    try:
        lhs, rhs = _OPS[op](c.lhs, arg), _OPS[op](c.rhs, arg)
    except (ShapeError, AttributeError, TypeError) as exc:
        raise KernelError("cong", f"{op}: {exc}") from None
    _same_shape(lhs, rhs, "cong")
    return _thm(th.hyps, Eq(lhs, rhs), th.axioms, f"cong {op}", (th,))


_ASSUMPTIONS = ("integer", "nonnegative", "positive", "real", "nonzero")


def _letter_image(a, letters):
    if isinstance(a, (Power, Root)):
        if not any(b.name in letters for b in a.base):
            return NCPoly({(a,): 1})
        img = NCPoly({(): 1})
        for b in a.base:
            img = img * _letter_image(b, letters)
        (w, c), = img.terms.items() if len(img.terms) == 1 else ((None, None),)
        if c != 1 or not w or not all(isinstance(x, Letter) for x in w):
            raise KernelError("inst", "a power's or root's base must stay one word of letters")
        return NCPoly({(type(a)(w, a.exp),): 1})
    if a.name not in letters:
        return NCPoly({(a,): 1})
    if a.idx is not None:
        raise KernelError("inst", f"indexed letter {a.name} cannot be substituted")
    img = letters[a.name]
    return img.T if a.t else img


def _subs_letters(x, letters):
    if not isinstance(x, NCPoly):
        if isinstance(x, TracePoly) and any(getattr(a, "name", None) in letters
                                            for w in x.terms for a in w):
            raise KernelError("inst", "substitute letters before taking the trace")
        return x
    out = NCPoly()
    for w, c in x.terms.items():
        acc = NCPoly({(): c})
        for a in w:
            acc = acc * _letter_image(a, letters)
        out = out + acc
    return out


def _letters_of(p) -> dict:
    out: dict = {}
    if isinstance(p, (Forall, And, Implies)):
        for q in {And: lambda: p.parts, Forall: lambda: (p.body,),
                  Implies: lambda: (p.premise, p.concl)}[type(p)]():
            out.update(_letters_of(q))
        return out

    def visit(t):
        for w in getattr(t, "terms", {}) if isinstance(t, (NCPoly, TracePoly)) else ():
            for a in w:
                for b in (a.base if isinstance(a, (Power, Root)) else (a,)):
                    out.setdefault(b.name, b)
        return t

    _map_prop(p, visit)
    return out


def inst(th: Theorem, symbols: Mapping | None = None, letters: Mapping | None = None) -> Theorem:
    """Substitute free symbols and letters everywhere in a theorem (hypotheses included)."""
    symbols = {sp.sympify(k): sp.sympify(v) for k, v in (symbols or {}).items()}
    letters = dict(letters or {})
    for s, v in symbols.items():
        if s == TIME:
            raise KernelError("inst", "the flow time cannot be substituted")
        for a in _ASSUMPTIONS:
            if getattr(s, f"is_{a}") and getattr(v, f"is_{a}") is not True:
                raise KernelError("inst", f"{s} is {a} but {v} is not known to be")
    props = [th.concl, *th.hyps.values()]
    known: dict = {}
    for p in props:
        known.update(_letters_of(p))
    for name, img in letters.items():
        if name not in known:
            raise KernelError("inst", f"no letter {name} in the theorem")
        a = replace(_subs_atom(known[name], symbols), t=False)
        _check_shape(img, "inst")
        shape = img.shape()
        if shape is None or any(sp.simplify(u - v) != 0 for u, v in zip(shape, a.shape,
                                                                          strict=True)):
            raise KernelError("inst", f"{name} is {a.shape} but the image has shape {shape}")
        if a.sym and not (img - img.T).is_zero():
            raise KernelError("inst", f"{name} is symmetric but its image is not")

    def f(p):
        q = _subs_prop(p, symbols)
        return _subs_all_letters(q, letters) if letters else q

    hyps = {}
    for p in th.hyps.values():
        q = f(p)
        hyps[key(q)] = q
    return _thm(hyps, f(th.concl), th.axioms, "inst", (th,),
                ", ".join(f"{k} -> {v}" for k, v in symbols.items()) + (
                    "; letters " + ", ".join(letters) if letters else ""))


def _subs_all_letters(p, letters):
    if isinstance(p, Forall):
        return Forall(p.var, p.start, _subs_all_letters(p.body, letters))
    if isinstance(p, And):
        return And(tuple(_subs_all_letters(q, letters) for q in p.parts))
    if isinstance(p, Implies):
        return Implies(_subs_all_letters(p.premise, letters), _subs_all_letters(p.concl, letters))
    if isinstance(p, (Rate, Const)):
        raise KernelError("inst", "letters of a rate or constancy claim cannot be substituted")
    return _map_prop(p, lambda t: _subs_letters(t, letters))


def _at_least(value, start) -> bool:
    v = sp.sympify(value)
    return bool(v.is_integer) and bool(sp.simplify(v - start).is_nonnegative)


def spec(th: Theorem, value) -> Theorem:
    """∀ var >= start. P(var) ⊢ P(value) for an integer value provably >= start."""
    c = _need(th, Forall, "spec")
    if not _at_least(value, c.start):
        raise KernelError("spec", f"{value} is not provably an integer >= {c.start}")
    return _thm(th.hyps, _subs_prop(c.body, {c.var: sp.sympify(value)}), th.axioms, "spec",
                (th,), f"{c.var} = {value}")


def gen(th: Theorem, var: sp.Symbol, start: int) -> Theorem:
    """⊢ P(var) for an arbitrary integer ``var >= start`` (not free in the hypotheses)."""
    if not _at_least(var, start) or not isinstance(var, sp.Symbol):
        raise KernelError("gen", f"{var} is not a symbol known to be an integer >= {start}")
    if any(var in _prop_symbols(h) for h in th.hyps.values()):
        raise KernelError("gen", f"{var} is free in a hypothesis")
    return _thm(th.hyps, Forall(var, start, th.concl), th.axioms, "gen", (th,))


def _rewrite_word(w, pat, rhs, n):
    for i in range(len(w)):
        if w[i:i + len(pat)] == pat:
            rest, k = _rewrite_word(w[i + len(pat):], pat, rhs, n)
            return NCPoly({w[:i]: 1}) * rhs * rest, k + 1
        a = w[i]
        if isinstance(a, Power) and a.base == pat and len(rhs.terms) == 1:
            (rw, rc), = rhs.terms.items()
            if rc == 1 and rw and not any(isinstance(x, Power) for x in rw):
                rest, k = _rewrite_word(w[i + 1:], pat, rhs, n)
                return NCPoly({w[:i] + (Power(rw, a.exp),): 1}) * rest, k + 1
    return NCPoly({w: 1}), 0


def rewrite(eq_th: Theorem, term: NCPoly) -> Theorem:
    """⊢ term = term', each occurrence of the proved equation's one-word left side replaced."""
    c = _need(eq_th, Eq, "rewrite")
    if not (isinstance(c.lhs, NCPoly) and isinstance(term, NCPoly) and len(c.lhs.terms) == 1):
        raise KernelError("rewrite", "the left side must be one word of a matrix polynomial")
    (pat, coef), = c.lhs.terms.items()
    if coef != 1 or not pat:
        raise KernelError("rewrite", "the left side must be one word with coefficient 1")
    out, total = NCPoly(), 0
    for w, cw in term.terms.items():
        q, k = _rewrite_word(w, pat, c.rhs, 0)
        out, total = out + q * cw, total + k
    if not total:
        raise KernelError("rewrite", f"{c.lhs} does not occur in the term")
    _same_shape(term, out, "rewrite")
    return _thm(eq_th.hyps, Eq(term, out), eq_th.axioms, "rewrite", (eq_th,),
                f"{total} occurrence(s)")


class Induction:
    """Induction on ``pred.var`` from ``start``; the kernel forms every goal itself."""

    def __init__(self, pred: Pred, start: int) -> None:
        if not isinstance(pred, Pred):
            raise KernelError("induct", "needs a predicate object Pred(var, body)")
        self.pred, self.start = pred, int(start)
        self.fresh = sp.Dummy("n", integer=True, nonnegative=True)
        m = self.start + self.fresh
        self.base_goal, self.hyp, self.step_goal = pred.at(self.start), pred.at(m), pred.at(m + 1)
        self.var = m  # the symbol-expression the step is proved for

    def conclude(self, base: Theorem, step: Theorem, var: sp.Symbol | None = None) -> Theorem:
        for th, goal, what in ((base, self.base_goal, "base case"),
                               (step, self.step_goal, "step")):
            if not isinstance(th, Theorem) or key(th.concl) != key(goal):
                raise KernelError("induct", f"the {what} does not conclude the goal the kernel "
                                            f"formed from the predicate")
        hk = key(self.hyp)
        others = {k: h for k, h in step.hyps.items() if k != hk}
        if any(self.fresh in _prop_symbols(h) for h in others.values()):
            raise KernelError("induct", "the step uses a hypothesis about the induction "
                                        "variable other than P(n)")
        var = var if var is not None else self.pred.var
        hyps, axioms = _join([base])
        hyps.update(others)
        axioms |= step.axioms
        if any(var in _prop_symbols(h) for h in hyps.values()):
            raise KernelError("induct", f"{var} is free in a hypothesis")
        body = self.pred.at(var)
        return _thm(hyps, Forall(var, self.start, body), axioms, "induct", (base, step))


_CITED: dict = {}


def cite(name: str, prop, reference: str) -> Theorem:
    """⊢ prop as the axiom ``name`` (a fact SymPy cannot prove, with its reference)."""
    k = key(prop)
    if _CITED.setdefault(name, k) != k:
        raise KernelError("cite", f"axiom {name!r} is already cited with another statement")
    return _thm({}, prop, (name,), "cite", (), reference)


def _z3(e, env, z3):
    e = sp.sympify(e)
    if e.is_Rational:
        return z3.RealVal(f"{e.p}/{e.q}")
    if e.is_Add:
        return z3.Sum([_z3(a, env, z3) for a in e.args])
    if e.is_Mul:
        out = _z3(e.args[0], env, z3)
        for a in e.args[1:]:
            out = out * _z3(a, env, z3)
        return out
    if e.is_Pow and e.exp.is_Integer:
        b, n = _z3(e.base, env, z3), int(e.exp)
        out = z3.RealVal(1)
        for _ in range(abs(n)):
            out = out * b
        return out if n >= 0 else 1 / out
    if e not in env:  # an opaque real: a symbol, or a subterm z3 cannot see into
        v = env[e] = z3.Real(f"x{len(env)}")
        env.setdefault("_signs", []).extend(
            [v > 0] * bool(e.is_positive) + [v >= 0] * bool(e.is_nonnegative))
    return env[e]


def _z3_prop(p, env, z3):
    a, b = _z3(p.lhs, env, z3), _z3(p.rhs, env, z3)
    return {Eq: lambda: a == b, Le: lambda: a <= b, Lt: lambda: a < b}[type(p)]()


def real_arith(goal, facts: Sequence[Theorem] = ()) -> Theorem:
    """⊢ goal for a scalar Eq/Le/Lt implied by the facts and the sign assumptions (z3)."""
    import z3

    for p in [goal, *(getattr(f, "concl", None) for f in facts)]:
        if not isinstance(p, (Eq, Le, Lt)) or isinstance(p.lhs, (NCPoly, TracePoly)):
            raise KernelError("real_arith", "needs scalar (in)equalities")
    hyps, axioms = _join(facts)
    env: dict = {}
    s = z3.Solver()
    s.set("timeout", 20000)
    for f in facts:
        s.add(_z3_prop(f.concl, env, z3))
    s.add(z3.Not(_z3_prop(goal, env, z3)))
    s.add(*env.get("_signs", []))
    verdict = s.check()
    if verdict != z3.unsat:
        why = f"z3: {verdict}" + (f", countermodel {s.model()}" if verdict == z3.sat else "")
        raise KernelError("real_arith", f"the goal does not follow ({why})")
    return _thm(hyps, goal, axioms, "real_arith", tuple(facts))


def leibniz(p: NCPoly, rate_ths: Sequence[Theorem], t: sp.Symbol = TIME) -> Theorem:
    """⊢ Rate(p, dp/dt): ordered Leibniz rule; every letter of ``p`` needs a proved rate."""
    rates = {}
    for th in rate_ths:
        c = _need(th, Rate, "leibniz")
        (w, coef), = c.of.terms.items() if len(c.of.terms) == 1 else ((None, None),)
        if coef != 1 or len(w) != 1 or not isinstance(w[0], Letter) or w[0].t:
            raise KernelError("leibniz", "each rate must be of one untransposed letter")
        rates[w[0].name] = c.rate
    missing = set(_letters_of(Const(p))) - set(rates)
    if missing:
        raise KernelError("leibniz", f"no proved rate for {sorted(missing)}")
    _check_shape(p, "leibniz")
    try:
        dp = freealg.derive(p, rates, t)
    except ShapeError as exc:
        raise KernelError("leibniz", str(exc)) from None
    hyps, axioms = _join(rate_ths)
    return _thm(hyps, Rate(p, dp), axioms, "leibniz", tuple(rate_ths))


def rate_scale(th: Theorem, f, t: sp.Symbol = TIME) -> Theorem:
    """Rate(p, q) ⊢ Rate(f p, f' p + f q) for a scalar function ``f`` of ``t``."""
    c = _need(th, Rate, "rate_scale")
    if isinstance(f, (NCPoly, TracePoly)):
        raise KernelError("rate_scale", "needs a scalar f(t)")
    f = sp.sympify(f)
    return _thm(th.hyps, Rate(c.of * f, c.of * sp.diff(f, t) + c.rate * f), th.axioms,
                "rate_scale", (th,))


def rate_congr(th: Theorem, eq: Theorem) -> Theorem:
    """Rate(p, q), q = q' ⊢ Rate(p, q')."""
    c, e = _need(th, Rate, "rate_congr"), _need(eq, Eq, "rate_congr")
    if _tkey(c.rate) != _tkey(e.lhs):
        raise KernelError("rate_congr", "the equation's left side is not the rate")
    hyps, axioms = _join([th, eq])
    return _thm(hyps, Rate(c.of, e.rhs), axioms, "rate_congr", (th, eq))


def const_of_zero_rate(th: Theorem) -> Theorem:
    """Rate(p, 0) ⊢ Const(p) (zero derivative on [0, ∞) means constant: a cited axiom)."""
    c = _need(th, Rate, "const_of_zero_rate")
    if not _zero(c.rate):
        raise KernelError("const_of_zero_rate", "the rate is not 0")
    return _thm(th.hyps, Const(c.of), th.axioms | {ZERO_DERIVATIVE}, "const_of_zero_rate",
                (th,), _ZERO_REF)


def mp(imp: Theorem, th: Theorem) -> Theorem:
    """P ⇒ Q and P ⊢ Q (modus ponens)."""
    c = _need(imp, Implies, "mp")
    if not isinstance(th, Theorem) or key(th.concl) != key(c.premise):
        raise KernelError("mp", "the theorem is not the implication's premise")
    hyps, axioms = _join([imp, th])
    return _thm(hyps, c.concl, axioms, "mp", (imp, th))


def conj(ths: Sequence[Theorem]) -> Theorem:
    hyps, axioms = _join(ths)
    return _thm(hyps, And(tuple(th.concl for th in ths)), axioms, "conj", tuple(ths))


def proj(th: Theorem, i: int) -> Theorem:
    c = _need(th, And, "proj")
    return _thm(th.hyps, c.parts[i], th.axioms, "proj", (th,))


def matches(th, conclusion, hypotheses: Sequence = (), axioms: Iterable[str] = ()) -> str | None:
    """``None`` when ``th`` proves exactly ``conclusion`` from declared hypotheses and axioms."""
    if not isinstance(th, Theorem):
        return f"the proof returned {type(th).__name__}, not a kernel theorem"
    if key(th.concl) != key(conclusion):
        return "the proof's conclusion is not the declared statement"
    extra = set(th.hyps) - {key(h) for h in hypotheses}
    if extra:
        return f"the proof uses {len(extra)} undeclared hypothesis(es)"
    if th.axioms != frozenset(axioms):
        return (f"the proof cites axioms {sorted(th.axioms)}, the theorem declares "
                f"{sorted(axioms)}")
    return None
