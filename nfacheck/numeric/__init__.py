"""Numeric engine: network models, integrators and metrics at arbitrary precision (no SymPy).

Submodules are imported on use (nothing is imported here, so the CLI starts fast):
``convert`` (exact numbers into and out of an mpmath context), ``activation_eval``
(activations and derivatives in ``mp``/``iv``), ``network`` (forward, loss, gradients,
Jacobian, AGOP, Gram, imbalances against a context), ``linalg`` and ``metrics`` (the NFA
residuals), the integrator modules and ``verify``.
"""
