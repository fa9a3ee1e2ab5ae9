"""``integrate(..., workers=N)``: the samples split across processes give the serial answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from fractions import Fraction as Fr

import mpmath
import pytest
from helpers import trajectory_max_diff

from nfacheck.errors import UsageError
from nfacheck.numeric.integrate import integrate
from nfacheck.numeric.parallel import SamplePool, split_samples
from nfacheck.problem import Problem


def net(activation: str, n: int = 5, dps: int = 30, times=(Fr(1, 4), Fr(1, 2))) -> Problem:
    """widths [2, 3, 2, 1], n samples, lambda = 1/50: every layer kind is exercised."""
    X = tuple(tuple(Fr((3 * i + 5 * j) % 7 - 3, 4) for j in range(n)) for i in range(2))
    Y = (tuple(Fr((2 * j) % 5 - 2, 3) for j in range(n)),)
    W1 = ((Fr(1, 2), Fr(-1, 3)), (Fr(1, 4), Fr(1, 5)), (Fr(-1, 2), Fr(1)))
    W2 = ((Fr(1, 3), Fr(-1, 2), Fr(1, 5)), (Fr(1, 7), Fr(1, 2), Fr(-1, 4)))
    W3 = ((Fr(1), Fr(-1, 2)),)
    return Problem(
        widths=(2, 3, 2, 1),
        activation=activation,
        X=X,
        Y=Y,
        weights=(W1, W2, W3),
        weight_decay=Fr(1, 50),
        times=times,
        dps=dps,
    )


def test_split_samples_covers_every_column_once():
    assert split_samples(5, 2) == [range(0, 3), range(3, 5)]
    assert split_samples(2, 4) == [range(0, 1), range(1, 2)]  # at most one block per sample
    for n, b in [(1, 1), (7, 3), (16, 2), (32, 5)]:
        cols = [j for r in split_samples(n, b) for j in r]
        assert cols == list(range(n))


@pytest.mark.parametrize(
    ("activation", "backend"),
    [
        ("tanh", "python"),
        ("linear", "python"),
        ("tanh", "flint"),
        ("sigmoid", "flint"),
        ("softplus", "numpy"),
        ("tanh", "numpy"),
    ],
)
def test_parallel_agrees_with_serial(activation, backend):
    if backend == "flint":
        pytest.importorskip("flint")
    p = net(activation)
    serial = integrate(p, backend=backend)
    par = integrate(p, backend=backend, workers=2)
    assert serial.workers == 1 and par.workers == 2
    assert par.status == serial.status == "success"
    assert par.times_exact == serial.times_exact
    diff = trajectory_max_diff(serial, par, p.dps)
    if backend in ("python", "numpy"):  # integer sums over sample blocks are exact: same bits
        assert diff == 0 and par.steps == serial.steps
        assert par.losses == serial.losses
    assert diff <= mpmath.mpf(10) ** -(p.dps - 2)


def test_parallel_solution_is_right_not_just_equal():
    """Against an independent closed form: a balanced scalar chain (logistic), n = 3 copies of
    the same sample so the split is real; negative control: a shifted answer is rejected."""
    p = Problem(
        widths=(1, 1, 1),
        activation="linear",
        X=((Fr(1), Fr(1), Fr(1)),),
        Y=((Fr(2), Fr(2), Fr(2)),),
        weights=(((Fr(1, 10),),), ((Fr(1, 10),),)),
        weight_decay=Fr(0),
        times=(Fr(1),),
        dps=30,
    )
    tr = integrate(p, workers=2)
    assert tr.workers == 2
    with mpmath.workdps(40):
        u0, s, t = mpmath.mpf(1) / 100, 2, 1
        e = mpmath.exp(2 * s * t)
        exact = mpmath.sqrt(s * u0 * e / (s + u0 * (e - 1)))
        got = tr.weights[-1][0][0, 0]
        assert abs(got - exact) / exact < mpmath.mpf(10) ** -28
        assert abs(got - exact * (1 + mpmath.mpf(10) ** -20)) / exact > mpmath.mpf(10) ** -28


def test_relu_and_single_sample_run_serially():
    relu = net("relu", times=(Fr(1, 8),))
    assert integrate(relu, workers=2).workers == 1  # event location needs the hidden series
    one = net("tanh", n=1, times=(Fr(1, 8),))
    assert integrate(one, workers=2).workers == 1
    assert integrate(net("tanh", n=3, times=(Fr(1, 8),)), workers=8).workers == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_workers(bad):
    with pytest.raises(UsageError):
        integrate(net("tanh"), workers=bad)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pool_stops_its_workers_on_close_and_on_error():
    from nfacheck.numeric.flowfield import NetworkField

    p = net("tanh")
    field = NetworkField(p.widths, "tanh", {}, p.X, p.Y, p.weight_decay, 120)
    with SamplePool(field, p.X, p.Y, 3) as pool:
        procs = list(pool._procs)
        assert len(procs) == 2 and all(proc.poll() is None for proc in procs)
        assert field.pool is pool
    assert field.pool is None
    assert all(proc.poll() == 0 for proc in procs)  # asked to stop, exited cleanly
    # an exception inside the with block terminates the workers too
    with pytest.raises(KeyError), SamplePool(field, p.X, p.Y, 2) as pool:
        procs = list(pool._procs)
        raise KeyError("boom")
    assert all(proc.poll() is not None for proc in procs)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_leaves_no_worker_behind(tmp_path):
    """SIGINT to the parent mid-integration: KeyboardInterrupt, and no worker survives."""
    script = tmp_path / "run.py"
    pids = tmp_path / "pids"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            from fractions import Fraction as Fr
            from nfacheck.numeric import parallel
            sys.path.insert(0, {str(os.path.dirname(__file__))!r})
            sys.path.insert(0, {str(os.path.dirname(os.path.dirname(__file__)))!r})  # helpers
            from test_integrate_parallel import net
            from nfacheck.numeric.integrate import integrate

            orig = parallel.SamplePool._start
            def start(self, spec, cols):
                orig(self, spec, cols)
                with open({str(pids)!r}, "a") as f:
                    f.write(f"{{self._procs[-1].pid}}\\n")
            parallel.SamplePool._start = start
            try:
                integrate(net("tanh", n=6, dps=60, times=(Fr(1000),)), workers=3)
            except KeyboardInterrupt:
                print("interrupted")
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not pids.exists() or len(pids.read_text().split()) < 2):
        time.sleep(0.1)
    time.sleep(1.0)  # let it get into the expansion loop
    worker_pids = [int(x) for x in pids.read_text().split()]
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert "interrupted" in out
    time.sleep(0.2)
    assert all(not _alive(pid) for pid in worker_pids)
