"""Squared hinge datafit (the L2-loss linear SVM).

.. math:: l(y, \\eta) = \\max(0, 1 - y \\eta)^2, \\qquad y \\in \\{-1, +1\\},

scikit-learn's ``LinearSVC(loss="squared_hinge")``: with the mean over samples,
``C = 1 / (n alpha)``.  Piecewise quadratic (``l'' in {0, 2}``); the Newton model uses
``max(l'', hess_floor)``.  Conjugate: ``l^*(u) = y u + u^2 / 4`` for ``y u <= 0``.
"""

import numpy as np

from .._kernels.glm_datafits import SQUARED_HINGE
from ._base import GLMDatafit


class SquaredHinge(GLMDatafit):
    """Squared hinge loss for targets in {-1, +1}."""

    has_conjugate = True
    hess_floor = 2e-2
    code = SQUARED_HINGE

    def link_init(self):
        return float(np.clip(np.average(self.y, weights=self.sw), -1.0, 1.0))
