"""Input checks with messages that name the problem and the fix.

Also the estimators' data validation (:func:`validate_data`, :func:`check_X_y`,
:func:`check_is_fitted`, :func:`check_classification_targets`), written here so that
scikit-learn is not needed at runtime.  They behave as the scikit-learn functions of the
same names did for sparsefit's estimators, with the same messages where scikit-learn's
estimator checks (``parametrize_with_checks``) look for them.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp

from .exceptions import DataConversionWarning, not_fitted_error


def check_scalar_param(value, name, low=None, high=None, include_low=True):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not include_low)):
        op = ">=" if include_low else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_int_param(value, name, low=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def check_option(value, name, options):
    if value not in options:
        raise ValueError(f"{name}={value!r} is not supported; choose one of {sorted(options)}")
    return value


def check_finite_X(X):
    """Reject NaN/inf, naming how many rows are affected and the first one."""
    if sp.issparse(X):
        bad = ~np.isfinite(X.data)
        if np.any(bad):
            coo = X.tocoo()
            rows = np.unique(coo.row[~np.isfinite(coo.data)])
            raise ValueError(
                f"X contains NaN or inf in {rows.size} rows (first: row {rows[0]}); "
                "impute or drop them before fitting"
            )
        return
    if X.dtype.kind in "fc" and not np.isfinite(X).all():
        rows = np.flatnonzero(~np.isfinite(X).all(axis=1))
        raise ValueError(
            f"X contains NaN or inf in {rows.size} rows (first: row {rows[0]}); "
            "impute or drop them before fitting"
        )


def check_finite_y(y, name="y"):
    y = np.asarray(y)
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        bad = np.flatnonzero(~np.isfinite(y.reshape(y.shape[0], -1)).all(axis=1))
        raise ValueError(
            f"{name} contains NaN or inf at {bad.size} positions (first: {bad[0]}); "
            "drop those samples or impute the target"
        )


def check_sample_weight(sample_weight, n_samples):
    """Return weights normalised to sum to ``n_samples`` (or None for unit weights)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has shape {np.shape(sample_weight)}; expected ({n_samples},), "
            "one weight per sample"
        )
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or inf")
    if np.any(sw < 0):
        raise ValueError(
            f"sample_weight must be non-negative; {int((sw < 0).sum())} weights are negative"
        )
    total = sw.sum()
    if total <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample needs a positive weight")
    return sw * (n_samples / total)


def check_feature_vector(value, name, n_features, default):
    """A scalar or one value per feature, as float64 of shape (n_features,)."""
    if value is None:
        return np.full(n_features, default, dtype=np.float64)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n_features, float(arr))
    if arr.shape != (n_features,):
        raise ValueError(
            f"{name} has shape {arr.shape}; expected a scalar or ({n_features},), "
            "one value per feature"
        )
    return arr.copy()


def check_penalty_factor(penalty_factor, n_features):
    pf = check_feature_vector(penalty_factor, "penalty_factor", n_features, 1.0)
    if not np.isfinite(pf).all():
        raise ValueError("penalty_factor contains NaN or inf; use 0 to leave a feature unpenalized")
    if np.any(pf < 0):
        j = int(np.flatnonzero(pf < 0)[0])
        raise ValueError(f"penalty_factor must be >= 0; feature {j} has {pf[j]}")
    return pf


def check_bounds(lower, upper, positive, n_features):
    lo = check_feature_vector(lower, "lower_bounds", n_features, -np.inf)
    hi = check_feature_vector(upper, "upper_bounds", n_features, np.inf)
    if positive:
        lo = np.maximum(lo, 0.0)
    if np.isnan(lo).any() or np.isnan(hi).any():
        raise ValueError("lower_bounds/upper_bounds contain NaN; use -inf/inf for no bound")
    if np.any(lo > hi):
        j = int(np.flatnonzero(lo > hi)[0])
        raise ValueError(f"lower_bounds > upper_bounds for feature {j}: {lo[j]} > {hi[j]}")
    if np.any(lo > 0) or np.any(hi < 0):
        j = int(np.flatnonzero((lo > 0) | (hi < 0))[0])
        raise ValueError(
            f"bounds must contain 0 (lower <= 0 <= upper, as in glmnet); feature {j} has "
            f"[{lo[j]}, {hi[j]}]. Shift the feature or the target instead"
        )
    return lo, hi


# --------------------------------------------------------------------------- data validation
FLOAT_DTYPES = (np.float64, np.float32)


def _name(estimator):
    return "" if estimator is None else f" by {type(estimator).__name__}"


def _frame_to_numpy(X):
    """A data frame as an ndarray; pandas' nullable (extension) columns become float64 with
    NaN for missing values (numpy would make them an object array of ``pd.NA``)."""
    if type(X).__module__.startswith("pandas") and hasattr(X, "dtypes"):
        if not all(isinstance(dt, np.dtype) for dt in np.atleast_1d(X.dtypes)):
            return X.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.asarray(X)


