"""Numeric engine: network models, integrators and metrics at arbitrary precision (no SymPy).

Submodules are imported on use; ``network`` holds the model written against an mpmath context.
"""
