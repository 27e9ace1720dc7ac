"""Row subsets of a CSC design (cross-validation training folds) with their column statistics.

A GLM fold needs its training rows as a sorted CSC matrix and, for its problem set-up, the
statistics of every column over those rows (:func:`sparsefit._kernels.glm_cd.col_stats`).
One pass over the stored entries gives both: the entries of kept rows are copied in order,
so the row indices stay sorted, and the statistics are accumulated on the way (scipy's row
indexing reads the matrix twice, and the statistics took a third pass).  Nothing here
validates its inputs.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def csc_rows_stats(data, indices, indptr, new_row, sw, out_data, out_indices, out_indptr,
                   stats):
    """Keep the rows ``i`` with ``new_row[i] >= 0``, renumbered to ``new_row[i]``.

    ``new_row`` must be increasing over the kept rows (so the indices stay sorted) and
    ``sw`` (indexed by the original rows) weights the statistics.  Fills ``out_indptr``
    (``p + 1``), ``out_data``, ``out_indices`` (at least as long as the kept entries) and
    ``stats[:, j] = (sum s x, sum s x^2, max |x|, sum x^2)`` over the kept entries of
    column ``j``; returns the number of kept entries.
    """
    p = indptr.shape[0] - 1
    nnz = 0
    out_indptr[0] = 0
    for j in range(p):
        s1 = 0.0
        s2 = 0.0
        mx = 0.0
        sq = 0.0
        for k in range(np.uint64(indptr[j]), np.uint64(indptr[j + 1])):  # unsigned: no
            i = np.uint64(indices[k])  # wraparound
            r = new_row[i]
            if r < 0:
                continue
            x = data[k]
            out_data[nnz] = x
            out_indices[nnz] = r
            nnz += 1
            si = sw[i]
            s1 += si * x
            s2 += si * x * x
            sq += x * x
            mx = max(mx, abs(x))
        out_indptr[j + 1] = nnz
        stats[0, j] = s1
        stats[1, j] = s2
        stats[2, j] = mx
        stats[3, j] = sq
    return nnz
