"""Working-set proximal Newton for single-output GLMs along a grid of alphas, compiled.

For a datafit of :mod:`sparsefit._kernels.glm_datafits` (code ``fam``) every problem

.. math::

    \\min_{w, b} \\frac{1}{n} \\sum_i s_i\\, l(y_i, x_i^\\top w + b + o_i)
    + \\sum_j \\alpha a^{(1)}_j |w_j| + \\frac{\\alpha b^{(1)}_j}{2} w_j^2,
    \\qquad l_j \\le w_j \\le u_j,

of a decreasing grid is solved warm-started from the previous one; a single fit is the
grid ``[1.0]`` with the penalty weights themselves as ``a1, b1``.  The algorithm is the
one of :mod:`sparsefit.solvers.prox_newton` (which documents it); what is particular here:

* **certificate** (duality gap of the rescaled dual point ``c l'(eta)``, or the largest KKT
  violation) needs ``x_j^T g`` only for features that might violate their optimality
  condition.  ``x_j^T g_ref`` at a reference gradient ``g_ref`` (the last full pass) and
  Cauchy-Schwarz give ``|x_j^T g| <= |x_j^T g_ref| + ||x_j|| ||g - g_ref||``; a feature at
  zero whose bound is below ``a_j`` has violation 0, does not limit the rescaling ``c``
  and adds 0 to the conjugate, so skipping it leaves the gap and the KKT violation exactly
  what a full pass gives;
* **reuse along the path**: ``x_j^T g`` computed at the current point stay valid (a stamp per
  feature) until the point moves, so the first certificate at a new alpha costs no pass
  over ``X`` and an alpha whose first working set is right costs one partial pass;
* **one datafit pass per trial point**: the line search evaluates the loss, its derivatives
  and the slope together and the certificate reuses them (``eta`` is updated by the steps,
  recomputed from ``(w, b)`` only when those are set from outside), after an exact 1-D
  Newton on the intercept in the gap mode (so ``sum_i s_i l'_i = 0`` up to rounding); a
  warm start whose known correlations violate KKT skips the rest of the certificate (a
  Newton step follows anyway);
* **working sets** are the support plus the largest violators (at most twice the support);
  the model of each Newton step is solved by coordinate descent on the columns or, when
  cheaper, through the working set's Gram matrix (:mod:`sparsefit._kernels.glm_cd`).

Nothing is validated here.
"""

import numpy as np
from numba import njit

from .glm_cd import col_axpy, col_dot, col_size, solve_model
from .glm_datafits import (
    LOGISTIC,
    curvature_excess,
    curvature_excess_bound,
    dual_value,
    grad_hess,
    grad_hess_cache,
    intercept_sums,
    logistic_loss_dual,
    logistic_mean_loss,
    mean_loss,
    shift_point,
    trial_point,
)
from .lists import flag_buffer, flagged
from .prox import conj_coord, kkt_coord, penalty_coord, scale_limit
from .quadratic_cd import FAST

# a full pass (which also resets the reference gradient) replaces a partial one when the
# columns to recompute hold more than this fraction of the movable features' entries
FULL_PASS_FRACTION = 0.3
# relative slack on the Cauchy-Schwarz bound: covers the rounding of the stored products
BOUND_SLACK = 1e-9
# inner tolerances, relative to the KKT violation of the last certificate: a working set's
# Newton steps stop at TOL_IN times it, each step's coordinate descent at TOL_CD times
# the working set's own violation (tight: one accurate step is cheaper than a second
# certificate; measured on the Reuters, leukemia and colon CV paths against 0.1 and 0.3;
# TOL_CD 0.03 -> 0.01 left colon's and leukemia's first step short of TOL_IN half the time:
# 151 -> 100 Newton steps per fold path, for cheap epochs)
TOL_IN = 0.03
TOL_CD = 0.01
STOP_NONE, STOP_GAUSSIAN, STOP_POISSON, STOP_ABSOLUTE = 0, 1, 2, 3
# warm starts extrapolated along the path (see _extrapolate): Reuters fold paths 157 -> 100
# Newton steps (one per alpha), half the Gram builds
EXTRAPOLATE = True

# integer state (``ist``): correlation stamp of the current point, reference set, state of
# (eta, g, h, loss) (below); then work counters: full passes over X, entries
# of X read by partial passes, coordinate-descent epochs, datafit evaluations (derivatives
# over all samples), entries of X read by coordinate descent, certificates
_VER, _HAVE_REF, _STATE = 0, 1, 2
# _STATE: STALE (w or b were set from outside: eta is recomputed from them), MOVED (eta, g, h
# updated by a step; not examined yet), READY (intercept polished, stamps current: a Newton
# step's end or a certificate)
STALE, MOVED, READY = 0, 1, 2
N_FULL, N_COLS, N_EPOCHS, N_EVALS, N_CD_WORK, N_CERTS = 3, 4, 5, 6, 7, 8
_LAST_EPOCHS = 9  # epochs of the previous Newton step: the cost model's guess for the next
_N_KNOWN = 10  # features whose correlation is known at the current stamp (listed in kl)
_WORK_FULL = 11  # entries of X in the movable columns (a full pass)
_SPECIAL = 12  # some movable feature has an L2 term or a finite bound (conjugate may be != 0)
_VER_LAST = 13  # stamp of the previous refresh, whose gradient is kept as a second reference
_LOSS_OK = 14  # fst[0] holds the mean loss at eta (the loss is evaluated only when needed)
N_LOSSES = 15  # work counter: loss evaluations (a logarithm per sample)
N_STATE = 16


