"""Nonlinear NFA counterexamples: the seeded search, certificates, and rigorous certification.

Modules: ``families`` (constructions), ``training`` (networks reached by gradient descent),
``search`` (the seeded search), ``certificate`` (the JSON format), ``arith`` (exact and interval
arithmetic), ``certify`` (rigorous re-derivation of the claims), ``check`` (the ``nfacheck check``
stage). Nothing is imported here so that ``import nfacheck.search.certificate`` stays light.
"""
