"""Coordinate descent on the weighted-least-squares model of a proximal Newton step.

At the current linear predictor ``eta`` (``n x K``; ``K = 1`` except for the multinomial)
a GLM datafit gives per-sample gradients ``g`` and Hessian diagonals ``h`` (sample weights
included).  The quadratic model of the datafit in a step ``(D, d0)`` of the coefficients
and intercepts is

.. math:: \\frac{1}{n} \\sum_{i,k} g_{ik} \\delta_{ik} + \\frac{h_{ik}}{2} \\delta_{ik}^2,
          \\qquad \\delta_{ik} = x_i^\\top D_k + d_{0k}.

Its gradient with respect to ``eta_ik`` is ``q_ik = g_ik + h_ik delta_ik``.

**The intercept is kept exactly optimal** for the model after every coordinate update
(``sum_i q_ik = 0``): a step ``d`` on ``W_jk`` comes with the intercept step ``-m_jk d``,
``m_jk = sum_i h_ik x_ij / sum_i h_ik``, which is coordinate descent on columns centred at
their ``h``-weighted means.  The centring is implicit: ``q`` is stored as
``q_stored - c_k h_k`` with one scalar ``c_k`` per output, so a sparse column update only
touches its stored entries (``x_j^T q = x_j^T q_stored - c_k x_j^T h_k``).

The design is a tuple: dense ``(X,)`` (Fortran order) or sparse ``(data, indices, indptr)``
(CSC, sorted indices).  Nothing here validates its inputs.
"""

import numpy as np
from numba import njit

from .prox import kkt_coord, prox_coord


@njit(cache=True)
def dense_dot(D, j, v):
    """``sum_i X_ij v_i``."""
    X = D[0]
    s = 0.0
    for i in range(X.shape[0]):
        s += X[i, j] * v[i]
    return s


@njit(cache=True)
def dense_sqdot(D, j, v):
    """``sum_i X_ij^2 v_i``."""
    X = D[0]
    s = 0.0
    for i in range(X.shape[0]):
        x = X[i, j]
        s += x * x * v[i]
    return s


@njit(cache=True)
def dense_waxpy(D, j, d, h, u):
    """``u += d * h * X_j`` in place."""
    X = D[0]
    for i in range(X.shape[0]):
        u[i] += d * h[i] * X[i, j]


@njit(cache=True)
def sparse_dot(D, j, v):
    data, indices, indptr = D[0], D[1], D[2]
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        s += data[k] * v[indices[k]]
    return s


@njit(cache=True)
def sparse_sqdot(D, j, v):
    data, indices, indptr = D[0], D[1], D[2]
    s = 0.0
    for k in range(indptr[j], indptr[j + 1]):
        x = data[k]
        s += x * x * v[indices[k]]
    return s


@njit(cache=True)
def sparse_waxpy(D, j, d, h, u):
    """``u += d * h * X_j`` on the stored entries, in place."""
    data, indices, indptr = D[0], D[1], D[2]
    for k in range(indptr[j], indptr[j + 1]):
        i = indices[k]
        u[i] += d * h[i] * data[k]


