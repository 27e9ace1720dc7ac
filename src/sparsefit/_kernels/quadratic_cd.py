"""Coordinate-descent building blocks for the (sample-weighted, centred) quadratic datafit.

Column operations, epochs, working-set gaps and Anderson weights, inlined into the path
solver of :mod:`.quadratic_path`.  The design is passed as a tuple so one source serves
dense and sparse data:

* dense: ``(X,)`` with ``X`` Fortran-ordered, already centred and row-weighted;
* sparse: ``(data, indices, indptr, mu, nmu, v)`` for a CSC matrix ``X`` whose centred
  column is ``X_j - mu_j v`` (``v`` = square roots of the sample weights, ``nmu = X^T v``).

The residual of the centred problem is ``r + c v`` with the scalar ``c = state[0]``
(always 0 for dense data), so centring a sparse matrix never densifies it.  Because the
fitted model is centred, ``v^T (r + c v) = 0`` and hence ``||r + c v||^2 = ||r||^2 - n c^2``.
"""

import numpy as np
from numba import njit
from numba.extending import overload

from .flags import FAST
from .linalg import cho_solve, cholesky
from .prox import conj_coord, is_free, kkt_coord, penalty_coord, prox_coord, scale_limit


def col_dot(D, j, r, state):
    """``X_c[:, j] @ (r + c v)``; resolved at compile time by the overload below."""
    raise NotImplementedError("only callable from numba-compiled code")


