"""Coordinate descent on the weighted-least-squares model of a proximal Newton step.

At the current linear predictor ``eta`` a single-output GLM datafit gives per-sample
gradients ``g`` and Hessian diagonals ``h`` (sample weights included).  The quadratic model
of the datafit in a step ``(d, d0)`` of the coefficients and the intercept is

.. math:: \\frac{1}{n} \\sum_i g_i \\delta_i + \\frac{h_i}{2} \\delta_i^2,
          \\qquad \\delta_i = x_i^\\top d + d_0.

Its gradient with respect to ``eta_i`` is ``q_i = g_i + h_i delta_i``.

**The intercept is kept exactly optimal** for the model after every coordinate update
(``sum_i q_i = 0``): a step ``d`` on ``w_j`` comes with the intercept step ``-m_j d``,
``m_j = sum_i h_i x_ij / sum_i h_i``, which is coordinate descent on columns centred at
their ``h``-weighted means.  The centring is implicit: ``q`` is stored as
``q_stored - c h`` with one scalar ``c``, so a sparse column update only touches its
stored entries (``x_j^T q = x_j^T q_stored - c x_j^T h``).

The multinomial model (several outputs, exact cross-class Hessian) is at the end.

The design is a tuple: dense ``(X,)`` (Fortran order) or sparse ``(data, indices, indptr)``
(CSC, sorted indices); the column operations below are resolved from its type when a
caller is compiled.  Nothing here validates its inputs.
"""

import numpy as np
from numba import njit
from numba.extending import overload

from .prox import kkt_coord, prox_coord
from .quadratic_cd import FAST


def col_dot(D, j, v):
    """``sum_i X_ij v_i``; resolved at compile time by the overload below."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_moments(D, j, h):
    """``(sum_i X_ij h_i, sum_i X_ij^2 h_i)``; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_axpy(D, j, d, u):
    """``u += d * X_j`` in place; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_waxpy(D, j, d, h, u):
    """``u += d * h * X_j`` in place; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_mult_update(D, j, k, d, sp, p, q):
    """``q_i += d X_ij s_i p_ik (e_k - p_i)`` for every row ``i``; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_size(D, j):
    """Stored entries of column ``j`` (its cost); resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(col_size)
def _col_size(D, j):
    if _is_dense(D):
        return lambda D, j: D[0].shape[0]
    return lambda D, j: D[2][j + 1] - D[2][j]


def _is_dense(D):
    return len(D.types) == 1


@overload(col_dot)
def _col_dot(D, j, v):
    if _is_dense(D):
        def dense(D, j, v):
            X = D[0]
            s = 0.0
            for i in range(X.shape[0]):
                s += X[i, j] * v[i]
            return s
        return dense

    def sparse(D, j, v):
        # two accumulators halve the add latency chain (the gathers are not vectorised);
        # unsigned row indices spare numba's negative-index wraparound
        data, indices, indptr = D[0], D[1], D[2]
        s0 = 0.0
        s1 = 0.0
        k = indptr[j]
        end = indptr[j + 1]
        while k + 1 < end:
            s0 += data[k] * v[np.uint64(indices[k])]
            s1 += data[k + 1] * v[np.uint64(indices[k + 1])]
            k += 2
        if k < end:
            s0 += data[k] * v[np.uint64(indices[k])]
        return s0 + s1
    return sparse


@overload(col_moments)
def _col_moments(D, j, h):
    if _is_dense(D):
        def dense(D, j, h):
            X = D[0]
            s1 = 0.0
            s2 = 0.0
            for i in range(X.shape[0]):
                x = X[i, j]
                s1 += x * h[i]
                s2 += x * x * h[i]
            return s1, s2
        return dense

    def sparse(D, j, h):
        data, indices, indptr = D[0], D[1], D[2]
        s1 = 0.0
        s2 = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            x = data[k]
            hk = h[np.uint64(indices[k])]
            s1 += x * hk
            s2 += x * x * hk
        return s1, s2
    return sparse


@overload(col_axpy)
def _col_axpy(D, j, d, u):
    if _is_dense(D):
        def dense(D, j, d, u):
            X = D[0]
            for i in range(X.shape[0]):
                u[i] += d * X[i, j]
        return dense

    def sparse(D, j, d, u):
        data, indices, indptr = D[0], D[1], D[2]
        for k in range(indptr[j], indptr[j + 1]):
            u[np.uint64(indices[k])] += d * data[k]
    return sparse


@overload(col_waxpy)
def _col_waxpy(D, j, d, h, u):
    if _is_dense(D):
        def dense(D, j, d, h, u):
            X = D[0]
            for i in range(X.shape[0]):
                u[i] += d * h[i] * X[i, j]
        return dense

    def sparse(D, j, d, h, u):
        data, indices, indptr = D[0], D[1], D[2]
        for k in range(indptr[j], indptr[j + 1]):
            i = np.uint64(indices[k])
            u[i] += d * h[i] * data[k]
    return sparse


@njit(cache=True, inline="always")
def _mult_row(q, sp, p, i, k, coef):
    """``q_i += coef * s_i p_ik (e_k - p_i)``."""
    cc = coef * sp[i, k]
    for l in range(q.shape[1]):
        q[i, l] -= cc * p[i, l]
    q[i, k] += cc


