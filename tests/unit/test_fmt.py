"""nfacheck.fmt: one style for measured reals and exact inputs, in every command (issue 14).

The formatter (types agree, None, -0.0, huge/tiny exponents, --digits); a scan that fails when a
CLI or report module formats a real with an ad-hoc spec instead of it, with its negative control.
The cross-command checks (one figure printed identically in two places) are in test_fmt_cli.py.
"""

import ast
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import mpmath
import numpy as np
import pytest

from nfacheck import fmt
from nfacheck.cli import main
from nfacheck.fmt import exact, exponent, num, significant_digits

PKG = Path(__file__).resolve().parents[2] / "nfacheck"


def test_every_type_of_the_same_value_prints_the_same():
    with mpmath.mp.workdps(40):
        third = mpmath.mpf(1) / 3
        tenth3 = mpmath.mpf("0.3")
    assert {num(0.1 + 0.2), num(F(3, 10)), num(Decimal("0.3")), num(tenth3), num("0.3"),
            num(np.float64(0.1) + np.float64(0.2))} == {"0.3"}
    assert {num(1 / 3), num(F(1, 3)), num(third), num(Decimal(1) / Decimal(3)),
            num("1/3"), num(np.float32(1 / 3))} == {"0.333333"}
    assert num(7) == num(7.0) == num(F(7)) == num(Decimal("7.000")) == "7.0"


def test_float_noise_never_shows_even_with_many_digits():
    assert num(-0.0013285000000000102) == "-0.0013285"
    with significant_digits(30):
        assert num(0.1 + 0.2) == "0.3"  # a double has 15 meaningful digits, not 30
        assert num(F(1, 3)) == "0." + "3" * 30  # exact inputs do have them
    assert num(-0.0013285000000000102, 14) == "-0.0013285"


def test_none_zero_specials_and_exponents():
    assert num(None) == "-"
    assert num(-0.0) == num(0) == num(Decimal("-0")) == num(mpmath.mpf(0)) == "0.0"
    assert num(float("nan")) == num(mpmath.nan) == num(Decimal("NaN")) == "nan"
    assert num(float("-inf")) == num(mpmath.ninf) == "-inf" and num("inf") == "inf"
    assert num(1.9774912e-5) == "1.97749e-5" and num(5.278491e-41) == "5.27849e-41"
    assert num(0.0001234) == "0.0001234" and num(0.00706706) == "0.00706706"
    assert num(123456.7) == "123457.0" and num(1234567.0) == "1.23457e+6"
    assert num(F(1, 10**1500)) == "1.0e-1500" and num(F(10**1500)) == "1.0e+1500"
    assert num(1e-300) == "1.0e-300" and num(-2**-1074) == "-4.94066e-324"
    assert num(Decimal("9.61943836216109044543663154640e-42")) == "9.61944e-42"
    with pytest.raises(TypeError):
        num(True)


def test_digits_are_scoped_and_bounded():
    assert fmt.digits() == fmt.DEFAULT_DIGITS == 6
    with significant_digits(3):
        assert num(F(2, 3)) == "0.667" and fmt.digits() == 3
        with significant_digits(12):
            assert num(F(2, 3)) == "0.666666666667"
        assert num(F(2, 3)) == "0.667"
    assert num(F(2, 3)) == "0.666667" and num(F(2, 3), 4) == "0.6667"
    for bad in (2, 101, True, 6.0):
        with pytest.raises(ValueError):
            with significant_digits(bad):
                pass


def test_exact_inputs_print_as_given():
    assert exact(F(1, 10)) == exact("0.1") == exact(Decimal("0.10")) == "0.1"
    assert exact(F(1, 10**15)) == "1e-15" and exact("2.5e-12") == "2.5e-12"
    assert exact(120) == "120" and exact(F(-7, 4)) == "-1.75" and exact(F(1, 3)) == "1/3"
    assert exponent(F(1, 2)) == exponent(0.5) == exponent("1/2") == "1/2"
    assert exponent(1 / 3) == "1/3" and exponent(F(1)) == "1"
    with significant_digits(3):  # --digits never rounds an exact input
        assert exact(F(123456789, 1000)) == "123456.789"


def test_seconds():
    assert [fmt.seconds(x) for x in (0.04, 0.66, 12.345, 99.94, 1234.5)] == [
        "0.0", "0.7", "12.3", "99.9", "1234"]


def test_digits_option_bounds(capsys):
    for bad in ("2", "101", "x", "1e3"):
        with pytest.raises(SystemExit) as stop:
            main(["--digits", bad, "prove", "nope"])
        assert stop.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("nfacheck: error: argument --digits:")


# --- the scan: human output formats reals only through nfacheck.fmt --------------------------

