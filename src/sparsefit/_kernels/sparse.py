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
        for k in range(indptr[j], indptr[j + 1]):
            s += data[k] * data[k]
        out[j] = s
    return out
