"""Poisson datafit with the log link, as half the Poisson deviance.

.. math:: l(y, \\eta) = e^{\\eta} - y \\eta + y \\log y - y, \\qquad y \\ge 0,

the negative log-likelihood up to the constant ``y log y - y + log y!`` (so the minimiser,
and ``alpha``, are glmnet's ``family="poisson"``, and the value is scikit-learn's
``PoissonRegressor`` half mean deviance).  Conjugate: ``l^*(u) = v log v - v - (y log y - y)``
with ``v = u + y >= 0``.  Linear predictors above 700 give ``+inf``.
"""

import numpy as np

from .._kernels.glm_datafits import POISSON
from ._base import GLMDatafit, xlogx


class Poisson(GLMDatafit):
    """Poisson loss (log link) for non-negative targets (non-integer allowed)."""

    has_conjugate = True
    code = POISSON

    def __init__(self, y, sample_weight=None):
        super().__init__(y, sample_weight)
        self.aux = xlogx(self.y) - self.y  # the constant y log y - y

    def link_init(self):
        return float(np.log(max(np.average(self.y, weights=self.sw), 1e-10)))
