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

from .linalg import cho_solve, cholesky
from .prox import conj_coord, is_free, kkt_coord, penalty_coord, prox_coord, scale_limit
from .quadratic_cd import FAST, anderson_weights

# a face-Newton factor whose pivot falls below this fraction of its diagonal entry is
# numerically singular (a support of about n_samples features on nearly collinear columns)
NEWTON_PIVOT = 1e-10
NEWTON_MAX_FACE = 100


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
def face_newton(G, q, w, a, b, lo, hi, inv_n, Xty, yty, face, H, d):
    """Exact minimisation on the current face, cut at the first sign change or bound.

    On the face where the support and the signs of ``w`` are fixed (the coordinates listed in
    ``face``, strictly inside their bounds; every other coordinate stays where it is), the
    objective is the smooth quadratic ``f(w) + sum_k a_k s_k w_k + b_k w_k^2 / 2``.  Its
    minimiser on that face is one Newton step ``-H^{-1} g`` with
    ``H = G_face / n + diag(b_face)``.  The step is taken up to the first coordinate that
    would change sign or cross a bound (that coordinate is set exactly to 0 or the bound):
    along the segment the objective is a convex quadratic decreasing towards its minimiser,
    so any such step lowers it.  When the face is the solution's, one step solves the
    working-set problem exactly, where coordinate descent would take tens to hundreds of
    epochs on correlated columns.  Returns False (and leaves ``w, q`` unchanged) when the
    factor is singular or the step would not lower the objective in floating point.
    """
    s = face.shape[0]
    for u in range(s):
        k = face[u]
        sgn = 1.0 if w[k] > 0.0 else -1.0
        d[u] = -(q[k] * inv_n + b[k] * w[k] + a[k] * sgn)
        for t in range(u + 1):
            H[u, t] = G[k, face[t]] * inv_n
        H[u, u] += b[k]
    if not cholesky(H, s, NEWTON_PIVOT):
        return False
    cho_solve(H, s, d)
    step = 1.0
    hit = -1
    target = 0.0
    for u in range(s):
        k = face[u]
        new = w[k] + d[u]
        if w[k] > 0.0:
            if new < 0.0 or new > hi[k]:
                edge = 0.0 if new < 0.0 else hi[k]
                t = (edge - w[k]) / d[u]
                if t < step:
                    step, hit, target = t, u, edge
        else:
            if new > 0.0 or new < lo[k]:
                edge = 0.0 if new > 0.0 else lo[k]
                t = (edge - w[k]) / d[u]
                if t < step:
                    step, hit, target = t, u, edge
    if not step > 0.0:
        return False
    f_old = gram_values(w, q, Xty, yty, a, b, inv_n)[0]
    m = w.shape[0]
    w_old = np.empty(s)
    q_old = q.copy()
    for u in range(s):
        k = face[u]
        w_old[u] = w[k]
        du = step * d[u]
        if u == hit:
            du = target - w[k]
            w[k] = target
        else:
            w[k] += du
        if du != 0.0:
            for i in range(m):
                q[i] += du * G[k, i]
    if gram_values(w, q, Xty, yty, a, b, inv_n)[0] < f_old:
        return True
    for u in range(s):
        w[face[u]] = w_old[u]
    q[:] = q_old
    return False


@njit(cache=True, fastmath=FAST)
def gram_inner_solve(G, Xty, yty, w, q, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
                     use_gap, newton):
    """Coordinate descent on the working set through its Gram matrix (see the module).

    With ``newton > 0``, epochs that leave the support and signs unchanged are followed by
    a :func:`face_newton` step once the epochs spent since the last one cost ``newton``
    times what the step's factorisation costs (``s^3 / 3`` against ``s |ws|`` per epoch for
    ``s`` non-zeros): a long run of epochs on a settled face is replaced by one exact solve,
    while short solves never pay for a factorisation.  Only faces of at most
    ``NEWTON_MAX_FACE`` coordinates are tried: on larger ones (Toeplitz 500 x 5000 near
    interpolation, ~300 non-zeros) new features kept entering after the step, which then
    cost more than the epochs it saved (10-fold CV 6% slower; riboflavin 12% faster with
    the limit).
    Modifies ``w`` and ``q`` in place; returns ``(epochs_done, final_stopping_value)``.
    """
    m = w.shape[0]
    # the stopping value costs O(|ws|), less than an epoch: check after every epoch (checking
    # every n_acc epochs overshot the target by orders of magnitude along paths)
    hist = np.empty((max(n_acc, 1) + 1, m))
    w_try = np.empty(m)
    q_try = np.empty(m)
    sign = np.zeros(m, dtype=np.int8)
    face = np.empty(m, dtype=np.int64)
    h = min(m, NEWTON_MAX_FACE) if newton > 0.0 else 0
    H = np.empty((h, h))
    dbuf = np.empty(m)
    value = np.inf
    epoch = 0
    acc0 = 0  # epoch at which the extrapolation history restarts
    spent = 0.0  # epoch work since the last face-Newton step
    while epoch < max_epochs:
        gram_epoch(G, q, w, lips, a, b, lo, hi, inv_n)
        epoch += 1
        if n_acc > 0:
            slot = (epoch - acc0 - 1) % (n_acc + 1)
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
        value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
        if value <= tol:
            break
        if newton <= 0.0:
            continue
        settled = True
        s = 0
        for k in range(m):
            sg = 0
            if w[k] > 0.0:
                sg = 1
            elif w[k] < 0.0:
                sg = -1
            if sg != sign[k]:
                settled = False
                sign[k] = sg
            if sg != 0 and lips[k] != 0.0 and lo[k] < w[k] < hi[k]:
                face[s] = k
                s += 1
        spent += max(s, 1) * m
        cost = s * s * s / 3.0 + s * m
        if settled and 0 < s <= NEWTON_MAX_FACE and spent * newton >= cost:
            spent = 0.0
            if face_newton(G, q, w, a, b, lo, hi, inv_n, Xty, yty, face[:s], H, dbuf):
                acc0 = epoch
                epoch += 1  # counted as an epoch (it costs at least one)
                value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
                if value <= tol:
                    break
    return epoch, value