def check_sparse_structure(X, input_name="X"):
    """Reject a CSR/CSC matrix whose index arrays do not describe its shape.

    The compiled kernels trust ``indptr`` and ``indices`` (no bounds checks; row indices are
    read unsigned), so an index out of range would read outside the arrays, and a negative
    one would crash or silently use another entry.  Checked without modifying ``X`` (scipy's
    ``check_format`` prunes it in place): ``indptr`` of the right length, starting at 0,
    non-decreasing and within the stored arrays, and every stored index in range.
    """
    if X.format not in ("csr", "csc"):
        return  # other formats are converted by scipy, which checks their coordinates
    major, minor = (X.shape[1], X.shape[0]) if X.format == "csc" else X.shape
    ptr, ind = np.asarray(X.indptr), np.asarray(X.indices)
    what = "column" if X.format == "csr" else "row"
    if ptr.ndim != 1 or ptr.shape[0] != major + 1:
        problem = f"indptr has {ptr.size} entries, {major + 1} expected"
    elif ptr[0] != 0 or np.any(np.diff(ptr) < 0):
        problem = "indptr must start at 0 and never decrease"
    elif ptr[-1] > min(ind.size, np.asarray(X.data).size):
        stored = min(ind.size, np.asarray(X.data).size)
        problem = f"indptr ends at {ptr[-1]}, past the {stored} stored entries"
    elif ptr[-1] > 0 and (ind[:ptr[-1]].min() < 0 or ind[:ptr[-1]].max() >= minor):
        problem = f"a {what} index is outside [0, {minor})"
    else:
        return
    raise ValueError(f"{input_name} is not a valid {X.format.upper()} matrix of shape "
                     f"{X.shape}: {problem}")


def check_array(X, *, accept_sparse=True, dtype=FLOAT_DTYPES, ensure_all_finite=False,
                estimator=None, input_name="X"):
    """``X`` as a 2-d ndarray or sparse matrix of a floating dtype.

    ``dtype``: the dtypes kept as given (float32 stays float32); anything else is converted
    to the first.  ``accept_sparse``: False, True (any format) or the formats kept (others
    are converted to the first).  ``ensure_all_finite``: reject NaN/inf here (callers that
    want their own message check afterwards).
    """
    dtypes = tuple(np.dtype(d) for d in np.atleast_1d(dtype))
    if sp.issparse(X):
        if accept_sparse is False or accept_sparse is None:
            raise TypeError(f"Sparse data was passed for {input_name}, but dense data is "
                            "required. Use '.toarray()' to convert to a dense numpy array.")
        check_sparse_structure(X, input_name)
        formats = (None if accept_sparse is True else
                   [accept_sparse] if isinstance(accept_sparse, str) else list(accept_sparse))
        if formats is not None and X.format not in formats:
            X = X.asformat(formats[0])
        if X.dtype.kind == "c":
            raise ValueError(f"Complex data not supported\n{X}\n")
        if X.dtype not in dtypes:
            X = X.astype(dtypes[0])
    else:
        X = _frame_to_numpy(X) if hasattr(X, "columns") else np.asarray(X)
        if X.dtype.kind == "c":
            raise ValueError(f"Complex data not supported\n{X}\n")
        if X.dtype not in dtypes:
            X = X.astype(dtypes[0])  # object or string entries: numpy names the bad one
    if X.ndim != 2:
        if X.ndim > 2:
            raise ValueError(f"Found array with dim {X.ndim}.{_name(estimator)} expected <= 2.")
        kind = "scalar" if X.ndim == 0 else "1D"
        raise ValueError(
            f"Expected 2D array, got {kind} array instead:\narray={X}.\n"
            "Reshape your data either using array.reshape(-1, 1) if your data has a single "
            "feature or array.reshape(1, -1) if it contains a single sample."
        )
    for axis, what in ((0, "sample"), (1, "feature")):
        if X.shape[axis] < 1:
            raise ValueError(f"Found array with {X.shape[axis]} {what}(s) (shape={X.shape}) "
                             f"while a minimum of 1 is required{_name(estimator)}.")
    if ensure_all_finite:
        check_finite_X(X)
    return X


def check_y(y, *, y_numeric=False, estimator=None):
    """``y`` as a 1-d finite ndarray; a column vector is raveled with a warning."""
    if y is None:
        name = "y" if estimator is None else f"This {type(estimator).__name__} estimator"
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")
    if sp.issparse(y):
        raise TypeError("A sparse y is not supported; pass a 1-d array (y.toarray().ravel())")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please "
                      "change the shape of y to (n_samples, ), for example using ravel().",
                      DataConversionWarning, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    if y_numeric and y.dtype.kind == "O":
        y = y.astype(np.float64)
    check_finite_y(y)
    return y