@njit(cache=True)
def _linear(D, w, b, off, eta):
    """``eta = X w + b + off`` from scratch."""
    for i in range(eta.shape[0]):
        eta[i] = off[i] + b
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            col_axpy(D, j, w[j], eta)


@njit(cache=True)
def _sum(v):
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i]
    return s


@njit(cache=True)
def _moved(ist):
    """The point moved: stored correlations become stale."""
    ist[_VER] += 1
    ist[_N_KNOWN] = 0


@njit(cache=True)
def polish_intercept(df, eta, b, g, h, ec, et, gt, ht, ect, ist, sums):
    """Exact 1-D minimisation of the intercept; returns it.

    ``g, h`` are the weighted derivatives at ``eta``, which holds intercept ``b``, and
    ``sums = (sum g, sum h, sum_i s_i l3_i)`` the intercept's derivatives there
    (:func:`intercept_sums`); all are moved to the result in place (the loss there is not
    evaluated: a move clears ``ist[_LOSS_OK]``).  The steps are Halley's, the third
    derivative coming with the same pass (Newton's for the families that report it as 0):
    from the 1e-7 .. 1e-5 steps a Newton step of the coefficients leaves, one pass reaches
    the floor where Newton's took two.  A step is halved until the intercept's gradient
    shrinks (the problem is convex in ``b``: only derivatives are compared); the iteration
    stops when the next Newton step is at the floating-point floor.
    ``ec`` caches ``e^-|eta|`` for the logistic loss (moved too: the shifted points cost a
    product per sample, see :func:`shift_point`); ``et, gt, ht, ect`` are workspace.
    """
    fam, y, aux, prm, hfloor, sw, off = df
    n = eta.shape[0]
    gs, hs, h3 = sums
    gsn, hsn, h3n = gs, hs, h3
    for _ in range(60):
        dn = -gs / hs if hs > 0.0 else 0.0
        if not (np.isfinite(dn) and gs * dn < 0.0):
            break
        if abs(dn) <= 1e-14 * (1.0 + abs(b)):
            break  # the intercept is optimal
        den = hs + 0.5 * h3 * dn
        d = -gs / den if den > 0.5 * hs else dn  # Newton where Halley's correction is large
        t = 1.0
        bn = b
        while True:
            bn = b + t * d
            delta = bn - b
            if fam == LOGISTIC:
                gsn, hsn, h3n = shift_point(y, sw, hfloor, eta, ec, delta, et, gt, ht, ect)
            else:
                for i in range(n):
                    et[i] = eta[i] + delta
                grad_hess(fam, y, prm, hfloor, sw, et, gt, ht)
                gsn, hsn, h3n = intercept_sums(fam, y, sw, gt, ht)
            ist[N_EVALS] += 1
            if abs(gsn) <= abs(gs) or t < 1e-12:
                break
            t *= 0.5
        if not abs(gsn) <= abs(gs):
            break
        eta[:] = et
        g[:] = gt
        h[:] = ht
        if fam == LOGISTIC:
            ec[:] = ect
        ist[_LOSS_OK] = 0
        b = bn
        gs, hs, h3 = gsn, hsn, h3n
        if abs(t * d) <= 1e-14 * (1.0 + abs(b)):
            break
    return b


@njit(cache=True)
def current_loss(df, eta, ec, fst, ist, scr):
    """The mean loss at ``eta``: ``fst[0]``, evaluated first if it is not current (from the
    cached exponentials ``ec`` for the logistic loss; ``scr`` workspace of the samples'
    length)."""
    if not ist[_LOSS_OK]:
        fam, y, aux, prm, hfloor, sw, off = df
        if fam == LOGISTIC:
            fst[0] = logistic_mean_loss(y, sw, eta, ec, scr)
        else:
            fst[0] = mean_loss(fam, y, aux, prm, sw, eta)
        ist[_LOSS_OK] = 1
        ist[N_LOSSES] += 1
    return fst[0]


@njit(cache=True)
def _binary(y):
    for i in range(y.shape[0]):
        if y[i] != 0.0 and y[i] != 1.0:
            return False
    return True


