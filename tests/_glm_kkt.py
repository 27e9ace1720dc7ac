"""Independent GLM objectives and KKT checks (plain numpy/scipy, no sparsefit code)."""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logsumexp, softmax


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)


def loss_and_grad(family, y, eta, epsilon=1.35):
    """Per-sample loss l(y, eta) (mean half deviance scaling) and dl/deta."""
    if family == "binomial":
        return np.logaddexp(0, eta) - y * eta, expit(eta) - y
    if family == "poisson":
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1)), 0.0)
        return np.exp(eta) - y * eta + ylogy - y, np.exp(eta) - y
    if family == "gamma":
        return eta + y * np.exp(-eta) - np.log(y) - 1, 1 - y * np.exp(-eta)
    if family == "huber":
        r = y - eta
        a = np.abs(r)
        return (np.where(a <= epsilon, 0.5 * r * r, epsilon * a - 0.5 * epsilon**2),
                -np.clip(r, -epsilon, epsilon))
    if family == "squared_hinge":
        m = np.maximum(1 - y * eta, 0)
        return m * m, -2 * y * m
    if family == "multinomial":  # y: integer labels, eta (n, K)
        n = eta.shape[0]
        Y = np.zeros_like(eta)
        Y[np.arange(n), y] = 1
        return logsumexp(eta, axis=1) - eta[np.arange(n), y], softmax(eta, axis=1) - Y
    raise ValueError(family)


def column_scale(X, sw=None):
    X = _dense(X)
    n = X.shape[0]
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    mu = sw @ X / n
    return np.sqrt(sw @ (X - mu) ** 2 / n)


def glm_objective(X, y, coef, intercept, alpha, family, l1_ratio=1.0, pf=None, sw=None,
                  scale=None, offset=None, grouped=False, epsilon=1.35):
    """The documented objective; multinomial ``coef`` is (K, p) as in ``coef_``."""
    X = _dense(X)
    n, p = X.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    pf = np.ones(p) if pf is None else np.asarray(pf, float)
    s = np.ones(p) if scale is None else scale
    W = np.atleast_2d(coef)  # (K, p)
    eta = X @ W.T + intercept
    if offset is not None:
        eta = eta + offset[:, None]
    if family != "multinomial":
        eta = eta[:, 0]
    loss, _ = loss_and_grad(family, y, eta, epsilon)
    l1 = np.linalg.norm(W, axis=0) if grouped else np.abs(W).sum(axis=0)
    pen = alpha * np.sum(pf * (l1_ratio * s * l1 + 0.5 * (1 - l1_ratio) * s**2 * (W * W).sum(0)))
    return float(sw @ loss / n + pen)


def glm_kkt(X, y, coef, intercept, alpha, family, l1_ratio=1.0, pf=None, sw=None, scale=None,
            lower=None, upper=None, fit_intercept=True, offset=None, grouped=False,
            epsilon=1.35):
    """Largest violation of the optimality conditions (features and intercepts)."""
    X = _dense(X)
    n, p = X.shape
    sw = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    pf = np.ones(p) if pf is None else np.asarray(pf, float)
    s = np.ones(p) if scale is None else scale
    lo = np.full(p, -np.inf) if lower is None else np.broadcast_to(lower, (p,))
    hi = np.full(p, np.inf) if upper is None else np.broadcast_to(upper, (p,))
    W = np.atleast_2d(np.asarray(coef, float))  # (K, p)
    eta = X @ W.T + intercept
    if offset is not None:
        eta = eta + offset[:, None]
    _, d = loss_and_grad(family, y, eta if family == "multinomial" else eta[:, 0], epsilon)
    d = d.reshape(n, -1) * sw[:, None]
    G = (X.T @ d).T / n  # (K, p) datafit gradient
    a = alpha * l1_ratio * pf * s
    bb = alpha * (1 - l1_ratio) * pf * s**2
    worst = 0.0
    if grouped:
        for j in range(p):
            wj = W[:, j]
            nw = np.linalg.norm(wj)
            if nw == 0:
                v = max(np.linalg.norm(G[:, j]) - a[j], 0.0)
            else:
                v = np.linalg.norm(G[:, j] + bb[j] * wj + a[j] * wj / nw)
            worst = max(worst, v)
    else:
        for k in range(W.shape[0]):
            g = G[k] + bb * W[k]
            for j in range(p):
                w = W[k, j]
                if w > 0:
                    v = g[j] + a[j]
                    v = max(v, 0.0) if w >= hi[j] - 1e-12 else abs(v)
                elif w < 0:
                    v = g[j] - a[j]
                    v = max(-v, 0.0) if w <= lo[j] + 1e-12 else abs(v)
                else:
                    up = max(-g[j] - a[j], 0.0) if hi[j] > 0 else 0.0
                    down = max(g[j] - a[j], 0.0) if lo[j] < 0 else 0.0
                    v = max(up, down)
                worst = max(worst, v)
    if fit_intercept:
        worst = max(worst, float(np.abs(d.sum(axis=0)).max()) / n)
    return worst
