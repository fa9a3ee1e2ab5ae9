"""The registry's plain-text notation (``G(t)^{1/L}``, ``W_{l+1}^T``) split into text and math.

Titles, hypotheses, step descriptions and evidence are written in ASCII notation. A token that
carries a sub- or superscript (``_`` or ``^``, braces kept balanced) is a formula; everything
else is prose. Both the derivation pages (inline ``$...$`` for MathJax) and the LaTeX appendix
use :func:`segments`, so a reader sees typeset math, never ``^{`` source.
"""

from __future__ import annotations

import re

__all__ = ["segments", "to_tex_math", "escape_tex"]

_TRAIL = ",;:.!?"
_DOLLAR = re.compile(r"\$([^$]+)\$")
_WORDS = {
    "lambda": r"\lambda", "alpha": r"\alpha", "sigma": r"\sigma", "sum": r"\sum",
    "exp": r"\exp", "log": r"\log", "mu": r"\mu", "delta": r"\delta", "eps": r"\varepsilon",
}
_OPS = [("<=", r"\le "), (">=", r"\ge "), ("!=", r"\ne "), ("->", r"\to "), ("||", r"\|"),
        ("...", r"\dots "), ("ᵀ", r"^{\top}"), ("−", "-"), ("‖", r"\|")]
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}"}


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, a token spanning spaces while its braces are open."""
    out: list[str] = []
    cur, depth = "", 0
    for ch in text:
        if ch.isspace() and depth <= 0:
            if cur:
                out.append(cur)
            out.append(ch)
            cur, depth = "", 0
            continue
        cur += ch
        depth += (ch == "{") - (ch == "}")
    if cur:
        out.append(cur)
    return out


_OP = re.compile(r"\s*(=|<=|>=|!=|\+|-|->)?\s*")
_LEAD = re.compile(r"(^|\s)([A-Z][A-Za-z0-9()]*\s(=|<=|>=|!=)\s)$")


def _is_math(token: str) -> bool:
    return ("_" in token or "^" in token) and token.count("{") == token.count("}") \
        and "`" not in token


def _merge(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Join formulas separated only by an operator, and pull ``M =`` into the formula after it."""
    out: list[tuple[bool, str]] = []
    for is_math, piece in pieces:
        if is_math and len(out) >= 2 and not out[-1][0] and out[-2][0] \
                and _OP.fullmatch(out[-1][1]):
            gap = out.pop()[1]
            out[-1] = (True, out[-1][1] + gap + piece)
            continue
        if is_math and out and not out[-1][0]:
            lead = _LEAD.search(out[-1][1])
            if lead:
                head = out[-1][1][: lead.start(2)]
                out[-1] = (False, head)
                if not head:
                    out.pop()
                piece = lead.group(2) + piece
        out.append((is_math, piece))
    return out


def segments(text: str) -> list[tuple[bool, str]]:
    """Split ``text`` into ``(is_math, piece)`` pieces, in order; joined they give ``text``.

    Trailing punctuation stays prose; a leading ``(`` of a formula stays with it; a span between
    dollars is already TeX and is one formula.

    Examples
    --------
    >>> segments("so M = G^{1/L}.")
    [(False, 'so '), (True, 'M = G^{1/L}'), (False, '.')]
    """
    out: list[tuple[bool, str]] = []

    def add(is_math: bool, piece: str) -> None:
        if out and out[-1][0] == is_math and not is_math:
            out[-1] = (False, out[-1][1] + piece)
        elif piece:
            out.append((is_math, piece))

    for k, part in enumerate(_DOLLAR.split(text)):
        if k % 2:  # already TeX between dollars (e.g. a residual printed by SymPy)
            out.append((True, part))
            continue
        for tok in _tokens(part):
            core = tok.rstrip(_TRAIL)
            if core and _is_math(core):
                add(True, core)
                add(False, tok[len(core):])
            else:
                add(False, tok)
    return _merge(out)


def to_tex_math(piece: str) -> str:
    """An ASCII formula (one math piece of :func:`segments`) as TeX math, without delimiters."""
    if "\\" in piece:  # already TeX
        return piece
    s = piece
    for a, b in _OPS:
        s = s.replace(a, b)
    s = re.sub(r"(?<![A-Za-z\\])([A-Za-z]+)(?![A-Za-z])",
               lambda m: _WORDS.get(m.group(1), m.group(1)), s)
    s = re.sub(r"\^T(?![A-Za-z{])", r"^{\\top}", s)
    s = s.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")
    return s


def escape_tex(text: str) -> str:
    """Prose for LaTeX: TeX's special characters escaped (math pieces are not passed here)."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)
