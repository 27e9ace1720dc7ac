"""Numba kernels: the only place numba is imported.

Kernels take arrays, trust their inputs, and state in their docstring what they modify in
place.  Validation and dtype/order conversion happen once, in Python, before they are called.
"""
