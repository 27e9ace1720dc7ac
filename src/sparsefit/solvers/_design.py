"""The centred, sample-weighted design matrix the quadratic solvers work on.

Sample weights ``s`` (normalised to sum to ``n``) are absorbed by scaling rows with
``sqrt(s)``; the intercept is absorbed by centring columns at their weighted means.  Dense
data are centred explicitly (one Fortran-ordered copy); sparse data are centred implicitly
(see :mod:`sparsefit._kernels.quadratic_cd`), so a CSC matrix is never densified.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .._kernels import quadratic_cd as qk
from .._kernels import quadratic_path as qp
from .._kernels.dense_rows import centred_rows
from .._kernels.glm_rows import csc_rows_stats
from .._kernels.sparse import csc_col_sq_norms


@dataclass
class Design:
    """Centred design ``X_c`` (``n x p``) with the operations the solvers need."""

    n_samples: int
    n_features: int
    v: np.ndarray  # sqrt of the sample weights: the direction of the intercept
    col_sq_norms: np.ndarray  # ||X_c[:, j]||^2
    dense: np.ndarray | None = None  # X_c itself (Fortran order) when dense
    csc: sp.csc_matrix | None = None  # row-weighted, *uncentred* X when sparse
    mu: np.ndarray | None = None  # centring offsets of the row-weighted sparse X

    @cached_property
    def col_norms(self):
        """``||X_c[:, j]||`` (computed once per design)."""
        return np.sqrt(self.col_sq_norms)

    @property
    def dtype(self):
        return self.csc.dtype if self.is_sparse else self.dense.dtype

    @property
    def is_sparse(self):
        return self.csc is not None

    @property
    def kernel_data(self):
        """The design tuple ``D`` of :mod:`sparsefit._kernels.quadratic_cd`."""
        if self.is_sparse:
            X = self.csc
            # int32 row indices as unsigned: numba then skips the negative-index
            # wraparound of every gather (Reuters "earn", all correlations: 0.80 against
            # 1.04 ms)
            ind = X.indices.view(np.uint32) if X.indices.dtype == np.int32 else X.indices
            return (X.data, ind, X.indptr, self.mu, self.mu * self.n_samples, self.v)
        return (self.dense,)

    def matvec(self, w):
        """``X_c @ w``."""
        if self.is_sparse:
            return self.csc @ w - self.v * float(self.mu @ w)
        return self.dense @ w

    def rmatvec(self, r):
        """``X_c.T @ r`` for a full residual ``r``."""
        if self.is_sparse:
            return self.csc.T @ r - self.mu * float(self.v @ r)
        return self.dense.T @ r

    def columns(self, mask):
        """Dense copy of the centred columns selected by ``mask``."""
        if self.is_sparse:
            sub = self.csc[:, mask].toarray()
            return sub - np.outer(self.v, self.mu[mask])
        return self.dense[:, mask]

    @property
    def path_kernel(self):
        """The whole-grid coordinate-descent kernel compiled for this layout."""
        return qp.solve_path_sparse if self.is_sparse else qp.solve_path_dense

    @property
    def corr_cols_kernel(self):
        """``corr_cols`` compiled with the right flags for this layout."""
        return qk.corr_cols_sparse if self.is_sparse else qk.corr_cols_dense

    def full_residual(self, r, state):
        """Residual ``r + c v`` from the kernels' ``(r, state)`` pair."""
        return r + state[0] * self.v if state[0] != 0.0 else r.copy()


def _weighted_mean(X, sw):
    if sp.issparse(X):
        return np.asarray(X.T @ sw).ravel() / sw.sum()
    return sw @ X / sw.sum()


def make_design(X, sample_weight, fit_intercept, copy_X=True, rows=None, workspace=None):
    """Return ``(design, x_mean)``; ``x_mean`` is the weighted column mean (or zeros).

    ``sample_weight`` must already be normalised to sum to ``n_samples``; ``X`` is a dense
    ndarray or a CSC matrix of float32/float64, never modified unless ``copy_X=False``: then
    a Fortran-ordered dense ``X`` of the right dtype (a private copy, e.g. a fold's rows) is
    centred in place instead of copied.  ``rows``: the design is that of ``X[rows]``
    (``X`` a Fortran-ordered ndarray, e.g. a cross-validation fold's training rows),
    gathered and centred in one compiled pass; ``sample_weight`` is then the rows'.  A CSC
    ``X`` with ``rows``: without weights and with sorted, distinct rows, the rows are
    selected and their column statistics taken in one compiled pass, into ``workspace``'s
    buffers when given (a :class:`~sparsefit.solvers.cd.Workspace`; folds solved one after
    the other); otherwise the rows are copied and the design made as usual.
    """
    if rows is not None and sp.issparse(X):
        rows = np.asarray(rows)
        if (sample_weight is None and X.format == "csc" and rows.size > 0
                and np.all(rows[1:] > rows[:-1])):
            return _rows_design_sparse(X, rows, fit_intercept, workspace)
        return make_design(sp.csc_matrix(X[rows]), sample_weight, fit_intercept, copy_X=False)
    if rows is not None:
        return _rows_design(X, rows, sample_weight, fit_intercept)
    n, p = X.shape
    dtype = X.dtype
    unit = sample_weight is None
    sw = np.ones(n, dtype=np.float64) if unit else sample_weight
    v = np.sqrt(sw).astype(dtype)
    x_mean = _weighted_mean(X, sw) if fit_intercept else np.zeros(p)
    if sp.issparse(X):
        Xw = X if unit else sp.csc_matrix(sp.diags(v) @ X)
        Xw = sp.csc_matrix(Xw, dtype=dtype)  # the kernels accept unsorted indices
        mu = x_mean.astype(dtype)
        sq = csc_col_sq_norms(Xw.data, Xw.indptr) - n * x_mean**2
        sq = np.maximum(sq, 0.0)
        design = Design(n, p, v, sq, csc=Xw, mu=mu)
    else:
        if fit_intercept or not unit:
            Xc = np.array(X, dtype=dtype, order="F", copy=copy_X)
            if fit_intercept:
                Xc -= x_mean.astype(dtype)
            if not unit:
                Xc *= v[:, None]
        else:
            Xc = np.asfortranarray(X, dtype=dtype)
        sq = np.einsum("ij,ij->j", Xc, Xc, dtype=np.float64)
        design = Design(n, p, v, sq, dense=Xc)
    _drop_round_off(design, x_mean, n, unit, sw)
    return design, x_mean


