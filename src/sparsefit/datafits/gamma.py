"""Gamma datafit with the log link, as half the Gamma deviance.

.. math:: l(y, \\eta) = \\eta + y e^{-\\eta} - \\log y - 1, \\qquad y > 0,

scikit-learn's ``GammaRegressor`` loss (dispersion fixed to 1).  Conjugate:
``l^*(u) = (1 - u) \\log(1 - u) + u \\log y + u`` for ``u <= 1``.  Linear predictors below
-700 give ``+inf``.
"""

import numpy as np

from .._kernels.glm_datafits import GAMMA
from ._base import GLMDatafit


class Gamma(GLMDatafit):
    """Gamma loss (log link) for strictly positive targets."""

    has_conjugate = True
    code = GAMMA

    def __init__(self, y, sample_weight=None):
        super().__init__(y, sample_weight)
        self.aux = np.log(self.y)

    def link_init(self):
        return float(np.log(np.average(self.y, weights=self.sw)))
