"""Turns validated user data into the centred, weighted problem the solvers see.

Shared by the estimators and by :mod:`sparsefit.path`, so that a fit at one alpha and a
path agree exactly.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validation import check_finite_X, check_finite_y, check_sample_weight, validate_data
from .datafits import Quadratic
from .solvers._design import Design, make_design


@dataclass
class QuadraticProblem:
    """Centred least-squares problem plus what is needed to map back to the user's scale.

    ``scale`` holds each column's standard deviation (weighted, 1/n, centred even without an
    intercept, exactly as glmnet) when ``standardize`` is on, else ones.
    """

    datafit: Quadratic
    design: Design
    x_mean: np.ndarray
    y_mean: float
    scale: np.ndarray
    sample_weight: np.ndarray | None
    dtype: np.dtype

    def intercept(self, coef):
        return float(self.y_mean - self.x_mean @ coef)


def validate_Xy(estimator, X, y, reset=True):
    """Feature-name and n_features_in_ bookkeeping plus our finiteness checks."""
    if y is not None:
        check_finite_y(np.asarray(y))  # first, for a message naming positions
    X, y = validate_data(
        estimator, X, y, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
        y_numeric=True, ensure_all_finite=False, reset=reset,
    )
    if sp.issparse(X):
        X = sp.csc_matrix(X)
    check_finite_X(X)
    check_finite_y(y)
    return X, np.asarray(y, dtype=X.dtype)


def weighted_std(X, sw):
    """Weighted (1/n) standard deviation of each column; ``sw`` sums to n or is None."""
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw
    mean = np.asarray(X.T @ sw).ravel() / n
    sq = np.asarray((X.multiply(X)).T @ sw if sp.issparse(X) else (X * X).T @ sw).ravel() / n
    return np.sqrt(np.maximum(sq - mean**2, 0.0))


def prepare_quadratic(X, y, sample_weight, fit_intercept, standardize, copy_X=True,
                      rows=None, workspace=None):
    """Build a :class:`QuadraticProblem` from already validated ``X`` (ndarray/CSC) and ``y``.

    ``copy_X=False``: ``X`` is private to the problem and may be centred in place (see
    :func:`~sparsefit.solvers._design.make_design`).  ``rows``: the problem is that of
    ``X[rows]`` (Fortran-ordered ndarray ``X``; ``y`` and ``sample_weight`` are the rows'),
    whose design is gathered and centred in one pass; a CSC ``X`` only without weights
    (``workspace``: see :func:`~sparsefit.solvers._design.make_design`).
    """
    n = X.shape[0] if rows is None else rows.shape[0]
    if n < 2 and fit_intercept:
        raise ValueError(
            "Cannot fit an intercept with n_samples=1 (1 sample): every coefficient would be "
            "undetermined. Provide more samples or set fit_intercept=False"
        )
    sw = check_sample_weight(sample_weight, n)
    pos = slice(None) if sw is None else sw > 0
    if fit_intercept and np.ptp(y[pos]) == 0:
        raise ValueError(
            f"y is constant (every sample equals {y[pos][0]!r}): there is nothing to explain "
            "beyond the intercept. Check the target column, or fit_intercept=False"
        )
    design, x_mean = make_design(X, sw, fit_intercept, copy_X, rows=rows, workspace=workspace)
    y64 = y.astype(np.float64)
    y_mean = float(np.average(y64, weights=sw)) if fit_intercept else 0.0
    yc = y64 - y_mean
    if sw is not None:
        yc = yc * np.sqrt(sw)
    if not standardize:
        scale = np.ones(X.shape[1])
    elif fit_intercept:  # the design is already centred: its column norms give the std
        scale = np.sqrt(design.col_sq_norms / n)
    else:
        scale = weighted_std(X if rows is None else X[rows], sw)
    return QuadraticProblem(Quadratic(yc.astype(X.dtype)), design, x_mean, y_mean, scale, sw,
                            X.dtype)
