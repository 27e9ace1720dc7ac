"""The few scores sparsefit computes itself: R^2, accuracy and the binary ROC AUC.

They follow scikit-learn's definitions (``sklearn.metrics``), which the tests check them
against, so that ``score`` and the cross-validation scores mean the same in both libraries
while scikit-learn stays out of the runtime dependencies.
"""

import warnings

import numpy as np


def _weights(sample_weight, n):
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64).ravel()
    if w.shape != (n,):
        raise ValueError(f"sample_weight has shape {np.shape(sample_weight)}; expected ({n},), "
                         "one weight per sample")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError("sample_weight must be finite and non-negative with a positive "
                         "sum; drop or fix the offending weights")
    return w


def _finite(a, name):
    """``a`` unless it holds NaN or inf (a score of such values would be NaN, not an error)."""
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        bad = np.flatnonzero(~np.isfinite(a.reshape(a.shape[0], -1)).all(axis=1))
        raise ValueError(f"{name} contains NaN or inf at {bad.size} positions (first: "
                         f"{bad[0]}); a score needs finite values")
    return a


def _paired(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim == 2 and y_true.shape[1] == 1:  # a column vector, as scikit-learn accepts
        y_true = y_true.ravel()
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.ravel()
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{y_true.shape[0]}, {y_pred.shape[0]}]")
    return _finite(y_true, "y_true"), _finite(y_pred, "y_pred")


def r2_score(y_true, y_pred, sample_weight=None):
    """Coefficient of determination ``1 - SS_res / SS_tot`` (weighted).

    As scikit-learn: 1.0 for a perfect fit of a constant target, 0.0 for an imperfect one,
    NaN (with a warning) for fewer than two samples.
    """
    y_true, y_pred = _paired(y_true, y_pred)
    y_true = y_true.astype(np.float64)
    y_pred = y_pred.astype(np.float64)
    if y_true.shape[0] < 2:
        warnings.warn("R^2 score is not well-defined with less than two samples.",
                      UserWarning, stacklevel=2)
        return float("nan")
    w = _weights(sample_weight, y_true.shape[0])
    w_ = 1.0 if w is None else (w if y_true.ndim == 1 else w[:, None])
    num = np.sum(w_ * (y_true - y_pred) ** 2, axis=0)
    den = np.sum(w_ * (y_true - np.average(y_true, axis=0, weights=w)) ** 2, axis=0)
    r2 = np.where(den != 0, 1.0 - num / np.where(den != 0, den, 1.0),
                  np.where(num == 0, 1.0, 0.0))
    return float(np.mean(r2))  # several outputs: their plain mean ("uniform_average")


def accuracy_score(y_true, y_pred, sample_weight=None):
    """Fraction (weighted) of samples whose predicted label equals the true one."""
    y_true, y_pred = _paired(y_true, y_pred)
    w = _weights(sample_weight, y_true.shape[0])
    return float(np.average(y_true == y_pred, weights=w))


def roc_auc_score(y_true, y_score, sample_weight=None):
    """Area under the ROC curve of a binary problem (``y_true`` > 0 is the positive class).

    Equal to the (weighted) probability that a random positive scores above a random
    negative, ties counting one half: the trapezoidal area under the ROC curve, as
    ``sklearn.metrics.roc_auc_score``.  Samples of zero weight are ignored.
    """
    pos = np.asarray(y_true).ravel()
    pos = pos > 0 if pos.dtype != bool else pos
    score = _finite(np.asarray(y_score, dtype=np.float64).ravel(), "y_score")
    if pos.shape != score.shape:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         f"[{pos.shape[0]}, {score.shape[0]}]")
    w = _weights(sample_weight, pos.shape[0])
    w = np.ones(pos.shape[0]) if w is None else w
    # one bin per distinct score: the positive and the negative weight it carries
    _, level = np.unique(score, return_inverse=True)
    w_pos = np.bincount(level, weights=np.where(pos, w, 0.0))
    w_neg = np.bincount(level, weights=np.where(pos, 0.0, w))
    total_pos, total_neg = w_pos.sum(), w_neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        raise ValueError("Only one class present in y_true. ROC AUC score is not defined in "
                         "that case.")
    below = np.cumsum(w_neg) - w_neg  # negative weight strictly below each score
    return float(np.sum(w_pos * (below + 0.5 * w_neg)) / (total_pos * total_neg))