@njit(cache=True)
def _fenchel_young_gap(g, eta, off, inv_n):
    """``(1/n) sum_i g_i (eta_i - o_i)``: the datafit's part of the duality gap at the
    unscaled dual point ``u_i = l'(eta_i)``.

    Fenchel-Young holds with equality there, ``l^*(u_i) = eta_i u_i - l(eta_i)``, so
    ``F(eta) - D(u) = (1/n) sum_i s_i eta_i u_i - (1/n) sum_i g_i o_i``: the gap at
    ``c = 1`` needs neither the loss nor the conjugate (no logarithms), and is free of the
    cancellation between ``F`` and ``D``.
    """
    s = 0.0
    for i in range(g.shape[0]):
        s += g[i] * (eta[i] - off[i])
    return s * inv_n


@njit(cache=True)
def full_correlation(D, g, inv_n, cols, corr):
    """``corr[j] = -x_j^T g / n`` for ``j`` in ``cols``."""
    for t in range(cols.shape[0]):
        j = cols[t]
        corr[j] = -col_dot(D, j, g) * inv_n


@njit(cache=True)
def _refresh(D, nrm, w, g, a, movable, corr, st, ist, inv_n):
    """Make ``corr[j] = -x_j^T g / n`` exact for every movable feature that may violate KKT.

    ``st`` = (gref, cref, stamp, need, kl, glast, flag): the reference gradient and its
    correlations, the per-feature stamp, workspace, the list of features known at the
    current stamp (``ist[_N_KNOWN]`` of them), which this extends, the gradient of the
    previous refresh (features known then, stamp ``ist[_VER_LAST]``, still hold their
    correlation there: a second, usually closer, reference for their bound) and the bytes
    of :func:`_needed` (:func:`sparsefit._kernels.lists.flag_buffer`).  Does a full pass
    (and resets the reference) when the bounds leave too many entries of ``X`` to read.
    """
    gref, cref, stamp, need, kl, glast, flag = st
    ver = ist[_VER]
    p = w.shape[0]
    dist = 0.0
    dist_last = np.inf
    if ist[_HAVE_REF]:
        dist = _distance(g, gref) * inv_n
        dist_last = _distance(g, glast) * inv_n
    _needed(w, a, cref, corr, nrm, movable, stamp, ver, ist[_VER_LAST],
            ist[_HAVE_REF] != 0, dist, dist_last, flag)
    n_need = flagged(flag, p, need)
    work = 0
    for t in range(n_need):
        work += col_size(D, need[t])
    if n_need == 0:
        _remember(g, glast, ist)
        return
    nk = ist[_N_KNOWN]
    if not ist[_HAVE_REF] or work > FULL_PASS_FRACTION * ist[_WORK_FULL]:
        nk = 0
        for j in range(p):
            if movable[j]:
                kl[nk] = j
                nk += 1
        full_correlation(D, g, inv_n, kl[:nk], corr)
        for t in range(nk):
            j = kl[t]
            cref[j] = corr[j]
            stamp[j] = ver
        gref[:] = g
        ist[_HAVE_REF] = 1
        ist[N_FULL] += 1
        ist[_N_KNOWN] = nk
        _remember(g, glast, ist)
        return
    full_correlation(D, g, inv_n, need[:n_need], corr)
    ist[N_COLS] += work
    for t in range(n_need):
        j = need[t]
        stamp[j] = ver
        kl[nk + t] = j
    ist[_N_KNOWN] = nk + n_need
    _remember(g, glast, ist)


@njit(cache=True)
def _needed(w, a, cref, corr, nrm, movable, stamp, ver, ver_last, have_ref, dist, dist_last,
            flag):
    """``flag[j] = 1`` when :func:`_refresh` must compute ``x_j^T g``: ``j`` is movable, not
    known at stamp ``ver``, and not provably optimal at zero (``have_ref``: its bound
    ``|cref_j| (1 + BOUND_SLACK) + nrm_j dist`` below ``a_j``, or, when it is also known at
    the previous refresh (stamp ``ver_last``), that gradient's bound through ``corr_j``).

    Branch-free, so it compiles to vector instructions.
    """
    for j in range(w.shape[0]):
        bound = abs(cref[j]) * (1.0 + BOUND_SLACK) + nrm[j] * dist
        bound_last = abs(corr[j]) * (1.0 + BOUND_SLACK) + nrm[j] * dist_last
        bound = min(bound, bound_last) if stamp[j] == ver_last else bound
        safe = have_ref & (w[j] == 0.0) & (bound < a[j])  # False for a NaN bound
        flag[j] = np.uint8(movable[j] & (stamp[j] != ver) & (not safe))


@njit(cache=True)
def _remember(g, glast, ist):
    """The correlations known now (stamp ``ver``) become the second reference."""
    glast[:] = g
    ist[_VER_LAST] = ist[_VER]


@njit(cache=True)
def _distance(u, v):
    """``||u - v||_2`` plus the rounding slack of products with either (see BOUND_SLACK)."""
    d = 0.0
    s = 0.0
    for i in range(u.shape[0]):
        e = u[i] - v[i]
        d += e * e
        s += u[i] * u[i] + v[i] * v[i]
    return np.sqrt(d) + BOUND_SLACK * np.sqrt(s)