def _drop_round_off(design, x_mean, n, unit, sw):
    """A column that centring reduces to round-off carries no information: norm 0."""
    scale = np.maximum(1.0, n * x_mean**2)
    design.col_sq_norms[design.col_sq_norms <= 1e-14 * scale * (1 if unit else sw.max())] = 0.0


def csc_rows_with_stats(X, rows, sw_rows=None, workspace=None):
    """``(X[rows], stats)`` for a CSC ``X`` and sorted, distinct ``rows``, in one compiled
    pass (:func:`~sparsefit._kernels.glm_rows.csc_rows_stats`): the rows' entries copied in
    order (sorted indices stay sorted) and ``stats[:, j] = (sum s x, sum s x^2, max |x|,
    sum x^2)`` over column ``j``'s kept entries, ``s`` the rows' weights ``sw_rows`` (ones
    when None).  ``workspace``: a :class:`~sparsefit.solvers.cd.Workspace` whose buffers
    hold the entries (reused by the next call), else fresh arrays.
    """
    n, p = rows.shape[0], X.shape[1]
    new_row = np.full(X.shape[0], -1, dtype=np.int64)
    new_row[rows] = np.arange(n)
    sw = np.zeros(X.shape[0])
    sw[rows] = 1.0 if sw_rows is None else sw_rows
    if workspace is None:
        data = np.empty(X.nnz, dtype=X.dtype)
        indices = np.empty(X.nnz, dtype=X.indices.dtype)
    else:
        data = workspace.take("csc_data", (X.nnz,), X.dtype)
        indices = workspace.take("csc_indices", (X.nnz,), X.indices.dtype)
    indptr = np.empty(p + 1, dtype=X.indptr.dtype)
    stats = np.empty((4, p))
    nnz = csc_rows_stats(X.data, X.indices, X.indptr, new_row, sw, data, indices, indptr,
                         stats)
    Xr = sp.csc_matrix((data[:nnz], indices[:nnz], indptr), shape=(n, p))
    Xr.has_sorted_indices = X.has_sorted_indices
    return Xr, stats


def _rows_design_sparse(X, rows, fit_intercept, workspace):
    """:func:`make_design` of ``X[rows]`` (CSC ``X``, sorted distinct ``rows``, unit
    weights): one pass copies the rows' entries (in order, so indices stay sorted) and sums
    each column's values and squares (Reuters "earn" folds: scipy's row selection, the
    means and the norms took three passes, ~4 ms a fold, against ~2 ms)."""
    n, p = rows.shape[0], X.shape[1]
    Xr, stats = csc_rows_with_stats(X, rows, None, workspace)
    x_mean = stats[0] / n if fit_intercept else np.zeros(p)
    sq = np.maximum(stats[3] - n * x_mean**2, 0.0)
    design = Design(n, p, np.ones(n, dtype=X.dtype), sq, csc=Xr, mu=x_mean.astype(X.dtype))
    _drop_round_off(design, x_mean, n, True, None)
    return design, x_mean


def _rows_design(X, rows, sample_weight, fit_intercept):
    """:func:`make_design` of ``X[rows]`` (dense, Fortran-ordered ``X``) in one pass."""
    n, p = rows.shape[0], X.shape[1]
    dtype = X.dtype
    unit = sample_weight is None
    sw = np.ones(n, dtype=np.float64) if unit else sample_weight
    v = np.sqrt(sw).astype(dtype)
    Xc = np.empty((n, p), dtype=dtype, order="F")
    x_mean, sq = np.empty(p), np.empty(p)
    centred_rows(X, np.ascontiguousarray(rows, dtype=np.int64), np.asarray(sw, np.float64), v,
                 bool(fit_intercept), not unit, Xc, x_mean, sq)
    design = Design(n, p, v, sq, dense=Xc)
    _drop_round_off(design, x_mean, n, unit, sw)
    return design, x_mean
