"""Critical-point certificates: the committed tanh certificate is accepted (arb and iv), tampered
copies are rejected with exit 1 (box shifted, radius too small, lambda changed, claims
overstated), malformed files with exit 2, and format /1 certificates are still read."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from fractions import Fraction as F
from pathlib import Path

import pytest

from nfacheck.cli import main
from nfacheck.errors import CertificateError
from nfacheck.exact import load_json
from nfacheck.search.certificate import exact_str
from nfacheck.search.critical import certificate_kind, certify_critical, parse_critical

ROOT = Path(__file__).resolve().parents[2]
CERT = ROOT / "docs" / "certificates" / "tanh-weight-decay-limit.json"


@pytest.fixture(scope="module")
def data():
    return load_json(CERT)[0]


def _write(tmp_path, data, name="c.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, default=str))
    return str(path)


@pytest.mark.parametrize("arith", ["arb", "iv"])
def test_committed_certificate_holds(data, arith):
    cert = parse_critical(data, str(CERT))
    res = certify_critical(cert, arith)
    assert res.status == "certified", [(c.name, c.verdict, c.note) for c in res.failed()]
    assert cert.defect_at_least >= F(1, 10) and cert.hessian_min_at_least > 0
    assert cert.loss_at_most < F(1, 1000) and cert.weight_decay == F(1, 1000)


def test_cli_accepts(capsys):
    assert main(["certify", str(CERT)]) == 0
    assert "CERTIFIED: all 5 claims hold" in capsys.readouterr().out


def _shift(d):
    w = d["weights"][0][0]
    w[0] = exact_str(F(Decimal(str(w[0]))) + F(1, 10**8))


def _radius(d):
    d["box"]["radius"] = "1e-40"


def _lam(d):
    d["weight_decay"] = "0.0011"


def _defect(d):
    d["claims"]["defect_at_least"] = "0.2"


def _loss(d):
    d["claims"]["loss_at_most"] = "0.0001"


def _mu(d):
    d["claims"]["hessian_min_eigenvalue_at_least"] = "0.001"


def _data(d):
    d["data"]["Y"][0][1] = "0.6"


@pytest.mark.parametrize("tamper", [_shift, _radius, _lam, _defect, _loss, _mu, _data])
def test_tampered_copies_exit_1(data, tmp_path, tamper, capsys):
    bad = copy.deepcopy(data)
    tamper(bad)
    assert main(["certify", _write(tmp_path, bad)]) == 1
    out = capsys.readouterr().out
    assert "REFUTED" in out or "INCONCLUSIVE" in out


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["box"].pop("radius"), "box.radius"),
    (lambda d: d["box"].update(radius="-1e-15"), "box.radius"),
    (lambda d: d.update(kind="minimum"), "kind"),
    (lambda d: d.update(format="nfacheck-certificate/9"), "format"),
    (lambda d: d["claims"].update(unique_critical_point="yes"), "claims.unique_critical_point"),
    (lambda d: d["weights"][0].pop(), "weights[0]"),
    (lambda d: d.update(weight_decay="abc"), "weight_decay"),
])
def test_malformed_exit_2(data, tmp_path, edit, field, capsys):
    bad = copy.deepcopy(data)
    edit(bad)
    assert main(["certify", _write(tmp_path, bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and field in err


def test_kind_of_old_and_new_formats(data):
    assert certificate_kind({"format": "nfacheck-certificate/1"}) == "counterexample"
    assert certificate_kind(data) == "critical-point"
    with pytest.raises(CertificateError):
        certificate_kind({"format": "nfacheck-certificate/2"})


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus"])
def test_every_committed_weight_decay_certificate_holds(act):
    path = ROOT / "docs" / "certificates" / f"{act}-weight-decay-limit.json"
    cert = parse_critical(load_json(path)[0], str(path))
    assert cert.activation == act and cert.hessian_min_at_least > 0
    assert certify_critical(cert).status == "certified"
