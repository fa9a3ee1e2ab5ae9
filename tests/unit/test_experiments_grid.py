"""Training claims, grids, grid files, resuming, the CLI and the check stage of experiments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nfacheck.cli import main
from nfacheck.errors import InputError, UsageError
from nfacheck.experiments import grid as gridmod
from nfacheck.experiments.grid import load_grid, product_grid, quick_grid, read_store, run_grid
from nfacheck.experiments.train import run_config, train


def test_gd_balanced_alpha_fit_is_one_over_depth_and_gaussian_is_not():
    for L in (2, 3, 4):
        ok = train(run_config(depth=L, steps=2000))
        assert ok.status == "ok" and ok.final["loss"] < 1e-12
        assert abs(ok.final["alpha_fit"] - 1 / L) <= 0.02
        # control: a Gaussian init with λ = 0 keeps its imbalance and misses 1/L
        bad = train(run_config(depth=L, steps=2000, init="gaussian"))
        assert abs(bad.final["alpha_fit"] - 1 / L) > 0.02


def test_weight_decay_makes_the_residual_decay_from_an_unbalanced_init():
    dec = train(run_config(depth=2, init="gaussian", weight_decay=0.05, steps=2000))
    assert dec.final["nfa_residual"] < 0.1 * dec.history[0]["nfa_residual"]
    still = train(run_config(depth=2, init="gaussian", steps=2000))
    assert still.final["nfa_residual"] > 0.5 * still.history[0]["nfa_residual"]


def test_divergence_is_reported_not_raised():
    r = train(run_config(depth=4, init="gaussian", init_scale=2.0, lr=0.5, steps=50))
    assert r.status == "diverged" and r.final["alpha_fit"] is None


def test_quick_and_full_grids():
    q = quick_grid()
    assert 20 <= len(q) <= 40
    assert {c.optimizer for c in q} == {"gd", "sgd", "momentum", "adam", "adamw"}
    full = gridmod.full_grid()
    assert {c.depth for c in full} == {2, 3, 4, 5, 6}
    assert {c.init for c in full} == {"balanced", "gaussian", "orthogonal", "small"}
    assert len({c.init_scale for c in full if c.init == "gaussian"}) >= 3
    assert len({c.weight_decay for c in full}) >= 3 and 0.0 in {c.weight_decay for c in full}
    assert len({c.key() for c in full}) == len(full)


GRID = """
[grid]
optimizers = ["gd", "adamw"]
depths = [2]
inits = ["balanced", {name = "gaussian", scale = "1/2"}]
weight_decays = [0, 0.01]
lr = {gd = 0.02, adamw = "1/500"}
steps = 30
"""


def test_load_grid_reads_exact_numbers_and_converts_to_float(tmp_path):
    p = tmp_path / "g.toml"
    p.write_text(GRID)
    cfgs = load_grid(p)
    assert len(cfgs) == 2 * 2 * 2
    assert {c.lr for c in cfgs} == {0.02, 0.002}
    assert {c.init_scale for c in cfgs} == {1.0, 0.5}
    assert all(isinstance(c.weight_decay, float) for c in cfgs)


@pytest.mark.parametrize(
    "text, field",
    [
        ("[grid]\noptimizers = ['sgdx']\n", "grid.optimizers"),
        ("[grid]\ndepths = [2.5]\n", "grid.depths[0]"),
        ("[grid]\ndepths = [0]\n", "grid.depths"),
        ("[grid]\nwidth = true\n", "grid.width"),
        ("[grid]\nspeed = 3\n", "grid.speed"),
        ("[grid]\nweight_decays = ['-1']\n", "grid.weight_decays"),
        ("[grid]\nlr = {rmsprop = 0.1}\n", "grid.lr.rmsprop"),
        ("[grid]\ninits = [{name = 'gaussian', size = 2}]\n", "grid.inits[0]"),
        ("[other]\n", "other"),
    ],
)
def test_grid_file_errors_name_the_field(tmp_path, text, field):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(InputError) as info:
        load_grid(p)
    assert str(info.value).startswith(f"{p}: {field}")


def _tiny(n=2):
    return product_grid(("gd",), (2,), seeds=tuple(range(n)), steps=20)


def test_run_grid_resumes_and_skips_a_torn_line(tmp_path, monkeypatch):
    cfgs = _tiny(2)
    first = run_grid(cfgs[:1], tmp_path)
    with open(tmp_path / gridmod.STORE_NAME, "a") as fh:
        fh.write('{"optimizer": "gd", "dep')  # a write cut short by a kill
    calls = []
    real = gridmod._run_json
    monkeypatch.setattr(gridmod, "_run_json", lambda c: calls.append(c) or real(c))
    runs = run_grid(cfgs, tmp_path)
    assert len(calls) == 1 and calls[0] == cfgs[1]  # only the missing run was computed
    assert runs[0] == first[0] and len(read_store(tmp_path / gridmod.STORE_NAME)) == 2
    calls.clear()
    run_grid(cfgs, tmp_path)
    assert calls == []


def test_run_grid_with_worker_processes(tmp_path):
    runs = run_grid(_tiny(3), tmp_path, workers=2)
    assert [r["seed"] for r in runs] == [0, 1, 2]
    assert all(r["status"] == "ok" for r in runs)


def test_scheduler_without_dask_is_a_clear_usage_error(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if the extra were absent
    with pytest.raises(UsageError, match=r"nfacheck\[cluster\]"):
        run_grid(_tiny(1), tmp_path, scheduler="tcp://127.0.0.1:1")


def test_cli_with_a_config_writes_results_and_figures(tmp_path, capsys):
    cfg = tmp_path / "g.toml"
    cfg.write_text(GRID)
    out = tmp_path / "out"
    assert main(["experiments", "--config", str(cfg), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    data = json.loads((out / "results.json").read_text())
    assert len(data["runs"]) == 8 and summary["n_runs"] == 8
    need = {"optimizer", "depth", "activation", "init", "weight_decay", "lr", "seed", "steps",
            "final_loss", "alpha_fit", "nfa_residual", "imbalance"}
    assert all(need <= set(r) for r in data["runs"])
    assert data["provenance"]["grid"].startswith("config:")
    assert len(data["provenance"]["config_sha256"]) == 64
    for name in data["provenance"]["figures"]:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert summary["drift_slopes"]["gd linear"] == pytest.approx(2.0, abs=0.05)


def test_cli_table_and_bad_input(tmp_path, capsys):
    cfg = tmp_path / "g.toml"
    cfg.write_text("[grid]\ndepths = [2, 3]\nsteps = 20\n")
    assert main(["experiments", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "depth" in text and "gd" in text and "1/2" in text and "1/3" in text
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\noptimizers = ['nope']\n")
    assert main(["experiments", "--config", str(bad), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"nfacheck: error: {bad}: grid.optimizers")
    with pytest.raises(SystemExit) as stop:  # refused by the option parser
        main(["experiments", "--workers", "0"])
    assert stop.value.code == 2
    assert main(["experiments", "--out", str(tmp_path / "o3")]) == 2  # which grid? (not full)
    assert "--full (4800 runs" in capsys.readouterr().err and not (tmp_path / "o3").exists()


def _small_check_grid(quick):
    """The check stage's claims on fewer runs (the full quick stage runs in `nfacheck check`)."""
    return (product_grid(("gd",), (2, 3), steps=2000)
            + product_grid(("gd",), (2, 3), inits=(("gaussian", 1.0),), steps=2000)
            + product_grid(("gd",), (2,), inits=(("gaussian", 1.0),), weight_decays=(0.05,),
                           steps=2000)
            + product_grid(("gd",), (2,), activations=("relu", "tanh"), steps=2000))


