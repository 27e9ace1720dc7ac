"""Certificate of a separable penalty at a given correlation vector, in one pass."""

from numba import njit

from .prox import conj_coord, kkt_coord, penalty_coord, scale_limit


@njit(cache=True)
def separable_certificate(w, corr, corr_dual, a, b, lo, hi, skip, viol):
    """Penalty value, dual rescaling and conjugate sum, plus per-feature KKT violations.

    ``corr = -grad`` at ``w``; ``corr_dual = X^T theta`` at the unscaled dual point.
    Features with ``skip`` set (zero columns, free features handled by projection) get
    violation 0 for zero columns and are left out of the scaling and the conjugate.
    Writes ``viol`` in place and returns ``(penalty_value, c, sum_j g_j^*(c corr_dual_j))``.
    """
    p = w.shape[0]
    value = 0.0
    c = 1.0
    for j in range(p):
        value += penalty_coord(w[j], a[j], b[j])
        viol[j] = kkt_coord(w[j], corr[j], a[j], b[j], lo[j], hi[j])
        if not skip[j]:
            c = min(c, scale_limit(corr_dual[j], a[j], b[j], lo[j], hi[j]))
    conj = 0.0
    for j in range(p):
        if not skip[j]:
            conj += conj_coord(c * corr_dual[j], a[j], b[j], lo[j], hi[j])
    return value, c, conj
