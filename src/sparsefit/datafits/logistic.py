"""Binary logistic datafit (binomial deviance with the logit link).

.. math:: l(y, \\eta) = \\log(1 + e^{\\eta}) - y \\eta, \\qquad y \\in \\{0, 1\\},

the negative log-likelihood, i.e. glmnet's binomial objective (so ``alpha`` is glmnet's
``lambda``).  Its conjugate is the binary entropy
``l^*(u) = v \\log v + (1 - v) \\log(1 - v)`` with ``v = u + y in [0, 1]``.
"""

import numpy as np
from scipy.special import expit

from ._base import GLMDatafit, xlogx


class Logistic(GLMDatafit):
    """Logistic loss for targets ``y`` in {0, 1}."""

    has_conjugate = True

    def loss(self, eta):
        # log(1 + e^eta) computed without overflow
        return np.logaddexp(0.0, eta) - self.y * eta

    def derivatives(self, eta):
        p = expit(eta)
        return p - self.y, p * (1.0 - p)

    def conjugate_per_sample(self, u):
        v = np.clip(u + self.y, 0.0, 1.0)
        return xlogx(v) + xlogx(1.0 - v)

    def link_init(self):
        ybar = np.clip(np.average(self.y, weights=self.sw), 1e-10, 1 - 1e-10)
        return float(np.log(ybar / (1 - ybar)))