@njit(cache=True)
def _known_kkt(w, pen, corr, kl, nk, viol):
    """``(largest violation, dual rescaling c)`` over the known features ``kl[:nk]``;
    fills their ``viol``."""
    a, bq, lo, hi = pen
    kkt = 0.0
    c = 1.0
    for t in range(nk):
        j = kl[t]
        v = kkt_coord(w[j], corr[j], a[j], bq[j], lo[j], hi[j])
        c = min(c, scale_limit(corr[j], a[j], bq[j], lo[j], hi[j]))
        viol[j] = v
        if v > kkt:
            kkt = v
    return kkt, c


@njit(cache=True)
def _certify(D, nrm, df, w, b, pen, movable, fit_intercept, use_gap, lazy, lazy_tol, sv, st,
             ist, viol):
    """Bring ``(eta, g, h)`` to ``(w, b)``, then the certificate there.

    ``sv`` = (eta, g, h, corr, et, gt, ht, fst, ec, ect) with ``fst[0]`` the mean loss at
    ``eta`` when ``ist[_LOSS_OK]`` (see :func:`current_loss`) and ``ec = e^-|eta|`` for the
    logistic loss whenever ``eta`` is current (``ect`` workspace).  Returns ``(b, pval, gap, kkt,
    complete)`` (``b`` re-optimised in the gap mode, ``pval`` the penalty at ``w``, ``gap``
    NaN in the KKT mode) and fills ``viol`` with the per-feature KKT violations (0 for
    features proven optimal without a product; entries of other features are left stale:
    read them through the known list ``st[4]``).

    ``lazy`` (a warm start): the features whose correlation is already known are checked
    first; if one violates its condition by more than ``lazy_tol`` the solve cannot stop
    here, so the rest (bounds, products, the dual) is skipped and ``complete`` is False
    (``gap`` NaN, ``kkt`` over the known features only).
    """
    fam, y, aux, prm, hfloor, sw, off = df
    a, bq, lo, hi = pen
    eta, g, h, corr, et, gt, ht, fst, ec, ect = sv
    n = eta.shape[0]
    p = w.shape[0]
    inv_n = 1.0 / n
    if ist[_STATE] == STALE:
        _linear(D, w, b, off, eta)
        grad_hess_cache(fam, y, prm, hfloor, sw, eta, g, h, ec)
        ist[_LOSS_OK] = 0
        ist[N_EVALS] += 1
    if ist[_STATE] != READY:
        if use_gap and fit_intercept:
            b = polish_intercept(df, eta, b, g, h, ec, et, gt, ht, ect, ist,
                                 intercept_sums(fam, y, sw, g, h))
        _moved(ist)
        ist[_STATE] = READY
    ist[N_CERTS] += 1
    kl = st[4]
    pval = 0.0
    for j in range(p):
        if w[j] != 0.0:
            pval += penalty_coord(w[j], a[j], bq[j])
    if lazy:
        kkt, c = _known_kkt(w, pen, corr, kl, ist[_N_KNOWN], viol)
        if kkt > lazy_tol:
            return b, pval, np.nan, kkt, False
    _refresh(D, nrm, w, g, a, movable, corr, st, ist, inv_n)
    nk = ist[_N_KNOWN]
    kkt, c = _known_kkt(w, pen, corr, kl, nk, viol)  # the others satisfy their condition
    gap = np.nan
    if use_gap:
        conj = 0.0
        if ist[_SPECIAL]:  # else every term is 0: |c corr_j| <= a_j, no L2 term, no bound
            for t in range(nk):
                j = kl[t]
                conj += conj_coord(c * corr[j], a[j], bq[j], lo[j], hi[j])
        if fam == LOGISTIC and c == 1.0:
            gap = _fenchel_young_gap(g, eta, off, inv_n) + pval + conj
        elif fam == LOGISTIC and _binary(y):
            fst[0], dual = logistic_loss_dual(y, sw, eta, ec, g, off, c, et, gt)
            ist[_LOSS_OK] = 1
            ist[N_LOSSES] += 1
            gap = fst[0] + pval - (dual - conj)
        else:
            loss = current_loss(df, eta, ec, fst, ist, et)
            gap = loss + pval - (dual_value(fam, y, aux, prm, sw, g, off, c) - conj)
    if fit_intercept:
        kkt = max(kkt, abs(_sum(g)) * inv_n)
    return b, pval, gap, kkt, True


@njit(cache=True)
def _working_set(w, viol, movable, n_movable, p0, kl, nk, cand, score, out):
    """Support plus the largest KKT violators (of the known features ``kl[:nk]``), sorted.

    Size at most ``min(n_movable, max(p0, 2 |support|))``; returns it.
    """
    p = w.shape[0]
    m = 0
    for j in range(p):
        if w[j] != 0.0:
            out[m] = j
            m += 1
    size = min(n_movable, max(p0, 2 * m))
    nc = 0
    for t in range(nk):
        j = kl[t]
        if w[j] == 0.0 and movable[j] and viol[j] > 0.0:
            cand[nc] = j
            score[nc] = viol[j]
            nc += 1
    k = size - m
    if k > 0:
        if nc <= k:
            for t in range(nc):
                out[m] = cand[t]
                m += 1
        else:
            thr = -np.partition(-score[:nc], k - 1)[k - 1]
            for t in range(nc):
                if score[t] > thr:
                    out[m] = cand[t]
                    m += 1
            for t in range(nc):
                if m >= size:
                    break
                if score[t] == thr:
                    out[m] = cand[t]
                    m += 1
    out[:m].sort()
    return m


