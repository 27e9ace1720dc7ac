"""Quadratic datafit ``1/(2n) ||y - X w||^2`` on centred, row-weighted data.

Its Fenchel dual, used for the duality-gap certificate, is

.. math::

    D(\\theta) = \\theta^\\top y - \\frac{n}{2} \\|\\theta\\|^2
    - \\sum_j g_j^*(x_j^\\top \\theta),

whose maximiser is ``theta* = (y - X w*) / n``.
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class Quadratic:
    """Least squares datafit on the centred target ``y`` (row-weighted by ``sqrt(s)``)."""

    y: np.ndarray

    has_lipschitz = True

    @property
    def n_samples(self):
        return self.y.shape[0]

    def value(self, resid):
        return float(resid @ resid) / (2 * self.n_samples)

    def null_value(self):
        """Objective of ``w = 0`` (the intercept-only model when data are centred)."""
        return self.value(self.y)

    def dual_point(self, resid):
        """The residual-based candidate ``theta = r / n`` (before feasibility repairs)."""
        return resid / self.n_samples

    def dual_value(self, theta):
        return float(theta @ self.y) - 0.5 * self.n_samples * float(theta @ theta)

    def lipschitz(self, col_sq_norms):
        """Coordinate-wise Lipschitz constants of the gradient."""
        return col_sq_norms / self.n_samples
