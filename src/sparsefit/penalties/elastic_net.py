"""The weighted, bounded elastic-net penalty (the lasso is its ``l1_ratio = 1`` case).

.. math::

    P(w) = \\sum_j a_j |w_j| + \\frac{b_j}{2} w_j^2,
    \\qquad l_j \\le w_j \\le u_j,

with ``a_j = alpha * l1_ratio * pf_j * s_j`` and ``b_j = alpha * (1 - l1_ratio) * pf_j * s_j^2``.
``s_j`` is 1, or the column's standard deviation under ``standardize=True``: fitting
standardized columns and mapping back is the same problem as fitting the original columns
with these rescaled weights, so solvers always work on the original scale.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._kernels.certificate import separable_certificate


@dataclass(frozen=True, eq=False)
class WeightedElasticNet:
    """Separable penalty ``sum_j a_j |w_j| + b_j/2 w_j^2`` on the box ``[lower, upper]``.

    Parameters
    ----------
    a, b : ndarray of shape (n_features,)
        Non-negative L1 and L2 weights.
    lower, upper : ndarray of shape (n_features,)
        Bounds with ``lower <= 0 <= upper`` (zero is always feasible).
    """

    a: np.ndarray
    b: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    is_separable = True

    @classmethod
    def from_params(cls, alpha, l1_ratio, penalty_factor, scale, lower, upper):
        """Build the penalty of the user-facing parameters (see module docstring)."""
        pf = np.asarray(penalty_factor, dtype=np.float64)
        s = np.asarray(scale, dtype=np.float64)
        return cls(
            a=alpha * l1_ratio * pf * s,
            b=alpha * (1.0 - l1_ratio) * pf * s * s,
            lower=np.asarray(lower, dtype=np.float64),
            upper=np.asarray(upper, dtype=np.float64),
        )

    def value(self, w):
        return float(np.sum(self.a * np.abs(w)) + 0.5 * np.sum(self.b * w * w))

    @cached_property
    def free(self):
        """Features with neither penalty nor bound (their dual constraint is an equality)."""
        return (self.a == 0) & (self.b == 0) & np.isneginf(self.lower) & np.isposinf(self.upper)

    @cached_property
    def needs_kkt_certificate(self):
        """True when some unpenalized feature has a one-sided bound.

        No rescaling of a residual-based dual point makes such a problem's dual feasible,
        so its certificate is the KKT violation rather than the duality gap.
        """
        unpen = (self.a == 0) & (self.b == 0)
        return bool(np.any(unpen & ~self.free & ~((self.lower == 0) & (self.upper == 0))))

    def certificate_terms(self, w, corr, corr_dual, skip):
        """KKT violations, penalty value, dual rescaling and conjugate, in one kernel pass.

        Returns ``(violation, value, c, conj)``: ``violation[j]`` is the distance of
        ``corr_j = -grad_j`` to the subdifferential at ``w_j``; ``c <= 1`` is the largest
        rescaling of the dual point ``corr_dual = X^T theta`` that its L1 constraints allow;
        ``conj = sum_j g_j^*(c corr_dual_j)`` over features not in ``skip``.
        """
        viol = np.empty(w.shape[0])
        value, c, conj = separable_certificate(
            np.asarray(w, dtype=np.float64), corr, corr_dual, self.a, self.b, self.lower,
            self.upper, skip, viol,
        )
        return viol, value, c, conj

    def alpha_max_ratio(self, corr):
        """``max_j |corr_j| / a_j`` over features that can move away from zero.

        With ``a`` built for ``alpha = 1`` this is the smallest alpha at which ``w = 0`` is
        optimal for the penalized features, given the correlations ``corr``.
        """
        pen = self.a > 0
        up = np.where(self.upper > 0, np.maximum(corr, 0), 0)
        down = np.where(self.lower < 0, np.maximum(-corr, 0), 0)
        reach = np.maximum(up, down)
        if np.any(~pen & (reach > 0) & ~self.free):
            return np.inf
        if not np.any(pen):
            return 0.0
        return float(np.max(reach[pen] / self.a[pen]))