@njit(cache=True)
def _newton_step(D, df, w, b, ws, pen, fit_intercept, tol_cd, max_epochs, sv, buf, ist):
    """One proximal Newton step on ``ws``; returns ``(ok, b, sums)``.

    On success ``w``, ``eta, g, h`` (in ``sv``) are moved to the accepted point, where
    ``sums`` are the intercept's derivatives (see :func:`polish_intercept`);
    ``ok = False`` when the model predicts no decrease (the floating-point floor).
    ``buf`` = (wn, q, deta, H, xh, cnt, pv, pw) is workspace.
    """
    fam, y, aux, prm, hfloor, sw, off = df
    a, bq, lo, hi = pen
    eta, g, h, corr, et, gt, ht, fst, ec, ect = sv
    wn, q, deta, H, xh, cnt, pv, pw = buf
    n = eta.shape[0]
    inv_n = 1.0 / n
    m = ws.shape[0]
    d0_init = 0.0
    if fit_intercept:
        hs = _sum(h)
        if hs > 0.0:
            d0_init = -_sum(g) / hs
    for t in range(m):
        wn[ws[t]] = w[ws[t]]
    epochs, _, c, work = solve_model(D, wn, g, h, d0_init, ws, a, bq, lo, hi, inv_n,
                                     fit_intercept, tol_cd, max_epochs, ist[_LAST_EPOCHS], 0,
                                     q, H, xh, cnt, pv, pw)
    ist[N_CD_WORK] += work
    ist[N_EPOCHS] += epochs
    ist[_LAST_EPOCHS] = epochs
    d0 = d0_init - c if fit_intercept else 0.0
    for i in range(n):
        deta[i] = d0
    dpen = 0.0
    for t in range(m):
        j = ws[t]
        dj = wn[j] - w[j]
        if dj != 0.0:
            col_axpy(D, j, dj, deta)
            dpen += (a[j] * (abs(wn[j]) - abs(w[j]))
                     + 0.5 * bq[j] * dj * (wn[j] + w[j]))
    gd = 0.0
    q2 = 0.0  # the model's curvature term and the largest move: the Armijo bound below
    dmax = 0.0
    for i in range(n):
        gd += g[i] * deta[i]
        q2 += h[i] * deta[i] * deta[i]
        dmax = max(dmax, abs(deta[i]))
    delta = gd * inv_n + dpen
    if not delta < 0.0:
        return False, b, (0.0, 0.0, 0.0)
    t = 1.0
    for _ in range(40):
        slope, gs, hs, h3 = trial_point(fam, y, prm, hfloor, sw, eta, deta, t, et, gt, ht, ect,
                                        q)
        ist[N_EVALS] += 1
        loss_t = np.nan
        # psi(s) = F(eta + s deta) + (1 - s) P(w) + s P(wn) is convex and bounds the
        # objective along the segment from above; psi'(t) <= 0 means psi(t) <= psi(0), a
        # test free of the cancellation that makes value comparisons fail near the optimum
        ok = slope * inv_n + dpen <= 0.0
        if not ok and fam == LOGISTIC:
            # Armijo through an upper bound of the objective's change, no loss needed:
            # the datafit's by curvature_excess, the penalty's by convexity (t dpen); its
            # bound from the sums above first (no exponentials), the exact sum if that fails
            bound = t * delta + curvature_excess_bound(q2, dmax, t) * inv_n
            ok = bound <= 1e-4 * t * delta
            if not ok:
                bound = t * delta + curvature_excess(h, deta, t) * inv_n
                ok = bound <= 1e-4 * t * delta
        if not ok:  # Armijo on the objective (penalty terms outside ws are unchanged)
            f_old = current_loss(df, eta, ec, fst, ist, q)
            if fam == LOGISTIC:  # from the trial point's cached exponentials
                loss_t = logistic_mean_loss(y, sw, et, ect, q)
            else:
                loss_t = mean_loss(fam, y, aux, prm, sw, et)
            ist[N_LOSSES] += 1
            f_new = loss_t
            for k in range(m):
                j = ws[k]
                f_old += penalty_coord(w[j], a[j], bq[j])
                f_new += penalty_coord(w[j] + t * (wn[j] - w[j]), a[j], bq[j])
            ok = f_new <= f_old + 1e-4 * t * delta
        if ok:
            for k in range(m):
                j = ws[k]
                w[j] = w[j] + t * (wn[j] - w[j])
            eta[:] = et
            g[:] = gt
            h[:] = ht
            if fam == LOGISTIC:
                ec[:] = ect
            fst[0] = loss_t
            ist[_LOSS_OK] = 0 if np.isnan(loss_t) else 1
            return True, b + t * d0, (gs, hs, h3)
        t *= 0.5
    return False, b, (0.0, 0.0, 0.0)


