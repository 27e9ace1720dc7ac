"""Gamma datafit with the log link, as half the Gamma deviance.

.. math:: l(y, \\eta) = \\eta + y e^{-\\eta} - \\log y - 1, \\qquad y > 0,

scikit-learn's ``GammaRegressor`` loss (dispersion fixed to 1).  Conjugate:
``l^*(u) = (1 - u) \\log(1 - u) + u \\log y + u`` for ``u <= 1``.
"""

import numpy as np

from ._base import GLMDatafit, xlogx

_EXP_MAX = 700.0


class Gamma(GLMDatafit):
    """Gamma loss (log link) for strictly positive targets."""

    has_conjugate = True

    def __init__(self, y, sample_weight=None):
        super().__init__(y, sample_weight)
        self._logy = np.log(self.y)

    def loss(self, eta):
        with np.errstate(over="ignore"):
            e = np.exp(np.minimum(-eta, _EXP_MAX))
        out = eta + self.y * e - self._logy - 1.0
        out[-eta > _EXP_MAX] = np.inf
        return out

    def derivatives(self, eta):
        ye = self.y * np.exp(np.minimum(-eta, _EXP_MAX))
        return 1.0 - ye, ye

    def conjugate_per_sample(self, u):
        u = np.minimum(u, 1.0)
        return xlogx(1.0 - u) + u * self._logy + u

    def link_init(self):
        return float(np.log(np.average(self.y, weights=self.sw)))
