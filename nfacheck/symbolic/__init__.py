"""SymPy-only proof machinery (never imports :mod:`nfacheck.numeric`).

- :mod:`.freealg` — noncommutative matrix polynomials (letters of symbolic shape, symbolic
  powers, canonical traces, derivatives along a flow);
- :mod:`.rules` — proved identities and hypotheses as subword rewrite rules;
- :mod:`.proof` — checked equalities, calculation chains, induction, explicit evaluation;
- :mod:`.explicit`, :mod:`.linnet`, :mod:`.instances` — the explicit-instance and
  random-rational layers (exact matrices over rationals or polynomial rings);
- :mod:`.deeplinear` — the deep-linear lemmas for every depth; :mod:`.lemmas` — cited analytic
  lemmas with numeric spot checks;
- :mod:`.pointwise`, :mod:`.spectral` — scalar-function and spectral tools used by the
  neuronwise, commutator and FACT theorems.
"""
