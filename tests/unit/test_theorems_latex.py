"""`prove --write-latex`: derivations.tex has one full section per theorem and compiles."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from nfacheck.cli import main
from nfacheck.theorems import all_theorems, run_theorem
from nfacheck.theorems.latex import FILENAME, render_latex, text


@pytest.fixture(scope="module")
def results():
    return [run_theorem(t) for t in all_theorems()]


@pytest.fixture(scope="module")
def tex(results):
    return render_latex(results)


def _section(tex: str, theorem_id: str) -> str:
    start = tex.index(rf"\label{{thm:{theorem_id}}}")
    end = tex.find(r"\section{", start)
    return tex[start:end if end > 0 else len(tex)]


def test_one_section_per_theorem_with_every_part(results, tex):
    assert tex.count(r"\section{") == len(results) == len(all_theorems())
    for r in results:
        body = _section(tex, r.theorem.id)
        for head in ("Statement", "Hypotheses", "Proof (the steps as checked)", "Axioms",
                     "Negative controls", "References"):
            assert rf"\subsection*{{{head}" in body, (r.theorem.id, head)
        assert f"status: \\textbf{{{r.status}}}" in body
        items = body.count(r"\item ")
        assert items == (len(r.theorem.hypotheses) + len(r.steps) + len(r.controls)
                         + len(r.theorem.references) + _axioms(body)), r.theorem.id
        assert body.count(r"\fitdisplay{") >= 1


def _axioms(body: str) -> int:
    part = body.split(r"\subsection*{Axioms")[1].split(r"\subsection*{Negative")[0]
    return part.count(r"\item ")


def test_cited_lemmas_are_listed_as_axioms(results, tex):
    with_lemma = [r for r in results if any(s.kind == "lemma" for s in r.steps)]
    assert with_lemma
    for r in with_lemma:
        assert _axioms(_section(tex, r.theorem.id)) >= 1, r.theorem.id


def test_deterministic_and_sensitive_to_the_steps(results, tex):
    import dataclasses

    assert render_latex(results) == tex and "seconds" not in tex
    r = results[0]
    changed = dataclasses.replace(r, status="refuted")
    assert render_latex([changed] + results[1:]) != tex


def test_prose_is_escaped_and_formulas_are_math():
    assert text("50% of x_1 & y") == r"50\% of $x_1$ \& y"
    assert text("M(t) = G(t)^{1/L} for t >= 0") == r"$M(t) = G(t)^{1/L}$ for t $\geq$ 0"
    assert text("W_{l+1}^T W_{l+1}") == r"$W_{l+1}^{\top} W_{l+1}$"
    assert text("#1 ~ a^b {c}") == r"\#1 \textasciitilde{} $a^b$ \{c\}"


def test_no_character_left_that_pdflatex_cannot_take(tex):
    assert "<U+" not in tex, re.findall(r"<U\+[0-9A-F]+>", tex)[:5]


def test_cli_writes_the_appendix(tmp_path, capsys):
    assert main(["prove", "agop-linear", "--write-latex", str(tmp_path)]) == 0
    written = (tmp_path / FILENAME).read_text(encoding="utf-8")
    assert written.count(r"\section{") == 1 and r"\label{thm:agop-linear}" in written
    assert written.rstrip().endswith(r"\end{document}")


def _compile(directory) -> subprocess.CompletedProcess:
    latexmk = shutil.which("latexmk")
    assert latexmk and shutil.which("pdflatex"), (
        "install latexmk and texlive (see the README's test command)")
    return subprocess.run(
        [latexmk, "-pdf", "-interaction=nonstopmode", "-halt-on-error", FILENAME],
        cwd=directory, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.slow
def test_appendix_compiles_with_a_page_per_theorem(tex, tmp_path, results):
    (tmp_path / FILENAME).write_text(tex, encoding="utf-8")
    out = _compile(tmp_path)
    log = (tmp_path / "derivations.log").read_text(encoding="latin-1")
    assert out.returncode == 0, log[-3000:]
    pages = int(re.search(r"Output written on derivations\.pdf \((\d+) pages", log).group(1))
    assert pages >= len(results) + 1  # each theorem starts a page, after the title page
    assert "Undefined control sequence" not in log and "Missing character" not in log


@pytest.mark.slow
def test_a_broken_appendix_does_not_compile(tex, tmp_path):
    # negative control: prose with a raw subscript, as it would be without the escaping layer
    (tmp_path / FILENAME).write_text(tex.replace(r"\subsection*{Hypotheses}",
                                                 r"\subsection*{Hypotheses} W_{l+1", 1),
                                     encoding="utf-8")
    assert _compile(tmp_path).returncode != 0
