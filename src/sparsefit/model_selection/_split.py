"""Folds for cross-validation: drawn once, as explicit (train, test) index pairs.

The splitters behind an int ``cv`` are written here, so that scikit-learn is not needed at
runtime.  They give exactly scikit-learn's folds (same samples, same fold order; tests/
test_split.py compares them), so that an int ``cv`` means the same in both libraries:
:class:`KFold` and :class:`StratifiedKFold` also when shuffled with the same
``random_state``, :class:`GroupKFold` and :class:`StratifiedGroupKFold` (greedy balancing,
no shuffling here) as scikit-learn 1.9 draws them.  Any object with
``split(X, y, groups)`` (a scikit-learn splitter) is used as it is.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp

from .._validation import target_type


def _shuffler(random_state):
    """Something with ``shuffle``: numpy's global state (None), a seeded ``RandomState``
    (int; scikit-learn's convention, so that seeds give the same folds), or the given
    ``RandomState``/``Generator``."""
    if random_state is None:
        return np.random  # np.random.shuffle draws from the global RandomState
    if isinstance(random_state, numbers.Integral):
        return np.random.RandomState(int(random_state))
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    raise ValueError(f"random_state={random_state!r} cannot seed a shuffle; give None, an "
                     "int, a numpy RandomState or a Generator")


class _Splitter:
    """``split`` from the test fold of each sample; subclasses say how folds are drawn."""

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if (isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral)
                or n_splits < 2):
            raise ValueError(f"n_splits={n_splits!r}: cross-validation needs an integer "
                             "number of folds >= 2")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
        if not shuffle and random_state is not None:
            raise ValueError("Setting a random_state has no effect since shuffle is False. "
                             "Leave random_state at None, or set shuffle=True")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def __repr__(self):
        extra = f", shuffle=True, random_state={self.random_state!r}" if self.shuffle else ""
        return f"{type(self).__name__}(n_splits={self.n_splits}{extra})"

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of (train, test) pairs ``split`` yields."""
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` sorted index arrays, fold after fold."""
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        if self.n_splits > n:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater "
                             f"than the number of samples: n_samples={n}.")
        fold = self._test_folds(n, y, groups)
        for k in range(self.n_splits):
            test = fold == k
            yield np.flatnonzero(~test), np.flatnonzero(test)

    def _test_folds(self, n, y, groups):
        """The test fold (0 .. n_splits-1) of every sample."""
        raise NotImplementedError


def _fold_sizes(n, k):
    """``k`` fold sizes summing to ``n``: ``n // k``, the first ``n % k`` one larger."""
    return np.full(k, n // k) + (np.arange(k) < n % k)


def _labels(y, n, what):
    if y is None:
        raise ValueError(f"{what} needs the class labels y; the 'y' parameter should not be "
                         "None.")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    kind = target_type(y)
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"{what} stratifies class labels: supported target types are "
                         f"('binary', 'multiclass'). Got {kind!r} instead.")
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} samples, X has {n}")
    return y


def _class_counts(code, k):
    """Samples per class; an error when no class fills ``k`` folds, a warning when one
    cannot (some test folds then miss that class)."""
    counts = np.bincount(code)
    if np.all(counts < k):
        raise ValueError(f"n_splits={k} cannot be greater than the number of members in each "
                         "class.")
    if counts.min() < k:
        warnings.warn(f"The least populated class in y has only {counts.min()} members, which "
                      f"is less than n_splits={k}.", UserWarning, stacklevel=4)
    return counts


def _group_ids(groups, n, n_splits):
    if groups is None:
        raise ValueError("The 'groups' parameter should not be None: group k-fold needs "
                         "one group label per sample.")
    groups = np.asarray(groups)
    if groups.ndim != 1 or groups.shape[0] != n:
        raise ValueError(f"groups has shape {groups.shape}; expected ({n},), one label per "
                         "sample")
    _, gid = np.unique(groups, return_inverse=True)
    n_groups = int(gid.max()) + 1
    if n_splits > n_groups:
        raise ValueError(f"Cannot have number of splits n_splits={n_splits} greater than the "
                         f"number of groups: {n_groups}.")
    return gid.ravel(), n_groups


_SHUFFLE_PARAMS = """
    Parameters
    ----------
    n_splits : int >= 2, default=5
    shuffle : bool, default=False
    random_state : None, int, numpy RandomState or Generator, default=None
        Only with ``shuffle=True``.
"""


class _GroupSplitter(_Splitter):
    """Group splitters: deterministic, no shuffling (pass a scikit-learn splitter or fold
    ids for random grouped folds)."""

    def __init__(self, n_splits=5):
        super().__init__(n_splits)


class KFold(_Splitter):
    __doc__ = """K consecutive folds (of shuffled samples, optionally), as scikit-learn's.

    Fold ``k`` tests the ``k``-th block of ``n // n_splits`` samples (the first
    ``n % n_splits`` blocks one larger), in data order, or in the order of one shuffle by
    ``random_state`` (numpy's ``RandomState``, so a seed gives scikit-learn's folds).
    """ + _SHUFFLE_PARAMS

    def _test_folds(self, n, y, groups):
        order = np.arange(n)
        if self.shuffle:
            _shuffler(self.random_state).shuffle(order)
        fold = np.empty(n, dtype=np.int64)
        fold[order] = np.repeat(np.arange(self.n_splits), _fold_sizes(n, self.n_splits))
        return fold


class StratifiedKFold(_Splitter):
    __doc__ = """K folds keeping each class's share, as ``sklearn.model_selection.StratifiedKFold``.

    Classes are taken in order of first appearance.  How many samples of each class a fold
    tests is dealt round-robin: the samples sorted by class are dealt to folds 0, 1, ...,
    ``n_splits - 1``, 0, 1, ...; each class then gives its samples, in data order (or
    shuffled, class by class, with ``shuffle=True``), to fold 0's share first, then fold 1's.
    Every fold's class counts differ by at most one from the proportional share.
    """ + _SHUFFLE_PARAMS

    def _test_folds(self, n, y, groups):
        y = _labels(y, n, type(self).__name__)
        k = self.n_splits
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        code = np.argsort(np.argsort(first))[inverse.ravel()]  # class rank by appearance
        counts = _class_counts(code, k)
        # the round robin: position p of the class-sorted samples goes to fold p % k
        deal = np.bincount(np.repeat(np.arange(counts.size), counts) * k + np.arange(n) % k,
                           minlength=counts.size * k).reshape(counts.size, k)
        rng = _shuffler(self.random_state) if self.shuffle else None
        fold = np.empty(n, dtype=np.int64)
        for c in range(counts.size):
            share = np.repeat(np.arange(k), deal[c])
            if rng is not None:
                rng.shuffle(share)
            fold[code == c] = share
        return fold


class GroupKFold(_GroupSplitter):
    """K folds that never split a group, as ``sklearn.model_selection.GroupKFold``.

    Greedy balancing: groups from the largest down (equal sizes: the last in sorted label
    order first), each to the fold holding the fewest samples so far (the first such
    fold).  These are scikit-learn's folds (its ``shuffle=False``; older scikit-learn
    versions ordered equal sizes as numpy's unstable ``argsort`` did, so they may differ
    there).

    Parameters
    ----------
    n_splits : int >= 2, default=5
    """

    def _test_folds(self, n, y, groups):
        gid, n_groups = _group_ids(groups, n, self.n_splits)
        sizes = np.bincount(gid)
        load = np.zeros(self.n_splits)
        fold_of_group = np.empty(n_groups, dtype=np.int64)
        for g in np.argsort(sizes, kind="stable")[::-1]:
            f = int(np.argmin(load))
            load[f] += sizes[g]
            fold_of_group[g] = f
        return fold_of_group[gid]


class StratifiedGroupKFold(_GroupSplitter):
    """K folds that never split a group and keep class shares as even as they can.

    The greedy scheme scikit-learn documents for its ``StratifiedGroupKFold``: groups are
    taken from the most to the least unevenly spread over the classes (standard deviation
    of the group's class counts; stable order, sorted labels), and each goes to the fold
    where adding it leaves the smallest mean, over classes, of the standard deviation
    across folds of the fraction of the class each fold tests; folds within rounding of
    each other go to the one with fewer samples (see :func:`_best_fold`).  These are
    scikit-learn's folds (its ``shuffle=False``).

    Parameters
    ----------
    n_splits : int >= 2, default=5
    """

    def _test_folds(self, n, y, groups):
        k = self.n_splits
        y = _labels(y, n, type(self).__name__)
        _, code = np.unique(y, return_inverse=True)
        code = code.ravel()
        class_counts = _class_counts(code, k)
        gid, n_groups = _group_ids(groups, n, k)
        n_classes = class_counts.size
        per_group = np.bincount(gid * n_classes + code, minlength=n_groups * n_classes)
        per_group = per_group.reshape(n_groups, n_classes)
        per_fold = np.zeros((k, n_classes))
        fold_of_group = np.empty(n_groups, dtype=np.int64)
        diag = np.arange(k)
        for g in np.argsort(-np.std(per_group, axis=1), kind="stable"):
            trial = np.repeat(per_fold[None], k, axis=0)  # trial[i]: the group in fold i
            trial[diag, diag] += per_group[g]
            spread = np.mean(np.std(trial / class_counts, axis=1), axis=1)
            f = _best_fold(spread, per_fold.sum(axis=1))
            per_fold[f] += per_group[g]
            fold_of_group[g] = f
        return fold_of_group[gid]


def _best_fold(spread, size):
    """Scanning the folds in order, a fold beats the best so far if its spread is lower, or
    equal up to rounding (``np.isclose``) with fewer samples: scikit-learn's rule, kept so
    that the folds are scikit-learn's."""
    best, best_spread, best_size = 0, np.inf, np.inf
    for f in range(spread.size):
        if spread[f] < best_spread or (np.isclose(spread[f], best_spread)
                                       and size[f] < best_size):
            best, best_spread, best_size = f, spread[f], size[f]
    return best


class _Pairs:
    """An iterable of (train, test) pairs, as a splitter."""

    def __init__(self, pairs):
        self.pairs = pairs

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.pairs)

    def split(self, X=None, y=None, groups=None):
        yield from self.pairs


def check_cv(cv):
    """``cv`` as an object with ``split(X, y, groups)``: a splitter (any library's) as it
    is, an iterable of ``(train, test)`` pairs wrapped."""
    if not isinstance(cv, (str, bytes)) and hasattr(cv, "split"):
        return cv
    if isinstance(cv, (str, bytes)) or not hasattr(cv, "__iter__"):
        raise ValueError(f"cv={cv!r} is not supported; give an int >= 2, an object with a "
                         "split(X, y, groups) method, an iterable of (train, test) pairs or "
                         "an array of fold ids")
    return _Pairs(list(cv))


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
