"""nfacheck.cli._output: progress on stderr (quiet for short runs, heartbeat lines in a file)."""

from __future__ import annotations

import json
import time

from helpers import HAND_CERTIFICATE

from nfacheck.cli import _output, main


def test_progress_lines_in_a_file_and_the_eta_after_a_resume(monkeypatch, capsys):
    monkeypatch.setenv("NFACHECK_PROGRESS_EVERY", "1000")  # the heartbeat thread stays asleep
    bar = _output.Progress(100, "experiments", done=50, unit="runs")
    bar._clock = lambda: 10.0
    bar._t0 = 0.0
    bar.update(10)  # 10 new runs in 10 s: 40 left -> about 40 s, not 8 s
    bar.heartbeat()
    bar.set(61, "run 62")  # a named step is reported at once, once started
    bar.close()
    bar.heartbeat()  # nothing after close
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "nfacheck: experiments: started (100 runs, 50 already done)",
        "nfacheck: experiments: 60% (60/100 runs), 10 s elapsed, about 40 s left",
        "nfacheck: experiments: 61% (61/100 runs), 10 s elapsed, about 35 s left; now run 62",
    ]


def test_a_short_run_prints_no_progress(monkeypatch, capsys):
    monkeypatch.setenv("NFACHECK_PROGRESS_EVERY", "10")
    with _output.Progress(3, "certify x", unit="steps") as bar:
        for k in range(3):
            bar.set(k, f"step {k}")
    time.sleep(0.05)
    assert capsys.readouterr().err == ""


def test_the_heartbeat_reports_during_one_long_step(monkeypatch, capsys):
    monkeypatch.setenv("NFACHECK_PROGRESS_EVERY", "0.05")
    with _output.Progress(2, "limit", unit="steps") as bar:
        bar.set(0, "a long step")
        deadline = time.monotonic() + 20
        while capsys.readouterr().err.count("now a long step") < 1:
            assert time.monotonic() < deadline, "no heartbeat line within 20 s"
            time.sleep(0.02)
    # the position never moved: the lines are the heartbeat's, not the caller's


def test_certify_reports_each_step_of_a_critical_point_certificate(monkeypatch, capsys):
    from nfacheck.search.critical import CRITICAL_STEPS

    monkeypatch.setattr(_output, "PROGRESS_QUIET", 0.0)  # report from the start
    monkeypatch.setenv("NFACHECK_PROGRESS_EVERY", "1000")
    assert main(["certify", "docs/certificates/tanh-weight-decay-limit.json"]) == 0
    err = capsys.readouterr().err
    assert "started (6 steps)" in err
    for k, step in enumerate(CRITICAL_STEPS):
        assert f"({k}/6 steps)" in err and step.split(" (")[0] in err


def test_certify_reports_each_weight_set(monkeypatch, capsys, tmp_path):
    from nfacheck.search.certificate import parse_certificate
    from nfacheck.search.certify import certify, network_count

    cert = HAND_CERTIFICATE
    parsed = parse_certificate(cert, "c.json")
    seen = []
    certify(parsed, progress=lambda done, what: seen.append((done, what)))
    assert network_count(parsed) == 1 and seen == [(0, "weights"), (1, "")]
    monkeypatch.setattr(_output, "PROGRESS_QUIET", 0.0)
    monkeypatch.setenv("NFACHECK_PROGRESS_EVERY", "1000")
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cert))
    assert main(["certify", str(path)]) == 0
    err = capsys.readouterr().err
    assert "started (1 weight sets)" in err and "now weights" in err
