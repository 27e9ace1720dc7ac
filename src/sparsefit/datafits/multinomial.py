"""Multinomial (softmax) datafit, one linear predictor per class.

.. math:: l(y, \\eta) = \\log \\sum_k e^{\\eta_k} - \\eta_{y},

glmnet's ``family="multinomial"`` (the negative log-likelihood).  ``eta`` has shape
``(n, K)``; ``grad_hess`` returns ``s_i (p_ik - Y_ik)`` and the diagonal of the per-sample
Hessian ``s_i p_ik (1 - p_ik)``.  The full per-sample Hessian ``s_i (diag(p_i) - p_i p_i^T)``
is a diagonal plus rank one: ``full_hessian = True`` tells the solver to use it exactly,
from ``probabilities(eta)`` (ignoring the cross-class terms makes Newton steps overshoot
along class contrasts and converge only linearly).  The certificate is the KKT violation.
"""

import numpy as np
from scipy.special import logsumexp, softmax


class Multinomial:
    """Softmax loss for integer class labels ``y`` in ``0 .. K-1``."""

    has_conjugate = False
    hess_floor = 0.0
    full_hessian = True

    def __init__(self, y, n_classes, sample_weight=None):
        self.y = np.asarray(y, dtype=np.int64)
        n = self.y.shape[0]
        self.n_outputs = int(n_classes)
        self.Y = np.zeros((n, self.n_outputs))
        self.Y[np.arange(n), self.y] = 1.0
        self.sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)

    @property
    def n_samples(self):
        return self.y.shape[0]

    def value(self, eta):
        per = logsumexp(eta, axis=1) - eta[np.arange(self.n_samples), self.y]
        val = float(self.sw @ per) / self.n_samples
        return val if np.isfinite(val) else np.inf

    def probabilities(self, eta):
        return softmax(eta, axis=1)

    def grad_hess(self, eta):
        P = softmax(eta, axis=1)
        s = self.sw[:, None]
        return s * (P - self.Y), s * (P * (1.0 - P))

    def link_init(self):
        freq = np.clip(self.sw @ self.Y / self.sw.sum(), 1e-10, None)
        logf = np.log(freq)
        return logf - logf.mean()
