"""Gram entries computed once for the full data and shared by every fold of a least-squares
CV on sparse data.

Each fold's path solves on the same columns as the full-data path, over about 90% of its
rows, and its coordinate descent runs through the working set's Gram matrix
``X_c^T X_c`` (see :mod:`sparsefit._kernels.quadratic_path`).  Filling that matrix column
pair by column pair was a third of a fold's time on Reuters.
A fold's Gram matrix differs from the full data's only by its test rows and its centring:
with raw weighted cross products ``S = sum_i w_i a_i a_i^T`` (``a_i`` the row restricted to
the features ``F``), ``u = sum_i w_i a_i`` and ``W = sum_i w_i``
over the training rows of the fold,

.. math::  X_c^T X_c = c \\,(S - u u^T / W), \\qquad c = n_{train} / W

(the fold's weights are renormalised to sum to ``n_train``; ``c = 1`` without weights), and
each training-row sum is the full data's minus the test rows'.  So the full data's sums are
formed once for ``F``, the features the full-data path cached, and a fold pays only for its
test rows.

Subtracting large sums can cancel digits when a column's mean is large against its spread,
and sparse columns cannot be shifted by their mean without densifying them, so every fold
leaves out of the prefill any feature whose centred sum of squares is below 1e-5 of its raw
one (the rounding error then stays below ~1e-10 relative); the solver fills those as
before.  ``X_c^T y`` is not shared: the solver computes it exactly per fold (one pass over
``F``'s columns).
"""

import numpy as np
import scipy.sparse as sp

from .._kernels.sparse import csr_rows_gram, fold_gram

# a feature is prefilled only if its raw sum of squares is at most this multiple of its
# centred one: the subtractions then lose at most ~5 of 16 digits (relative error ~1e-10)
MAX_CANCELLATION = 1e5


class SharedGram:
    """Full-data cross products of the columns ``features`` of a CSC matrix ``X``.

    ``sample_weight``: the weights the folds are given (or None); ``fit_intercept``: whether
    the folds centre their columns.  (Dense folds fill their own entries: see
    :func:`sparsefit.model_selection._cv.cross_validate_paths`.)
    """

    def __init__(self, X, sample_weight, features, fit_intercept):
        self.features = np.asarray(features, dtype=np.int64)
        self.fit_intercept = bool(fit_intercept)
        self.A = sp.csr_matrix(X[:, self.features], dtype=np.float64)
        self.A.indices = self.A.indices.astype(np.int32, copy=False)  # < len(features)
        self.w = sample_weight
        self.S, self.u = self._cross(np.arange(self.A.shape[0]))
        self.raw = np.diag(self.S).copy()  # what the folds' diagonals are subtracted from
        self.W = float(self.A.shape[0] if self.w is None else self.w.sum())

    def _cross(self, rows):
        """``(A_r^T diag(w_r) A_r, A_r^T w_r)`` over ``rows`` (float64 ndarrays)."""
        A = self.A
        return csr_rows_gram(A.data, A.indices, A.indptr, rows,
                             np.empty(0) if self.w is None else self.w, A.shape[1])

    def fold(self, train, test, design):
        """``(features, G, rows)`` for the fold whose training rows ``train`` (in the order
        its design ``design`` holds them) and test rows ``test`` split the full data's:
        :meth:`sparsefit.solvers.cd.QuadraticCD.prefill_gram`'s arguments.

        ``G`` is the fold's ``X_c[:, F]^T X_c[:, F]`` for the returned features, those whose
        entries the subtractions determine to ~1e-10 relative (``MAX_CANCELLATION``); its
        diagonal is taken from ``design.col_sq_norms``, which the solver uses too.  ``rows``
        are the fold's rows over all of ``self.features``, the full data's (``A``) indexed
        through the training rows: no copy per fold.
        """
        test = np.asarray(test, dtype=np.int64)
        W = self.W - float(test.shape[0] if self.w is None else self.w[test].sum())
        S = np.empty_like(self.S)
        A = self.A
        fold_gram(self.S, self.u, W, A.data, A.indices, A.indptr, test,
                  np.empty(0) if self.w is None else self.w, design.n_samples / W,
                  self.fit_intercept, S)
        diag = np.diag(S)
        # rounding errors are ~eps times the raw sums (Cauchy-Schwarz bounds the products
        # and the mean term by them), so a centred entry far below its raw sum is unknown
        ok = diag * MAX_CANCELLATION * W >= self.raw * design.n_samples
        ok &= np.asarray(design.col_sq_norms)[self.features] > 0
        keep = np.flatnonzero(ok)
        G = S if keep.shape[0] == S.shape[0] else S[np.ix_(keep, keep)]
        G[np.diag_indices_from(G)] = np.asarray(design.col_sq_norms,
                                                 dtype=np.float64)[self.features[keep]]
        indptr = A.indptr.astype(np.int64, copy=False)
        rb = np.empty(2 * train.shape[0], dtype=np.int64)  # row i: rb[2i], rb[2i + 1]
        rb[0::2] = indptr[train]
        rb[1::2] = indptr[train + 1]
        # positions unsigned: the row route's gathers skip numba's negative-index wraparound
        rows = (rb, A.indices.view(np.uint32), A.data, keep, self.features.size)
        return self.features[keep], G, rows
