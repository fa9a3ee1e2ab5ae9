"""The registry's ASCII formulas are found, kept whole, and turned into TeX math."""

from nfacheck.theorems.notation import escape_tex, segments, to_tex_math


def _join(pieces):
    return "".join(p for _, p in pieces)


def test_pieces_join_back_to_the_text():
    for s in ["so M = G^{1/L}.", "D_l(t) = e^{-2 lambda t} D_l(0)", "no formula here", "",
              "evidence: residual $\\frac{a}{b}$ is non-zero"]:
        pieces = segments(s)
        assert _join(pieces).replace("$", "") == s.replace("$", "")


def test_a_formula_spans_spaces_inside_braces_and_operators_between_formulas():
    assert segments("D_l(t) = e^{-2 lambda t} D_l(0)") == [
        (True, "D_l(t) = e^{-2 lambda t} D_l(0)")]
    assert segments("NFA: M(t) = G(t)^{1/L}") == [(False, "NFA: "), (True, "M(t) = G(t)^{1/L}")]
    assert segments("x_i, and y") == [(True, "x_i"), (False, ", and y")]
    assert segments("plain words only") == [(False, "plain words only")]


def test_unbalanced_braces_are_not_math():
    assert all(not m for m, _ in segments("a^{b c"))


def test_to_tex_math():
    assert to_tex_math("W_l^T") == r"W_l^{\top}"
    assert to_tex_math("e^{-2 lambda t}") == r"e^{-2 \lambda t}"
    assert to_tex_math("sum_{i<=l} x_i != 0") == r"\sum_{i\le l} x_i \ne  0"
    assert to_tex_math(r"\frac{a}{b}") == r"\frac{a}{b}"  # already TeX: untouched


def test_escape_tex():
    assert escape_tex(r"a_b & 50% {x} \ ^") == (
        r"a\_b \& 50\% \{x\} \textbackslash{} \textasciicircum{}")
