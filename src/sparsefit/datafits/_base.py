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
  piecewise-quadratic losses (0 when ``l''`` is positive anyway);
* ``kernel``: ``(code, aux, param)`` naming the loss in :mod:`sparsefit._kernels.glm_datafits`
  (per-sample constant ``aux``, scalar ``param``), which computes every value above; the
  compiled proximal Newton solver needs nothing else.
"""

import numpy as np

from .._kernels import glm_datafits as kd


class GLMDatafit:
    """Base class: stores ``y`` (float64), the normalised weights ``s`` and the kernel spec.

    Subclasses set ``code`` (a family code of :mod:`sparsefit._kernels.glm_datafits`) and,
    where the loss needs them, ``aux`` and ``param``.
    """

    has_conjugate = False
    hess_floor = 0.0
    n_outputs = 1
    code = None
    param = 0.0

    def __init__(self, y, sample_weight=None):
        self.y = np.asarray(y, dtype=np.float64)
        n = self.y.shape[0]
        self.sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        self.aux = np.zeros(n)

    @property
    def n_samples(self):
        return self.y.shape[0]

    @property
    def kernel(self):
        return self.code, self.aux, float(self.param)

    def _eta(self, eta):
        return np.ascontiguousarray(eta, dtype=np.float64)

    def loss(self, eta):
        eta = self._eta(eta)
        return kd.per_sample(False, self.code, self.y, self.aux, float(self.param), eta,
                             np.empty_like(eta))

    def derivatives(self, eta):
        eta = self._eta(eta)
        g, h = np.empty_like(eta), np.empty_like(eta)
        kd.derivatives(self.code, self.y, float(self.param), eta, g, h)
        return g, h

    def conjugate_per_sample(self, u):
        u = self._eta(u)
        return kd.per_sample(True, self.code, self.y, self.aux, float(self.param), u,
                             np.empty_like(u))

    def value(self, eta):
        return float(kd.mean_loss(self.code, self.y, self.aux, float(self.param), self.sw,
                                  self._eta(eta)))

    def grad_hess(self, eta):
        eta = self._eta(eta)
        g, h = np.empty_like(eta), np.empty_like(eta)
        kd.grad_hess(self.code, self.y, float(self.param), float(self.hess_floor), self.sw, eta,
                     g, h)
        return g, h

    def raw_grad(self, eta):
        return self.derivatives(eta)[0]

    def conjugate(self, u):
        with np.errstate(invalid="ignore"):
            val = float(np.dot(self.sw, self.conjugate_per_sample(u))) / self.n_samples
        return val if np.isfinite(val) else np.inf


def xlogx(x):
    """``x log x`` with ``0 log 0 = 0``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out
