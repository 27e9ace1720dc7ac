"""Small dense linear algebra in loops: Cholesky factor and solve of a leading block.

Written as loops rather than LAPACK calls on purpose: even a 5 x 5 LAPACK call wakes
OpenBLAS's worker threads, whose spinning took the CPU from the single compiled thread
(10-fold CV ran 10x slower).  Rows are contiguous (C order), so the inner products below
vectorise under re-association.  Only large blocks go to LAPACK (the active set's first
factor from ``gram_cd.LAPACK_FACE`` coordinates), and only inside sparsefit's
single-threaded BLAS context (``sparsefit._threads``): with the default threads, Toeplitz
10-fold LassoCV took 0.41 s, as with one.
"""

import numpy as np
from numba import njit

from .flags import FAST


@njit(cache=True, fastmath=FAST)
def cholesky(A, s, rel_pivot):
    """Lower Cholesky factor of ``A[:s, :s]``, in place (the strict upper part is ignored).

    Fails (returns False) when a pivot is not above ``rel_pivot`` times its diagonal entry,
    i.e. when the block is singular or too ill-conditioned for the factor to be useful.
    """
    for k in range(s):
        d = A[k, k]
        for t in range(k):
            d -= A[k, t] * A[k, t]
        if not d > rel_pivot * A[k, k]:
            return False
        A[k, k] = np.sqrt(d)
        inv = 1.0 / A[k, k]
        for i in range(k + 1, s):
            e = A[i, k]
            for t in range(k):
                e -= A[i, t] * A[k, t]
            A[i, k] = e * inv
    return True


@njit(cache=True, fastmath=FAST)
def forward_solve(L, s, z):
    """Solve ``L u = z[:s]`` in place (``L`` lower triangular, rows contiguous).

    Four rows at a time: their products with the solved part are four independent sums
    sharing each load of ``z`` (one row at a time, each waits on its own sum's latency),
    then the 4 x 4 triangle."""
    k = 0
    while k + 4 <= s:
        a0 = a1 = a2 = a3 = 0.0
        for t in range(k):
            zt = z[t]
            a0 += L[k, t] * zt
            a1 += L[k + 1, t] * zt
            a2 += L[k + 2, t] * zt
            a3 += L[k + 3, t] * zt
        u0 = (z[k] - a0) / L[k, k]
        u1 = (z[k + 1] - a1 - L[k + 1, k] * u0) / L[k + 1, k + 1]
        u2 = (z[k + 2] - a2 - L[k + 2, k] * u0 - L[k + 2, k + 1] * u1) / L[k + 2, k + 2]
        u3 = (z[k + 3] - a3 - L[k + 3, k] * u0 - L[k + 3, k + 1] * u1
              - L[k + 3, k + 2] * u2) / L[k + 3, k + 3]
        z[k] = u0
        z[k + 1] = u1
        z[k + 2] = u2
        z[k + 3] = u3
        k += 4
    for kk in range(k, s):
        e = z[kk]
        for t in range(kk):
            e -= L[kk, t] * z[t]
        z[kk] = e / L[kk, kk]


@njit(cache=True, fastmath=FAST)
def cho_solve(L, s, z):
    """Solve ``L L^T x = z[:s]`` in place, ``L`` from :func:`cholesky`."""
    forward_solve(L, s, z)  # L u = z
    for k in range(s - 1, -1, -1):  # backward: L^T x = u, by rows of L (contiguous:
        z[k] /= L[k, k]               # reading its columns missed the cache at every entry
        xk = z[k]                     # of a 300 x 300 factor)
        for t in range(k):
            z[t] -= L[k, t] * xk
