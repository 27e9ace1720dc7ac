"""Scalar building blocks shared by every coordinate-descent kernel.

The separable penalty of one coordinate is

.. math:: g_j(w) = a_j |w| + \\frac{b_j}{2} w^2 + \\iota_{[l_j, u_j]}(w),

with ``a_j, b_j >= 0`` and ``l_j <= 0 <= u_j``.  Every function here trusts its inputs.
"""

import numpy as np
from numba import njit

ZERO_SLACK = 1e-13


@njit(cache=True, inline="always")
def prox_coord(v, lip, a, b, lo, hi):
    """Minimiser of ``lip/2 (w - v/lip)^2 + g(w)``; ``v = lip * w_old + corr``.

    The constrained minimiser of a one-dimensional convex function is the clip of
    its unconstrained minimiser, so the bounds are applied last.  ``|v|`` within a relative
    ``ZERO_SLACK`` of ``a`` counts as ``a``: such a coordinate is zero up to the rounding of
    ``v`` (without the slack, the feature attaining ``alpha_max`` came out as ``1e-17``).
    """
    t = a * (1.0 + ZERO_SLACK)
    if v > t:
        w = (v - a) / (lip + b)
    elif v < -t:
        w = (v + a) / (lip + b)
    else:
        w = 0.0
    if w > hi:
        w = hi
    elif w < lo:
        w = lo
    return w


@njit(cache=True, inline="always")
def kkt_coord(w, corr, a, b, lo, hi):
    """Distance of ``corr = -grad_j`` to the subdifferential of ``g_j`` at ``w``.

    Zero exactly when coordinate ``j`` satisfies its optimality condition.
    """
    if w > 0.0:
        t = corr - a - b * w  # want t == 0, or t >= 0 when the upper bound is active
        if w >= hi and t > 0.0:
            return 0.0
        return abs(t)
    if w < 0.0:
        t = corr + a - b * w
        if w <= lo and t < 0.0:
            return 0.0
        return abs(t)
    # w == 0: need corr in [-a, a], widened by the normal cone of an active bound
    if corr > a:
        return 0.0 if hi <= 0.0 else corr - a
    if corr < -a:
        return 0.0 if lo >= 0.0 else -a - corr
    return 0.0


@njit(cache=True, inline="always")
def penalty_coord(w, a, b):
    """Value of ``a|w| + b/2 w^2`` (bounds are assumed satisfied)."""
    return a * abs(w) + 0.5 * b * w * w


@njit(cache=True, inline="always")
def conj_coord(s, a, b, lo, hi):
    """Fenchel conjugate ``g^*(s) = sup_{lo <= w <= hi} s w - a|w| - b/2 w^2``.

    For ``b == 0`` and an infinite bound the conjugate is infinite beyond ``a``; callers
    rescale the dual point first, so such a term is only a round-off excess and counts 0.
    """
    if b > 0.0:
        if s > a:
            w = (s - a) / b
        elif s < -a:
            w = (s + a) / b
        else:
            return 0.0
        if w > hi:
            w = hi
        elif w < lo:
            w = lo
        return s * w - a * abs(w) - 0.5 * b * w * w
    if s > a and hi < np.inf:
        return (s - a) * hi
    if s < -a and lo > -np.inf:
        return (s + a) * lo
    return 0.0


@njit(cache=True, inline="always")
def scale_limit(corr, a, b, lo, hi):
    """Largest ``c`` with ``c * corr`` inside the domain of ``g^*`` (``inf`` if unconstrained)."""
    if b > 0.0:
        return np.inf
    if corr > a and hi == np.inf:
        return a / corr
    if corr < -a and lo == -np.inf:
        return a / -corr
    return np.inf


@njit(cache=True, inline="always")
def is_free(a, b, lo, hi):
    """No penalty and no bound: the coordinate's dual constraint is an equality."""
    return a == 0.0 and b == 0.0 and lo == -np.inf and hi == np.inf