@pytest.mark.slow
def test_check_stage_rows_hold_with_controls(tmp_path, monkeypatch):
    from nfacheck.experiments import check

    monkeypatch.setattr(check, "check_grid", _small_check_grid)
    got = list(check.rows(quick=True, workdir=tmp_path))
    assert len(got) == 6 and all(r.section == "experiments" for r in got)
    assert all(r.ok and r.status == "confirmed" for r in got), [
        (r.name, r.status, r.controls) for r in got if not r.ok]
    assert (tmp_path / "results.json").exists()
    assert all(Path(p).exists() for p in got[0].details["figures"])


def test_run_grid_on_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        runs = run_grid(_tiny(2), tmp_path, scheduler=cluster.scheduler_address)
    assert [r["seed"] for r in runs] == [0, 1] and all(r["status"] == "ok" for r in runs)
    assert len(read_store(tmp_path / gridmod.STORE_NAME)) == 2


def test_the_grid_file_in_the_docs_loads(tmp_path):
    text = (Path(__file__).parents[2] / "docs" / "experiments.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    p = tmp_path / "docs-grid.toml"
    p.write_text(block)
    cfgs = load_grid(p)
    assert len(cfgs) == 2 * 3 * 2 * 2 * 2 * 2
    assert {c.lr for c in cfgs if c.optimizer == "adam"} == {0.002}


@pytest.mark.slow
def test_ctrl_c_stops_the_worker_pool_and_keeps_finished_runs(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    cfg = tmp_path / "long.toml"
    cfg.write_text("[grid]\ndepths = [2]\nseeds = [0, 1, 2, 3, 4, 5, 6, 7]\nsteps = 20000\n")
    out = tmp_path / "out"
    code = ("from nfacheck.cli import main; raise SystemExit(main(['experiments', '--config', "
            f"{str(cfg)!r}, '--out', {str(out)!r}, '--workers', '2']))")
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)
    store = out / gridmod.STORE_NAME
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (store.exists() and store.read_text()):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(timeout=30)  # a pool that waits for its workers would hang here
    finally:
        proc.kill()
    assert status == 130 and b"interrupted" in proc.stderr.read()
    kept = read_store(store)
    assert 1 <= len(kept) < 8
    assert not (out / "results.json").exists()
