"""Folds for cross-validation: drawn once, as explicit (train, test) index pairs."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    check_cv,
)


def _as_fold_ids(cv, n_samples):
    """``cv`` as a 1-d integer label array of length ``n_samples``, or None."""
    if isinstance(cv, (str, bytes)) or not isinstance(cv, (np.ndarray, list, tuple)):
        return None
    try:
        arr = np.asarray(cv)
    except ValueError:  # ragged list of (train, test) pairs
        return None
    if arr.ndim != 1 or arr.shape[0] != n_samples or arr.dtype.kind not in "iu":
        return None
    return arr


def make_folds(cv, X, y, groups=None, stratify=False):
    """Return the list of ``(train, test)`` index arrays for ``cv``.

    Parameters
    ----------
    cv : int, splitter, iterable of (train, test), or array of fold ids
        * int ``k >= 2``: ``KFold(k)`` without shuffling (scikit-learn's default), or
          ``GroupKFold(k)`` when ``groups`` is given; with ``stratify=True`` (classifiers)
          ``StratifiedKFold(k)`` / ``StratifiedGroupKFold(k)``, which keep the class
          proportions of ``y`` in every fold;
        * an object with ``split(X, y, groups)`` (any scikit-learn splitter);
        * an iterable of ``(train, test)`` index pairs;
        * fold ids: an integer array of length ``n_samples`` (glmnet's ``foldid``); fold ``k``
          tests the samples labelled with the ``k``-th smallest label.
    groups : array-like of shape (n_samples,), default=None
        Group labels: samples of one group never straddle train and test.
    stratify : bool, default=False
        Only for an int ``cv``: stratify the folds on the class labels ``y``.

    Returns
    -------
    list of (ndarray, ndarray)
    """
    n = X.shape[0]
    ids = _as_fold_ids(cv, n)
    if ids is not None:
        if groups is not None:
            raise ValueError("groups cannot be combined with explicit fold ids: the fold ids "
                             "already define the folds. Give one or the other")
        labels = np.unique(ids)
        if labels.size < 2:
            raise ValueError(f"fold ids contain a single label ({labels[0]}); cross-validation "
                             "needs at least 2 folds")
        folds = [(np.flatnonzero(ids != u), np.flatnonzero(ids == u)) for u in labels]
    else:
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 2:
                raise ValueError(f"cv={cv}: cross-validation needs at least 2 folds")
            if cv > n:
                raise ValueError(f"cv={cv} folds but only {n} samples; use cv <= {n}")
            if stratify:
                splitter = (StratifiedGroupKFold(n_splits=int(cv)) if groups is not None
                            else StratifiedKFold(n_splits=int(cv)))
            else:
                splitter = (GroupKFold(n_splits=int(cv)) if groups is not None
                            else KFold(int(cv)))
        elif cv is None or isinstance(cv, bool) or isinstance(cv, numbers.Number):
            raise ValueError(f"cv={cv!r} is not supported; give an int >= 2, a splitter, an "
                             "iterable of (train, test) pairs or an array of fold ids")
        else:
            splitter = check_cv(cv)
        folds = [(np.asarray(tr, dtype=np.int64), np.asarray(te, dtype=np.int64))
                 for tr, te in splitter.split(X, y, groups)]
        if len(folds) < 2:
            raise ValueError(f"cv produced {len(folds)} fold(s); cross-validation needs at "
                             "least 2")
    for k, (tr, te) in enumerate(folds):
        if tr.size == 0 or te.size == 0:
            raise ValueError(f"fold {k} has an empty {'training' if tr.size == 0 else 'test'} "
                             "set; use fewer folds or check the fold ids")
    return folds


def rows_source(X):
    """``X`` in the layout :func:`take_rows` selects folds from fastest: CSC as it is, a
    dense array Fortran-ordered (one copy at most; from C order every fold would cost a
    second, transposing copy)."""
    return X if sp.issparse(X) else np.asfortranarray(X)


def take_rows(X, idx):
    """Rows ``idx`` (sorted) of an ndarray or CSC matrix, in the solvers' layout: CSC, or a
    Fortran-ordered ndarray made in one copy (``X[idx]`` is C-ordered)."""
    if sp.issparse(X):
        return sp.csc_matrix(X[idx])  # CSC row indexing directly: ~5x faster than via CSR
    if not X.flags.f_contiguous:
        return np.asfortranarray(X[idx])  # contiguous rows copied, then one transpose copy
    # Fortran order: a gather within each contiguous column of X, i.e. along the rows of the
    # C-ordered X.T (3-7x faster than np.take along axis 0, which strides across columns;
    # no out=, which numpy fills through a second buffer)
    return np.take(X.T, idx, axis=1).T
