"""Shared plumbing of the single-output GLM datafits (one linear predictor per sample).

A GLM datafit is ``F(eta) = (1/n) sum_i s_i l(y_i, eta_i)`` with sample weights ``s``
normalised to sum to ``n``.  What the solvers ask of it (see
:mod:`sparsefit.solvers.prox_newton`):

* ``value(eta)``: ``F(eta)`` (``+inf`` where the loss overflows, never NaN);
* ``grad_hess(eta)``: per-sample ``s_i l'(y_i, eta_i)`` and ``s_i l''(y_i, eta_i)``,
  derivatives of ``n F`` with respect to the linear predictor;
* ``raw_grad(eta)``: unweighted ``l'(y_i, eta_i)`` (the dual point of the gap);
* ``conjugate(u)``: ``(1/n) sum_i s_i l_i^*(u_i)`` on the conjugate's domain, when
  ``has_conjugate``;
* ``link_init()``: a good starting intercept (the link of the weighted mean target);
* ``hess_floor``: lower bound put on ``l''`` so the Newton model stays strictly convex for
  piecewise-quadratic losses (0 when ``l''`` is positive anyway).
"""

import numpy as np


class GLMDatafit:
    """Base class: stores ``y`` (float64) and the normalised weights ``s``."""

    has_conjugate = False
    hess_floor = 0.0
    n_outputs = 1

    def __init__(self, y, sample_weight=None):
        self.y = np.asarray(y, dtype=np.float64)
        n = self.y.shape[0]
        self.sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)

    @property
    def n_samples(self):
        return self.y.shape[0]

    def _mean(self, per_sample):
        with np.errstate(invalid="ignore"):
            val = float(np.dot(self.sw, per_sample)) / self.n_samples
        return val if np.isfinite(val) else np.inf

    def value(self, eta):
        return self._mean(self.loss(eta))

    def grad_hess(self, eta):
        g, h = self.derivatives(eta)
        return self.sw * g, self.sw * np.maximum(h, self.hess_floor)

    def raw_grad(self, eta):
        return self.derivatives(eta)[0]

    def conjugate(self, u):
        return self._mean(self.conjugate_per_sample(u))


def xlogx(x):
    """``x log x`` with ``0 log 0 = 0``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out
