"""certify: rigorous bounds that enclose an independent mp computation; tampering is caught."""

import copy
import json
from fractions import Fraction

import pytest
from helpers import HAND_CERTIFICATE
from mpmath import mp

from nfacheck.cli import main
from nfacheck.errors import CertificateError
from nfacheck.numeric.network import agop, data_loss, gram
from nfacheck.search.arith import ExactBackend, IntervalBackend, iv_precision
from nfacheck.search.certificate import exact_str, parse_certificate
from nfacheck.search.certify import _spectral_bounds, certify, quantities
from nfacheck.search.check import tampered_copies
from nfacheck.search.search import search

HAND = HAND_CERTIFICATE


@pytest.fixture(scope="module")
def found():
    return {a: search(a, seed=1, candidates=100).certificate
            for a in ("relu", "leaky_relu", "tanh", "sigmoid", "softplus")}


def _mp_reference(cert, dps=60):
    """The same figures through the numeric engine (mp, float-free), not through certify."""
    params = {"slope": cert.slope} if cert.activation == "leaky_relu" else None
    with mp.workdps(dps):
        W = [list(map(list, w)) for w in cert.weights]
        X, Y = list(map(list, cert.X)), list(map(list, cert.Y))
        G = agop(W, X, cert.activation, params, mp)
        M = gram(W, mp)
        loss = data_loss(W, X, Y, cert.activation, params, mp)
        C = M * G - G * M
        g2 = max(mp.eigsy(G, eigvals_only=True))
        bound = mp.mnorm(C, "f") / (2 * g2 * mp.mnorm(M, "f"))
        return loss, bound, M, G


def _fraction(x):
    """The exact binary value of an mp number (no re-rounding to the default precision)."""
    man, exp = x.man_exp
    return Fraction(int(man)) * Fraction(2) ** int(exp)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "softplus"])
def test_bounds_enclose_the_mp_computation(found, activation):
    cert = parse_certificate(found[activation])
    result = certify(cert)
    assert result.status == "certified"
    loss_mp, bound_mp, _, _ = _mp_reference(cert)
    lo, hi = result.main.defect
    tol = Fraction(1, 10**40)
    assert lo - tol <= _fraction(bound_mp) <= hi + tol
    assert hi - lo < Fraction(1, 10**9)
    llo, lhi = result.main.loss
    assert llo - tol <= _fraction(loss_mp) <= lhi + tol


def test_exact_and_interval_backends_agree_on_relu(found):
    cert = parse_certificate(found["relu"])
    exact = quantities(cert, cert.weights, ExactBackend())
    with iv_precision(60):
        inter = quantities(cert, cert.weights, IntervalBackend(60))
    assert exact.commutator_sq[0] == exact.commutator_sq[1]  # exact: a single rational
    assert inter.commutator_sq[0] <= exact.commutator_sq[0] <= inter.commutator_sq[1]
    assert inter.gram_sq[0] <= exact.gram_sq[0] <= inter.gram_sq[1]
    assert inter.loss[0] <= exact.loss[0] <= inter.loss[1]
    assert abs(inter.defect[0] - exact.defect[0]) < Fraction(1, 10**9)


def test_commutator_bound_is_below_the_residual_for_every_c_and_alpha(found):
    cert = parse_certificate(found["tanh"])
    lower = certify(cert).main.defect[0]
    _, _, M, G = _mp_reference(cert, 40)
    with mp.workdps(40):
        ev, Q = mp.eigsy(G)
        for alpha in (mp.mpf(k) / 8 for k in range(1, 25)):
            D = mp.diag([max(e, 0) ** alpha for e in ev])
            Ga = Q * D * Q.T
            c = sum(M[i, j] * Ga[i, j] for i in range(M.rows) for j in range(M.cols)) / (
                mp.mnorm(Ga, "f") ** 2)  # the best c in closed form
            resid = mp.mnorm(M - c * Ga, "f") / mp.mnorm(M, "f")
            assert _fraction(resid) >= lower


def test_hand_example_exact_value():
    result = certify(parse_certificate(HAND))
    assert result.status == "certified"
    assert result.main.loss == (0, 0)
    # M = [[2, 1], [1, 1]], G = e1 e1^T: ||[M,G]||_F = sqrt(2), ||M||_F = sqrt(7), ||G||_2 = 1
    lo, hi = result.main.defect
    assert lo <= Fraction(1, 1) and lo ** 2 <= Fraction(2, 4 * 7) <= hi ** 2
    assert result.main.commutator_sq == (2, 2) and result.main.gram_sq == (7, 7)


