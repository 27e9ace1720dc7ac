"""Huber datafit: quadratic for small residuals, linear beyond ``epsilon``.

.. math::

    l(y, \\eta) = \\begin{cases} r^2 / 2 & |r| \\le \\epsilon \\\\
                 \\epsilon |r| - \\epsilon^2 / 2 & |r| > \\epsilon \\end{cases},
    \\qquad r = y - \\eta .

Unlike scikit-learn's ``HuberRegressor`` the scale is not estimated: ``epsilon`` is in the
units of ``y`` (``inf`` gives least squares).  The loss is piecewise quadratic
(``l'' in {0, 1}``); the Newton model uses ``max(l'', hess_floor)``.  Conjugate:
``l^*(u) = u y + u^2 / 2`` for ``|u| <= epsilon``.
"""

import numpy as np

from .._kernels.glm_datafits import HUBER
from ._base import GLMDatafit


class Huber(GLMDatafit):
    """Huber loss with threshold ``epsilon > 0``."""

    has_conjugate = True
    hess_floor = 1e-2
    code = HUBER

    def __init__(self, y, sample_weight=None, epsilon=1.35):
        super().__init__(y, sample_weight)
        self.epsilon = self.param = float(epsilon)

    def link_init(self):
        return float(np.median(self.y))