def check_X_y(X, y, *, accept_sparse=True, dtype=FLOAT_DTYPES, y_numeric=False,
              ensure_all_finite=False, estimator=None):
    """:func:`check_array` on ``X``, :func:`check_y` on ``y``, and equal lengths."""
    if y is None:
        check_y(y, estimator=estimator)
    X = check_array(X, accept_sparse=accept_sparse, dtype=dtype,
                    ensure_all_finite=ensure_all_finite, estimator=estimator)
    y = check_y(y, y_numeric=y_numeric, estimator=estimator)
    if X.shape[0] != y.shape[0]:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{X.shape[0]}, {y.shape[0]}]")
    return X, y


def feature_names(X):
    """Column names of a data frame ``X`` when they are all strings, else None."""
    if sp.issparse(X) or isinstance(X, np.ndarray) or not hasattr(X, "columns"):
        return None
    names = np.asarray(list(X.columns), dtype=object)
    if names.size == 0:
        return None
    types = sorted({type(v).__qualname__ for v in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            "Feature names are only supported if all input features have string names, "
            f"but your input has {types} as feature name / column name types. Convert them "
            "all to strings (X.columns = X.columns.astype(str)) to keep them, or to another "
            "type to drop them."
        )
    return names if types == ["str"] else None


def _names_list(names):
    shown = [f"- {name}\n" for name in names[:5]]
    return "".join(shown) + ("- ...\n" if len(names) > 5 else "")


def _check_feature_names(estimator, X, reset):
    names = feature_names(X)
    cls = type(estimator).__name__
    if reset:
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_  # refitted on data without names
        return
    fitted = getattr(estimator, "feature_names_in_", None)
    if fitted is None and names is None:
        return
    if fitted is None:
        warnings.warn(f"X has feature names, but {cls} was fitted without feature names",
                      UserWarning, stacklevel=4)
        return
    if names is None:
        warnings.warn(f"X does not have valid feature names, but {cls} was fitted with "
                      "feature names", UserWarning, stacklevel=4)
        return
    if len(fitted) == len(names) and np.all(fitted == names):
        return
    message = "The feature names should match those that were passed during fit.\n"
    unseen = sorted(set(names) - set(fitted))
    missing = sorted(set(fitted) - set(names))
    if unseen:
        message += "Feature names unseen at fit time:\n" + _names_list(unseen)
    if missing:
        message += "Feature names seen at fit time, yet now missing:\n" + _names_list(missing)
    if not unseen and not missing:
        message += "Feature names must be in the same order as they were in fit.\n"
    raise ValueError(message)


def validate_data(estimator, X, y="no_validation", reset=True, **check_params):
    """Validate ``X`` (and ``y`` unless left out) for ``estimator``.

    ``reset=True`` (fit) records ``n_features_in_`` and ``feature_names_in_`` (string
    column names of a data frame); ``reset=False`` (predict) checks ``X`` against them:
    a different number of features is an error, different names an error, names present
    on one side only a warning.  ``check_params`` go to :func:`check_array` /
    :func:`check_X_y`.  Returns ``X`` or ``(X, y)``.
    """
    _check_feature_names(estimator, X, reset)
    if isinstance(y, str) and y == "no_validation":
        out = X = check_array(X, estimator=estimator, **check_params)
    else:
        out = X, _ = check_X_y(X, y, estimator=estimator, **check_params)
    n_features = X.shape[1]
    if reset:
        estimator.n_features_in_ = n_features
    elif hasattr(estimator, "n_features_in_") and n_features != estimator.n_features_in_:
        raise ValueError(f"X has {n_features} features, but {type(estimator).__name__} is "
                         f"expecting {estimator.n_features_in_} features as input.")
    return out


def check_is_fitted(estimator):
    """Raise :class:`~sparsefit.exceptions.NotFittedError` unless ``estimator`` is fitted."""
    if not estimator.__sklearn_is_fitted__():
        raise not_fitted_error(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def target_type(y):
    """scikit-learn's ``type_of_target`` for what a classifier can receive."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1 or y.size == 0:
        return "unknown" if y.ndim != 2 else "multioutput"
    if y.dtype.kind == "O" and not isinstance(y[0], str):
        return "unknown"
    if y.dtype.kind in "fc" and np.any(y != np.round(y.real)):
        return "continuous"
    return "multiclass" if np.unique(y).size > 2 else "binary"


def check_classification_targets(y):
    """Reject targets that are not class labels (continuous or unknown values)."""
    kind = target_type(np.asarray(y))
    if kind == "multioutput":
        raise ValueError(f"y has shape {np.shape(y)}: one column of class labels is "
                         "expected (multi-output classification is not supported)")
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {kind}. Maybe you are trying to fit a classifier, which "
            "expects discrete classes on a regression target with continuous values."
        )
