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
        # unsigned row indices and positions spare numba's negative-index wraparound
        data, indices, indptr = D[0], D[1], D[2]
        u1, u2 = np.uint64(1), np.uint64(2)
        s0 = 0.0
        s1 = 0.0
        k = np.uint64(indptr[j])
        end = np.uint64(indptr[j + 1])
        while k + u1 < end:
            s0 += data[k] * v[np.uint64(indices[k])]
            s1 += data[k + u1] * v[np.uint64(indices[k + u1])]
            k += u2
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
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # (unsigned)
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
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # (unsigned)
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
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # (unsigned)
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


@njit(cache=True, inline="always")
def _coord_update(w, j, grad, Hj, a, b, lo, hi, viol):
    """Exact minimisation of the model in ``w[j]`` (curvature ``Hj``, gradient ``grad``).

    Returns ``(step, max(viol, KKT violation before the step))``; updates ``w[j]``.
    """
    old = w[j]
    v = kkt_coord(old, -grad, a[j], b[j], lo[j], hi[j])
    new = prox_coord(Hj * old - grad, Hj, a[j], b[j], lo[j], hi[j])
    w[j] = new
    return new - old, max(viol, v)


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
            if H[t] <= 0.0:
                continue
            grad = (col_dot(D, j, q) - c * xh[t]) * inv_n
            d, viol = _coord_update(w, j, grad, H[t], a, b, lo, hi, viol)
            if d != 0.0:
                col_waxpy(D, j, d, h, q)
                if centre:
                    c += xh[t] / hs * d
        if viol <= tol:
            break
    return epoch, viol, c


def col_stats(D, j, sw):
    """``(sum_i s_i x_ij, sum_i s_i x_ij^2, max_i |x_ij|, sum_i x_ij^2)``; compile-time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(col_stats)
def _col_stats(D, j, sw):
    if _is_dense(D):
        def dense(D, j, sw):
            X = D[0]
            s1 = 0.0
            s2 = 0.0
            mx = 0.0
            sq = 0.0
            for i in range(X.shape[0]):
                x = X[i, j]
                s1 += sw[i] * x
                s2 += sw[i] * x * x
                sq += x * x
                mx = max(mx, abs(x))
            return s1, s2, mx, sq
        return dense

    def sparse(D, j, sw):
        data, indices, indptr = D[0], D[1], D[2]
        s1 = 0.0
        s2 = 0.0
        mx = 0.0
        sq = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            x = data[k]
            si = sw[np.uint64(indices[k])]
            s1 += si * x
            s2 += si * x * x
            sq += x * x
            mx = max(mx, abs(x))
        return s1, s2, mx, sq
    return sparse


def _column_stats(D, sw, out):
    """One pass over the design: ``out[:, j]`` = :func:`col_stats` of column ``j``."""
    for j in range(out.shape[1]):
        out[0, j], out[1, j], out[2, j], out[3, j] = col_stats(D, j, sw)


column_stats_dense = njit(cache=True, fastmath=FAST)(_column_stats)
column_stats_sparse = njit(cache=True)(_column_stats)


# ----------------------------------------------------------------------------- Gram form
# The same model through the working set's weighted Gram matrix G = X_ws^T diag(h) X_ws,
# centred for the implicit intercept (Gc = G - xh xh^T / sum(h)): an update costs |ws|
# instead of a column's entries.  It pays when building G (one pass over the working set's
# rows for sparse data, |ws|^2 n / 2 for dense) is cheaper than the epochs it saves.


def gram_cost(D, ws, cnt):
    """Operations to build the Gram matrix of ``ws``; resolved at compile time.

    Sparse: fills ``cnt[i]`` with the working set's entries in row ``i`` (reused by
    :func:`gram_build`); dense: ``cnt`` is not touched.
    """
    raise NotImplementedError("only callable from numba-compiled code")


def gram_build(D, ws, h, g, cnt, G, xh, xg):
    """``G = X_ws^T diag(h) X_ws`` (full, symmetric), ``xh = X_ws^T h``, ``xg = X_ws^T g``."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(gram_cost)