def col_axpy(D, j, d, r, state):
    """``r + c v -= d * X_c[:, j]``, in place; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


def _is_dense(D):
    return len(D.types) == 1


# Dense and sparse kernels are chosen from the type of the design tuple when a caller is
# compiled.  (Passing jitted functions as arguments instead breaks numba's on-disk cache.)
@overload(col_dot)
def _col_dot(D, j, r, state):
    if _is_dense(D):
        def dense(D, j, r, state):
            X = D[0]
            s = 0.0
            for i in range(X.shape[0]):
                s += X[i, j] * r[i]
            return s
        return dense

    def sparse(D, j, r, state):
        # four partial sums: each non-zero's product would otherwise wait on the one
        # before (the sparse kernels are compiled without re-association).  Positions are
        # unsigned, and so are the row indices (see Design.kernel_data): numba wraps every
        # signed index that might be negative, two instructions per access (Reuters
        # "earn", every correlation: 1.03 ms signed, 0.62 ms unsigned)
        data, indices, indptr, nmu = D[0], D[1], D[2], D[4]
        u1, u2, u3, u4 = np.uint64(1), np.uint64(2), np.uint64(3), np.uint64(4)
        end = np.uint64(indptr[j + 1])
        s0 = s1 = s2 = s3 = 0.0
        k = np.uint64(indptr[j])
        while k + u4 <= end:
            s0 += data[k] * r[indices[k]]
            s1 += data[k + u1] * r[indices[k + u1]]
            s2 += data[k + u2] * r[indices[k + u2]]
            s3 += data[k + u3] * r[indices[k + u3]]
            k += u4
        while k < end:
            s0 += data[k] * r[indices[k]]
            k += u1
        return (s0 + s1) + (s2 + s3) + state[0] * nmu[j]
    return sparse


@overload(col_axpy)
def _col_axpy(D, j, d, r, state):
    if _is_dense(D):
        def dense(D, j, d, r, state):
            X = D[0]
            for i in range(X.shape[0]):
                r[i] -= d * X[i, j]
        return dense

    def sparse(D, j, d, r, state):
        data, indices, indptr, mu = D[0], D[1], D[2], D[3]
        k = np.uint64(indptr[j])  # unsigned: no wraparound (see col_dot)
        end = np.uint64(indptr[j + 1])
        while k < end:
            r[indices[k]] -= d * data[k]
            k += np.uint64(1)
        state[0] += d * mu[j]
    return sparse


@njit(cache=True)
def resid_sq(r, state):
    """``||r + c v||^2`` of the centred model (see module docstring)."""
    s = 0.0
    for i in range(r.shape[0]):
        s += r[i] * r[i]
    return s - r.shape[0] * state[0] * state[0]


def _corr_cols(D, r, state, cols, inv_n, out):
    """``out[j] = X_c[:, j] @ (r + c v) / n`` for ``j`` in ``cols`` (other entries untouched)."""
    for k in range(cols.shape[0]):
        j = cols[k]
        out[j] = col_dot(D, j, r, state) * inv_n


@njit(cache=True, inline="always")
def cd_epoch(D, w, r, state, ws, lips, a, b, lo, hi, inv_n):
    """One cyclic pass over the coordinates ``ws``; updates ``w``, ``r``, ``state`` in place."""
    for k in range(ws.shape[0]):
        j = ws[k]
        lip = lips[j]
        if lip == 0.0:
            continue
        old = w[j]
        corr = col_dot(D, j, r, state) * inv_n
        new = prox_coord(lip * old + corr, lip, a[j], b[j], lo[j], hi[j])
        if new != old:
            w[j] = new
            col_axpy(D, j, new - old, r, state)


@njit(cache=True, inline="always")
def ws_objective(w, r, state, ws, a, b, inv_n):
    """Objective restricted to the working set (the rest of ``w`` is fixed)."""
    val = 0.5 * inv_n * resid_sq(r, state)
    for k in range(ws.shape[0]):
        j = ws[k]
        val += penalty_coord(w[j], a[j], b[j])
    return val


@njit(cache=True, inline="always")
def ws_kkt(D, w, r, state, ws, lips, a, b, lo, hi, inv_n):
    """Largest optimality violation over the working set."""
    worst = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        if lips[j] == 0.0:
            continue
        v = kkt_coord(w[j], col_dot(D, j, r, state) * inv_n, a[j], b[j], lo[j], hi[j])
        if v > worst:
            worst = v
    return worst


@njit(cache=True, inline="always")
def ws_gap(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, buf):
    """Duality gap of the problem restricted to the working set (``w`` is 0 outside it).

    The dual point is the rescaled residual.  Free features (no penalty, no bound) are left
    out of the dual constraints, so with such features this is a stopping heuristic for the
    inner loop; the outer loop certifies with the exact projection.
    """
    pen = 0.0
    c = 1.0
    for k in range(ws.shape[0]):
        j = ws[k]
        corr = col_dot(D, j, r, state) * inv_n if lips[j] != 0.0 else 0.0
        buf[k] = corr
        pen += penalty_coord(w[j], a[j], b[j])
        if not is_free(a[j], b[j], lo[j], hi[j]):
            c = min(c, scale_limit(corr, a[j], b[j], lo[j], hi[j]))
    conj = 0.0
    for k in range(ws.shape[0]):
        j = ws[k]
        if not is_free(a[j], b[j], lo[j], hi[j]):
            conj += conj_coord(c * buf[k], a[j], b[j], lo[j], hi[j])
    rsq = resid_sq(r, state)
    ry = 0.0
    for i in range(r.shape[0]):
        ry += r[i] * y[i]  # v^T y = 0 for centred data, so this is (r + c v)^T y
    primal = 0.5 * inv_n * rsq + pen
    dual = c * ry * inv_n - 0.5 * inv_n * c * c * rsq - conj
    return primal - dual


@njit(cache=True)
def anderson_weights(hist):
    """Weights ``c`` (summing to 1) minimising ``||sum_k c_k (x_{k+1} - x_k)||``.

    ``hist`` has one past iterate per row.  Returns an empty array when the small
    linear system is singular, in which case no extrapolation is attempted.
    """
    K = hist.shape[0] - 1
    m = hist.shape[1]
    # C = U U^T with U the successive differences, by loops (no BLAS: see below)
    C = np.zeros((K, K))
    for k in range(K):
        for t in range(k, K):
            s = 0.0
            for i in range(m):
                s += (hist[k + 1, i] - hist[k, i]) * (hist[t + 1, i] - hist[t, i])
            C[k, t] = s
            C[t, k] = s
    scale = 0.0
    for k in range(K):
        scale = max(scale, C[k, k])
    if scale == 0.0:
        return np.empty(0)
    for k in range(K):
        C[k, k] += 1e-12 * scale  # mild Tikhonov term: keeps the solve well posed
    # C z = 1 by Cholesky, in loops (see .linalg: no BLAS threads)
    if not cholesky(C, K, 0.0):
        return np.empty(0)
    z = np.ones(K)
    cho_solve(C, K, z)
    sz = z.sum()
    if not np.isfinite(sz) or sz == 0.0:
        return np.empty(0)
    return z / sz


# Each entry point is compiled twice from the same source.  Dense columns want
# re-association (LLVM then vectorises the dot products: 3-4x faster); sparse columns must
# not have it (LLVM then uses gather instructions: 1.5x slower than scalar code on Reuters).
# The helpers above are inlined at numba-IR level, so they take their entry point's flags.
corr_cols_dense = njit(cache=True, fastmath=FAST)(_corr_cols)
corr_cols_sparse = njit(cache=True)(_corr_cols)
