"""``nfacheck inspect`` against the deep-NFA code's ``egop`` approach, side by side (not a test).

The peer is an independent re-implementation of what the deep-NFA code (Beaglehole,
Radhakrishnan et al., ``aradha/deep_neural_feature_ansatz``) does per layer: the sub-network
from layer l on, its Jacobians w.r.t. the layer's input by ``torch.func.vmap(jacrev(...))`` on
batches of samples, G = Σ_i J_iᵀJ_i, and the cosine with WᵀW; run on CPU in float32 (their
dtype) and float64. nfacheck computes every layer in one batched forward/backward sweep in
float64, with the centered AGOPs, the residuals, alpha_fit and the certified bounds.

Each measurement runs in a fresh process; peak memory is the growth of the process's peak RSS
over its RSS just before the measured call. Results (Markdown rows) go to stdout, progress to
stderr.

Usage: ``python benchmarks/bench_inspect.py [--n 5000,20000,60000] [--widths 256,512,1024]
[--depth 3] [--peer-max-n 20000] [--target]`` (``--target`` adds the n = 60000, width 1024
runs at depth 3 and 8 for nfacheck alone).

``--certify-deep N,WIDTH,DEPTH[,KINKS]`` measures instead the certified bound of one deep net,
per layer, beside the float64 commutator bound: as inspect computes it (uncertain signs decided
in exact arithmetic where possible, the rest followed), with all uncertain units followed
(``resolve=0``), and with all of them carried norm-wise (``resolve=0, follow=0``); with KINKS,
that many samples are first moved onto a deep ReLU kink (to float64 resolution,
``tests/inspect_exact.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

D_IN, K_OUT = 784, 10  # MNIST-sized inputs, ten classes


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _make(n: int, width: int, depth: int, seed: int = 0):
    import torch

    torch.manual_seed(seed)
    dims = [D_IN] + [width] * (depth - 1) + [K_OUT]
    layers = []
    for i in range(depth):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1], bias=False))
        if i < depth - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    X = torch.rand(n, D_IN)
    return net, X


def peer_egop(net, X, dtype, bs: int = 500):
    """The deep-NFA approach: per layer, vmap(jacrev) of the sub-network, summed J^T J."""
    import torch
    from torch.func import jacrev, vmap

    net = net.to(dtype)
    feats = X.to(dtype)
    idx = [i for i, m in enumerate(net) if isinstance(m, torch.nn.Linear)]
    cosines = []
    for j in idx:
        sub = net[j:]
        G = 0
        for s in range(0, feats.shape[0], bs):
            J = vmap(jacrev(sub))(feats[s:s + bs]).detach()
            G = G + torch.einsum("nki,nkj->ij", J, J)
        W = net[j].weight.detach().double()
        M = W.T @ W
        G = G.double()
        cosines.append(float((M * G).sum() / (torch.linalg.norm(M) * torch.linalg.norm(G))))
        with torch.no_grad():
            feats = net[j:j + 2](feats) if j + 1 < len(net) else feats
    return cosines


def _certify_deep(spec: dict, net, X) -> dict:
    import torch

    from nfacheck.inspect import inspect

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from inspect_exact import near_kink

    Ws = [m.weight.detach().numpy() for m in net if isinstance(m, torch.nn.Linear)]
    Xn = X.numpy().astype("float64")
    if spec.get("kinks"):
        Xn = near_kink(Ws, Xn, spec["kinks"], seed=0)
    out = {}
    for name, kw in (("default", {}), ("followed", {"resolve": 0}),
                     ("normwise", {"resolve": 0, "follow": 0})):
        t = time.perf_counter()
        r = inspect(Ws, Xn, activation="relu", **kw)
        out[name] = {"seconds": time.perf_counter() - t,
                     "certified": [row["certified"]["gram"]["defect_lower"] for row in r.layers],
                     "resolved": [row["uncertain_resolved"] for row in r.layers],
                     "comm": [row["gram"]["commutator_bound"] for row in r.layers]}
    return {**spec, **out, "comm": out["default"]["comm"],
            "uncertain": [row["uncertain_signs"] for row in r.layers]}


def _child(spec: dict) -> dict:
    import torch

    torch.set_num_threads(2)
    net, X = _make(spec["n"], spec["width"], spec["depth"])
    if spec["tool"] == "certify":
        return _certify_deep(spec, net, X)
    if spec["tool"] == "nfacheck":
        import numpy as np

        from nfacheck.inspect import inspect

        Xn = X.numpy()
        Ws = [m.weight.detach().numpy() for m in net if isinstance(m, torch.nn.Linear)]
        base = _rss_mb()
        t = time.perf_counter()
        r = inspect(Ws, Xn, activation="relu", certify=not spec.get("no_certify"))
        dt = time.perf_counter() - t
        cos = [row["gram"]["cosine"] for row in r.layers]
        extra = {"certified": [row["certified"]["gram"]["defect_lower"] for row in r.layers]
                 if "certified" in r.layers[0] else None}
        del np
    else:
        dtype = torch.float32 if spec["tool"] == "peer32" else torch.float64
        base = _rss_mb()
        t = time.perf_counter()
        cos = peer_egop(net, X, dtype)
        dt = time.perf_counter() - t
        extra = {}
    return {**spec, "seconds": dt, "peak_mb": _peak_mb() - base, "cosines": cos, **extra}


def run(spec: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--n", default="5000,20000,60000")
    ap.add_argument("--widths", default="256,512,1024")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--peer-max-n", type=int, default=20000)
    ap.add_argument("--target", action="store_true")
    ap.add_argument("--certify-deep", metavar="N,WIDTH,DEPTH[,KINKS]")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(json.loads(a.child))))
        return
    if a.certify_deep:
        certify_deep(*[int(x) for x in a.certify_deep.split(",")])
        return
    ns = [int(x) for x in a.n.split(",") if x]
    widths = [int(x) for x in a.widths.split(",") if x]
    grid = [(n, widths[-1]) for n in ns] + [(ns[0], w) for w in widths[:-1]]
    print("| n | width | depth | tool | time (s) | peak memory (MB) | max |Δ cosine| vs nfacheck |")
    print("|---|---|---|---|---|---|---|")
    for n, w in grid:
        ref = None
        for tool in ("nfacheck", "peer32", "peer64"):
            if tool != "nfacheck" and n > a.peer_max_n:
                continue
            sys.stderr.write(f"bench_inspect: n={n} width={w} {tool}\n")
            r = run({"tool": tool, "n": n, "width": w, "depth": a.depth})
            if tool == "nfacheck":
                ref = r["cosines"]
                diff = "-"
            else:
                diff = f"{max(abs(x - y) for x, y in zip(r['cosines'], ref, strict=True)):.1e}"
            print(f"| {n} | {w} | {a.depth} | {tool} | {r['seconds']:.1f} | "
                  f"{r['peak_mb']:.0f} | {diff} |", flush=True)
    if a.target:
        for depth in (3, 8):
            sys.stderr.write(f"bench_inspect: target n=60000 width=1024 depth={depth}\n")
            r = run({"tool": "nfacheck", "n": 60000, "width": 1024, "depth": depth})
            cert = ", ".join(f"{c:.3g}" for c in r["certified"])
            print(f"| 60000 | 1024 | {depth} | nfacheck (certified: {cert}) | "
                  f"{r['seconds']:.1f} | {r['peak_mb']:.0f} | - |", flush=True)


def certify_deep(n: int, width: int, depth: int, kinks: int = 0) -> None:
    """Print, per layer, the certified bound: uncertain signs decided exactly where possible and
    the rest followed (the default), all followed, all norm-wise."""
    sys.stderr.write(f"bench_inspect: certify n={n} width={width} depth={depth} kinks={kinks}\n")
    r = run({"tool": "certify", "n": n, "width": width, "depth": depth, "kinks": kinks})
    print(f"n = {n}, width {width}, depth {depth}, {kinks} samples moved onto a kink; time: "
          + ", ".join(f"{k} {r[k]['seconds']:.1f} s" for k in ("default", "followed", "normwise")))
    print("| layer | uncertain signs (decided exactly) | commutator bound (float64) | certified | "
          "certified, followed (resolve=0) | certified, norm-wise (resolve=0, follow=0) |")
    print("|---|---|---|---|---|---|")
    for i, c in enumerate(r["comm"]):
        print(f"| {i + 1} | {r['uncertain'][i]} ({r['default']['resolved'][i]}) | {c:.4g} | "
              + " | ".join(f"{r[k]['certified'][i]:.4g}" for k in ("default", "followed",
                                                                 "normwise")) + " |", flush=True)


if __name__ == "__main__":
    main()