@overload(col_mult_update)
def _col_mult_update(D, j, k, d, sp, p, q):
    if _is_dense(D):
        def dense(D, j, k, d, sp, p, q):
            X = D[0]
            for i in range(X.shape[0]):
                _mult_row(q, sp, p, i, k, d * X[i, j])
        return dense

    def sparse(D, j, k, d, sp, p, q):
        data, indices, indptr = D[0], D[1], D[2]
        for t in range(indptr[j], indptr[j + 1]):
            _mult_row(q, sp, p, indices[t], k, d * data[t])
    return sparse


def _wls_cd(D, w, q, h, ws, a, b, lo, hi, inv_n, fit_intercept, tol, max_epochs, H, xh):
    """Coordinate descent on the proximal Newton model over the working set ``ws``.

    Parameters
    ----------
    w : (p,) float64
        Coefficients of the model point (start: the current iterate); updated in place.
    q : (n,) float64
        Stored model gradient (see module docstring); updated in place.
    h : (n,) float64
        Hessian diagonals (sample weights included), all ``>= 0``.
    a, b, lo, hi : (p,)
        Penalty ``a_j |w| + b_j/2 w^2`` and bounds.
    H, xh : (>= len(ws),) float64
        Workspace (overwritten).

    Returns ``(epochs, violation, c)``: epochs done, the largest KKT violation of the model
    seen during the last epoch (each coordinate is checked just before its update) and the
    implicit-centring scalar ``c`` (the model's intercept step is ``d0_init - c``).
    """
    m = ws.shape[0]
    hs = 0.0
    for i in range(h.shape[0]):
        hs += h[i]
    centre = fit_intercept and hs > 0.0
    for t in range(m):
        s1, s2 = col_moments(D, ws[t], h)
        if centre:
            xh[t] = s1
            H[t] = max(s2 - s1 * s1 / hs, 0.0) * inv_n
        else:
            xh[t] = 0.0
            H[t] = s2 * inv_n
    c = 0.0
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for t in range(m):
            j = ws[t]
            Hj = H[t]
            if Hj <= 0.0:
                continue
            old = w[j]
            grad = (col_dot(D, j, q) - c * xh[t]) * inv_n
            v = kkt_coord(old, -grad, a[j], b[j], lo[j], hi[j])
            if v > viol:
                viol = v
            new = prox_coord(Hj * old - grad, Hj, a[j], b[j], lo[j], hi[j])
            if new != old:
                d = new - old
                w[j] = new
                col_waxpy(D, j, d, h, q)
                if centre:
                    c += xh[t] / hs * d
        if viol <= tol:
            break
    return epoch, viol, c


# ----------------------------------------------------------------------------- multinomial
# The per-sample Hessian of the softmax loss is s_i (diag(p_i) - p_i p_i^T): exact Newton
# needs the cross-class terms, so a step d on W_jk changes the model gradient of every class,
# q_il += d x_ij s_i p_ik (delta_lk - p_il).  Intercepts are explicit coordinates here.


def _multinomial_cd(D, W, d0, q, sp, p, ws, a, b, lo, hi, inv_n, fit_intercept, grouped, tol,
                    max_epochs):
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
            H[t, k] = col_moments(D, ws[t], hd[:, k])[1] * inv_n
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
                    grad = col_dot(D, j, q[:, k]) * inv_n
                    v = kkt_coord(old, -grad, a[j], b[j], lo[j], hi[j])
                    if v > viol:
                        viol = v
                    new = prox_coord(Hj * old - grad, Hj, a[j], b[j], lo[j], hi[j])
                    if new != old:
                        W[j, k] = new
                        col_mult_update(D, j, k, new - old, sp, p, q)
            else:
                L = 0.0
                for k in range(K):
                    G[k] = col_dot(D, j, q[:, k]) * inv_n
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
                        col_mult_update(D, j, k, d, sp, p, q)
        if viol <= tol:
            break
    return epoch, viol


# Each entry point is compiled twice from the same source, as in quadratic_cd: dense
# columns with re-association (vectorised dot products), sparse ones without (LLVM's
# gather-based vectorisation is slower than scalar code there).  Helpers inherit their
# caller's flags; ``wls_cd`` is only ever called from such entry points (here and in
# sparsefit._kernels.glm_newton), so its dense and sparse versions get the right ones.
wls_cd = njit(cache=True)(_wls_cd)


def _wls_cd_entry(D, w, q, h, ws, a, b, lo, hi, inv_n, fit_intercept, tol, max_epochs, H, xh):
    return wls_cd(D, w, q, h, ws, a, b, lo, hi, inv_n, fit_intercept, tol, max_epochs, H, xh)


wls_cd_dense = njit(cache=True, fastmath=FAST)(_wls_cd_entry)
wls_cd_sparse = njit(cache=True)(_wls_cd_entry)
# The multinomial is compiled without re-association for dense data too: with it, the
# grouped model at tol=1e-10 (tests/test_glm_inputs.py) stalls at the floating-point floor
# above its tolerance.
multinomial_cd = njit(cache=True)(_multinomial_cd)
