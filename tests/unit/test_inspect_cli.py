"""`nfacheck inspect` end to end: formats, report, JSON, bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from nfacheck.cli import main
from nfacheck.io import LOCK_NAME

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    W = {"0.weight": rng.standard_normal((8, 5)).astype(np.float32) / 2,
         "2.weight": rng.standard_normal((6, 8)).astype(np.float32) / 3,
         "4.weight": rng.standard_normal((3, 6)).astype(np.float32) / 3}
    X = rng.standard_normal((60, 5)).astype(np.float32)
    Y = rng.standard_normal((60, 3)).astype(np.float32)
    save_file(W, str(tmp_path / "w.safetensors"))
    np.savez(tmp_path / "w.npz", **W)
    torch.save({k: torch.from_numpy(v) for k, v in W.items()}, tmp_path / "w.pt")
    np.savez(tmp_path / "data.npz", X=X, Y=Y)
    np.savetxt(tmp_path / "data.csv", X, delimiter=",")
    return tmp_path, W, X


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_three_weight_formats_give_the_same_numbers(files, capsys):
    d, _, _ = files
    got = []
    for name in ("w.safetensors", "w.npz", "w.pt"):
        status, out, _ = _run(capsys, "inspect", str(d / name), "--data", str(d / "data.npz"),
                              "--json")
        assert status == 0
        data = json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in --json output"))
        got.append([row["gram"]["cosine"] for row in data["layers"]])
    assert got[0] == got[1] == got[2]
    status, out, _ = _run(capsys, "inspect", str(d / "w.npz"), "--data", str(d / "data.csv"))
    assert status == 0 and "certified" in out


def test_report_and_weight_decay(files, capsys):
    d, _, _ = files
    rep = d / "rep"
    status, out, _ = _run(capsys, "inspect", str(d / "w.npz"), "--data", str(d / "data.npz"),
                          "--init", str(d / "w.npz"), "--weight-decay", "0.01",
                          "--report", str(rep), "--layers", "1", "3")
    assert status == 0, out
    names = sorted(p.name for p in rep.iterdir() if p.name != LOCK_NAME)
    assert names == ["inspect.json", "inspect.md", "layer1_heatmap.png", "layer3_heatmap.png",
                     "residual_vs_alpha.png"]
    data = json.loads((rep / "inspect.json").read_text())
    assert [r["layer"] for r in data["layers"]] == [1, 3]
    assert all("fact_residual" in r["fact"] for r in data["layers"])
    # init = trained weights: the init-subtracted matrix is 0 and its numbers are undefined
    assert data["layers"][0]["init_subtracted"]["cosine"] is None
    assert "| 1 | WᵀW |" in (rep / "inspect.md").read_text()


def _bad(tmp_path, capsys, argv, expect):
    rep = tmp_path / "never"
    status, out, err = _run(capsys, "inspect", *argv, "--report", str(rep))
    assert status == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nfacheck: error: "), err
    assert expect in lines[0], lines[0]
    assert not rep.exists() and out == ""


def test_bad_inputs_one_line_exit_2_nothing_written(files, capsys):
    d, W, X = files
    np.savez(d / "wide.npz", X=np.zeros((4, 7)))
    _bad(d, capsys, [str(d / "w.npz"), "--data", str(d / "wide.npz")],
         "wide.npz: X: data have 7 features but the first layer (0.weight) takes 5")
    np.savez(d / "conv.npz", conv=np.zeros((2, 1, 3, 3)), **W)
    _bad(d, capsys, [str(d / "conv.npz"), "--data", str(d / "data.npz")],
         "conv.npz: conv: a 4-D tensor of shape (2, 1, 3, 3) (a convolution?)")
    nan = dict(W)
    nan["2.weight"] = W["2.weight"].copy()
    nan["2.weight"][1, 2] = np.nan
    np.savez(d / "nan.npz", **nan)
    _bad(d, capsys, [str(d / "nan.npz"), "--data", str(d / "data.npz")],
         "nan.npz: 2.weight: non-finite value nan at index (1, 2)")
    np.savez(d / "chain.npz", **{"a": W["0.weight"], "b": W["4.weight"]})
    _bad(d, capsys, [str(d / "chain.npz"), "--data", str(d / "data.npz")],
         "chain.npz: b: layers do not chain: b takes 6 inputs but a gives 8 outputs")
    (d / "empty.csv").write_text("")
    _bad(d, capsys, [str(d / "w.npz"), "--data", str(d / "empty.csv")],
         "empty.csv: the file is empty")
    np.save(d / "none.npy", np.zeros((0, 5)))
    _bad(d, capsys, [str(d / "w.npz"), "--data", str(d / "none.npy")], "none.npy: X: no samples")
    torch.save(torch.nn.Linear(5, 3), d / "module.pt")  # a pickled module, not a state dict
    _bad(d, capsys, [str(d / "module.pt"), "--data", str(d / "data.npz")],
         "module.pt: not a PyTorch state dict")
    torch.save([torch.zeros(2, 2)], d / "list.pt")
    _bad(d, capsys, [str(d / "list.pt"), "--data", str(d / "data.npz")],
         "list.pt: expected a state dict of tensors, got list")
    np.savez(d / "bn.npz", **W, **{"bn.running_mean": np.zeros(8)})
    _bad(d, capsys, [str(d / "bn.npz"), "--data", str(d / "data.npz")],
         "bn.npz: bn.running_mean: a 1-D tensor that is not a layer's bias")
    _bad(d, capsys, [str(d / "missing.npz"), "--data", str(d / "data.npz")],
         "missing.npz: no such file")
    np.savez(d / "x_only.npz", X=X)
    _bad(d, capsys, [str(d / "w.npz"), "--data", str(d / "x_only.npz"), "--weight-decay", "0.1"],
         "--weight-decay needs targets")
    _bad(d, capsys, [str(d / "w.npz"), "--data", str(d / "data.npz"), "--activation", "gelu"],
         "unknown activation 'gelu'")


def test_safetensors_and_npz_need_no_torch(files):
    d, _, _ = files
    data = str(d / "data.npz")
    code = ("import sys; sys.modules['torch'] = None\n"
            "from nfacheck.cli import main\n"
            f"assert main(['inspect', {str(d / 'w.safetensors')!r}, '--data', {data!r}]) == 0\n"
            f"assert main(['inspect', {str(d / 'w.npz')!r}, '--data', {data!r}]) == 0\n"
            f"assert main(['inspect', {str(d / 'w.pt')!r}, '--data', {data!r}]) == 2\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "reading .pt needs torch" in out.stderr
