"""Binary logistic datafit (binomial deviance with the logit link).

.. math:: l(y, \\eta) = \\log(1 + e^{\\eta}) - y \\eta, \\qquad y \\in \\{0, 1\\},

the negative log-likelihood, i.e. glmnet's binomial objective (so ``alpha`` is glmnet's
``lambda``).  Its conjugate is the binary entropy
``l^*(u) = v \\log v + (1 - v) \\log(1 - v)`` with ``v = u + y in [0, 1]``.  The per-sample
values are computed in :mod:`sparsefit._kernels.glm_datafits`.
"""

import numpy as np

from .._kernels.glm_datafits import LOGISTIC
from ._base import GLMDatafit


class Logistic(GLMDatafit):
    """Logistic loss for targets ``y`` in {0, 1}."""

    has_conjugate = True
    code = LOGISTIC

    def link_init(self):
        ybar = np.clip(np.average(self.y, weights=self.sw), 1e-10, 1 - 1e-10)
        return float(np.log(ybar / (1 - ybar)))
