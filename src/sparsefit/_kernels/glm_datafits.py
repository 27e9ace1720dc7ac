"""Per-sample losses of the single-output GLM datafits, selected by an integer family code.

Every function takes ``(fam, y_i, aux_i, prm, eta_i)``: ``fam`` one of the codes below,
``aux_i`` a per-sample constant of the family (Poisson ``y log y - y``, Gamma ``log y``;
unused otherwise) and ``prm`` its scalar parameter (the Huber threshold).  The
datafit classes of :mod:`sparsefit.datafits` and the proximal Newton kernels both call
these, so the loss the solver minimises is the one the datafit reports.  (An integer code
rather than a function argument: jitted functions passed as arguments defeat numba's
on-disk cache.)
"""

import numpy as np
from numba import njit

LOGISTIC, POISSON, GAMMA, HUBER, SQUARED_HINGE = 0, 1, 2, 3, 4
EXP_MAX = 700.0  # exp(700) ~ 1e304: beyond it the Poisson / Gamma loss is +inf


@njit(cache=True, inline="always")
def _xlogx(x):
    return x * np.log(x) if x > 0.0 else 0.0


@njit(cache=True, inline="always")
def loss_i(fam, y, aux, prm, eta):
    """``l(y, eta)``; ``+inf`` where the loss overflows."""
    if fam == LOGISTIC:  # log(1 + e^eta) - y eta, without overflow
        return max(eta, 0.0) + np.log1p(np.exp(-abs(eta))) - y * eta
    if fam == POISSON:
        if eta > EXP_MAX:
            return np.inf
        return np.exp(eta) - y * eta + aux
    if fam == GAMMA:
        if -eta > EXP_MAX:
            return np.inf
        return eta + y * np.exp(-eta) - aux - 1.0
    if fam == HUBER:
        r = abs(y - eta)
        if r <= prm:  # also the whole range when prm = inf (least squares)
            return 0.5 * r * r
        return prm * r - 0.5 * prm * prm
    m = max(1.0 - y * eta, 0.0)  # squared hinge
    return m * m


@njit(cache=True, inline="always")
def deriv_i(fam, y, prm, eta):
    """``(l'(y, eta), l''(y, eta))`` (unweighted, no Hessian floor)."""
    if fam == LOGISTIC:
        if eta >= 0.0:
            p = 1.0 / (1.0 + np.exp(-eta))
        else:
            e = np.exp(eta)
            p = e / (1.0 + e)
        return p - y, p * (1.0 - p)
    if fam == POISSON:
        mu = np.exp(min(eta, EXP_MAX))
        return mu - y, mu
    if fam == GAMMA:
        ye = y * np.exp(min(-eta, EXP_MAX))
        return 1.0 - ye, ye
    if fam == HUBER:
        r = y - eta
        if r > prm:
            return -prm, 0.0
        if r < -prm:
            return prm, 0.0
        return -r, 1.0
    m = max(1.0 - y * eta, 0.0)  # squared hinge
    return -2.0 * y * m, 2.0 if m > 0.0 else 0.0


@njit(cache=True, inline="always")
def value_deriv_i(fam, y, aux, prm, eta):
    """``(l, l', l'')`` at ``eta`` sharing one exponential (as :func:`loss_i`, :func:`deriv_i`)."""
    if fam == LOGISTIC:
        e = np.exp(-abs(eta))
        loss = max(eta, 0.0) + np.log1p(e) - y * eta
        p = 1.0 / (1.0 + e) if eta >= 0.0 else e / (1.0 + e)
        return loss, p - y, p * (1.0 - p)
    if fam == POISSON:
        mu = np.exp(min(eta, EXP_MAX))
        loss = np.inf if eta > EXP_MAX else mu - y * eta + aux
        return loss, mu - y, mu
    if fam == GAMMA:
        ye = y * np.exp(min(-eta, EXP_MAX))
        loss = np.inf if -eta > EXP_MAX else eta + ye - aux - 1.0
        return loss, 1.0 - ye, ye
    d1, d2 = deriv_i(fam, y, prm, eta)
    return loss_i(fam, y, aux, prm, eta), d1, d2