def _gram_cost(D, ws, cnt):
    if _is_dense(D):
        def dense(D, ws, cnt):
            m = ws.shape[0]
            return (m * (m + 1) // 2 + 2 * m) * D[0].shape[0]
        return dense

    def sparse(D, ws, cnt):
        indices, indptr = D[1], D[2]
        cnt[:] = 0
        total = 0
        for t in range(ws.shape[0]):
            j = ws[t]
            total += indptr[j + 1] - indptr[j]
            for k in range(indptr[j], indptr[j + 1]):
                cnt[np.uint64(indices[k])] += 1
        pairs = 0
        for i in range(cnt.shape[0]):
            pairs += cnt[i] * (cnt[i] + 1) // 2
        return 3 * total + pairs
    return sparse


@overload(gram_build)
def _gram_build(D, ws, h, g, cnt, G, xh, xg):
    if _is_dense(D):
        def dense(D, ws, h, g, cnt, G, xh, xg):
            X = D[0]
            n = X.shape[0]
            m = ws.shape[0]
            u = np.empty(n)
            for a in range(m):
                ja = ws[a]
                s1 = 0.0
                s2 = 0.0
                for i in range(n):
                    u[i] = X[i, ja] * h[i]
                    s1 += u[i]
                    s2 += X[i, ja] * g[i]
                xh[a] = s1
                xg[a] = s2
                for c in range(a, m):
                    jc = ws[c]
                    s = 0.0
                    for i in range(n):
                        s += u[i] * X[i, jc]
                    G[a, c] = s
                    G[c, a] = s
        return dense

    def sparse(D, ws, h, g, cnt, G, xh, xg):
        # the working set's rows (a CSR copy of its columns), then one pass over each row's
        # pairs of entries
        data, indices, indptr = D[0], D[1], D[2]
        n = cnt.shape[0]
        m = ws.shape[0]
        start = np.empty(n + 1, dtype=np.int64)
        start[0] = 0
        for i in range(n):
            start[i + 1] = start[i] + cnt[i]
        fill = start[:n].copy()
        rcol = np.empty(start[n], dtype=np.int64)
        rval = np.empty(start[n])
        for t in range(m):
            j = ws[t]
            s1 = 0.0
            s2 = 0.0
            for k in range(indptr[j], indptr[j + 1]):
                i = np.uint64(indices[k])
                x = data[k]
                s1 += x * h[i]
                s2 += x * g[i]
                rcol[fill[i]] = t
                rval[fill[i]] = x
                fill[i] += 1
            xh[t] = s1
            xg[t] = s2
        G[:m, :m] = 0.0
        for i in range(n):
            hi = h[i]
            for u in range(start[i], start[i + 1]):
                a = rcol[u]
                xa = rval[u] * hi
                for v in range(u, start[i + 1]):
                    G[a, rcol[v]] += xa * rval[v]
        for a in range(m):  # rows are filled in increasing t: the upper triangle is complete
            for c in range(a + 1, m):
                G[c, a] = G[a, c]
    return sparse


@njit(cache=True)
def wls_gram_cd(G, xh, xg, hs, d0_init, w, ws, a, b, lo, hi, inv_n, fit_intercept, tol,
                max_epochs, v, w0):
    """:func:`wls_cd` through the Gram matrix (from :func:`gram_build`); same contract.

    ``G`` is centred in place; ``v, w0`` are workspace of length ``>= len(ws)``.  Returns
    ``(epochs, violation, c)``.
    """
    m = ws.shape[0]
    centre = fit_intercept and hs > 0.0
    for t in range(m):
        v[t] = xg[t] + d0_init * xh[t]  # x_j^T q at the start, q = g + h d0_init
        w0[t] = w[ws[t]]
    if centre:
        for s in range(m):
            for t in range(m):
                G[s, t] -= xh[s] * xh[t] / hs
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol = 0.0
        for t in range(m):
            Hj = max(G[t, t], 0.0) * inv_n
            if Hj <= 0.0:
                continue
            d, viol = _coord_update(w, ws[t], v[t] * inv_n, Hj, a, b, lo, hi, viol)
            if d != 0.0:
                for s in range(m):
                    v[s] += G[t, s] * d
        if viol <= tol:
            break
    c = 0.0
    if centre:
        for t in range(m):
            c += xh[t] * (w[ws[t]] - w0[t])
        c /= hs
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


def _solve_model(D, w, g, h, d0_init, ws, a, b, lo, hi, inv_n, fit_intercept, tol, max_epochs,
                 expect, form, q, H, xh, cnt, v, w0):
    """Minimise the Newton model at ``(g, h)`` over ``ws`` from ``w`` (updated in place).

    ``d0_init`` is the intercept step that zeroes the model's intercept gradient at ``w``.
    ``form``: 1 coordinate descent on the columns (:func:`wls_cd`), 2 through the Gram
    matrix (:func:`wls_gram_cd`), 0 whichever is cheaper for ``expect`` epochs.  ``q`` (n),
    ``H, xh, v, w0`` (>= len(ws)) and ``cnt`` (n, int64) are workspace.  Returns
    ``(epochs, violation, c, entries_read)``.
    """
    m = ws.shape[0]
    entries = 0
    for t in range(m):
        entries += col_size(D, ws[t])
    build = gram_cost(D, ws, cnt) if form != 1 else 0
    if form == 2 or (form == 0 and build + expect * m * m < (expect + 1) * 2 * entries):
        G = np.empty((m, m))
        gram_build(D, ws, h, g, cnt, G, xh, H)
        hs = 0.0
        for i in range(h.shape[0]):
            hs += h[i]
        epochs, viol, c = wls_gram_cd(G, xh, H, hs, d0_init, w, ws, a, b, lo, hi, inv_n,
                                      fit_intercept, tol, max_epochs, v, w0)
        return epochs, viol, c, build + epochs * m * m
    for i in range(q.shape[0]):
        q[i] = g[i] + h[i] * d0_init
    epochs, viol, c = wls_cd(D, w, q, h, ws, a, b, lo, hi, inv_n, fit_intercept, tol,
                             max_epochs, H, xh)
    return epochs, viol, c, (epochs + 1) * entries


# Each entry point is compiled twice from the same source, as in quadratic_cd: dense
# columns with re-association (vectorised dot products), sparse ones without (LLVM's
# gather-based vectorisation is slower than scalar code there).  Helpers inherit their
# caller's flags; ``solve_model`` is only ever called from such entry points (here and in
# sparsefit._kernels.glm_newton), so its dense and sparse versions get the right ones.
wls_cd = njit(cache=True)(_wls_cd)
solve_model = njit(cache=True)(_solve_model)


def _solve_model_entry(D, w, g, h, d0_init, ws, a, b, lo, hi, inv_n, fit_intercept, tol,
                       max_epochs, expect, form, q, H, xh, cnt, v, w0):
    return solve_model(D, w, g, h, d0_init, ws, a, b, lo, hi, inv_n, fit_intercept, tol,
                       max_epochs, expect, form, q, H, xh, cnt, v, w0)


solve_model_dense = njit(cache=True, fastmath=FAST)(_solve_model_entry)
solve_model_sparse = njit(cache=True)(_solve_model_entry)
# The multinomial is compiled without re-association for dense data too: with it, the
# grouped model at tol=1e-10 (tests/test_glm_inputs.py) stalls at the floating-point floor
# above its tolerance.
multinomial_cd = njit(cache=True)(_multinomial_cd)
