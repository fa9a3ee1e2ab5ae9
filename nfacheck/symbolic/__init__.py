"""SymPy-only proof machinery (never imports :mod:`nfacheck.numeric`).

- :mod:`.freealg` — noncommutative matrix polynomials (letters of symbolic shape, symbolic
  powers, canonical traces, derivatives along a flow);
- :mod:`.kernel` — the proof kernel, the only code that creates a proved ``Theorem``;
  :mod:`.tactics` — untrusted helpers chaining kernel rules; :mod:`.printing` — LaTeX of kernel
  propositions and derivations;
- :mod:`.crosscheck` — explicit evaluation and random instances (they can only refute);
- :mod:`.explicit`, :mod:`.linnet`, :mod:`.instances` — the explicit-instance and
  random-rational layers (exact matrices over rationals or polynomial rings);
- :mod:`.deeplinear` — the deep-linear lemmas for every depth; :mod:`.lemmas` — cited analytic
  lemmas with numeric spot checks;
- :mod:`.pointwise`, :mod:`.spectral` — scalar-function and spectral tools used by the
  neuronwise, commutator and FACT theorems.
"""
