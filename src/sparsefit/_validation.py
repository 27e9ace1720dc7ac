"""Input checks with messages that name the problem and the fix."""

import numbers

import numpy as np
import scipy.sparse as sp


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