@njit(cache=True)
def wls_cd(dot, sqdot, waxpy, D, W, q, h, c, ws, a, b, lo, hi, inv_n, fit_intercept,
           grouped, tol, max_epochs):
    """Coordinate descent on the proximal Newton model over the working set ``ws``.

    Parameters
    ----------
    W : (p, K) float64
        Coefficients of the model point (start: the current iterate); updated in place.
    q : (n, K) float64, Fortran order
        Stored model gradient (see module docstring); updated in place.
    h : (n, K) float64, Fortran order
        Hessian diagonals (sample weights included), all ``>= 0``.
    c : (K,) float64
        Implicit-centring scalars; updated in place.  The model's intercept step is
        ``d0_init - c`` on return.
    a, b, lo, hi : (p,)
        Penalty ``a_j |w| + b_j/2 w^2`` (``a_j ||W_j||_2 + b_j/2 ||W_j||^2`` when
        ``grouped``) and bounds (ignored when ``grouped``).

    Returns ``(epochs, violation)``: epochs done and the largest KKT violation of the model
    seen during the last epoch (each coordinate is checked just before its update).
    """
    m = ws.shape[0]
    K = W.shape[1]
    hs = np.zeros(K)
    for k in range(K):
        s = 0.0
        for i in range(h.shape[0]):
            s += h[i, k]
        hs[k] = s
    xh = np.zeros((m, K))
    H = np.zeros((m, K))
    for t in range(m):
        j = ws[t]
        for k in range(K):
            xxh = sqdot(D, j, h[:, k])
            if fit_intercept and hs[k] > 0.0:
                xh[t, k] = dot(D, j, h[:, k])
                H[t, k] = max(xxh - xh[t, k] * xh[t, k] / hs[k], 0.0) * inv_n
            else:
                H[t, k] = xxh * inv_n
    G = np.zeros(K)
    V = np.zeros(K)
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for t in range(m):
            j = ws[t]
            if not grouped:
                for k in range(K):
                    Hj = H[t, k]
                    if Hj <= 0.0:
                        continue
                    old = W[j, k]
                    grad = (dot(D, j, q[:, k]) - c[k] * xh[t, k]) * inv_n
                    v = kkt_coord(old, -grad, a[j], b[j], lo[j], hi[j])
                    if v > viol:
                        viol = v
                    new = prox_coord(Hj * old - grad, Hj, a[j], b[j], lo[j], hi[j])
                    if new != old:
                        d = new - old
                        W[j, k] = new
                        waxpy(D, j, d, h[:, k], q[:, k])
                        if fit_intercept and hs[k] > 0.0:
                            c[k] += xh[t, k] / hs[k] * d
            else:
                L = 0.0
                for k in range(K):
                    G[k] = (dot(D, j, q[:, k]) - c[k] * xh[t, k]) * inv_n
                    if H[t, k] > L:
                        L = H[t, k]
                if L <= 0.0:
                    continue
                wn = 0.0
                for k in range(K):
                    wn += W[j, k] * W[j, k]
                wn = np.sqrt(wn)
                # KKT of the group before the update
                if wn == 0.0:
                    gn = 0.0
                    for k in range(K):
                        gn += G[k] * G[k]
                    v = max(np.sqrt(gn) - a[j], 0.0)
                else:
                    gn = 0.0
                    for k in range(K):
                        r = G[k] + b[j] * W[j, k] + a[j] * W[j, k] / wn
                        gn += r * r
                    v = np.sqrt(gn)
                if v > viol:
                    viol = v
                vn = 0.0
                for k in range(K):
                    V[k] = L * W[j, k] - G[k]
                    vn += V[k] * V[k]
                vn = np.sqrt(vn)
                shrink = 0.0 if vn <= a[j] else (1.0 - a[j] / vn) / (L + b[j])
                for k in range(K):
                    new = V[k] * shrink
                    d = new - W[j, k]
                    if d != 0.0:
                        W[j, k] = new
                        waxpy(D, j, d, h[:, k], q[:, k])
                        if fit_intercept and hs[k] > 0.0:
                            c[k] += xh[t, k] / hs[k] * d
        if viol <= tol:
            break
    return epoch, viol


# ----------------------------------------------------------------------------- multinomial
# The per-sample Hessian of the softmax loss is s_i (diag(p_i) - p_i p_i^T): exact Newton
# needs the cross-class terms, so a step d on W_jk changes the model gradient of every class,
# q_il += d x_ij s_i p_ik (delta_lk - p_il).  Intercepts are explicit coordinates here.


@njit(cache=True)
def _mult_row(q, sp, p, i, k, coef):
    """``q_i += coef * s_i p_ik (e_k - p_i)``."""
    cc = coef * sp[i, k]
    for l in range(q.shape[1]):
        q[i, l] -= cc * p[i, l]
    q[i, k] += cc


@njit(cache=True)
def dense_mult_update(D, j, k, d, sp, p, q):
    X = D[0]
    for i in range(X.shape[0]):
        _mult_row(q, sp, p, i, k, d * X[i, j])