@njit(cache=True, inline="always")
def conj_i(fam, y, aux, prm, u):
    """Fenchel conjugate ``l^*(u)`` on its domain (``u`` is projected onto it)."""
    if fam == LOGISTIC:  # binary entropy of v = u + y in [0, 1]
        v = min(max(u + y, 0.0), 1.0)
        return _xlogx(v) + _xlogx(1.0 - v)
    if fam == POISSON:
        v = max(u + y, 0.0)
        return _xlogx(v) - v - aux
    if fam == GAMMA:
        v = min(u, 1.0)
        return _xlogx(1.0 - v) + v * aux + v
    if fam == HUBER:
        v = min(max(u, -prm), prm)
        return v * y + 0.5 * v * v
    yu = min(y * u, 0.0)  # squared hinge
    return yu + 0.25 * yu * yu


@njit(cache=True)
def per_sample(conjugate, fam, y, aux, prm, v, out):
    """``out[i] = l(y_i, v_i)``, or ``l^*(v_i)`` when ``conjugate``; returns ``out``."""
    for i in range(v.shape[0]):
        if conjugate:
            out[i] = conj_i(fam, y[i], aux[i], prm, v[i])
        else:
            out[i] = loss_i(fam, y[i], aux[i], prm, v[i])
    return out


@njit(cache=True)
def derivatives(fam, y, prm, eta, g, h):
    """``g[i], h[i] = l'(y_i, eta_i), l''(y_i, eta_i)`` in place."""
    for i in range(eta.shape[0]):
        g[i], h[i] = deriv_i(fam, y[i], prm, eta[i])


@njit(cache=True)
def mean_loss(fam, y, aux, prm, sw, eta):
    """``(1/n) sum_i s_i l(y_i, eta_i)``; ``+inf`` if that is not finite."""
    s = 0.0
    for i in range(eta.shape[0]):
        if sw[i] != 0.0:
            s += sw[i] * loss_i(fam, y[i], aux[i], prm, eta[i])
    s /= eta.shape[0]
    return s if np.isfinite(s) else np.inf


@njit(cache=True)
def grad_hess(fam, y, prm, hfloor, sw, eta, g, h):
    """Weighted ``g = s l'`` and ``h = s max(l'', hfloor)`` in place."""
    for i in range(eta.shape[0]):
        d1, d2 = deriv_i(fam, y[i], prm, eta[i])
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)


@njit(cache=True)
def loss_grad_hess(fam, y, aux, prm, hfloor, sw, eta, g, h):
    """:func:`grad_hess` in place, returning :func:`mean_loss` (one pass, shared exponential)."""
    s = 0.0
    for i in range(eta.shape[0]):
        v, d1, d2 = value_deriv_i(fam, y[i], aux[i], prm, eta[i])
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)
        if sw[i] != 0.0:
            s += sw[i] * v
    s /= eta.shape[0]
    return s if np.isfinite(s) else np.inf


@njit(cache=True)
def trial_point(fam, y, aux, prm, hfloor, sw, eta, deta, t, et, g, h):
    """At ``et = eta + t deta``: :func:`loss_grad_hess` into ``g, h``, and ``sum_i g_i deta_i``.

    Returns ``(mean_loss, slope)``; one pass (the line search of a Newton step).
    """
    s = 0.0
    slope = 0.0
    for i in range(eta.shape[0]):
        e = eta[i] + t * deta[i]
        et[i] = e
        v, d1, d2 = value_deriv_i(fam, y[i], aux[i], prm, e)
        g[i] = sw[i] * d1
        h[i] = sw[i] * max(d2, hfloor)
        slope += g[i] * deta[i]
        if sw[i] != 0.0:
            s += sw[i] * v
    s /= eta.shape[0]
    return (s if np.isfinite(s) else np.inf), slope


@njit(cache=True)
def dual_value(fam, y, aux, prm, sw, g, offset, c):
    """``-(1/n) sum_i s_i (l^*(c u_i) - c u_i o_i)`` with ``u_i = g_i / s_i = l'(y_i, eta_i)``.

    The datafit part of the dual objective at the rescaled dual point ``c u``, from the
    weighted gradient ``g``; ``-inf`` when the conjugate sum is not finite.
    """
    s = 0.0
    so = 0.0
    for i in range(g.shape[0]):
        if sw[i] == 0.0:
            continue
        u = g[i] / sw[i]
        s += sw[i] * conj_i(fam, y[i], aux[i], prm, c * u)
        so += g[i] * offset[i]
    n = g.shape[0]
    s /= n
    if not np.isfinite(s):
        return -np.inf
    return -s + c * so / n
