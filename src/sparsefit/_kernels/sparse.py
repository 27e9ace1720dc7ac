"""Small kernels on CSC matrices."""

import numpy as np
from numba import njit


@njit(cache=True)
def csc_col_sq_norms(data, indptr):
    """Squared Euclidean norm of every column of a CSC matrix (no temporaries)."""
    p = indptr.shape[0] - 1
    out = np.zeros(p)
    for j in range(p):
        s = 0.0
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):
            s += data[k] * data[k]
        out[j] = s
    return out


@njit(cache=True)
def csc_from_dense(W):
    """``(indptr, indices, data)`` of the CSC form of the 2-D array ``W`` (any layout; a
    Fortran-ordered one is read along its contiguous columns): scipy's conversion goes
    through COO and a sort (a 19,369 x 100 path: 8 ms against 1)."""
    p, m = W.shape
    indptr = np.zeros(m + 1, dtype=np.int64)
    for i in range(m):
        c = 0
        for j in range(p):
            c += W[j, i] != 0.0
        indptr[i + 1] = indptr[i] + c
    indices = np.empty(indptr[m], dtype=np.int64)
    data = np.empty(indptr[m], dtype=W.dtype)
    q = 0
    for i in range(m):
        for j in range(p):
            x = W[j, i]
            if x != 0.0:
                indices[q] = j
                data[q] = x
                q += 1
    return indptr, indices, data


@njit(cache=True, inline="always")
def _add_rows(data, indices, indptr, rows, w, S, u):
    """``S[j, l] or S[l, j] += w_i a_ij a_il`` (each pair once, by storage order) and
    ``u += w_i a_i`` over ``rows`` of a CSR matrix (``w`` empty: unit weights).  Positions
    and indices unsigned: numba wraps every signed index that might be negative."""
    u1 = np.uint64(1)
    for t in range(rows.shape[0]):
        i = np.uint64(rows[t])
        wi = w[i] if w.shape[0] > 0 else 1.0
        k0 = np.uint64(indptr[i])
        for k in range(k0, np.uint64(indptr[i + u1])):
            jk = np.uint64(indices[k])
            vk = wi * data[k]
            u[jk] += vk
            for m in range(k0, k + u1):
                S[jk, np.uint64(indices[m])] += vk * data[m]


@njit(cache=True)
def csr_rows_gram(data, indices, indptr, rows, w, f):
    """``(sum_i w_i a_i a_i^T, sum_i w_i a_i)`` over ``rows`` of a CSR matrix with ``f`` columns.

    ``a_i`` is row ``i``; ``w`` may be empty (unit weights).  Costs the sum of the rows'
    squared non-zero counts: far less than a sparse-sparse product building a sparse result
    when rows are short (Reuters: ~1 ms for a fold's test rows against ~10 ms).
    """
    S = np.zeros((f, f))
    u = np.zeros(f)
    _add_rows(data, indices, indptr, rows, w, S, u)
    # each row added a pair {j, l} once, at (j, l) or (l, j) by its storage order: fold the
    # two triangles together and mirror
    for a in range(f):
        for b in range(a + 1, f):
            s = S[a, b] + S[b, a]
            S[a, b] = s
            S[b, a] = s
    return S, u


@njit(cache=True)
def fold_gram(S, u, W, data, indices, indptr, rows, w, c, centre, G):
    """``G = c (S - S_r - u' u'^T / W)`` with ``u' = u - u_r`` (the centring term only when
    ``centre``), ``(S_r, u_r)`` the weighted sums of :func:`csr_rows_gram` over ``rows``:
    a cross-validation fold's Gram matrix from the full data's sums ``(S, u)`` (see
    :mod:`sparsefit.model_selection._shared_gram`), in one pass over ``G`` after the rows'
    (their sums accumulate in ``G`` itself)."""
    f = S.shape[0]
    G[:, :] = 0.0
    ur = np.zeros(f)
    _add_rows(data, indices, indptr, rows, w, G, ur)
    for a in range(f):
        ua = u[a] - ur[a]
        for b in range(a, f):
            g = S[a, b] - (G[a, b] + G[b, a] if b > a else G[a, a])
            if centre:
                g -= ua * (u[b] - ur[b]) / W
            g *= c
            G[a, b] = g
            G[b, a] = g


@njit(cache=True)
def csc_rows_predict(data, indices, indptr, cols, row_pos, coefs, out):
    """``out[row_pos[i]] += X[i, cols] @ coefs`` for every row ``i`` of a CSC matrix with
    ``row_pos[i] >= 0`` (``coefs``: one row per column of ``cols``): a cross-validation
    fold's test predictions along a path, reading only the columns ever used."""
    m = coefs.shape[1]
    for c in range(cols.shape[0]):
        j = cols[c]
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # (unsigned: no
            t = row_pos[np.uint64(indices[k])]  # wraparound)
            if t >= 0:
                x = data[k]
                for a in range(m):
                    out[t, a] += x * coefs[c, a]
