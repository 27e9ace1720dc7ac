"""Poisson datafit with the log link, as half the Poisson deviance.

.. math:: l(y, \\eta) = e^{\\eta} - y \\eta + y \\log y - y, \\qquad y \\ge 0,

the negative log-likelihood up to the constant ``y log y - y + log y!`` (so the minimiser,
and ``alpha``, are glmnet's ``family="poisson"``, and the value is scikit-learn's
``PoissonRegressor`` half mean deviance).  Conjugate: ``l^*(u) = v log v - v - (y log y - y)``
with ``v = u + y >= 0``.
"""

import numpy as np

from ._base import GLMDatafit, xlogx

_EXP_MAX = 700.0  # exp(700) ~ 1e304: larger linear predictors make the loss +inf


class Poisson(GLMDatafit):
    """Poisson loss (log link) for non-negative targets (non-integer allowed)."""

    has_conjugate = True

    def __init__(self, y, sample_weight=None):
        super().__init__(y, sample_weight)
        self._const = xlogx(self.y) - self.y

    def loss(self, eta):
        with np.errstate(over="ignore"):
            mu = np.exp(np.minimum(eta, _EXP_MAX))
        out = mu - self.y * eta + self._const
        out[eta > _EXP_MAX] = np.inf
        return out

    def derivatives(self, eta):
        mu = np.exp(np.minimum(eta, _EXP_MAX))
        return mu - self.y, mu

    def conjugate_per_sample(self, u):
        v = np.maximum(u + self.y, 0.0)
        return xlogx(v) - v - self._const

    def link_init(self):
        return float(np.log(max(np.average(self.y, weights=self.sw), 1e-10)))
