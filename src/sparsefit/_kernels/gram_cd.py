"""Coordinate descent on a working set through its Gram matrix ("covariance updates").

With ``G = X_ws^T X_ws`` and ``q = G w - X_ws^T y`` (so that ``-q / n`` is the correlation
of each working-set column with the residual), an update of one coordinate costs
``|ws|`` operations instead of ``n`` (dense) or the column's non-zeros (sparse).  That pays
when the working set is much smaller than the number of samples.  The residual is never
formed: ``||r||^2 = y^T y - w^T X^T y + w^T q`` and ``r^T y = y^T y - w^T X^T y``.
All arrays here are compact (indexed by working-set position).
"""

import numpy as np
from numba import njit

from .prox import conj_coord, is_free, kkt_coord, penalty_coord, prox_coord, scale_limit
from .quadratic_cd import FAST, anderson_weights


@njit(cache=True, fastmath=FAST)
def gram_epoch(G, q, w, lips, a, b, lo, hi, inv_n):
    """One cyclic pass; updates ``w`` and ``q`` in place (``G`` symmetric, C-ordered)."""
    m = w.shape[0]
    for k in range(m):
        lip = lips[k]
        if lip == 0.0:
            continue
        old = w[k]
        new = prox_coord(lip * old - q[k] * inv_n, lip, a[k], b[k], lo[k], hi[k])
        if new != old:
            d = new - old
            w[k] = new
            for i in range(m):
                q[i] += d * G[k, i]


@njit(cache=True, fastmath=FAST)
def gram_values(w, q, Xty, yty, a, b, inv_n):
    """``(objective, ||r||^2, r^T y)`` of the working-set problem."""
    wx = 0.0
    wq = 0.0
    pen = 0.0
    for k in range(w.shape[0]):
        wx += w[k] * Xty[k]
        wq += w[k] * q[k]
        pen += penalty_coord(w[k], a[k], b[k])
    rsq = yty - wx + wq
    return 0.5 * inv_n * rsq + pen, rsq, yty - wx


@njit(cache=True, fastmath=FAST)
def gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap):
    """Working-set duality gap (``use_gap``) or largest KKT violation."""
    m = w.shape[0]
    if not use_gap:
        worst = 0.0
        for k in range(m):
            if lips[k] != 0.0:
                worst = max(worst, kkt_coord(w[k], -q[k] * inv_n, a[k], b[k], lo[k], hi[k]))
        return worst
    c = 1.0
    for k in range(m):
        if lips[k] != 0.0 and not is_free(a[k], b[k], lo[k], hi[k]):
            c = min(c, scale_limit(-q[k] * inv_n, a[k], b[k], lo[k], hi[k]))
    conj = 0.0
    for k in range(m):
        if lips[k] != 0.0 and not is_free(a[k], b[k], lo[k], hi[k]):
            conj += conj_coord(-c * q[k] * inv_n, a[k], b[k], lo[k], hi[k])
    primal, rsq, ry = gram_values(w, q, Xty, yty, a, b, inv_n)
    dual = c * ry * inv_n - 0.5 * inv_n * c * c * rsq - conj
    return primal - dual


@njit(cache=True, fastmath=FAST)
def gram_inner_solve(G, Xty, yty, w, q, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
                     use_gap):
    """Coordinate descent on the working set through its Gram matrix (see the module).

    Modifies ``w`` and ``q`` in place; returns ``(epochs_done, final_stopping_value)``.
    """
    m = w.shape[0]
    # the stopping value costs O(|ws|), less than an epoch: check after every epoch (checking
    # every n_acc epochs overshot the target by orders of magnitude along paths)
    check_every = 1
    hist = np.empty((max(n_acc, 1) + 1, m))
    w_try = np.empty(m)
    q_try = np.empty(m)
    value = np.inf
    epoch = 0
    while epoch < max_epochs:
        gram_epoch(G, q, w, lips, a, b, lo, hi, inv_n)
        epoch += 1
        if n_acc > 0:
            slot = (epoch - 1) % (n_acc + 1)
            hist[slot] = w
            if slot == n_acc:
                c = anderson_weights(hist)
                if c.shape[0] == n_acc:
                    for k in range(m):
                        val = 0.0
                        for t in range(n_acc):
                            val += c[t] * hist[t + 1, k]
                        w_try[k] = min(max(val, lo[k]), hi[k]) if lips[k] != 0.0 else w[k]
                    q_try[:] = q
                    for k in range(m):
                        d = w_try[k] - w[k]
                        if d != 0.0:
                            for i in range(m):
                                q_try[i] += d * G[k, i]
                    f_try = gram_values(w_try, q_try, Xty, yty, a, b, inv_n)[0]
                    if f_try < gram_values(w, q, Xty, yty, a, b, inv_n)[0]:
                        w[:] = w_try
                        q[:] = q_try
        if epoch % check_every == 0:
            value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
            if value <= tol:
                break
    return epoch, value