#: modules whose text reaches a person (printed by the CLI or written into a report)
SCANNED = sorted({*PKG.glob("cli/*.py"), PKG / "report.py", PKG / "experiments/suite.py",
                  PKG / "experiments/check.py", PKG / "inspect/report.py",
                  *PKG.glob("numeric/confirm*.py")})

#: (module, the formatted expression and spec as written): why it is not a measured real
ALLOWED = {
    ("cli/_output.py", "100 * frac:.0f"): "progress: percent done",
    ("cli/_output.py", "elapsed:.0f"): "progress: elapsed seconds",
    ("cli/_output.py", "elapsed * (self.total - self.n) / new:.0f"): "progress: ETA seconds",
    ("cli/_output.py", "x:.4g"): "progress: a position that is not a whole count",
    ("cli/__init__.py", "DEFAULT_MAX_WORK:.0e"): "--help: an operation count (2e+10)",
    ("cli/limit.py", "nstr(x, dps)"): "JSON: every working digit",
    ("cli/search.py", "nstr(x, digits)"): "JSON: every digit of the certificate",
    ("cli/flow.py", "nstr(x, dps, min_fixed=-4, max_fixed=6, strip_zeros=False)"):
        "JSON: every working digit",
}


def ad_hoc_formats(source: str, name: str = "<string>") -> list[tuple[int, str]]:
    """Places in ``source`` that turn a number into text by hand: an f-string or ``format()``
    spec ending in e/f/g/%, a ``%g``-style operator, or an mpmath ``nstr`` call.

    Returns ``(line, text)`` with ``text`` as it appears in :data:`ALLOWED`.
    """
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = ast.unparse(node.format_spec)[2:-1]  # f'...' around the spec
            if spec[-1:] in "eEfFgG%" and spec:
                found.append((node.lineno, node.col_offset, f"{ast.unparse(node.value)}:{spec}"))
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if fname == "nstr":
                found.append((node.lineno, node.col_offset, "nstr(" + ", ".join(
                    ast.unparse(a) for a in [*node.args[:1], *node.args[1:], *node.keywords])
                    + ")"))
            elif fname == "format" and len(node.args) == 2 and isinstance(
                    node.args[1], ast.Constant) and str(node.args[1].value)[-1:] in "efg%":
                found.append((node.lineno, node.col_offset, ast.unparse(node)))
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
              and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
            import re

            if re.search(r"%[-+ 0#]*\d*(\.\d+)?[eEfFgG]", node.left.value):
                found.append((node.lineno, node.col_offset, f"% format: {node.left.value!r}"))
    return [(line, text) for line, _, text in sorted(found)]


def test_the_scanner_sees_ad_hoc_formats():  # the negative control of the scan
    src = ('x = 1.5\na = f"{x:.3g}"\nb = f"{x:>10.2f} {x:e}"\nc = mp.nstr(x, 6)\n'
           'd = "%.2e" % x\ne = format(x, ".4g")\nok = f"{x} {x!r:>5} {len([]):d}"\n')
    found = ad_hoc_formats(src)
    assert [t for _, t in found] == ["x:.3g", "x:>10.2f", "x:e", "nstr(x, 6)",
                                     "% format: '%.2e'", "format(x, '.4g')"]


def test_no_cli_or_report_module_formats_a_real_by_hand(tmp_path):
    offenders, used = [], set()
    for path in SCANNED:
        rel = path.relative_to(PKG).as_posix()
        for line, text in ad_hoc_formats(path.read_text(encoding="utf-8"), rel):
            if (rel, text) in ALLOWED:
                used.add((rel, text))
            else:
                offenders.append(f"{rel}:{line}: {text}")
    assert not offenders, "format these with nfacheck.fmt.num / exact / seconds: " + "; ".join(
        offenders)
    stale = set(ALLOWED) - used
    assert not stale, f"allowlist entries that match nothing any more: {stale}"
    # the scan fails on a module with an injected f"{x:.3g}" (a temporary copy of verify.py)
    copy = tmp_path / "verify.py"
    copy.write_text((PKG / "cli/verify.py").read_text(encoding="utf-8")
                    + '\n\ndef _bad(x):\n    return f"residual {x:.3g}"\n', encoding="utf-8")
    assert [t for _, t in ad_hoc_formats(copy.read_text(encoding="utf-8"))] == ["x:.3g"]


def test_the_formatter_is_the_one_place_that_formats_by_hand():
    assert [t for _, t in ad_hoc_formats((PKG / "fmt.py").read_text(encoding="utf-8"))] == [
        "nstr(v, n, min_fixed=MIN_FIXED, max_fixed=n)", "format(d, 'e')", "format(d, 'f')",
        "s:.1f", "s:.0f"]
