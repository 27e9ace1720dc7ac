"""A cross-validation fold's rows of a dense design, centred, in one pass.

A lasso fold needs its training rows as a Fortran array, centred by their (weighted) column
means and scaled by ``sqrt(sw)``, plus the columns' squared norms.  Done in numpy, that is a
gather (``take_rows``), a mean, a subtraction and a norm: four passes over the fold's copy,
which on leukemia (51 x 7129) or the Toeplitz design (360 x 5000) does not stay in cache.
Here each column is gathered, centred and measured while it is in L1: one read of ``X``'s
column and one write.  Nothing here validates its inputs.
"""

from numba import njit

from .flags import FAST


@njit(cache=True, fastmath=FAST)
def centred_rows(X, rows, sw, v, center, scale_rows, out, mean, sq):
    """``out = (X[rows] - mean) * v[:, None]``, column by column; ``sq`` its column norms^2.

    ``X``: Fortran-ordered (n_all, p); ``rows`` (n,) row indices (sorted reads best);
    ``sw`` (n,) float64 sample weights (ones when unweighted) and ``v = sqrt(sw)`` in
    ``X``'s dtype.  ``mean[j]`` is the ``sw``-weighted mean of the column when ``center``,
    else 0; without ``center`` and ``scale_rows`` the rows are copied as they are.
    ``sq[j]`` sums the squares of the stored (``out``'s dtype) entries in float64.
    """
    n = rows.shape[0]
    swsum = 0.0
    for i in range(n):
        swsum += sw[i]
    for j in range(X.shape[1]):
        s = 0.0
        for i in range(n):
            x = X[rows[i], j]
            out[i, j] = x
            s += sw[i] * x
        m = s / swsum if center else 0.0
        mean[j] = m
        q = 0.0
        if center or scale_rows:
            for i in range(n):
                out[i, j] = (out[i, j] - m) * v[i]
                c = float(out[i, j])
                q += c * c
        else:
            for i in range(n):
                c = float(out[i, j])
                q += c * c
        sq[j] = q