@njit(cache=True)
def _extrapolate(D, df, w, b, pen, extrap, sv, ist):
    """Move the support and the intercept along the path: ``w + gamma (w - w_prev)``.

    ``(w, b)`` solves the previous alpha and ``(w_prev, b_prev)`` the one before; the path
    is close to linear in alpha between changes of the active set (exactly so for the
    lasso), so this start leaves the Newton steps at the new alpha mostly the curvature's
    correction (a start at ``w`` leaves them the whole first-order move, which one step
    on a strongly curved loss does not complete).  A coefficient whose extrapolation
    crosses zero is set to zero, bounds are kept; ``eta`` is updated by the moved columns
    and ``g, h`` evaluated there (the point moved: stamps and the loss become stale).
    Returns the intercept.
    """
    fam, y, aux, prm, hfloor, sw, off = df
    a, bq, lo, hi = pen
    w_prev, b_prev, gamma = extrap
    eta, g, h = sv[0], sv[1], sv[2]
    moved = False
    for j in range(w.shape[0]):
        if w[j] == 0.0:
            continue
        new = w[j] + gamma * (w[j] - w_prev[j])
        if (new > 0.0) != (w[j] > 0.0):
            new = 0.0
        new = min(max(new, lo[j]), hi[j])
        if new != w[j]:
            col_axpy(D, j, new - w[j], eta)
            w[j] = new
            moved = True
    db = gamma * (b - b_prev)
    if db != 0.0:
        for i in range(eta.shape[0]):
            eta[i] += db
        moved = True
    if moved:
        grad_hess_cache(fam, y, prm, hfloor, sw, eta, g, h, sv[8])
        ist[N_EVALS] += 1
        ist[_LOSS_OK] = 0
        ist[_STATE] = MOVED
        _moved(ist)
    return b + db


@njit(cache=True)
def solve_one(D, nrm, df, w, b, pen, movable, n_movable, fit_intercept, use_gap, tol_abs,
              max_iter, max_epochs, p0, warm, extrap, sv, st, ist, buf, sel):
    """Working-set proximal Newton at one alpha, from ``(w, b)`` and the state in ``sv``.

    ``w`` is updated in place.  ``warm``: the start is the previous alpha's solution, so
    the first certificate is lazy (see :func:`_certify`): when a feature whose correlation
    is known violates its condition, a Newton step follows without bounds, products or the
    dual.  ``extrap = (w_prev, b_prev, gamma)``: when that lazy certificate fails, the first
    working set's Newton steps start from the path extrapolated past ``(w, b)`` (see
    :func:`_extrapolate`; ``gamma <= 0`` never).  Returns
    ``(b, primal, gap, kkt, stop_crit, n_iter, converged, stalled, loss)``.
    ``sel`` = (viol, cand, score, ws) is workspace.
    """
    a, bq, lo, hi = pen
    viol, cand, score, wsbuf = sel
    eta, g, h, corr = sv[0], sv[1], sv[2], sv[3]
    stamp, kl = st[2], st[4]
    n = eta.shape[0]
    inv_n = 1.0 / n
    n_iter = 0
    tol_in = np.inf
    stalled = False
    lazy = warm and max_iter > 0
    lazy_failed = False
    while True:
        b, pval, gap, kkt, complete = _certify(
            D, nrm, df, w, b, pen, movable, fit_intercept, use_gap, lazy,
            0.0 if use_gap else tol_abs, sv, st, ist, viol)
        lazy_failed = lazy and not complete
        lazy = False
        crit = gap if use_gap else kkt
        converged = complete and crit <= tol_abs
        if converged or n_iter >= max_iter or stalled:
            break
        if n_movable == 0 and not fit_intercept:
            break
        m = _working_set(w, viol, movable, n_movable, p0, st[4], ist[_N_KNOWN], cand, score,
                         wsbuf)
        ws = wsbuf[:m]
        if lazy_failed and extrap[2] > 0.0:
            b = _extrapolate(D, df, w, b, pen, extrap, sv, ist)
        lazy_failed = False
        tol_in = min(TOL_IN * kkt, 0.5 * tol_in) if np.isfinite(tol_in) else TOL_IN * kkt
        ws_kkt = kkt
        while n_iter < max_iter:
            n_iter += 1
            ok, b, sums = _newton_step(D, df, w, b, ws, pen, fit_intercept, TOL_CD * ws_kkt,
                                       max_epochs, sv, buf, ist)
            if not ok:
                stalled = True
                break
            # the certificate's own preparation, done here: the working set's correlations
            # below are then those of the point the certificate examines, and it reuses them
            if use_gap and fit_intercept:
                b = polish_intercept(df, eta, b, g, h, sv[8], sv[4], sv[5], sv[6], sv[9], ist,
                                     sums)
            _moved(ist)
            ist[_STATE] = READY
            ws_kkt = abs(_sum(g)) * inv_n if fit_intercept else 0.0
            nk = 0
            for k in range(m):
                j = ws[k]
                if movable[j]:
                    cj = -col_dot(D, j, g) * inv_n
                    corr[j] = cj
                    stamp[j] = ist[_VER]
                    kl[nk] = j
                    nk += 1
                    ist[N_COLS] += col_size(D, j)
                    ws_kkt = max(ws_kkt, kkt_coord(w[j], cj, a[j], bq[j], lo[j], hi[j]))
            ist[_N_KNOWN] = nk
            if ws_kkt <= tol_in:
                break
    loss = current_loss(df, eta, sv[8], sv[7], ist, sv[4])
    return b, loss + pval, gap, kkt, crit, n_iter, converged, stalled, loss


