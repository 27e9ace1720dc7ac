"""Huber datafit: quadratic for small residuals, linear beyond ``epsilon``.

.. math::

    l(y, \\eta) = \\begin{cases} r^2 / 2 & |r| \\le \\epsilon \\\\
                 \\epsilon |r| - \\epsilon^2 / 2 & |r| > \\epsilon \\end{cases},
    \\qquad r = y - \\eta .

Unlike scikit-learn's ``HuberRegressor`` the scale is not estimated: ``epsilon`` is in the
units of ``y``.  The loss is piecewise quadratic (``l'' in {0, 1}``); the Newton model uses
``max(l'', hess_floor)``.  Conjugate: ``l^*(u) = u y + u^2 / 2`` for ``|u| <= epsilon``.
"""

import numpy as np

from ._base import GLMDatafit


class Huber(GLMDatafit):
    """Huber loss with threshold ``epsilon > 0``."""

    has_conjugate = True
    hess_floor = 1e-2

    def __init__(self, y, sample_weight=None, epsilon=1.35):
        super().__init__(y, sample_weight)
        self.epsilon = float(epsilon)

    def loss(self, eta):
        r = np.abs(self.y - eta)
        eps = self.epsilon
        if not np.isfinite(eps):
            return 0.5 * r * r
        return np.where(r <= eps, 0.5 * r * r, eps * r - 0.5 * eps * eps)

    def derivatives(self, eta):
        r = self.y - eta
        return -np.clip(r, -self.epsilon, self.epsilon), (np.abs(r) <= self.epsilon) * 1.0

    def conjugate_per_sample(self, u):
        u = np.clip(u, -self.epsilon, self.epsilon)
        return u * self.y + 0.5 * u * u

    def link_init(self):
        return float(np.median(self.y))
