"""Float64 experiments: discrete training of deep linear and nonlinear nets, sweeps and figures.

Modules: ``models`` (forward, gradients, AGOP), ``inits``, ``optimizers`` (gd, sgd, momentum,
adam, adamw), ``metrics64`` (the NFA metrics, same definitions as ``nfacheck.numeric.metrics``),
``train`` (one run), ``laws`` (imbalance drift and decay), ``grid`` (quick/full/TOML grids,
parallel and resumable), ``figures``, ``suite`` (results.json + figures) and ``check`` (the
``nfacheck check`` stage). This path is approximate by design; nothing here is a proof.
"""
