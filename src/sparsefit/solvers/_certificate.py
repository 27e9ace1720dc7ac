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
        self.Q = None
        if np.any(free):
            Q, R = np.linalg.qr(design.columns(free).astype(np.float64))
            d = np.abs(np.diag(R))
            self.Q = Q[:, d > 1e-10 * max(d.max(), 1e-300)]

    def __call__(self, w, resid):
        df, pen, design = self.datafit, self.penalty, self.design
        resid = resid.astype(np.float64, copy=False)
        n = df.n_samples
        corr = design.rmatvec(resid) / n
        corr = np.asarray(corr, dtype=np.float64)
        theta = df.dual_point(resid)
        if self.Q is not None:
            theta = theta - self.Q @ (self.Q.T @ theta)
            corr_dual = np.asarray(design.rmatvec(theta), dtype=np.float64)
        else:
            corr_dual = corr
        viol, pen_value, c, conj = pen.certificate_terms(w, corr, corr_dual, self.skip)
        theta, corr_dual = c * theta, c * corr_dual
        primal = df.value(resid) + pen_value
        dual = df.dual_value(theta) - conj
        return Certificate(primal, dual, primal - dual, corr, corr_dual, viol)