@njit(cache=True)
def null_model(df, b_start, fit_intercept):
    """``(b_null, null_loss)``: the intercept-only fit (offsets included) and its loss."""
    fam, y, aux, prm, hfloor, sw, off = df
    n = y.shape[0]
    eta = np.empty(n)
    g = np.empty(n)
    h = np.empty(n)
    b = b_start if fit_intercept else 0.0
    for i in range(n):
        eta[i] = off[i] + b
    ec = np.empty(n)
    grad_hess_cache(fam, y, prm, hfloor, sw, eta, g, h, ec)
    if fit_intercept:
        b = polish_intercept(df, eta, b, g, h, ec, np.empty(n), np.empty(n), np.empty(n),
                             np.empty(n), np.zeros(N_STATE, dtype=np.int64),
                             intercept_sums(fam, y, sw, g, h))
    return b, mean_loss(fam, y, aux, prm, sw, eta)


@njit(cache=True)
def stop_rule(rule, devs, k, devmax, fdev, n_back):
    """glmnet's early-stop test after ``devs[k]`` (as ``sparsefit._glm_path._stop_reason``)."""
    dev = devs[k]
    if dev > devmax:
        return True
    if rule == STOP_GAUSSIAN:
        return dev - devs[k - 1] < fdev * dev
    if rule == STOP_POISSON:
        return dev > 0.0 and (dev - devs[k - n_back + 1]) / dev < 10.0 * fdev
    return dev - devs[k - 1] < fdev



@njit(cache=True)
def _record(k, w, res, tol_abs, null_loss, out_w, out_b, out_info, add_iter):
    """Store the solve ``res`` (of :func:`solve_one`) at index ``k``; returns its deviance
    ratio."""
    b, primal, gap, kkt, crit, n_iter, conv, stalled, loss = res
    out_w[k] = w
    out_b[k] = b
    dev = 1.0 - loss / null_loss if null_loss > 0.0 else 0.0
    info = out_info[k]
    info[0] = gap
    info[1] = kkt
    info[2] = crit
    info[3] = tol_abs
    info[4] = n_iter + (info[4] if add_iter else 0.0)
    info[5] = 1.0 if conv else 0.0
    info[6] = dev
    info[7] = primal
    info[8] = 1.0 if stalled else 0.0
    return dev


