"""Certificate format: exact numbers in and out, and a CertificateError naming each bad field."""

import copy
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from helpers import HAND_CERTIFICATE
from hypothesis import given
from hypothesis import strategies as st

from nfacheck.errors import CertificateError
from nfacheck.exact import parse_exact
from nfacheck.search.certificate import (
    exact_str,
    member_weights,
    parse_certificate,
    read_certificate,
    round_sig,
    write_certificate,
)

BASE = {
    **HAND_CERTIFICATE,
    "claims": {"loss_at_most": "0", "defect_at_least": "0.25"},
    "family": {
        "construction": "scale_output",
        "members": [{"eps": "1/10", "loss_at_most": "0.01", "defect_at_least": "0.25"}],
    },
}


@given(st.fractions(max_denominator=10**6) | st.integers().map(Fraction))
def test_exact_str_round_trips(q):
    assert parse_exact(exact_str(q)) == q


def test_exact_str_prefers_short_decimals():
    assert exact_str(Fraction(471, 10**64)) == "4.71e-62"
    assert exact_str(Fraction(3284, 10**4)) == "0.3284"
    assert exact_str(Fraction(1, 3)) == "1/3"
    assert exact_str(Fraction(-7)) == "-7"


def test_round_sig_directions():
    q = Fraction(1, 3)
    assert round_sig(q, 3, up=True) == Fraction(334, 1000)
    assert round_sig(q, 3, up=False) == Fraction(333, 1000)
    assert round_sig(-q, 2, up=False) == Fraction(-34, 100)


def test_parse_reads_exact_values():
    cert = parse_certificate(BASE)
    assert cert.X[1] == (1, -1, 3) and cert.weights[1] == ((1, 5),)
    assert cert.defect_at_least == Fraction(1, 4)
    assert cert.family.members[0].eps == Fraction(1, 10)
    assert member_weights(cert, Fraction(1, 10))[1] == ((Fraction(9, 10), Fraction(9, 2)),)


def _broken(path, value=None, delete=False):
    data = copy.deepcopy(BASE)
    *head, last = path
    obj = data
    for k in head:
        obj = obj[k]
    if delete:
        del obj[last]
    else:
        obj[last] = value
    return data


@pytest.mark.parametrize(
    "path, value, delete, field",
    [
        (["format"], None, True, "format"),
        (["format"], "nfacheck-certificate/9", False, "format"),
        (["network", "widths"], [2, True, 1], False, "network.widths"),
        (["network", "widths"], [2, 1], False, "network.widths"),
        (["network", "activation"], "cosine", False, "network.activation"),
        (["data", "Y"], None, True, "data.Y"),
        (["data", "X"], [["1", "2"], ["1", "x"]], False, "data.X[1][1]"),
        (["data", "Y"], [["1", "2"]], False, "data.Y"),
        (["weights"], [[["1", "0"], ["-1", "-1"]]], False, "weights"),
        (["weights", 1], [["1", "5", "2"]], False, "weights[1]"),
        (["claims", "defect_at_least"], None, True, "claims.defect_at_least"),
        (["claims", "loss_at_most"], 0.5, False, "claims.loss_at_most"),
        (["family", "construction"], "rotate", False, "family.construction"),
        (["family", "members", 0, "eps"], "2", False, "family.members[0].eps"),
    ],
)
def test_each_bad_field_is_named(path, value, delete, field):
    with pytest.raises(CertificateError) as info:
        parse_certificate(_broken(path, value, delete), "c.json")
    assert info.value.exit_status == 2
    assert str(info.value).startswith(f"c.json: {field}:")


def test_leaky_relu_needs_its_slope():
    data = _broken(["network", "activation"], "leaky_relu")
    with pytest.raises(CertificateError, match="network.slope"):
        parse_certificate(data)
    data["network"]["slope"] = "1/100"
    assert parse_certificate(data).slope == Fraction(1, 100)


def test_write_then_read_is_exact(tmp_path):
    path = write_certificate(tmp_path / "sub" / "c.json", BASE)
    assert read_certificate(path) == parse_certificate(BASE)
    assert not [p for p in (tmp_path / "sub").iterdir() if p.name.endswith(".tmp")]


def test_json_floats_are_read_as_decimals(tmp_path):
    text = json.dumps(BASE).replace('"0.25"', "0.25")
    (tmp_path / "c.json").write_text(text)
    cert = read_certificate(tmp_path / "c.json")
    assert cert.defect_at_least == Fraction(Decimal("0.25"))
    assert isinstance(cert.defect_at_least, Fraction)


def test_write_refuses_an_invalid_certificate(tmp_path):
    with pytest.raises(CertificateError, match="claims"):
        write_certificate(tmp_path / "c.json", _broken(["claims"], None, True))
    assert not (tmp_path / "c.json").exists()


def test_malformed_json_and_missing_file(tmp_path):
    (tmp_path / "bad.json").write_text("{ not json")
    with pytest.raises(CertificateError, match="malformed JSON"):
        read_certificate(tmp_path / "bad.json")
    with pytest.raises(CertificateError, match="no such file"):
        read_certificate(tmp_path / "none.json")


def test_the_worked_example_in_the_docs_is_certified():
    import re
    from pathlib import Path

    from nfacheck.search.certify import certify

    page = (Path(__file__).resolve().parents[2] / "docs" / "certificates.md").read_text()
    (block,) = re.findall(r"```json\n(.*?)```", page, flags=re.S)
    result = certify(parse_certificate(json.loads(block)))
    assert result.status == "certified"
    assert f"CERTIFIED: all {len(result.claims)} claims hold" in page
    assert result.main.commutator_sq == (2, 2) and result.main.gram_sq == (7, 7)
