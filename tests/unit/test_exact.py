"""Exact number parsing: decimals and p/q read exactly, everything else rejected with its field."""

from decimal import Decimal
from fractions import Fraction

import pytest

from nfacheck.errors import InputError
from nfacheck.exact import (
    format_exact,
    format_matrix,
    load_json,
    load_toml,
    parse_exact,
    parse_matrix,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1/10", Fraction(1, 10)),
        (Decimal("0.1"), Fraction(1, 10)),
        ("0.1", Fraction(1, 10)),
        ("-3/6", Fraction(-1, 2)),
        ("1e-3", Fraction(1, 1000)),
        (".5", Fraction(1, 2)),
        (7, Fraction(7)),
        (" 2 / 4 ", Fraction(1, 2)),
        (Fraction(2, 3), Fraction(2, 3)),
    ],
)
def test_parse_exact_accepts(value, expected):
    assert parse_exact(value) == expected


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("1/0", "zero denominator"),
        ("nan", "finite"),
        ("-inf", "finite"),
        (Decimal("NaN"), "finite"),
        (True, "boolean"),
        (0.1, "binary floats"),
        ("one", "not a number"),
        ([1], "expected a number"),
        ("1/2/3", "not a number"),
    ],
)
def test_parse_exact_rejects(value, fragment):
    with pytest.raises(InputError, match=fragment) as info:
        parse_exact(value, "a.b")
    assert str(info.value).startswith("a.b: ")


def test_decimal_toml_is_exact(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text("a = 0.1\nb = [0.2, '1/3']\n")
    data, raw = load_toml(p)
    assert isinstance(data["a"], Decimal)
    assert parse_exact(data["a"]) + parse_exact(data["b"][0]) == Fraction(3, 10)
    assert raw == p.read_bytes()


def test_malformed_toml_names_line_and_column(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("a = 1\nb = [1, 2\n")
    with pytest.raises(InputError, match=r"line \d+, column \d+") as info:
        load_toml(p)
    assert str(info.value).startswith(str(p))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_toml(tmp_path / "nope.toml")


def test_json_never_float(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"x": 0.1, "y": [1, "2/3"]}')
    data, _ = load_json(p)
    assert isinstance(data["x"], Decimal)
    p.write_text('{"x": NaN}')
    with pytest.raises(InputError, match="NaN"):
        load_json(p)
    p.write_text('{"x": ')
    with pytest.raises(InputError, match="malformed JSON"):
        load_json(p)


def test_matrix_shape_and_roundtrip():
    m = parse_matrix([["1/2", 0], [Decimal("0.25"), "3"]], "W", (2, 2))
    assert format_matrix(m) == [["1/2", "0"], ["1/4", "3"]]
    assert format_exact(Fraction(-4, 2)) == "-2"
    with pytest.raises(InputError, match="wrong shape: expected 3x2, got 2x2"):
        parse_matrix([["1", "2"], ["3", "4"]], "W", (3, 2))
    with pytest.raises(InputError, match="different lengths"):
        parse_matrix([["1", "2"], ["3"]], "W")
    with pytest.raises(InputError, match=r"W\[1\]\[0\]"):
        parse_matrix([["1"], ["x"]], "W")
