"""Projected subgradient descent, for teaching and as an independent check.

Uses the minimum-norm subgradient (so coordinates at zero with ``|corr_j| <= a_j`` stay
exactly zero) and steps ``1 / (L sqrt(k + 1))``.  It converges as ``O(1/sqrt(k))``: expect
a duality gap several orders of magnitude above coordinate descent's for the same work,
and coefficients that hover near zero instead of reaching it.  The best iterate is
returned with the gap it actually reached; the usual ``ConvergenceWarning`` says so when
the tolerance was not met.
"""

import numpy as np

from ._certificate import Certifier
from ._result import SolverResult
from .cd import stopping_scale, warn_not_converged
from .prox_grad import global_lipschitz


def min_norm_subgradient(w, grad, penalty):
    """Element of ``grad + dP(w) + N_box(w)`` of smallest magnitude, per feature."""
    a, b, lo, hi = penalty.a, penalty.b, penalty.lower, penalty.upper
    g = grad + b * w + a * np.sign(w)
    at_zero = w == 0
    g[at_zero] = np.sign(grad[at_zero]) * np.maximum(np.abs(grad[at_zero]) - a[at_zero], 0.0)
    g[(w >= hi) & (g < 0)] = 0.0  # moving up is blocked by the upper bound
    g[(w <= lo) & (g > 0)] = 0.0
    return g


def solve_subgradient(datafit, penalty, design, w0=None, tol=1e-4, max_iter=10_000,
                      check_every=50, warn=True):
    """Minimise ``datafit + penalty`` by projected subgradient steps."""
    p, n = design.n_features, datafit.n_samples
    certifier = Certifier(datafit, penalty, design)
    criterion, scale = stopping_scale(datafit, penalty, design)
    tol_abs = tol * scale
    L = max(global_lipschitz(datafit, design), 1e-300)
    w = np.zeros(p) if w0 is None else np.clip(np.asarray(w0, np.float64), penalty.lower,
                                                 penalty.upper)
    w[design.col_sq_norms == 0] = 0.0
    best_w, best_obj = w.copy(), np.inf
    it, converged, best_cert = 0, False, None
    while True:
        r = datafit.y - design.matvec(w)
        obj = datafit.value(r) + penalty.value(w)
        if obj < best_obj:
            best_w, best_obj = w.copy(), obj
        if it % check_every == 0 or it >= max_iter:
            best_cert = certifier(best_w, datafit.y - design.matvec(best_w))
            value = best_cert.gap if criterion == "gap" else best_cert.violation.max(initial=0.0)
            converged = value <= tol_abs
            if converged or it >= max_iter:
                break
        g = min_norm_subgradient(w, -design.rmatvec(r) / n, penalty)
        w = np.clip(w - g / (L * np.sqrt(it + 1.0)), penalty.lower, penalty.upper)
        it += 1
    res = SolverResult(
        coef=best_w, primal=best_cert.primal, gap=best_cert.gap,
        kkt=float(best_cert.violation.max(initial=0.0)), n_iter=it, converged=converged,
        criterion=criterion, tol_abs=tol_abs,
    )
    if warn and not converged:
        warn_not_converged(res, "Subgradient descent")
    return res