@njit(cache=True)
def sparse_mult_update(D, j, k, d, sp, p, q):
    data, indices, indptr = D[0], D[1], D[2]
    for t in range(indptr[j], indptr[j + 1]):
        _mult_row(q, sp, p, indices[t], k, d * data[t])


@njit(cache=True)
def multinomial_cd(dot, sqdot, update, D, W, d0, q, sp, p, ws, a, b, lo, hi, inv_n,
                   fit_intercept, grouped, tol, max_epochs):
    """Coordinate descent on the exact proximal Newton model of the multinomial loss.

    ``sp = s * p`` and ``p`` are ``(n, K)`` (sample weights ``s``, probabilities ``p``);
    ``q`` (start: the gradient ``s (p - Y)``), ``W`` and the intercept step ``d0`` are
    updated in place.  Ungrouped: exact coordinate minimisation (the diagonal of the
    Hessian is exact).  Grouped: one block step per feature with the Gershgorin bound
    ``2 max_k H_jj,kk`` of the block's largest eigenvalue.  Returns ``(epochs, violation)``.
    """
    n = q.shape[0]
    m = ws.shape[0]
    K = W.shape[1]
    hd = np.empty((n, K))
    for i in range(n):
        for k in range(K):
            hd[i, k] = sp[i, k] * (1.0 - p[i, k])
    H = np.zeros((m, K))
    for t in range(m):
        for k in range(K):
            H[t, k] = sqdot(D, ws[t], hd[:, k]) * inv_n
    H0 = np.zeros(K)
    for k in range(K):
        s = 0.0
        for i in range(n):
            s += hd[i, k]
        H0[k] = s * inv_n
    G = np.zeros(K)
    V = np.zeros(K)
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        if fit_intercept:
            for k in range(K):
                if H0[k] <= 0.0:
                    continue
                g0 = 0.0
                for i in range(n):
                    g0 += q[i, k]
                g0 *= inv_n
                viol = max(viol, abs(g0))
                d = -g0 / H0[k]
                d0[k] += d
                for i in range(n):
                    _mult_row(q, sp, p, i, k, d)
        for t in range(m):
            j = ws[t]
            if not grouped:
                for k in range(K):
                    Hj = H[t, k]
                    if Hj <= 0.0:
                        continue
                    old = W[j, k]
                    grad = dot(D, j, q[:, k]) * inv_n
                    v = kkt_coord(old, -grad, a[j], b[j], lo[j], hi[j])
                    if v > viol:
                        viol = v
                    new = prox_coord(Hj * old - grad, Hj, a[j], b[j], lo[j], hi[j])
                    if new != old:
                        W[j, k] = new
                        update(D, j, k, new - old, sp, p, q)
            else:
                L = 0.0
                for k in range(K):
                    G[k] = dot(D, j, q[:, k]) * inv_n
                    L = max(L, 2.0 * H[t, k])
                if L <= 0.0:
                    continue
                wn = 0.0
                for k in range(K):
                    wn += W[j, k] * W[j, k]
                wn = np.sqrt(wn)
                gn = 0.0
                for k in range(K):
                    r = G[k] if wn == 0.0 else G[k] + b[j] * W[j, k] + a[j] * W[j, k] / wn
                    gn += r * r
                v = max(np.sqrt(gn) - a[j], 0.0) if wn == 0.0 else np.sqrt(gn)
                if v > viol:
                    viol = v
                vn = 0.0
                for k in range(K):
                    V[k] = L * W[j, k] - G[k]
                    vn += V[k] * V[k]
                vn = np.sqrt(vn)
                shrink = 0.0 if vn <= a[j] else (1.0 - a[j] / vn) / (L + b[j])
                for k in range(K):
                    new = V[k] * shrink
                    if new != W[j, k]:
                        d = new - W[j, k]
                        W[j, k] = new
                        update(D, j, k, d, sp, p, q)
        if viol <= tol:
            break
    return epoch, viol
