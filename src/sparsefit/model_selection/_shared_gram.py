"""Gram entries computed once for the full data and shared by every fold of a least-squares CV.

Each fold's path solves on the same columns as the full-data path, over about 90% of its
rows, and its coordinate descent runs through the working set's Gram matrix
``X_c^T X_c`` (see :mod:`sparsefit._kernels.quadratic_path`).  Filling that matrix column
pair by column pair was a fifth to a third of a fold's time (Toeplitz 500 x 5000, Reuters).
A fold's Gram matrix differs from the full data's only by its test rows and its centring:
with raw weighted cross products ``S = sum_i w_i a_i a_i^T`` (``a_i`` the row restricted to
the features ``F``, shifted by any fixed vector), ``u = sum_i w_i a_i`` and ``W = sum_i w_i``
over the training rows of the fold,

.. math::  X_c^T X_c = c \\,(S - u u^T / W), \\qquad c = n_{train} / W

(the fold's weights are renormalised to sum to ``n_train``; ``c = 1`` without weights), and
each training-row sum is the full data's minus the test rows'.  So the full data's sums are
formed once for ``F``, the features the full-data path cached, and a fold pays only for its
test rows.

Subtracting large sums can cancel digits when a column's mean is large against its spread.
Dense columns are therefore shifted by their full-data mean first (the folds' means differ
from it only slightly), and every fold checks the diagonal against its columns' squared
norms summed without cancellation: a feature whose entry disagrees beyond ``1e-9``
relative is left out of the prefill and filled by the solver as before.  ``X_c^T y`` is
not shared: the solver computes it exactly per fold (one pass over ``F``'s columns).
"""

import numpy as np
import scipy.sparse as sp

# a prefilled diagonal entry must agree with the design's exact squared column norm to this
# relative precision, or the feature is left to the solver
DIAG_RTOL = 1e-9


def _cross(A, w):
    """``(A^T diag(w) A, A^T w)`` as float64 ndarrays (``A`` dense or sparse)."""
    if sp.issparse(A):
        Aw = sp.csr_matrix(A.multiply(w[:, None])) if w is not None else A
        S = np.asarray((A.T @ Aw).toarray(), dtype=np.float64)
        u = np.asarray(A.sum(axis=0) if w is None else A.T @ w, dtype=np.float64).ravel()
        return S, u
    Aw = A if w is None else A * w[:, None]
    return A.T @ Aw, (A.sum(axis=0) if w is None else w @ A)


def _stable_sq_norms(design, features):
    """``||X_c[:, j]||^2`` for ``j`` in ``features``, summed without cancellation.

    A dense design holds ``X_c`` itself, so its norms are exact.  A sparse one keeps
    ``X_c[:, j] = X_j - mu_j v`` implicitly and its ``col_sq_norms`` subtract
    ``n mu_j^2`` from the raw sum of squares, which cancels when the mean is large: here the
    non-zeros' terms ``(x - mu_j v_i)^2`` and the zeros' ``mu_j^2 v_i^2`` are summed instead,
    all non-negative.
    """
    if not design.is_sparse:
        return np.asarray(design.col_sq_norms, dtype=np.float64)[features]
    sub = sp.csc_matrix(design.csc[:, features], dtype=np.float64)
    mu = np.asarray(design.mu, dtype=np.float64)[features]
    v = np.asarray(design.v, dtype=np.float64)
    counts = np.diff(sub.indptr)
    mu_nz = np.repeat(mu, counts)
    v_nz = v[sub.indices]
    col = np.repeat(np.arange(features.shape[0]), counts)
    nz = np.bincount(col, weights=(sub.data - mu_nz * v_nz) ** 2, minlength=mu.shape[0])
    v_sq_nz = np.bincount(col, weights=v_nz**2, minlength=mu.shape[0])
    return nz + mu**2 * np.maximum(float(v @ v) - v_sq_nz, 0.0)


class SharedGram:
    """Full-data cross products of the columns ``features`` of ``X`` (see the module).

    ``X``: validated ndarray or CSC (the CV's data); ``sample_weight``: the weights the folds
    are given (or None); ``fit_intercept``: whether the folds centre their columns.
    """

    def __init__(self, X, sample_weight, features, fit_intercept):
        self.features = np.asarray(features, dtype=np.int64)
        self.fit_intercept = bool(fit_intercept)
        self.sparse = sp.issparse(X)
        w = sample_weight
        if self.sparse:
            A = sp.csr_matrix(X[:, self.features], dtype=np.float64)
            self.shift = None
        else:
            A = np.asarray(X[:, self.features], dtype=np.float64)
            self.shift = None
            if self.fit_intercept:
                self.shift = (A.mean(axis=0) if w is None else w @ A / w.sum())
                A = A - self.shift
        self.A = A
        self.w = w
        self.S, self.u = _cross(A, w)
        self.W = float(A.shape[0] if w is None else w.sum())

    def fold(self, test, design):
        """``(features, G)`` for the fold whose test rows are ``test`` and design ``design``.

        ``G`` is the fold's ``X_c[:, F]^T X_c[:, F]`` for the returned features (those that
        passed the diagonal check), its diagonal taken from ``design.col_sq_norms``.
        """
        A_t = self.A[test]
        w_t = None if self.w is None else self.w[test]
        S_t, u_t = _cross(A_t, w_t)
        S = self.S - S_t
        W = self.W - float(A_t.shape[0] if w_t is None else w_t.sum())
        if self.fit_intercept:
            u = self.u - u_t
            S -= np.outer(u, u) / W
        S *= design.n_samples / W
        exact = _stable_sq_norms(design, self.features)
        diag = np.diag(S)
        ok = (exact > 0) & (np.abs(diag - exact) <= DIAG_RTOL * exact)
        exact = np.asarray(design.col_sq_norms, dtype=np.float64)[self.features]
        keep = np.flatnonzero(ok)
        G = S[np.ix_(keep, keep)]
        G[np.diag_indices_from(G)] = exact[keep]
        return self.features[keep], G