def test_spectral_bounds():
    b = ExactBackend()
    g = [[Fraction(3), Fraction(1)], [Fraction(1), Fraction(3)]]
    lo, hi = _spectral_bounds(b, g)
    assert lo <= 4 <= hi and hi - lo < Fraction(1, 10**9)
    assert _spectral_bounds(b, [[Fraction(0)] * 2] * 2) == (0, 0)
    with iv_precision(50):
        ib = IntervalBackend(50)
        lo, hi = _spectral_bounds(ib, [[ib.const(x) for x in r] for r in g])
    assert lo <= 4 <= hi


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return str(p)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_tampered_copies_fail_with_the_right_status(found, activation, tmp_path, capsys):
    path = _write(tmp_path, "c.json", found[activation])
    assert main(["certify", path]) == 0
    capsys.readouterr()
    for name, (data, want, field) in tampered_copies(found[activation]).items():
        p = _write(tmp_path, name.replace(" ", "_") + ".json", data)
        assert main(["certify", p]) == want, name
        cap = capsys.readouterr()
        if want == 1:
            assert field in cap.out and ("refuted" in cap.out), name
        else:
            lines = cap.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"nfacheck: error: {p}: {field}")


def test_refusal_message_names_the_kink(tmp_path, capsys):
    data = copy.deepcopy(HAND)
    data["data"]["X"] = [["1", "0", "1"], ["1", "5", "3"]]  # unit 1 sees 0 at sample 2
    p = _write(tmp_path, "k.json", data)
    assert main(["certify", p]) == 2
    err = capsys.readouterr().err
    assert "weights[0][0]" in err and "sample 2" in err and "kink" in err
    with pytest.raises(CertificateError):
        certify(parse_certificate(data))


def test_json_output_and_refuted_values(tmp_path, capsys):
    data = copy.deepcopy(HAND)
    data["claims"]["defect_at_least"] = "0.999"
    assert main(["certify", _write(tmp_path, "d.json", data), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "refuted"
    bad = [c for c in doc["claims"] if c["verdict"] != "holds"]
    assert [c["claim"] for c in bad] == ["claims.defect_at_least"]
    assert Fraction(bad[0]["upper"]) < Fraction(999, 1000)


def test_undecidable_claims_are_inconclusive():
    cert = parse_certificate(HAND)
    lo, hi = certify(cert).main.defect
    assert lo < hi
    data = copy.deepcopy(HAND)
    data["claims"]["defect_at_least"] = exact_str((lo + hi) / 2)
    result = certify(parse_certificate(data))
    assert result.status == "inconclusive" and result.exit_status == 1


def test_overclaimed_family_orders_and_dead_network(found):
    data = copy.deepcopy(found["relu"])
    data["family"]["loss_orders_at_least"] = "20"
    result = certify(parse_certificate(data))
    assert [c.name for c in result.failed()] == ["family.loss_orders_at_least"]
    dead = copy.deepcopy(HAND)
    dead["weights"][0] = [["-1", "0"], ["-1", "-1"]]  # every unit dead: G = 0
    dead["data"]["Y"] = [["0", "0", "0"]]
    result = certify(parse_certificate(dead))
    assert result.main.agop_norm == (0, 0)
    assert result.status != "certified"


@pytest.mark.parametrize("activation", ["leaky_relu", "tanh"])
def test_deeper_networks_match_the_mp_engine(activation):
    data = {
        "format": "nfacheck-certificate/1",
        "network": {"widths": [2, 3, 2, 1], "activation": activation, "slope": "1/10"},
        "data": {"X": [["0.5", "-1", "0.3"], ["1", "0.2", "-0.7"]], "Y": [["0", "0", "0"]]},
        "weights": [
            [["0.3", "-0.2"], ["1/3", "0.5"], ["-0.9", "0.4"]],
            [["0.7", "-0.1", "0.2"], ["0.25", "0.6", "-0.3"]],
            [["1.5", "-0.8"]],
        ],
        "claims": {"loss_at_most": "10", "defect_at_least": "0"},
    }
    cert = parse_certificate(data)
    result = certify(cert)
    assert result.status == "certified"
    loss_mp, bound_mp, _, _ = _mp_reference(cert)
    lo, hi = result.main.defect
    tol = Fraction(1, 10**40)
    assert lo - tol <= _fraction(bound_mp) <= hi + tol and hi - lo < Fraction(1, 10**9)
    assert result.main.loss[0] - tol <= _fraction(loss_mp) <= result.main.loss[1] + tol


def test_certify_rejects_a_tiny_dps(tmp_path, capsys):
    p = _write(tmp_path, "c.json", HAND)
    with pytest.raises(SystemExit) as info:  # refused by the option parser, before reading
        main(["certify", p, "--dps", "5"])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("nfacheck: error: argument --dps: ")
