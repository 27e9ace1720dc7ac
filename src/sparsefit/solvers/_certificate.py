"""Optimality certificates: duality gap and KKT violation for quadratic problems."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Certificate:
    primal: float
    dual: float
    gap: float
    corr: np.ndarray  # X^T r / n: minus the datafit gradient
    corr_dual: np.ndarray  # X^T theta at the (feasible) dual point
    violation: np.ndarray  # per-feature KKT violation


def free_basis(design, free):
    """Orthonormal basis (``n x k``) of the centred columns of the free features.

    A feasible dual point must be orthogonal to them; columns dependent on the others (up to
    1e-10 relative) are dropped.
    """
    if not np.any(free):
        return np.zeros((design.n_samples, 0))
    Q, R = np.linalg.qr(design.columns(free).astype(np.float64))
    d = np.abs(np.diag(R))
    return np.ascontiguousarray(Q[:, d > 1e-10 * max(d.max(), 1e-300)])


class Certifier:
    """Computes certificates for one (datafit, penalty, design) triple.

    Free features (no penalty, no bound) require ``X_U^T theta = 0``; the residual-based
    dual point is projected onto that subspace with an orthonormal basis computed once.
    The remaining L1 constraints are met by rescaling (``penalty.dual_scaling``).
    """

    def __init__(self, datafit, penalty, design):
        self.datafit, self.penalty, self.design = datafit, penalty, design
        self.zero_cols = design.col_sq_norms == 0
        free = penalty.free & ~self.zero_cols
        self.skip = self.zero_cols | free
        self.Q = free_basis(design, free) if np.any(free) else None

    def __call__(self, w, resid, corr=None, active=None):
        """Certificate at ``w`` with full residual ``resid``.

        ``corr = X^T resid / n`` may be passed when already known (it is the only full pass
        over ``X``).  ``active`` (a mask) restricts the certificate to the features not yet
        eliminated by gap-safe screening: those are zero at the optimum, so the gap of the
        reduced problem bounds the suboptimality of the full one; their ``corr`` is set to 0.
        """
        df, pen, design = self.datafit, self.penalty, self.design
        resid = resid.astype(np.float64, copy=False)
        n = df.n_samples
        skip = self.skip
        if active is not None and not active.all():
            skip = skip | ~active
        if corr is None:
            cols = None if skip is self.skip else np.flatnonzero(~skip)
            if cols is None or cols.size > 0.5 * design.n_features:
                corr = np.asarray(design.rmatvec(resid) / n, dtype=np.float64)
                if cols is not None:
                    corr[~active] = 0.0
            else:  # few survivors: dot products with those columns only
                corr = np.zeros(design.n_features)
                design.corr_cols_kernel(design.kernel_data, resid.astype(design.dtype, copy=False),
                          np.zeros(1, dtype=design.dtype), cols, 1.0 / n, corr)
        theta = df.dual_point(resid)
        if self.Q is not None:
            theta = theta - self.Q @ (self.Q.T @ theta)
            corr_dual = np.asarray(design.rmatvec(theta), dtype=np.float64)
        else:
            corr_dual = corr
        viol, pen_value, c, conj = pen.certificate_terms(w, corr, corr_dual, skip)
        theta, corr_dual = c * theta, c * corr_dual
        primal = df.value(resid) + pen_value
        dual = df.dual_value(theta) - conj
        return Certificate(primal, dual, primal - dual, corr, corr_dual, viol)