def _glm_path(D, nrm, df, a1, b1, lo, hi, alphas, fit_intercept, use_gap, b_start, w, b,
              b_given, tol, refine_tol, max_iter, max_epochs, p0, rule, devmax, fdev, n_back,
              out_w, out_b, out_info, ist):
    """Warm-started solves along ``alphas`` (decreasing).

    Parameters
    ----------
    D : design tuple (see :mod:`sparsefit._kernels.glm_cd`); ``nrm`` its column norms.
    df : (fam, y, aux, prm, hfloor, sw, off)
        The datafit (see :mod:`sparsefit._kernels.glm_datafits`), Hessian floor, sample
        weights normalised to sum to ``n``, offsets.
    a1, b1, lo, hi : (p,)
        Penalty weights at ``alpha = 1`` and bounds (``lo == hi == 0`` fixes a feature).
    w, b : start (``w`` is overwritten); ``b`` is used when ``b_given``, else the null
        intercept.
    tol, refine_tol : relative tolerances (gap: times the null loss; KKT: times the null
        model's largest correlation over features with an infinite bound).
    rule : early stopping (``STOP_*``; ``STOP_NONE`` fits every alpha), with glmnet's
        ``devmax``, ``fdev`` and ``n_back`` (the minimum number of alphas before a stop).
    out_w : (m, p), out_b : (m,), out_info : (m, 9)
        Per alpha: coefficients, intercept and ``(gap, kkt, stop_crit, tol_abs, n_iter,
        converged, deviance_ratio, primal, stalled)``.
    ist : (N_STATE,) int64, zeros
        Solver state; on return ``ist[N_FULL]`` ... ``ist[N_EVALS]`` count the work done.

    Returns ``(n_fitted, status)``: status 0 finished, 1 stopped early, 2 non-finite
    coefficients at alpha ``n_fitted - 1``.
    """
    fam, y, aux, prm, hfloor, sw, off = df
    n = y.shape[0]
    p = a1.shape[0]
    m_alphas = alphas.shape[0]
    inv_n = 1.0 / n
    movable = np.empty(p, dtype=np.bool_)
    n_movable = 0
    for j in range(p):
        movable[j] = not (lo[j] == 0.0 and hi[j] == 0.0)
        if movable[j]:
            n_movable += 1
        else:
            w[j] = 0.0
        w[j] = min(max(w[j], lo[j]), hi[j])
    for j in range(p):
        if movable[j]:
            ist[_WORK_FULL] += col_size(D, j)
            if b1[j] > 0.0 or lo[j] > -np.inf or hi[j] < np.inf:
                ist[_SPECIAL] = 1
    b_null, null_loss = null_model(df, b_start, fit_intercept)
    if not fit_intercept:
        b = 0.0
    elif not b_given:
        b = b_null
    sv = (np.empty(n), np.empty(n), np.empty(n), np.zeros(p), np.empty(n), np.empty(n),
          np.empty(n), np.zeros(1), np.empty(n), np.empty(n))
    st = (np.empty(n), np.zeros(p), np.full(p, -1, dtype=np.int64), np.empty(p, np.int64),
          np.empty(p, np.int64), np.empty(n), flag_buffer(p))
    ist[_VER_LAST] = -2  # no previous refresh
    buf = (np.zeros(p), np.empty(n), np.empty(n), np.empty(p), np.empty(p),
           np.empty(n, np.int64), np.empty(p), np.empty(p))
    ist[_LAST_EPOCHS] = 10
    sel = (np.empty(p), np.empty(p, np.int64), np.empty(p), np.empty(p, np.int64))
    if use_gap:
        scale = null_loss
    else:  # largest correlation of the null model over features with an infinite bound
        eta, g = sv[0], sv[1]
        for i in range(n):
            eta[i] = off[i] + b_null
        grad_hess(fam, y, prm, hfloor, sw, eta, g, sv[2])
        scale = 0.0
        for j in range(p):
            if hi[j] == np.inf or lo[j] == -np.inf:
                scale = max(scale, abs(col_dot(D, j, g)) * inv_n)
        if not scale > 0.0:
            scale = 1.0
    a = np.empty(p)
    bq = np.empty(p)
    pen = (a, bq, lo, hi)
    devs = np.zeros(m_alphas)
    status = 0
    k = 0
    n_fit = 0
    while k < m_alphas:
        for j in range(p):
            a[j] = alphas[k] * a1[j]
            bq[j] = alphas[k] * b1[j]
        tol_abs = tol * scale
        gamma = 0.0
        if EXTRAPOLATE and k >= 2 and out_info[k - 1, 5] > 0.0 and out_info[k - 2, 5] > 0.0:
            gamma = (alphas[k - 1] - alphas[k]) / (alphas[k - 2] - alphas[k - 1])
        extrap = (out_w[k - 2] if k >= 2 else out_w[0], out_b[k - 2] if k >= 2 else 0.0,
                  gamma)
        res = solve_one(D, nrm, df, w, b, pen, movable, n_movable, fit_intercept, use_gap,
                        tol_abs, max_iter, max_epochs, p0, k > 0, extrap, sv, st, ist, buf,
                        sel)
        b = res[0]
        devs[k] = _record(k, w, res, tol_abs, null_loss, out_w, out_b, out_info, False)
        n_fit = k + 1
        finite = np.isfinite(b)
        for j in range(p):
            finite = finite and np.isfinite(w[j])
        if not finite:
            status = 2
            break
        if rule != STOP_NONE and k + 1 >= n_back and k + 1 < m_alphas and stop_rule(
                rule, devs, k, devmax, fdev, n_back):
            if tol > refine_tol:  # confirm on tightly solved solutions
                first = k - n_back + 1 if rule == STOP_POISSON else k - 1
                for i in (first, k):
                    for j in range(p):
                        a[j] = alphas[i] * a1[j]
                        bq[j] = alphas[i] * b1[j]
                    w[:] = out_w[i]
                    ist[_STATE] = STALE
                    tol_abs = refine_tol * scale
                    res = solve_one(D, nrm, df, w, out_b[i], pen, movable, n_movable,
                                    fit_intercept, use_gap, tol_abs, max_iter, max_epochs, p0,
                                    False, (out_w[0], 0.0, 0.0), sv, st, ist, buf, sel)
                    b = res[0]
                    devs[i] = _record(i, w, res, tol_abs, null_loss, out_w, out_b, out_info,
                                      True)
            if stop_rule(rule, devs, k, devmax, fdev, n_back):
                status = 1
                break
        k += 1
    return n_fit, status


# Compiled twice from one source (see sparsefit._kernels.glm_cd): dense designs with
# re-association, sparse ones without.
glm_path_dense = njit(cache=True, fastmath=FAST)(_glm_path)
glm_path_sparse = njit(cache=True)(_glm_path)
