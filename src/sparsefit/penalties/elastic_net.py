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

import numpy as np


@dataclass(frozen=True)
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

    @property
    def free(self):
        """Features with neither penalty nor bound (their dual constraint is an equality)."""
        return (self.a == 0) & (self.b == 0) & np.isneginf(self.lower) & np.isposinf(self.upper)

    @property
    def needs_kkt_certificate(self):
        """True when some unpenalized feature has a one-sided bound.

        No rescaling of a residual-based dual point makes such a problem's dual feasible,
        so its certificate is the KKT violation rather than the duality gap.
        """
        unpen = (self.a == 0) & (self.b == 0)
        return bool(np.any(unpen & ~self.free & ~((self.lower == 0) & (self.upper == 0))))

    def kkt_violation(self, w, corr):
        """Distance of ``corr = -grad`` to the subdifferential at ``w``, per feature."""
        a, b, lo, hi = self.a, self.b, self.lower, self.upper
        out = np.zeros_like(corr, dtype=np.float64)
        pos, neg, zero = w > 0, w < 0, w == 0
        t = corr - a - b * w
        out[pos] = np.where((w[pos] >= hi[pos]) & (t[pos] > 0), 0.0, np.abs(t[pos]))
        t = corr + a - b * w
        out[neg] = np.where((w[neg] <= lo[neg]) & (t[neg] < 0), 0.0, np.abs(t[neg]))
        up = zero & (corr > a) & (hi > 0)
        out[up] = corr[up] - a[up]
        down = zero & (corr < -a) & (lo < 0)
        out[down] = -a[down] - corr[down]
        return out

    def dual_scaling(self, corr):
        """Largest ``c <= 1`` making ``c * corr`` feasible for the conjugate of ``P``.

        Only L1-only coordinates with an infinite bound constrain ``c``; free features are
        handled separately (by projection) and are skipped here.
        """
        c = 1.0
        lasso_like = (self.b == 0) & ~self.free
        up = lasso_like & np.isposinf(self.upper) & (corr > self.a)
        if np.any(up):
            c = min(c, float(np.min(self.a[up] / corr[up])))
        down = lasso_like & np.isneginf(self.lower) & (corr < -self.a)
        if np.any(down):
            c = min(c, float(np.min(self.a[down] / -corr[down])))
        return max(c, 0.0)

    def conjugate(self, s):
        """Sum over non-free features of ``g_j^*(s_j) = sup_w s_j w - g_j(w)``."""
        a, b, lo, hi = self.a, self.b, self.lower, self.upper
        keep = ~self.free
        s, a, b, lo, hi = s[keep], a[keep], b[keep], lo[keep], hi[keep]
        total = 0.0
        smooth = b > 0
        if np.any(smooth):
            ss, aa, bb = s[smooth], a[smooth], b[smooth]
            w = np.clip(np.sign(ss) * np.maximum(np.abs(ss) - aa, 0) / bb, lo[smooth], hi[smooth])
            total += float(np.sum(ss * w - aa * np.abs(w) - 0.5 * bb * w * w))
        ls = ~smooth
        if np.any(ls):
            ss, aa = s[ls], a[ls]
            over, under = ss > aa, ss < -aa
            if np.any(over):
                total += float(np.sum((ss[over] - aa[over]) * hi[ls][over]))
            if np.any(under):
                total += float(np.sum((ss[under] + aa[under]) * lo[ls][under]))
        return total

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
