"""Working-set coordinate descent along a whole grid of alphas, in one compiled call.

The quadratic problem at each ``alpha`` of a decreasing grid,

.. math::

    \\min_w \\frac{1}{2n} \\|y - X_c w\\|^2
    + \\sum_j \\alpha a^{(1)}_j |w_j| + \\frac{\\alpha b^{(1)}_j}{2} w_j^2,
    \\qquad l_j \\le w_j \\le u_j,

is solved warm-started from the previous alpha's solution.  A fit at one alpha is the grid
``[1.0]`` with the penalty weights themselves as ``a1, b1``.  Everything per alpha runs here
rather than in Python, because on small problems the orchestration (certificates, working
sets, screening) cost more than the coordinate descent itself:

* **certificate**: the duality gap of the residual-based dual point ``r / n`` (projected
  orthogonally to the free features' columns ``Q`` when there are any, then rescaled into
  the dual domain), or the largest KKT violation when no feasible dual point exists;
  ``X^T r`` is computed only for features not yet eliminated by gap-safe screening (so the
  gap certifies the reduced problem and therefore the full one), and not even for a zero
  feature whose correlation is provably below its threshold by a Cauchy-Schwarz bound from
  a reference residual (see :func:`_certificate`);
* **reuse along the path**: ``X^T r / n`` of the previous solution is kept (``corr`` with
  the mask ``known``); the first working set at a new alpha is ranked from it without a
  pass over ``X`` and solved straight to the target, so an alpha whose working set is right
  costs one certificate;
* **working set**: the support plus the features closest to entering, ranked by
  ``(a_j - |x_j^T r| / n) / ||x_j||`` (negative for KKT violators), sized
  ``max(p0, ws_growth * |support|)``; selection is linear time (quickselect);
* **inner solver**: coordinate descent until the working set's own gap (or KKT violation)
  is ``inner_ratio`` times the outer one (the tolerance itself on an alpha's first round),
  either through the working set's Gram matrix, whose entries are cached across rounds,
  alphas and calls (an update then costs ``|ws|`` instead of a column's non-zeros; the
  cache belongs to the caller, who may prefill it), with the active-set method once the
  support and signs settle (see :mod:`.gram_cd`), or on the columns with Anderson
  extrapolation, whichever the cost model in :func:`_gram_cd` expects to be cheaper;
* **early stop**: glmnet's deviance rules; the two solutions that decide a stop are first
  refined to ``refine_tol_abs``;
* **pool** (dense designs along a grid): the features far below their threshold wait
  outside all of the above, certified after each alpha by one branch-free pass of
  Cauchy-Schwarz bounds; the solver works on a compact copy of the others' columns (see
  :func:`_solve_path`).

Arrays are in/out as documented on :func:`_solve_path`; nothing is validated here.
"""

import numpy as np
from numba import njit, types
from numba.extending import overload

from .gram_cd import exact_q, gram_inner_solve, gram_values
from .half import half_dots, half_error, make_half_copy
from .lists import flag_buffer, flagged
from .prox import conj_coord, kkt_coord, penalty_coord, scale_limit
from .quadratic_cd import (
    FAST,
    anderson_weights,
    cd_epoch,
    col_axpy,
    col_dot,
    ws_gap,
    ws_kkt,
    ws_objective,
)

# a working-set candidate's |X^T r / n| is above this fraction of its threshold: features
# further below rarely enter, and each costs Gram entries and coordinate updates
# (in-process A/B against no such floor: 10-fold LassoCV Toeplitz 0.975, riboflavin 0.972,
# leukemia 0.965, Reuters 0.991; single fits 0.90-1.00; 0.75 and 0.97 gained less)
CAND_MIN = 0.9
MAX_GRAM = 3000  # default Gram cache size: MAX_GRAM^2 doubles at most, touched lazily
STOP_NONE, STOP_FDEV, STOP_DEVMAX = 0, 1, 2
# default fraction of the features whose dot products make a certificate a full refresh
# (see _certificate): dense designs, then sparse ones, where a full pass is relatively
# cheaper against bounded dot products (gathers either way; 10-fold LassoCV Reuters "earn"
# 0.98 of its time with 0.4 rather than 0.5, single fits unchanged; on dense designs 0.4
# moved Toeplitz by +1%, riboflavin by -3%, 0.3 was slower)
REFRESH = 0.5
REFRESH_SPARSE = 0.4
# first inner target at a warm-started alpha, as a fraction of the tolerance: the working
# set's gap is the full gap when the working set is right; 0.9 rather than 0.3 saved 10-15%
# of 100-alpha paths (Reuters, Toeplitz, leukemia, riboflavin)
WARM_RATIO = 0.9
# default eagerness of the active-set method in the Gram solver (see gram_inner_solve)
NEWTON = 1.0
# cost model of the Gram-or-plain choice (see _gram_cd): a Gram epoch is assumed to move at
# least this fraction of the working set; a sparse non-zero costs SPARSE_COST dense
# multiply-adds (Reuters: 4 took a fold's path from 280 to 236 ms; 2 and 8 were slower)
GRAM_MOVING = 0.5
SPARSE_COST = 4.0
AS_EPOCHS = 100
GRAM_EPOCHS = 20  # epochs an inner solve is assumed to take, in the Gram-or-plain choice
# default cost of the half-precision screening pass per feature, as a fraction of an exact
# dot product: a certificate takes the pass when more dot products than this fraction of
# the features would be needed (see _certificate).  The pass streams a quarter of the
# matrix's bytes, while listed dot products each start a column afresh; 10-fold LassoCV
# against 0.4 (in-process, alternating): riboflavin 47.9 against 51.2 ms, leukemia 63.8
# against 71.9 ms, Toeplitz 500 x 5000 258 against 261 ms; 0.05 and 0.025 were within
# 1-2% of 0.1; 0 turns the pass off
HALF = 0.1
# at a new alpha, the correlations the estimate lacks to be a certificate (features
# neither known nor bounded below the new threshold) are computed when at most EXTRA_DOTS
# of the features: at once when they also cost at most EXTRA_COST of a full pass, else
# only if the estimate says the last solution stays put (see _solve_alpha; at once, they
# were 1.8M heavy columns of a Reuters "earn" CV, mostly wasted: riboflavin and leukemia
# were 5-6% slower without them, Reuters 3% faster with)
EXTRA_DOTS = 0.0625
EXTRA_COST = 0.1
# default pool threshold (see _solve_path): along a grid on a dense design, a zero feature
# whose correlation is bounded below this fraction of its limit waits in a pool, outside
# every per-alpha loop, until its bound says it may come closer (10-fold LassoCV, in one
# process alternating with the unpooled code: 0.5 left ~400 of riboflavin's 4,088
# features live and leukemia's slower; 0.75 and 0.9 0.72 and 0.65 of riboflavin's time)
POOL = 0.9
# residuals kept as second references for the pooled features whose bound failed and got
# an exact correlation (see _pool_check); at most 254 (uint8 labels)
N_SNAPS = 16


def col_cost(D, j):
    """Cost of one dot product with column ``j`` in dense multiply-adds (see SPARSE_COST)."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(col_cost)
def _col_cost(D, j):
    if len(D.types) == 1:
        def dense(D, j):
            return float(D[0].shape[0])
        return dense

    def sparse(D, j):
        indptr = D[2]
        return SPARSE_COST * (indptr[j + 1] - indptr[j])
    return sparse


@njit(cache=True, inline="always")
def plain_epoch_cost(D, ws):
    """Cost of one plain epoch over ``ws``: its columns' dot products (see :func:`col_cost`)."""
    total = 0.0
    for k in range(ws.shape[0]):
        total += col_cost(D, ws[k])
    return total


def dots_listed(D, lst, r, state, inv_n, out):
    """``out[j] = x_j^T (r + c v) / n`` for the features ``lst``; resolved at compile time.

    Dense columns four at a time: four independent sums sharing each load of ``r`` (one
    column at a time, each waits on its own sum's latency, and four columns in flight
    hide more of the memory latency: 700 scattered 360-row columns from L3, 64 against
    86 us)."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(dots_listed)
def _dots_listed(D, lst, r, state, inv_n, out):
    if len(D.types) == 1:
        def dense(D, lst, r, state, inv_n, out):
            X = D[0]
            m = lst.shape[0]
            t = 0
            while t + 4 <= m:
                j0, j1, j2, j3 = lst[t], lst[t + 1], lst[t + 2], lst[t + 3]
                s0 = s1 = s2 = s3 = 0.0
                for i in range(X.shape[0]):
                    ri = r[i]
                    s0 += X[i, j0] * ri
                    s1 += X[i, j1] * ri
                    s2 += X[i, j2] * ri
                    s3 += X[i, j3] * ri
                out[j0] = s0 * inv_n
                out[j1] = s1 * inv_n
                out[j2] = s2 * inv_n
                out[j3] = s3 * inv_n
                t += 4
            for tt in range(t, m):
                j = lst[tt]
                out[j] = col_dot(D, j, r, state) * inv_n
        return dense

    def sparse(D, lst, r, state, inv_n, out):
        for t in range(lst.shape[0]):
            j = lst[t]
            out[j] = col_dot(D, j, r, state) * inv_n
    return sparse


def half_pass(D, XT, info, norms, unscale, resid, r32, out):
    """``out[j] ~ x_j^T resid`` within ``half_error(n) ||x_j|| ||resid||`` for every column
    of a dense float64 design, from ``XT`` (``(p, n)`` uint16, one row per column), its
    half-precision copy (see :mod:`.half`), made here first when ``info[2] == 0``;
    returns ``||resid||``."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(half_pass)
def _half_pass(D, XT, info, norms, unscale, resid, r32, out):
    if len(D.types) == 1 and D.types[0].dtype == types.float64:
        def dense(D, XT, info, norms, unscale, resid, r32, out):
            if info[2] == 0.0:
                make_half_copy(D[0], norms, XT, unscale)
                info[2] = 1.0
            return half_dots(XT, unscale, resid, r32, out)
        return dense

    def other(D, XT, info, norms, unscale, resid, r32, out):
        return np.inf
    return other


@njit(cache=True, inline="always")
def _reset_residual(D, y, w, r, state):
    """``r, state`` <- the residual ``y - X_c w`` from scratch."""
    for i in range(r.shape[0]):
        r[i] = y[i]
    state[0] = 0.0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            col_axpy(D, j, w[j], r, state)


@njit(cache=True, inline="always")
def _not_fresh(lst, m, fresh, out):
    """Lists in ``out`` the features of ``lst[:m]`` not ``fresh``; returns their number."""
    k = 0
    for t in range(m):
        j = lst[t]
        out[k] = j
        k += 1 - np.int64(fresh[j])
    return k


def _certificate(D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr,
                 known, resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh, half):
    """Certificate of ``w``; returns ``(primal, gap, max_violation, c, ||resid||^2)``.

    ``compute``: recompute ``corr = X^T r / n`` for every ``active`` feature (and mark them
    ``known``); otherwise use the ``known`` entries as they are and treat the others as
    eliminated (an estimate, not a certificate, unless every active feature is known or
    bounded, see below).
    Writes ``resid`` (full residual) and, with free features, ``theta`` and
    ``corr_dual = X^T theta``.  ``c`` is the dual rescaling: the dual point is ``c * theta``
    and its correlations ``c * corr_dual`` (``corr_dual`` is ``corr`` itself when there are
    no free features).

    Bounds instead of dot products: ``bnd = (corr_ref, resid_ref, info, ub, ...)`` holds
    ``X^T r_ref / n`` for every feature at a reference residual ``r_ref`` (``info[0] > 0``
    once set).  By Cauchy-Schwarz ``|x_j^T r| / n <= |corr_ref_j| + ||x_j|| ||r - r_ref|| / n
    =: ub_j``; a zero feature with ``ub_j < a_j`` can neither violate its optimality
    condition nor limit (or pay in the conjugate of) the dual point, so its dot product is
    skipped; ``ub[j]`` records the bound of every zero feature left without its dot
    product (screened ones too: a later alpha may use it), ``-1`` elsewhere.  When more
    than ``refresh``
    of the features would need their dot product anyway, all are computed and become the new
    reference.  (Not used with free features, whose projection needs every correlation.)
    A feature still ``known`` from the previous computing certificate has a second bound
    from its correlation there, at the residual ``bnd[10]`` (``info[1] > 0`` once set):
    usually the closer one (Reuters "earn" fold paths: ~2,800 instead of ~3,300 columns
    read per bounded certificate, 2-3 full passes instead of 4; riboflavin: 14-16 full
    passes instead of 18-19).

    A half-precision pass instead of a full one (dense float64 designs, ``half > 0``):
    near interpolation the bounds fail for most features (Toeplitz 500 x 5000: about half
    of a fold path's certificates were full passes), but the correlations are then needed
    only to tell a zero feature below its threshold.  A binary16 copy of ``X`` (``bnd[11]``,
    made on first use, with its column scalings ``bnd[16]``, see :mod:`.half`) gives every
    ``x_j^T r`` at a quarter of the memory traffic, within
    ``half_error(n) ||x_j|| ||r||`` (rigorous: rounding of both inputs and of the float32
    sum in any order; ~5e-4).  Zero features whose value plus that error is below ``a_j``
    are bounded as above; only the others (the support, the features at their threshold)
    get an exact dot product.  The pass becomes the reference, its inexact entries marked
    (``ref_exact``, ``bnd[13]``) with their error (``info[3]`` per unit column norm) added
    to later bounds; it is chosen over a bounded certificate when more than
    ``half * #features`` dot products would be needed (the support's correlations mostly
    come from the last Gram solve, see below, so it adds few dot products).  The skipped
    features are not working-set candidates: ranked by their approximate values, they
    brought features into the working set that then did not enter (exact dots and Gram
    rows for nothing: 10-fold LassoCV riboflavin and leukemia 6-7% slower).  (A float32
    copy came first: binary16 took a Toeplitz CV from 265-268 to 249-258 ms, riboflavin
    and leukemia unchanged; its larger error left ~4 features per alpha of a Toeplitz fold
    path to an exact dot product where float32 left 0.1.)

    Gram updates instead of dot products: ``bnd`` also holds ``w_ref``, the coefficients
    at the reference, two buffers, and the Gram cache ``gc`` of :func:`_gram_cd`.  Since
    ``X^T r = X^T r_ref - X^T X (w - w_ref)``, a feature whose Gram entries with every
    changed coefficient are cached (and whose reference is exact) gets
    ``corr_j = corr_ref_j - sum_k G_jk dw_k / n``, at
    ``|dw|`` operations instead of its column's (exact up to round-off like the dot
    product); this is used where it is cheaper, i.e. on the heavy columns of sparse data.

    Correlations from the last Gram inner solve: the features of its working set are
    ``fresh`` (``bnd[15]``), their ``corr`` already that of this ``w`` (``-q / n`` from the
    working set's Gram matrix, see :func:`_gram_cd`), so a computing certificate takes no
    dot product for them, and clears the flags (Reuters "earn": the support's heavy columns
    were read again at every certificate; 10-fold LassoCV 0.97 of its time).

    Every per-feature test is computed without branches into the bytes ``flag``
    (``bnd[8]``), listed in ``lst`` (``bnd[9]``) by :func:`sparsefit._kernels.lists.flagged`;
    the later loops run over the list only.
    """
    n = r.shape[0]
    p = w.shape[0]
    c0 = state[0]
    rsq = 0.0
    ry = 0.0
    for i in range(n):
        resid[i] = r[i] + c0 * v[i]
        rsq += resid[i] * resid[i]
        ry += resid[i] * y[i]
    n_free = Q.shape[1]
    flag, lst = bnd[8], bnd[9]
    m = -1  # the known features are listed in lst[:m] (not yet: -1)
    if compute:
        corr_ref, resid_ref, info, ub, w_ref, dsl, dwv, gc = bnd[:8]
        resid_prev = bnd[10]
        XT, r32, ref_exact = bnd[11], bnd[12], bnd[13]
        rest, fresh = bnd[14], bnd[15]
        mode = 0  # 0: every correlation exactly, 1: bounds, 2: the half-precision pass
        if n_free == 0 and info[0] > 0.0:
            dist = 0.0
            dist_prev = 0.0
            for i in range(n):
                dist += (resid[i] - resid_ref[i]) ** 2
                dist_prev += (resid[i] - resid_prev[i]) ** 2
            dist = np.sqrt(dist) * inv_n
            dist_prev = np.sqrt(dist_prev) * inv_n if info[1] > 0.0 else np.inf
            e_ref = info[3]
            need = 0
            n_nz = 0
            for j in range(p):  # branch-free: vector instructions
                # (a half-precision reference entry carries its rounding error)
                slack = dist + e_ref * (1.0 - ref_exact[j])
                u = (abs(corr_ref[j]) + norms[j] * slack) * (1.0 + 1e-9)
                # a feature known at the previous certificate: its correlation there is a
                # second, usually closer, reference
                u_prev = (abs(corr[j]) + norms[j] * dist_prev) * (1.0 + 1e-9)
                u = min(u, u_prev) if known[j] else u
                skip = active[j] & (w[j] == 0.0) & (u < a[j])
                f = active[j] & (not skip)
                ub[j] = u if (w[j] == 0.0) & (not f) else -1.0
                flag[j] = np.uint8(f)
                known[j] = f  # (all overwritten below if this turns into a full pass)
                need += np.int64(f)
                n_nz += np.int64(not zero[j])
            if XT.shape[0] > 0 and need > half * n_nz:
                mode = 2
            elif need <= refresh * n_nz:
                mode = 1
        if mode == 0:
            for j in range(p):
                ub[j] = -1.0
                known[j] = not zero[j]
                flag[j] = np.uint8(known[j])
            m = flagged(flag, p, lst)
            n_rest = _not_fresh(lst, m, fresh, rest)
            dots_listed(D, rest[:n_rest], r, state, inv_n, corr)
            if n_free == 0:
                for i in range(n):
                    resid_ref[i] = resid[i]
                for j in range(p):
                    corr_ref[j] = corr[j]
                    w_ref[j] = w[j]
                    ref_exact[j] = 1
                info[0] = 1.0
                info[3] = 0.0
        elif mode == 2:
            rnorm = half_pass(D, XT, info, norms, bnd[16], resid, r32, corr_ref)
            err = half_error(n) * rnorm * inv_n + 1e-300
            for j in range(p):  # branch-free
                cj = corr_ref[j] * inv_n
                u = (abs(cj) + norms[j] * err) * (1.0 + 1e-9)
                skip = active[j] & (w[j] == 0.0) & (u < a[j])
                f = active[j] & (not skip)
                ub[j] = u if (w[j] == 0.0) & (not f) else -1.0
                flag[j] = np.uint8(f)
                known[j] = f
                ref_exact[j] = np.uint8(f)  # made exact just below
                corr_ref[j] = cj
                corr[j] = corr[j] if fresh[j] else cj
                w_ref[j] = w[j]
            m = flagged(flag, p, lst)
            n_rest = _not_fresh(lst, m, fresh, rest)
            dots_listed(D, rest[:n_rest], r, state, inv_n, corr)
            for t in range(m):
                j = lst[t]
                corr_ref[j] = corr[j]
            for i in range(n):
                resid_ref[i] = resid[i]
            info[0] = 1.0
            info[3] = err
        else:
            slot_of, G, have = gc[0], gc[1], gc[2]
            # the changed coefficients' cache slots (none usable if one has no slot)
            nd = 0
            for j in range(p):
                if w[j] != w_ref[j]:
                    if slot_of[j] < 0:
                        nd = -1
                        break
                    dsl[nd] = slot_of[j]
                    dwv[nd] = w[j] - w_ref[j]
                    nd += 1
            m = flagged(flag, p, lst)
            n_rest = 0  # the features left to their dot product, listed first
            for t in range(m):
                j = lst[t]
                if fresh[j]:
                    continue
                sj = slot_of[j]
                if nd >= 0 and sj >= 0 and ref_exact[j] and 2.0 * nd < col_cost(D, j):
                    acc = 0.0
                    for e in range(nd):
                        if not have[sj, dsl[e]]:
                            acc = np.nan
                            break
                        acc += G[sj, dsl[e]] * dwv[e]
                    if acc == acc:  # every entry cached
                        corr[j] = corr_ref[j] - acc * inv_n
                        continue
                rest[n_rest] = j
                n_rest += 1
            dots_listed(D, rest[:n_rest], r, state, inv_n, corr)
        fresh[:] = 0  # (consumed)
        if n_free == 0:  # the known correlations are those at this residual
            resid_prev[:] = resid
            info[1] = 1.0
    if m < 0:  # the features used below: the known ones
        for j in range(p):
            flag[j] = np.uint8(known[j])
        m = flagged(flag, p, lst)
    # dual point theta = r / n, projected orthogonally to the free columns when any
    tt = rsq * inv_n * inv_n
    ty = ry * inv_n
    if n_free > 0:
        for i in range(n):
            theta[i] = resid[i] * inv_n
        for k in range(n_free):
            s = 0.0
            for i in range(n):
                s += Q[i, k] * theta[i]
            for i in range(n):
                theta[i] -= s * Q[i, k]
        tt = 0.0
        ty = 0.0
        for i in range(n):
            tt += theta[i] * theta[i]
            ty += theta[i] * y[i]
        for t in range(m):
            j = lst[t]
            if not free[j]:
                corr_dual[j] = col_dot(D, j, theta, zstate)
    pen = 0.0
    for j in range(p):
        if w[j] != 0.0:
            pen += penalty_coord(w[j], a[j], b[j])
    c = 1.0
    worst = 0.0
    # the lasso's terms (a_j > 0, no ridge, no bounds, no free features): the KKT distance
    # and the dual scaling without branches (branchy, these loops over the ~1,500 known
    # features took ~15% of a riboflavin CV: signs and thresholds follow no pattern)
    pure_l1 = n_free == 0
    if pure_l1:
        for t in range(m):
            j = lst[t]
            pure_l1 &= (a[j] > 0.0) & (b[j] == 0.0) & (lo[j] == -np.inf) & (hi[j] == np.inf)
    if pure_l1:
        for t in range(m):
            j = lst[t]
            cj = corr[j]
            aj = a[j]
            wj = w[j]
            acj = abs(cj)
            sg = np.sign(wj)
            vj = abs(cj - aj * sg) if wj != 0.0 else max(acj - aj, 0.0)
            worst = max(worst, vj)
            c = min(c, aj / max(acj, aj))  # a_j / |corr_j| beyond the threshold, else 1
    else:
        for t in range(m):
            j = lst[t]
            vj = kkt_coord(w[j], corr[j], a[j], b[j], lo[j], hi[j])
            if vj > worst:
                worst = vj
            if not free[j]:
                cd = corr_dual[j] if n_free > 0 else corr[j]
                c = min(c, scale_limit(cd, a[j], b[j], lo[j], hi[j]))
    conj = 0.0
    if not pure_l1:  # (the conjugate of a pure L1 term is 0 on the rescaled dual point)
        for t in range(m):
            j = lst[t]
            if not free[j]:
                cd = corr_dual[j] if n_free > 0 else corr[j]
                conj += conj_coord(c * cd, a[j], b[j], lo[j], hi[j])
    primal = 0.5 * inv_n * rsq + pen
    dual = c * ty - 0.5 * n * c * c * tt - conj
    return primal, primal - dual, worst, c, rsq


@njit(cache=True, inline="always")
def _worse(s1, j1, s2, j2):
    """Candidate order: lower score first, then lower feature index."""
    return s1 > s2 or (s1 == s2 and j1 > j2)


@njit(cache=True, inline="always")
def _sift_up(hs, hj, pos):
    """Restore the max-heap (worst candidate at the root) above ``pos``."""
    while pos > 0:
        parent = (pos - 1) // 2
        if not _worse(hs[pos], hj[pos], hs[parent], hj[parent]):
            return
        hs[pos], hs[parent] = hs[parent], hs[pos]
        hj[pos], hj[parent] = hj[parent], hj[pos]
        pos = parent


@njit(cache=True, inline="always")
def _sift_down(hs, hj, size, pos):
    """Restore the max-heap (worst candidate at the root) below ``pos``."""
    while True:
        child = 2 * pos + 1
        if child >= size:
            return
        if child + 1 < size and _worse(hs[child + 1], hj[child + 1], hs[child], hj[child]):
            child += 1
        if not _worse(hs[child], hj[child], hs[pos], hj[pos]):
            return
        hs[pos], hs[child] = hs[child], hs[pos]
        hj[pos], hj[child] = hj[child], hj[pos]
        pos = child


@njit(cache=True)
def _select_ws(w, corr, known, movable, a, lo, hi, norms, p0, ws_growth, hs, hj, mask, ws,
               flag, lst):
    """Working set: support plus the closest-to-entering features; returns its size.

    Fills ``ws[:size]`` in increasing feature order.  Features without a ``known``
    correlation, or with one at most ``CAND_MIN`` times their threshold, are not
    candidates; among candidates of equal score the lower index wins.
    The best candidates are kept in a bounded max-heap (``hs`` scores, ``hj`` features)
    during the one scoring pass: most features are rejected by one comparison with its
    root, which costs less than storing every score and partitioning them (riboflavin:
    selection 15% -> ~5% of a fold's path).  The candidates are listed first, without
    branches (``flag``, ``lst``: workspace as in :func:`_certificate`).
    """
    p = w.shape[0]
    n_supp = 0
    n_mov = 0
    for j in range(p):  # branch-free: the support, the candidates' flags, counts
        supp = movable[j] & (w[j] != 0.0)
        mask[j] = supp
        flag[j] = np.uint8((not supp) & movable[j] & known[j]
                           & (abs(corr[j]) > CAND_MIN * a[j]))
        n_mov += np.int64(movable[j])
        n_supp += np.int64(supp)
    need = min(n_mov, max(p0, int(ws_growth * n_supp))) - n_supp
    size = 0
    if need > 0:
        mc = flagged(flag, p, lst)
        scores = np.empty(mc)
        for t in range(mc):  # the scores first, without branches (vector instructions)
            j = lst[t]
            cj = corr[j]
            up = cj if ((hi[j] > 0.0) & (cj > 0.0)) else 0.0
            down = -cj if ((lo[j] < 0.0) & (cj < 0.0)) else 0.0
            scores[t] = (a[j] - max(up, down)) / norms[j]
        for t in range(mc):  # then the heap: most candidates fail one comparison
            j = lst[t]
            sc = scores[t]
            if size < need:  # heap not full: add the candidate at the end, sift it up
                hs[size] = sc
                hj[size] = j
                _sift_up(hs, hj, size)
                size += 1
            elif _worse(hs[0], hj[0], sc, j):  # better than the worst kept: replace it
                hs[0] = sc
                hj[0] = j
                _sift_down(hs, hj, size, 0)
    for t in range(size):
        mask[hj[t]] = True
    m = 0
    for j in range(p):
        if mask[j]:
            ws[m] = j
            m += 1
    return m


def _inner_cd(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
              use_gap, hist, wsave, rsave, buf):
    """Coordinate descent on ``ws`` until its gap (or KKT violation) is ``<= tol``.

    Every ``n_acc`` epochs the last iterates are extrapolated (Anderson acceleration); the
    extrapolated point is kept only if it lowers the objective, else the saved point is
    restored.  Modifies ``w``, ``r``, ``state``; returns the number of epochs.
    """
    m = ws.shape[0]
    check_every = n_acc if n_acc > 0 else 5
    epoch = 0
    while epoch < max_epochs:
        cd_epoch(D, w, r, state, ws, lips, a, b, lo, hi, inv_n)
        epoch += 1
        if n_acc > 0:
            slot = (epoch - 1) % (n_acc + 1)
            for k in range(m):
                hist[slot, k] = w[ws[k]]
            if slot == n_acc:
                cw = anderson_weights(hist[:, :m])
                if cw.shape[0] == n_acc:
                    f_old = ws_objective(w, r, state, ws, a, b, inv_n)
                    for k in range(m):
                        wsave[k] = w[ws[k]]
                    rsave[:] = r
                    s_old = state[0]
                    for k in range(m):
                        j = ws[k]
                        if lips[j] == 0.0:
                            continue
                        val = 0.0
                        for t in range(n_acc):
                            val += cw[t] * hist[t + 1, k]
                        val = min(max(val, lo[j]), hi[j])
                        if val != w[j]:
                            col_axpy(D, j, val - w[j], r, state)
                            w[j] = val
                    if ws_objective(w, r, state, ws, a, b, inv_n) >= f_old:
                        for k in range(m):
                            w[ws[k]] = wsave[k]
                        r[:] = rsave
                        state[0] = s_old
        if epoch % check_every == 0 or epoch == 1 or epoch == 3:
            if use_gap:
                value = ws_gap(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, buf)
            else:
                value = ws_kkt(D, w, r, state, ws, lips, a, b, lo, hi, inv_n)
            if value <= tol:
                break
    return epoch


@njit(cache=True, fastmath=FAST, inline="always")
def _dots_4x2(v0, v1, v2, v3, c0, c1):
    """The dot products of ``v0..v3`` with ``c0`` then with ``c1`` (contiguous vectors of
    one length): eight independent sums, sharing each load."""
    g00 = g10 = g20 = g30 = g01 = g11 = g21 = g31 = 0.0
    for i in range(c0.shape[0]):
        x0 = c0[i]
        x1 = c1[i]
        g00 += v0[i] * x0
        g10 += v1[i] * x0
        g20 += v2[i] * x0
        g30 += v3[i] * x0
        g01 += v0[i] * x1
        g11 += v1[i] * x1
        g21 += v2[i] * x1
        g31 += v3[i] * x1
    return g00, g10, g20, g30, g01, g11, g21, g31


@njit(cache=True, fastmath=FAST, inline="always")
def _dots_1(A, u0, u1, c, P, t):
    """``P[u0:u1, t]`` <- rows ``u0..u1-1`` of ``A`` dotted with the vector ``c``."""
    for u in range(u0, u1):
        g = 0.0
        for i in range(c.shape[0]):
            g += A[u, i] * c[i]
        P[u, t] = g


@njit(cache=True, fastmath=FAST)
def _fill_dense(X, ws, sl, rl, in_r, G, have):
    """Dense columns: the missing entries, all between ``rl`` and the working set.

    The new rows' columns are gathered (``A``, float64) and multiplied with the working
    set's columns in register blocks (:func:`_dots_4x2`): four new rows by two working-set
    columns, and the one to three rows left over (taken two at a time) by four columns.
    One dot product at a time is bound by its sum's latency, and a BLAS product needs the
    working set's columns gathered first: on 360-row columns and a working set of 187,
    the blocks took 25-38 cycles an entry for 2-30 new rows, against 48-79 row by row
    and 48-79 through BLAS (which the old code used from 16 rows).
    """
    m = ws.shape[0]
    n = X.shape[0]
    nr = rl.shape[0]
    A = np.empty((nr, n))
    for u in range(nr):
        j = ws[rl[u]]
        for i in range(n):
            A[u, i] = X[i, j]
    P = np.empty((nr, m))
    u = 0
    while u + 4 <= nr:
        t = 0
        while t + 2 <= m:
            g = _dots_4x2(A[u], A[u + 1], A[u + 2], A[u + 3], X[:, ws[t]], X[:, ws[t + 1]])
            for k in range(4):
                P[u + k, t] = g[k]
                P[u + k, t + 1] = g[4 + k]
            t += 2
        if t < m:  # an odd working set's last column
            _dots_1(A, u, u + 4, X[:, ws[t]], P, t)
        u += 4
    while u < nr:  # the rows left over, two at a time (a last single one twice)
        u1 = min(u + 1, nr - 1)
        t = 0
        while t + 4 <= m:
            g = _dots_4x2(X[:, ws[t]], X[:, ws[t + 1]], X[:, ws[t + 2]], X[:, ws[t + 3]],
                          A[u], A[u1])
            for k in range(4):
                P[u, t + k] = g[k]
                P[u1, t + k] = g[4 + k]
            t += 4
        for tt in range(t, m):
            _dots_1(A, u, u1 + 1, X[:, ws[tt]], P, tt)
        u += 2
    for u in range(nr):
        su = sl[rl[u]]
        for t in range(m):
            st = sl[t]
            if not have[su, st]:
                G[su, st] = P[u, t]
                G[st, su] = P[u, t]
                have[su, st] = True
                have[st, su] = True


def fill_missing(D, ws, sl, rl, in_r, G, have, z, zs):
    """See :func:`_fill_sparse` and :func:`_fill_dense`; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(fill_missing)
def _fill_missing_ov(D, ws, sl, rl, in_r, G, have, z, zs):
    if len(D.types) == 1:
        def dense(D, ws, sl, rl, in_r, G, have, z, zs):
            _fill_dense(D[0], ws, sl, rl, in_r, G, have)
        return dense
    return _fill_sparse


# the Gram fill's row route (see _row_route): a row entry is taken to cost this many
# gathered non-zeros
ROW_COST = 1.5


def row_route(D, ws, sl, rl, G, have):
    """See :func:`_row_route`; a no-op for designs without rows (resolved at compile
    time)."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(row_route)
def _row_route_ov(D, ws, sl, rl, G, have):
    if len(D.types) < 10:
        return lambda D, ws, sl, rl, G, have: None
    return _row_route


def drop_rows(D):
    """Mark the rows in the design tuple (slot-numbered, see :func:`_row_route`) as stale:
    the Gram cache was renumbered.  Resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(drop_rows)
def _drop_rows_ov(D):
    if len(D.types) < 10:
        return lambda D: None

    def drop(D):
        D[9][0] = 0
    return drop


def _row_route(D, ws, sl, rl, G, have):
    """Sparse columns: the missing entries between a new working-set feature ``u`` and the
    features whose rows the design tuple carries, all at once through those rows.

    ``D[6:10] = (rb, rpos, rval, meta)``: row ``i`` of the design is ``rpos[k], rval[k]``
    for ``k`` in ``rb[2 i]..rb[2 i + 1] - 1`` (both bounds in one cache line): the raw
    (unweighted, uncentred) values of a set of ``meta[1]`` columns, labelled by their
    position in it; ``meta[2 + s]`` is the position of the feature in cache slot ``s``, for
    the first ``meta[0]`` slots.  (A cross-validation fold's: the full data's rows of the
    features its Gram cache was prefilled with, from
    :meth:`sparsefit.model_selection._shared_gram.SharedGram.fold`, shared by every fold
    and indexed through the fold's rows; :meth:`sparsefit.solvers.cd.QuadraticCD.
    prefill_gram` gives them to the solver that owns the cache.  Four arrays: with a fifth,
    or a 2-D one, the column route's fill of a Reuters "earn" path compiled 35% slower.)
    For each non-zero ``(i, u)`` the entries of row ``i`` are added into one accumulator per
    position, so ``x_u^T x_t`` for every such ``t`` costs the lengths of ``u``'s rows instead
    of the partners' columns (the column route expands ``u`` and gathers each partner).  A
    feature outside the cache's first slots entering a working set of hundreds (Reuters
    "earn" folds: ~70 per fold, of ~400 non-zeros) had gathered ~230 non-zeros per entry:
    116M per CV against ~14M row entries.  Taken per feature when cheaper (``ROW_COST``).
    Weights: the design's column holds ``v_i x_iu``, so a row's raw values are scaled by
    ``v_i``.  Centring: ``x_c,u^T x_c,t = x_u^T x_t - mu_t nmu_u - mu_u nmu_t +
    mu_u mu_t v^T v``.
    """
    rb, rpos, rval, meta = D[6], D[7], D[8], D[9]
    n_rs = meta[0]
    if n_rs == 0:
        return
    data, indices, indptr, mu, nmu, v = D[0], D[1], D[2], D[3], D[4], D[5]
    m = ws.shape[0]
    acc = np.empty(meta[1])
    vv = -1.0
    for e in range(rl.shape[0]):
        u = rl[e]
        su = sl[u]
        if su < n_rs:
            continue  # its entries with the others there were prefilled with the rows
        ju = ws[u]
        gather = 0.0
        for t in range(m):
            st = sl[t]
            if st < n_rs and not have[su, st]:
                gather += col_cost(D, ws[t])
        if gather == 0.0:
            continue
        # unsigned positions throughout: no wraparound (see quadratic_cd.col_dot)
        u1, u2 = np.uint64(1), np.uint64(2)
        k0, k1 = np.uint64(indptr[ju]), np.uint64(indptr[ju + 1])
        rows_len = 0
        for k in range(k0, k1):
            i2 = u2 * np.uint64(indices[k])
            rows_len += rb[i2 + u1] - rb[i2]
        if ROW_COST * SPARSE_COST * rows_len >= gather:
            continue
        if vv < 0.0:
            vv = 0.0
            for i in range(v.shape[0]):
                vv += float(v[i]) * float(v[i])
        acc[:] = 0.0
        for k in range(k0, k1):
            i = np.uint64(indices[k])
            xu = float(data[k]) * float(v[i])
            for kk in range(np.uint64(rb[u2 * i]), np.uint64(rb[u2 * i + u1])):
                acc[rpos[kk]] += xu * rval[kk]
        mu_u = float(mu[ju])
        nmu_u = float(nmu[ju])
        for t in range(m):
            st = sl[t]
            if st < n_rs and not have[su, st]:
                jt = ws[t]
                g = acc[meta[2 + st]] - float(mu[jt]) * nmu_u - mu_u * float(nmu[jt]) \
                    + mu_u * float(mu[jt]) * vv
                G[su, st] = g
                G[st, su] = g
                have[su, st] = True
                have[st, su] = True


def _fill_sparse(D, ws, sl, rl, in_r, G, have, z, zs):
    """Sparse columns: the cache entries missing between working-set features, all between
    the features at positions ``rl`` and the working set (``in_r`` marks ``rl``).

    An entry
    ``x_u^T x_t`` comes from expanding one column into the dense buffer ``z`` (zero on entry
    and exit; two passes over it) and gathering the other.  Features are visited heaviest
    first (``col_cost``; ties: fewer missing entries first).  One whose remaining partners
    are all lighter may leave its entries to them (each then gathers it) when that costs
    less than expanding it and gathering them; one with an entry left by an earlier,
    heavier feature must expand.  So a light feature entering a working set of heavy ones
    is expanded once and gathers them all, and heavy features entering together are
    expanded and gather the light ones.  (Row by row, every earlier feature was expanded
    for a newcomer and gathered it: a cold path on Reuters "earn" read 143M non-zeros that
    way, 65M this way; gathering the lighter side of each pair needs 48M.)
    """
    row_route(D, ws, sl, rl, G, have)
    m = ws.shape[0]
    miss = np.zeros(m, dtype=np.int64)
    for e in range(rl.shape[0]):
        u = rl[e]
        su = sl[u]
        for t in range(m):
            if t == u or (in_r[t] and t < u):
                continue
            if not have[su, sl[t]]:
                miss[u] += 1
                miss[t] += 1
    key = np.empty(m)
    for k in range(m):
        key[k] = -col_cost(D, ws[k]) * (m + 1) + miss[k]
    order = np.argsort(key)
    visited = np.zeros(m, dtype=np.bool_)
    for o in range(m):
        u = order[o]
        visited[u] = True
        if miss[u] == 0:
            continue
        ju = ws[u]
        su = sl[u]
        cost_u = col_cost(D, ju)
        forced = False
        gather = 0.0
        cnt = 0
        for t in range(m):
            st = sl[t]
            if t == u or have[su, st]:
                continue
            if visited[t]:
                forced = True
            else:
                gather += col_cost(D, ws[t])
                cnt += 1
        if not forced and 2.0 * cost_u + gather >= cnt * cost_u:
            continue  # its lighter partners will gather it
        col_axpy(D, ju, -1.0, z, zs)  # z + zs v = x_u
        for t in range(m):
            st = sl[t]
            if t == u or have[su, st]:
                continue
            g = col_dot(D, ws[t], z, zs)
            G[su, st] = g
            G[st, su] = g
            have[su, st] = True
            have[st, su] = True
            miss[t] -= 1
        miss[u] = 0
        col_axpy(D, ju, 1.0, z, zs)  # back to zero
        zs[0] = 0.0


@njit(cache=True)
def _try_move(G, Xty, yty, w, q, d, a, b, lo, hi, inv_n):
    """Move ``w`` (and ``q = G w - X^T y``) by ``d`` where that lowers the objective; a
    coordinate at zero stays there, one that would cross zero stops at it, bounds clip."""
    m = w.shape[0]
    step = np.zeros(m)
    any_step = False
    for k in range(m):
        if d[k] == 0.0 or w[k] == 0.0:
            continue
        new = w[k] + d[k]
        if (w[k] > 0.0) != (new > 0.0):
            new = 0.0
        new = min(max(new, lo[k]), hi[k])
        step[k] = new - w[k]
        any_step = any_step or step[k] != 0.0
    if not any_step:
        return False
    w_new = w + step
    q_new = q.copy()
    for k in range(m):
        if step[k] != 0.0:
            for i in range(m):
                q_new[i] += step[k] * G[k, i]
    if gram_values(w_new, q_new, Xty, yty, a, b, inv_n)[0] >= gram_values(
            w, q, Xty, yty, a, b, inv_n)[0]:
        return False
    w[:] = w_new
    q[:] = q_new
    return True


def _gram_cd(D, y, yty, w, r, state, corr, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs,
             n_acc, use_gap, gc, z, zs, expected, newton, dw, move, fresh):
    """The inner solve through the working set's Gram matrix ``X_ws^T X_ws``.

    ``gc = (slot_of, G, have, xty, n_slots, stamp, pers)`` caches inner products across
    inner solves and alphas: feature ``j`` owns row/column ``slot_of[j]`` of ``G`` once it
    has been in a working set; ``G[s, t]`` is valid where ``have[s, t]``;
    ``xty[s] = x_s^T y``; ``n_slots = [slots used, inner solves done]``; ``stamp[s]``: the
    last inner solve whose working set held slot ``s`` (all pairs within it are filled);
    ``pers``: the active-set factor kept between solves (see ``gram_cd.active_set``).
    Missing pairs are computed here (:func:`fill_missing`).  ``w`` must be zero outside
    ``ws``, and ``corr`` must hold ``X^T r / n`` at the current ``w`` for every feature of
    ``ws`` (the certificate has just computed them); on return ``r, state`` hold the
    rebuilt residual.  Returns the number of epochs, or -1 when the cost model prefers
    plain coordinate descent (or the working set exceeds the cache).

    ``move``: first try the start ``w + dw`` (``dw`` zero outside ``ws``; a coordinate that
    would change sign stops at zero, bounds are respected), kept if it lowers the working
    set's objective.  Along a path ``dw`` is the linear extrapolation of the last two
    solutions: the lasso path is piecewise linear in alpha, so between kinks the move lands
    on the new solution.  The correlations follow exactly through ``q += G dw``.
    """
    slot_of, G, have, xty, n_slots, stamp = gc[:6]
    pers = gc[6]
    m = ws.shape[0]
    cap = G.shape[0]
    if m > cap:
        return -1
    new = 0
    for k in range(m):
        if slot_of[ws[k]] < 0:
            new += 1
    restart = n_slots[0] + new > cap
    # Entries can be missing only towards the features that were not in the previous
    # Gram working set (whose pairs were all filled then): ``rl[:nr]``, their positions.
    # Looking at those pairs alone replaced two O(|ws|^2) scans per inner solve, which
    # had cost ~15% of a Toeplitz 500 x 5000 CV.
    cid = n_slots[1]
    sl = np.empty(m, dtype=np.int64)
    in_r = np.zeros(m, dtype=np.bool_)
    rl = np.empty(m, dtype=np.int64)
    nr = 0
    for k in range(m):
        sk = -1 if restart else slot_of[ws[k]]
        sl[k] = sk
        if sk < 0 or stamp[sk] != cid:
            in_r[k] = True
            rl[nr] = k
            nr += 1
    # Cost model: a plain epoch costs ~1.5x the columns' non-zeros (SPARSE_COST each when
    # sparse: a gather costs several vectorised multiply-adds), a Gram epoch |ws| per
    # coordinate that moves (about the support), and each missing inner product one
    # column's non-zeros; over the ``expected`` epochs that the cached products will serve
    # (this solve's and the rest of the grid's), which is cheaper?  On paths the cache makes
    # the fill nearly free; on a cold single fit it decides (Toeplitz 500 x 5000 at
    # alpha_max/100: 81 ms always through the Gram matrix, 46-51 ms with this rule).
    plain = plain_epoch_cost(D, ws)
    n_nz = 0
    for k in range(m):
        if w[ws[k]] != 0.0:
            n_nz += 1
    moving = max(n_nz, GRAM_MOVING * m)
    missing = 0
    for e in range(nr):
        u = rl[e]
        su = sl[u]
        for t in range(m):
            if t == u or (in_r[t] and t < u):
                continue
            if su < 0 or sl[t] < 0 or not have[su, sl[t]]:
                missing += 1
    if missing * plain / m + expected * m * moving > expected * 1.5 * plain:
        return -1
    if restart:
        for s in range(n_slots[0]):  # start the cache afresh
            for t in range(n_slots[0]):
                have[s, t] = False
        for j in range(slot_of.shape[0]):
            slot_of[j] = -1
        n_slots[0] = 0
        pers[2][0] = 0  # the kept active-set factor names slots that are gone
        drop_rows(D)
    for k in range(m):
        j = ws[k]
        if slot_of[j] < 0:
            s = n_slots[0]
            slot_of[j] = s
            n_slots[0] += 1
            xty[s] = col_dot(D, j, y, zs)
            G[s, s] = lips[j] / inv_n
            have[s, s] = True
            stamp[s] = -1
        sl[k] = slot_of[j]
    if missing > 0:
        fill_missing(D, ws, sl, rl[:nr], in_r, G, have, z, zs)
    n_slots[1] = cid + 1
    for k in range(m):
        stamp[sl[k]] = cid + 1
    Gw = np.empty((m, m))
    xw = np.empty(m)
    w_ws = np.empty(m)
    q = np.empty(m)  # G w - X^T y = -X_ws^T r: the correlations, known at the current w
    for k in range(m):
        sk = sl[k]
        xw[k] = xty[sk]
        w_ws[k] = w[ws[k]]
        q[k] = -corr[ws[k]] / inv_n
        row = G[sk]
        for t in range(m):
            Gw[k, t] = row[sl[t]]
    a_ws, b_ws, lo_ws, hi_ws = a[ws], b[ws], lo[ws], hi[ws]
    if move:
        _try_move(Gw, xw, yty, w_ws, q, dw[ws], a_ws, b_ws, lo_ws, hi_ws, inv_n)
    done, _ = gram_inner_solve(Gw, xw, yty, w_ws, q, lips[ws], a_ws, b_ws, lo_ws, hi_ws,
                               inv_n, tol, max_epochs, n_acc, use_gap, newton, sl, pers)
    # the working set's correlations at the solution, from the Gram matrix (exact up to
    # round-off like a dot product, at |support| per feature instead of a column): the
    # next certificate takes them as they are (``fresh``)
    exact_q(Gw, xw, w_ws, q)
    for k in range(m):
        w[ws[k]] = w_ws[k]
        corr[ws[k]] = -q[k] * inv_n
        fresh[ws[k]] = 1
    _reset_residual(D, y, w, r, state)
    return done


# The certificate and the inner solver are compiled as separate functions (keeping the
# path function small enough to compile in seconds), twice each: dense columns want
# re-association (vectorised dot products, 3-4x faster), sparse columns must not have it
# (LLVM then gathers: 1.5x slower on Reuters).  ``certificate`` and ``inner_cd`` pick the
# variant from the design's type when the caller is compiled.
_certificate_fast = njit(cache=True, fastmath=FAST)(_certificate)
_certificate_plain = njit(cache=True)(_certificate)
_inner_cd_fast = njit(cache=True, fastmath=FAST)(_inner_cd)
_inner_cd_plain = njit(cache=True)(_inner_cd)
_gram_cd_fast = njit(cache=True, fastmath=FAST)(_gram_cd)
_gram_cd_plain = njit(cache=True)(_gram_cd)


def certificate(D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr,
                known, resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh, half):
    """See :func:`_certificate`; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(certificate)
def _certificate_ov(D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr,
                    known, resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh,
                    half):
    impl = _certificate_fast if len(D.types) == 1 else _certificate_plain

    def call(D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr, known,
             resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh, half):
        return impl(D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr,
                    known, resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh, half)
    return call


def inner_cd(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
             use_gap, hist, wsave, rsave, buf):
    """See :func:`_inner_cd`; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(inner_cd)
def _inner_cd_ov(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
                 use_gap, hist, wsave, rsave, buf):
    impl = _inner_cd_fast if len(D.types) == 1 else _inner_cd_plain

    def call(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
             use_gap, hist, wsave, rsave, buf):
        return impl(D, y, w, r, state, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
                    use_gap, hist, wsave, rsave, buf)
    return call


def gram_cd(D, y, yty, w, r, state, corr, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs,
            n_acc, use_gap, gc, z, zs, expected, newton, dw, move, fresh):
    """See :func:`_gram_cd`; resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(gram_cd)
def _gram_cd_ov(D, y, yty, w, r, state, corr, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs,
                n_acc, use_gap, gc, z, zs, expected, newton, dw, move, fresh):
    impl = _gram_cd_fast if len(D.types) == 1 else _gram_cd_plain

    def call(D, y, yty, w, r, state, corr, ws, lips, a, b, lo, hi, inv_n, tol, max_epochs,
             n_acc, use_gap, gc, z, zs, expected, newton, dw, move, fresh):
        return impl(D, y, yty, w, r, state, corr, ws, lips, a, b, lo, hi, inv_n, tol,
                    max_epochs, n_acc, use_gap, gc, z, zs, expected, newton, dw, move, fresh)
    return call


@njit(cache=True, inline="always")
def _missing(w, a, zero, known, ub, flag, lst):
    """Lists in ``lst`` the features whose correlation an estimate lacks to certify ``w``
    (``flag``: workspace); returns their number.  A feature needs none when its column is
    zero, when it is ``known``, or when it is zero and bounded below its threshold ``a`` by
    ``ub`` (recorded by the last computing certificate, whose residual must still be the
    current one; -1: no bound)."""
    p = w.shape[0]
    for j in range(p):  # branch-free
        bounded = (w[j] == 0.0) & (ub[j] >= 0.0) & (ub[j] < a[j])
        flag[j] = np.uint8((not zero[j]) & (not known[j]) & (not bounded))
    return flagged(flag, p, lst)


@njit(cache=True, inline="always")
def _compute_listed(D, r, state, lst, inv_n, corr, known, ub):
    """``corr = X^T r / n`` for the features ``lst``, now ``known`` (no longer bounded)."""
    dots_listed(D, lst, r, state, inv_n, corr)
    for t in range(lst.shape[0]):
        j = lst[t]
        known[j] = True
        ub[j] = -1.0


@njit(cache=True, inline="always")
def _solve_alpha(D, y, v, yty, a, b, lo, hi, lips, norms, zero, free, Q, movable0, tol_abs,
                 max_epochs, opts, expected, w, r, state, corr, known, wk, move):
    """Solve at one alpha (penalty weights ``a, b``) from ``w``; see :func:`_solve_path`.

    ``opts = (p0, ws_growth, inner_ratio, n_acc, use_gap, screening, refresh, newton,
    half, extra_cost, full_cost)``.
    ``move``: the first inner solve tries the start ``w + dw`` (``dw = wk[-1]``, see
    :func:`_gram_cd`).
    Returns ``(primal, gap, max_kkt_violation, c, ||resid||^2, epochs + passes, converged)``
    (``c``: the last certificate's dual rescaling, see :func:`_certificate`).
    """
    p0, ws_growth, inner_ratio, n_acc, use_gap, screening, refresh, newton, half, \
        extra_cost, full_cost = opts
    (active, movable, resid, theta, corr_dual, zstate, score, cand, mask, ws, hist,
     wsave, rsave, buf, gc, gz, gzs, bnd, dw) = wk
    ub = bnd[3]
    n = r.shape[0]
    p = w.shape[0]
    inv_n = 1.0 / n
    any_known = False
    for j in range(p):  # branch-free (known follows no pattern)
        act = not zero[j]
        active[j] = act
        movable[j] = movable0[j]
        any_known |= act & known[j]
    # the correlations the estimate below lacks to be a certificate
    n_miss = _missing(w, a, zero, known, ub, bnd[8], bnd[9])
    all_known = n_miss == 0
    if any_known and not all_known:
        # when few and cheap, computed at once (a trusted estimate also screens at once);
        # else only if the estimate says the last solution stays put (below)
        lst = bnd[9]
        cost = 0.0
        for t in range(n_miss):
            cost += col_cost(D, lst[t])
        if n_miss <= EXTRA_DOTS * p and cost <= extra_cost * full_cost:
            _compute_listed(D, r, state, lst[:n_miss], inv_n, corr, known, ub)
            all_known = True
    epochs = 0
    passes = 0
    tol_in = np.inf
    last_value = np.inf
    first = True
    first_estimate = True
    round_ = 0  # inner solves done at this alpha
    primal = gap = worst = rsq = np.inf
    c = 1.0
    converged = False
    while True:
        compute = not (first and any_known)
        trusted = compute or all_known
        first = False
        primal, gap, worst, c, rsq = certificate(
            D, y, v, w, r, state, a, b, lo, hi, zero, free, Q, active, compute, corr, known,
            resid, theta, corr_dual, zstate, inv_n, norms, bnd, refresh, half)
        if compute:
            passes += 1
        value = gap if use_gap else worst
        if trusted:
            converged = value <= tol_abs
            if converged or epochs >= max_epochs:
                break
        elif value <= tol_abs:
            # the estimate says done (the last solution stays put, as along the tail of a
            # path): certify it with the correlations it lacks when they are few, else with
            # a computing pass
            if first_estimate:
                n_miss = _missing(w, a, zero, known, ub, bnd[8], bnd[9])
                if n_miss <= EXTRA_DOTS * p:
                    _compute_listed(D, r, state, bnd[9][:n_miss], inv_n, corr, known, ub)
                    all_known = True
                    first = True  # estimate again, now a certificate
            first_estimate = False
            continue
        if screening and use_gap and trusted:
            radius = np.sqrt(2.0 * max(gap, 0.0) * inv_n)
            reset = False
            projected = Q.shape[1] > 0
            for j in range(p):  # branch-free: which features are bounded follows no pattern
                cj = corr_dual[j] if projected else corr[j]
                cd = c * (ub[j] if ub[j] >= 0.0 else abs(cj))  # ub: only bounded
                out = movable[j] & active[j] & (cd + norms[j] * radius < a[j])
                reset |= out & (w[j] != 0.0)
                w[j] = 0.0 if out else w[j]
                movable[j] &= not out
                active[j] &= not out
                known[j] &= not out
            if reset:
                _reset_residual(D, y, w, r, state)
                continue
        m = _select_ws(w, corr, known, movable, a, lo, hi, norms, p0, ws_growth, score, cand,
                       mask, ws, bnd[8], bnd[9])
        if m == 0:
            if trusted:
                break
            continue
        # inner target: a fraction of the outer criterion; when the outer criterion stalls,
        # halve the previous target so that the loop keeps making progress
        # a warm start from the previous alpha (its correlations known) usually has the
        # right working set: solve it to the tolerance at once; from a cold start, the
        # working set grows over rounds, so each is solved only as far as it can help
        if round_ == 0 and any_known:
            target = WARM_RATIO * min(value, tol_abs)
        else:
            target = inner_ratio * value
        round_ += 1
        tol_in = min(target, 0.5 * tol_in) if value >= last_value else target
        last_value = value
        wsv = ws[:m]
        done = gram_cd(D, y, yty, w, r, state, corr, wsv, lips, a, b, lo, hi, inv_n, tol_in,
                           max_epochs - epochs, n_acc, use_gap, gc, gz, gzs, expected, newton,
                           dw, move and round_ == 1, bnd[15])
        if done >= 0:
            epochs += done
        else:
            epochs += inner_cd(D, y, w, r, state, wsv, lips, a, b, lo, hi, inv_n, tol_in,
                                max_epochs - epochs, n_acc, use_gap, hist, wsave, rsave, buf)
    return primal, gap, worst, c, rsq, epochs + passes, converged


def _solve_path(D, y, v, alphas, a1, b1, lo, hi, lips, norms, zero, free, Q, movable0,
                tol_abs, refine_tol_abs, max_epochs, p0, ws_growth, inner_ratio, n_acc,
                use_gap, screening, gc, refresh, newton, half, extra_cost, XT, pool,
                early_stop, min_alphas, fdev, devmax, w, r, state, corr, known, W, gaps, kkts,
                primals, iters, conv, devs):
    """Solve at every alpha of the decreasing grid ``alphas``, warm-started.

    ``D``: design tuple (see :mod:`.quadratic_cd`; sparse: followed by the rows of the Gram
    cache's first slots' features, ``D[6:10]``, see :func:`_row_route`); ``y`` centred target; ``v``
    square roots of the sample weights; ``a1, b1``: penalty weights for ``alpha = 1``;
    ``zero``: columns that are identically zero; ``free``: unpenalized, unbounded features
    (their columns orthonormalised in ``Q``, shape ``(n, k)``, ``k`` may be 0);
    ``movable0``: features that may leave zero.  ``use_gap``: stop on the duality gap (else
    on the KKT violation).
    ``gc``: the Gram cache (see :func:`_gram_cd`), in/out: entries already there are trusted,
    so one cache serves successive calls on the same design, and a caller may prefill it.
    ``refresh``, ``half``: see :func:`_certificate` (``half = 0``: no half-precision
    pass); ``extra_cost``: see ``EXTRA_COST``;
    ``XT``: workspace for the binary16 copy of a dense design, ``(p, n)`` uint16 (it may
    have no rows when ``half = 0``).  (Allocated by the caller: a cross-validation reuses
    it fold after fold, where a fresh one per path cost ~2,900 page faults, 5 ms each time
    on the Toeplitz 500 x 5000 design.)

    ``pool`` (dense designs without free features; 0: off): most features of a wide design
    stay far below their threshold along the whole grid (riboflavin's 10-fold paths: 230
    of 4,088 features are ever nonzero), yet every alpha's certificates, screening and
    working-set choice loop over all of them.  So the solver works on the *live* features
    only, their columns copied into a compact design, and the others wait in a pool: zero,
    each with an upper bound ``pref_j`` on ``|x_j^T r_ref| / n`` at a reference residual.
    After each alpha's solve, one branch-free pass bounds every pooled feature at the
    current residual ``r`` by Cauchy-Schwarz, ``pref_j + ||x_j|| ||r - r_ref|| / n`` or,
    with ``r = b r_ref + e``, ``|b| pref_j + ||x_j|| ||e|| / n`` (the residual mostly shrinks
    along a path: this took leukemia's refreshes from ~24 to ~5 a fold); a feature whose
    bound reaches its *limit* gets its exact correlation (kept as a second reference, at
    that residual), and joins the live features when that is at least ``pool`` times the
    limit (the alpha is then solved again if it is beyond).  The limit is
    ``min(c^-1 a_j, a_j + v)`` with ``c`` the live certificate's dual rescaling and ``v``
    its largest KKT violation: below it a zero feature neither lowers the rescaling nor
    adds to the gap's conjugate terms (whatever its ridge or bounds) nor exceeds the
    violation reported, so the live problem's duality gap and KKT violation are the full
    problem's, exactly.  (Near interpolation the gap criterion accepts solutions whose
    rescaled dual point has thousands of zero features beyond their threshold ``a_j``:
    with ``a_j`` as the limit they all joined, and leukemia's folds ended with 3,000-4,600
    live features.)  When more than ``half`` (without a half-precision copy: ``refresh``)
    of the pooled features fail, every correlation is recomputed instead (from the
    binary16 copy when there is one, those it cannot place then exactly) and becomes the
    new reference: live features at zero below ``pool`` times their limit leave for the
    pool, pooled ones above it join.  A Gram cache slot stays with a feature that leaves
    (``owner`` tells whether a restart gave it to another since).

    In/out: ``w`` (start, then the last solution), ``r``/``state`` (its residual, exact on
    entry), ``corr``/``known`` (``X^T r / n`` where ``known``).  Out, one entry per alpha
    solved: ``W[:, k]``, ``gaps``, ``kkts``, ``primals``, ``iters``, ``conv``, ``devs``
    (deviance ratio ``1 - ||r||^2 / ||y||^2``).  Returns ``(n_solved, stop_code)``.
    """
    n = r.shape[0]
    p = w.shape[0]
    m_max = p
    pooled = pool > 0.0 and len(D) == 1 and Q.shape[1] == 0
    wk = (np.zeros(p, dtype=np.bool_), np.zeros(p, dtype=np.bool_), np.empty(n), np.empty(n),
          np.zeros(p), np.zeros(1, dtype=r.dtype), np.empty(p),
          np.empty(p, dtype=np.int64), np.zeros(p, dtype=np.bool_),
          np.empty(p, dtype=np.int64), np.empty((max(n_acc, 1) + 1, m_max)), np.empty(m_max),
          np.empty_like(r), np.empty(m_max), gc, np.zeros(n), np.zeros(1),
          (np.zeros(p), np.zeros(n), np.zeros(4), np.full(p, -1.0), np.zeros(p),
           np.empty(p, dtype=np.int64), np.empty(p), gc,
           flag_buffer(p), np.empty(p, dtype=np.int64), np.zeros(n),
           XT if half > 0.0 and Q.shape[1] == 0 else XT[:0], np.empty(n, dtype=np.float32),
           np.ones(p, dtype=np.uint8), np.empty(p, dtype=np.int64),
           np.zeros(p, dtype=np.uint8), np.empty(p)),
          np.zeros(p))
    # the live features (all of them unless pooled): compact copies of the per-feature
    # arrays and of the design's columns, positions t < m; the pool's state (see above)
    q = p if pooled else 0
    cs = (np.empty(q, dtype=np.int64), np.empty(q * n, dtype=r.dtype),
          np.zeros(q, dtype=w.dtype), np.zeros(q), np.zeros(q, dtype=np.bool_),
          np.full(q, -1, dtype=np.int64), np.empty(q), np.empty(q), np.empty(q), np.empty(q),
          np.empty(q), np.empty(q), np.zeros(q, dtype=np.bool_), np.zeros(q, dtype=np.bool_),
          np.zeros(q, dtype=np.bool_))
    ps = (np.full(q, -1, dtype=np.int64), np.zeros(q), np.zeros(n if pooled else 0),
          np.zeros(3), flag_buffer(q), np.empty(q, dtype=np.int64), np.empty(q),
          np.zeros(q, dtype=np.uint8), np.full(gc[1].shape[0] if pooled else 0, -1,
                                                dtype=np.int64),
          np.empty(n if pooled else 0), np.empty(q),
          np.empty(n if pooled else 0, dtype=np.float32), np.zeros(q),
          np.full(q, N_SNAPS, dtype=np.uint8), np.empty((N_SNAPS if pooled else 0, n)),
          np.full(N_SNAPS + 1, 1e300), np.zeros(q, dtype=np.uint8), np.full(N_SNAPS + 1, 1.0),
          np.full(N_SNAPS + 1, 1e300))
    XTL = XT[:0] if pooled else wk[17][11]
    m = p
    if pooled:
        m = _pool_start(D, v, r, state, alphas[0], a1, b1, lo, hi, lips, norms, zero, free,
                        movable0, w, corr, known, cs, ps, gc, XT if half > 0.0 else XT[:0],
                        half, refresh, pool, 1.0 / n)
    yty = 0.0
    for i in range(n):
        yty += float(y[i]) * float(y[i])
    a = np.empty(p)
    b = np.empty(p)
    n_alphas = alphas.shape[0]
    stop = STOP_NONE
    k = 0  # alphas solved so far
    refine = 0  # solutions still to refine before an early stop (2, 1, 0)
    last_it = GRAM_EPOCHS
    ia = ib = -1  # the last two alphas at which the solution changed
    # the live problem's views: the full problem's arrays unless pooled (then set below)
    L = cs[0]
    DL = D
    wL, corrL, knownL = w, corr, known
    a1L, b1L, loL, hiL = a1, b1, lo, hi
    lipsL, normsL, zeroL, freeL, movL = lips, norms, zero, free, movable0
    gcL = gc
    wkL = _wk_view(wk, m, gcL, XTL)
    bnd = wkL[17]
    full_cost = 0.0  # of a pass over every column (see col_cost)
    for j in range(m):
        full_cost += col_cost(DL, j)
    opts = (p0, ws_growth, inner_ratio, n_acc, use_gap, screening, refresh, newton, half,
            extra_cost, full_cost)
    again = False  # solving the same alpha again (pooled features joined beyond threshold)
    it_before = 0  # epochs and passes of this alpha's earlier solves
    live_moved = True  # the live features changed since the last solve
    while k < n_alphas:
        # one call site for the solver keeps the compiled function (and compile time) small
        i = k - refine if refine > 0 else k
        if pooled and refine > 0 and not again:  # the solution to refine is live
            for j in range(p):
                if W[j, i] != 0.0 and ps[0][j] < 0:
                    _promote(D, j, 0.0, False, m, cs, ps[0], ps[16], a1, b1, lo, hi, lips, norms,
                             zero, free, movable0, w, gc[0], ps[8], gc[4])
                    m += 1
                    live_moved = True
        if pooled and live_moved:
            # the live problem's views; no bound or reference of the live features is valid
            live_moved = False
            L = cs[0][:m]
            DL = design_view(D, cs[1], m)
            wL, corrL, knownL = cs[2][:m], cs[3][:m], cs[4][:m]
            a1L, b1L, loL, hiL = cs[6][:m], cs[7][:m], cs[8][:m], cs[9][:m]
            lipsL, normsL, zeroL, freeL, movL = (cs[10][:m], cs[11][:m], cs[12][:m],
                                                 cs[13][:m], cs[14][:m])
            gcL = (cs[5][:m],) + gc[1:]
            wkL = _wk_view(wk, m, gcL, XTL)
            bnd = wkL[17]
            bnd[2][0] = 0.0
            bnd[2][1] = 0.0
            for t in range(m):
                bnd[3][t] = -1.0
                bnd[15][t] = 0
            full_cost = 0.0
            for j in range(m):
                full_cost += col_cost(DL, j)
            opts = (p0, ws_growth, inner_ratio, n_acc, use_gap, screening, refresh, newton,
                    half, extra_cost, full_cost)
        if refine > 0 and not again:
            for t in range(m):
                wL[t] = W[L[t], i] if pooled else W[t, i]
                knownL[t] = False
                bnd[3][t] = -1.0  # bounds hold at the residual they were computed for
            _reset_residual(DL, y, wL, r, state)
        for t in range(m):
            a[t] = alphas[i] * a1L[t]
            b[t] = alphas[i] * b1L[t]
        tol_now = refine_tol_abs if refine > 0 else tol_abs
        # epochs the Gram cache is expected to serve: this alpha's (at least as many as the
        # last one took: the tail of a path near interpolation takes ~100) and the rest's
        expected = max(GRAM_EPOCHS, last_it) + GRAM_EPOCHS * (n_alphas - i - 1)
        if gc[6][2][0] > 0:
            # the active set solves through the cache (see gram_cd.active_set): it steps in
            # only where epochs were slow, so its few steps say nothing of what plain
            # coordinate descent would need (Reuters "earn": ~100 epochs at the last alpha,
            # which then chose plain epochs over filling 48 new rows: 12% of its CV)
            expected += AS_EPOCHS
        # warm start extrapolated along the last two solutions (see _gram_cd); dense data
        # only: on sparse data the certificates' passes dominate, and the move (-41% epochs
        # on Reuters "earn") made its 10-fold CV 2-5% slower
        # (the last two *computed* solutions: within the tolerance a solution may stand for
        # several alphas of the tail, and the next one must then move by all of them)
        move = (len(D) == 1 and refine == 0 and ib >= 0 and alphas[ia] != alphas[ib]
                and not again)
        if move:
            rho = (alphas[i] - alphas[ia]) / (alphas[ia] - alphas[ib])
            dw = wkL[-1]
            for t in range(m):
                j = L[t] if pooled else t
                dw[t] = rho * (float(W[j, ia]) - float(W[j, ib]))
        primal, gap, worst, c_dual, rsq, it, ok = _solve_alpha(
            DL, y, v, yty, a[:m], b[:m], loL, hiL, lipsL, normsL, zeroL, freeL, Q, movL,
            tol_now, max_epochs, opts, float(expected), wL, r, state, corrL, knownL, wkL,
            move)
        if pooled:
            _sync_slots(m, cs, gc[0], ps[8])
            # a pooled feature must neither lower the dual rescaling nor exceed the live
            # features' largest KKT violation
            rho = 1.0 / c_dual if c_dual > 1e-300 else 1e300
            m, redo, moved = pool_check(D, v, r, state, alphas[i], rho, worst, a1, b1, lo,
                                        hi, lips, norms, zero, free, movable0, w, m, cs, ps,
                                        gc, XT if half > 0.0 else XT[:0], half, refresh, pool,
                                        1.0 / n)
            live_moved |= moved
            if redo:  # a pooled feature violates its optimality condition: solve again
                again = True
                it_before += it
                continue
            # (features that joined below their threshold, or left at zero, change
            # neither the solution nor its certificate)
        it += it_before
        it_before = 0
        again = False
        last_it = it
        if refine == 0:  # alphas whose solution differs from the one before
            changed = i == 0
            if pooled:
                # (a pooled feature is zero, and was zero at the alpha before: it left the
                # live features only at zero)
                for t in range(m if i > 0 else 0):
                    if cs[2][t] != W[cs[0][t], i - 1]:
                        changed = True
                        break
            else:
                for j in range(p if i > 0 else 0):
                    if w[j] != W[j, i - 1]:
                        changed = True
                        break
            if changed:
                ia, ib = i, ia
        if pooled:
            W[:, i] = 0.0
            for t in range(m):
                W[cs[0][t], i] = cs[2][t]
        else:
            W[:, i] = w
        gaps[i], kkts[i], primals[i] = gap, worst, primal
        # a refinement that stops short of its tighter target still started from, and only
        # improved on, a solution within the path's tolerance: judge it by that tolerance
        conv[i] = ok or (refine > 0 and (gap if use_gap else worst) <= tol_abs)
        iters[i] = iters[i] + it if refine > 0 else it
        devs[i] = 1.0 - rsq / yty if yty > 0.0 else 0.0
        if refine > 0:
            refine -= 1
            if refine > 0:
                continue
            # both deciding solutions refined (the last one, alphas[k-1], is in w): decide
            stop = _stop_code(devs[k - 1], devs[k - 2], fdev, devmax)
            if stop != STOP_NONE:
                break
            continue
        k += 1
        if not (early_stop and k >= min_alphas and k < n_alphas):
            continue
        if refine_tol_abs < tol_abs:
            # A loose tolerance leaves deviance-ratio errors of the order of the relative
            # tolerance, larger than the test itself (fdev = 1e-5): when the test is within
            # that margin of firing, either way, refine the two deciding solutions and decide
            # on them.  (Testing only when the loose solutions fire made the stop one alpha
            # late on glmnet's prostate example.)
            margin = 4.0 * tol_abs / (0.5 * yty / n) if yty > 0.0 else 0.0
            near = _stop_code(devs[k - 1] - margin, devs[k - 2] + margin, fdev,
                              devmax - 2.0 * margin)
            if near != STOP_NONE:
                refine = 2
            continue
        stop = _stop_code(devs[k - 1], devs[k - 2], fdev, devmax)
        if stop != STOP_NONE:
            break
    if pooled:  # the live features' state back into the full arrays
        _pool_end(m, cs, ps, gc, w, corr, known)
    return k, stop



def design_view(D, buf, m):
    """The design tuple of the first ``m`` columns copied into ``buf`` (dense: an
    ``(n, m)`` F-ordered view, the type of ``D``); ``D`` itself for sparse designs, which
    are never pooled.  Resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(design_view)
def _design_view_ov(D, buf, m):
    if len(D.types) == 1:
        def dense(D, buf, m):
            n = D[0].shape[0]
            return (buf[: m * n].reshape((m, n)).T,)
        return dense

    def other(D, buf, m):
        return D
    return other


def copy_column(D, j, buf, t):
    """Copy column ``j`` of a dense design into column ``t`` of ``buf`` (see
    :func:`design_view`); nothing for sparse designs.  Resolved at compile time."""
    raise NotImplementedError("only callable from numba-compiled code")


@overload(copy_column)
def _copy_column_ov(D, j, buf, t):
    if len(D.types) == 1:
        def dense(D, j, buf, t):
            X = D[0]
            n = X.shape[0]
            for i in range(n):
                buf[t * n + i] = X[i, j]
        return dense

    def other(D, j, buf, t):
        pass
    return other


@njit(cache=True)
def _promote(D, j, cj, kn, t, cs, pos, pooled, a1, b1, lo, hi, lips, norms, zero, free, movable0, w,
             slot_of, owner, n_slots):
    """Feature ``j`` joins the live features at position ``t`` (correlation ``cj``, known
    when ``kn``); its Gram slot comes along when the cache still holds it."""
    (L, buf, wL, corrL, knownL, slotL, a1L, b1L, loL, hiL, lipsL, normsL, zeroL, freeL,
     movL) = cs
    copy_column(D, j, buf, t)
    L[t] = j
    pos[j] = t
    pooled[j] = 0
    wL[t] = w[j]
    corrL[t] = cj
    knownL[t] = kn
    s = slot_of[j]
    # (a restart renumbers the slots: the slot is this feature's only if its owner says so)
    slotL[t] = s if (s >= 0 and s < n_slots[0] and owner[s] == j) else -1
    a1L[t], b1L[t], loL[t], hiL[t] = a1[j], b1[j], lo[j], hi[j]
    lipsL[t], normsL[t], zeroL[t], freeL[t], movL[t] = (lips[j], norms[j], zero[j], free[j],
                                                        movable0[j])


@njit(cache=True)
def _sync_slots(m, cs, slot_of, owner):
    """Write the live features' Gram slots back to the full map, and their owners."""
    L, slotL = cs[0], cs[5]
    for t in range(m):
        j = L[t]
        s = slotL[t]
        slot_of[j] = s
        if s >= 0:
            owner[s] = j


@njit(cache=True, fastmath=FAST, inline="always")
def _distances(r, r_ref, inv_n):
    """``(||r - r_ref||, |b|, ||r - b r_ref||) / n`` (the last two without the ``/ n`` on
    ``|b|``), ``b = <r, r_ref> / ||r_ref||^2`` the best multiple (0 for a zero ``r_ref``)."""
    d = 0.0
    rr = 0.0
    rf = 0.0
    ff = 0.0
    for i in range(r.shape[0]):
        d += (r[i] - r_ref[i]) ** 2
        rr += r[i] * r[i]
        rf += r[i] * r_ref[i]
        ff += r_ref[i] * r_ref[i]
    b = rf / ff if ff > 0.0 else 0.0
    e = max(rr - b * rf, 0.0)  # ||r - b r_ref||^2, by Pythagoras
    # (the subtraction cancels when r is nearly a multiple of r_ref: a relative margin,
    # far above the round-off of rr, keeps the bound rigorous)
    e = np.sqrt(e + 1e-12 * rr)
    return np.sqrt(d) * inv_n, abs(b), e * inv_n


def pool_check(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips, norms, zero, free,
               movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n):
    """Certify the pooled features at the current residual (see :func:`_solve_path`),
    moving features between the pool and the ``m`` live ones; returns ``(m, redo, moved)``:
    the number of live features, whether one that joined reaches its limit (the alpha
    must be solved again), whether any joined or left.

    The limit of feature ``j`` is ``min(rho a_j, a_j + viol)``, ``a_j = alpha a1_j``
    (``rho``: the inverse of the live certificate's dual rescaling, ``viol``: its largest
    KKT violation).  ``cs``: the live features' compact arrays ``(L, columns, w, corr,
    known, Gram slot, a1, b1, lo, hi, lips, norms, zero, free, movable)``; ``ps``: the
    pool's state ``(pos, pref, r_ref, info, flag, lst, out, checkable, owner, resid,
    unscale, r32, pref1, snapshot of each, snapshots, their distances, pooled, their
    multiples, their orthogonal distances)``.  Resolved at compile time: a no-op on sparse
    designs, which are never pooled."""
    raise NotImplementedError("only callable from numba-compiled code")


def _pool_check(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips, norms, zero, free,
                movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n):
    n = r.shape[0]
    p = a1.shape[0]
    (pos, pref, pres, pinfo, flag, lst, out, chk, owner, resid, unscale, r32, pref1, idx1,
     snaps, dsn, pooled, bsn, esn) = ps
    n_snaps = snaps.shape[0]
    m0 = m
    slot_of, n_slots = gc[0], gc[4]
    c0 = state[0]
    for i in range(n):
        resid[i] = r[i] + c0 * v[i]
    use_half = XT.shape[0] > 0
    frac = half if use_half else refresh
    n_pool = 0
    n_fail = 0
    k_snap = np.int64(pinfo[1])  # snapshots in use
    if pinfo[0] > 0.0:
        # Cauchy-Schwarz from the reference, and from its best multiple: with
        # r = b r_ref + e, |x_j^T r| <= |b| |x_j^T r_ref| + ||x_j|| ||e|| (along a path the
        # residual mostly shrinks, which the first bound counts as distance)
        d0, b0, e0 = _distances(resid, pres, inv_n)
        for s in range(k_snap):
            dsn[s], bsn[s], esn[s] = _distances(resid, snaps[s], inv_n)
        for j in range(p):  # branch-free, vector instructions
            u = min(pref[j] + norms[j] * d0, b0 * pref[j] + norms[j] * e0) * (1.0 + 1e-9)
            aj = alpha * a1[j]
            flag[j] = np.uint8((pooled[j] != 0) & (u >= min(aj * rho, aj + viol)))
            n_pool += np.int64(pooled[j])
        n_fail = flagged(flag, p, lst)
        k = 0  # the second bound, from a snapshot, of those that failed the first
        for e in range(n_fail):
            j = lst[e]
            sj = idx1[j]
            u = min(pref1[j] + norms[j] * dsn[sj], bsn[sj] * pref1[j] + norms[j] * esn[sj])
            u *= 1.0 + 1e-9
            lst[k] = j
            aj = alpha * a1[j]
            k += np.int64(u >= min(aj * rho, aj + viol))
        n_fail = k
    if pinfo[0] > 0.0 and (n_fail == 0 or (n_fail <= frac * n_pool and k_snap < n_snaps)):
        # few bounds failed: their exact correlations decide, and bound them from now on
        # from this residual (a snapshot)
        dots_listed(D, lst[:n_fail], r, state, inv_n, out)
        if n_fail > 0:
            for i in range(n):
                snaps[k_snap, i] = resid[i]
            pinfo[1] = k_snap + 1
        redo = False
        for e in range(n_fail):
            j = lst[e]
            cj = out[j]
            pref1[j] = abs(cj)
            idx1[j] = np.uint8(k_snap)
            aj = alpha * a1[j]
            thr = min(aj * rho, aj + viol)
            if abs(cj) >= pool * thr:
                _promote(D, j, cj, True, m, cs, pos, pooled, a1, b1, lo, hi, lips, norms, zero,
                         free, movable0, w, slot_of, owner, n_slots)
                m += 1
                redo |= abs(cj) >= thr
        return m, redo, m > m0
    # A new reference: every correlation, from the half-precision copy when there is one;
    # the pooled features it cannot place below the pool threshold get exact ones (all of
    # them exactly when that is too many)
    exact = not use_half
    if use_half:
        if pinfo[2] == 0.0:
            make_half_copy(D[0], norms, XT, unscale)
            pinfo[2] = 1.0
        rnorm = half_dots(XT, unscale, resid, r32, out)
        err = half_error(n) * rnorm * inv_n + 1e-300
        n_chk = 0
        for j in range(p):  # branch-free
            out[j] *= inv_n
            pref[j] = (abs(out[j]) + norms[j] * err) * (1.0 + 1e-9)
            aj = alpha * a1[j]
            flag[j] = np.uint8((pooled[j] != 0) & (pref[j] >= pool * min(aj * rho, aj + viol)))
            n_chk += np.int64(chk[j] != 0)
        n_near = flagged(flag, p, lst)
        if n_near > refresh * n_chk:
            exact = True
        else:
            dots_listed(D, lst[:n_near], r, state, inv_n, out)
            for e in range(n_near):
                j = lst[e]
                pref[j] = abs(out[j]) * (1.0 + 1e-9)
    if exact:
        for j in range(p):
            lst[j] = j
        dots_listed(D, lst[:p], r, state, inv_n, out)
        for j in range(p):
            pref[j] = abs(out[j]) * (1.0 + 1e-9)
    for i in range(n):
        pres[i] = resid[i]
    pinfo[0] = 1.0
    pinfo[1] = 0.0
    idx1[:] = np.uint8(n_snaps)  # (dsn[n_snaps] is huge: no second bound)
    # live features at zero and below the pool threshold (times their limit) leave, the
    # last live feature taking each one's place (a stable compaction moved ~5% of a
    # Toeplitz 500 x 5000 CV's columns; a margin below the threshold, 0.5, against
    # features leaving and joining again made leukemia's 10-fold CV 9% slower); pooled
    # ones above the threshold join
    _sync_slots(m, cs, slot_of, owner)
    (L, buf, wL, corrL, knownL, slotL, a1L, b1L, loL, hiL, lipsL, normsL, zeroL, freeL,
     movL) = cs
    t = 0
    while t < m:
        j = L[t]
        if knownL[t]:  # (the live correlations known are exact, and at this residual)
            pref[j] = min(pref[j], abs(corrL[t]) * (1.0 + 1e-9))
        aj = alpha * a1[j]
        if not (wL[t] == 0.0 and not freeL[t]
                and pref[j] < pool * min(aj * rho, aj + viol)):
            t += 1
            continue
        pos[j] = -1
        pooled[j] = chk[j]
        m -= 1
        if t < m:
            k = m  # the last live feature moves to position t (and is tested there next)
            jk = L[k]
            copy_column(D, jk, buf, t)
            L[t] = jk
            pos[jk] = t
            wL[t], corrL[t], knownL[t], slotL[t] = wL[k], corrL[k], knownL[k], slotL[k]
            a1L[t], b1L[t], loL[t], hiL[t] = a1L[k], b1L[k], loL[k], hiL[k]
            lipsL[t], normsL[t], zeroL[t], freeL[t], movL[t] = (lipsL[k], normsL[k],
                                                                zeroL[k], freeL[k], movL[k])
    for j in range(p):  # branch-free
        aj = alpha * a1[j]
        flag[j] = np.uint8((pooled[j] != 0) & (pref[j] >= pool * min(aj * rho, aj + viol)))
    n_join = flagged(flag, p, lst)
    redo = False
    for e in range(n_join):
        # (exact values: the half-precision bounds were refined above)
        j = lst[e]
        aj = alpha * a1[j]
        _promote(D, j, out[j], True, m, cs, pos, pooled, a1, b1, lo, hi, lips, norms, zero,
                 free, movable0, w, slot_of, owner, n_slots)
        m += 1
        redo |= abs(out[j]) >= min(aj * rho, aj + viol)
    return m, redo, True

_pool_check_fast = njit(cache=True, fastmath=FAST)(_pool_check)


@overload(pool_check)
def _pool_check_ov(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips, norms, zero, free,
                   movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n):
    if len(D.types) == 1:
        def dense(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips, norms, zero, free,
                  movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n):
            return _pool_check_fast(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips,
                                    norms, zero, free, movable0, w, m, cs, ps, gc, XT, half,
                                    refresh, pool, inv_n)
        return dense

    def other(D, v, r, state, alpha, rho, viol, a1, b1, lo, hi, lips, norms, zero, free,
              movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n):
        return m, False, False
    return other


@njit(cache=True)
def _pool_start(D, v, r, state, alpha, a1, b1, lo, hi, lips, norms, zero, free, movable0, w,
                corr, known, cs, ps, gc, XT, half, refresh, pool, inv_n):
    """Set up the pool at the start of a grid (see :func:`_solve_path`): the nonzero
    coefficients live, then every correlation sorts the others; returns the number of
    live features.  ``w`` is left zero: the live features hold the coefficients."""
    p = w.shape[0]
    pos, chk, owner, pooled = ps[0], ps[7], ps[8], ps[16]
    slot_of = gc[0]
    for j in range(p):
        chk[j] = np.uint8(movable0[j] & (not zero[j]))
        pooled[j] = chk[j]
        if slot_of[j] >= 0:
            owner[slot_of[j]] = j
    m = 0
    for j in range(p):
        if w[j] != 0.0:
            _promote(D, j, corr[j], known[j], m, cs, pos, pooled, a1, b1, lo, hi, lips, norms,
                     zero, free, movable0, w, slot_of, owner, gc[4])
            m += 1
    w[:] = 0.0
    m, _, _ = pool_check(D, v, r, state, alpha, 1.0, 0.0, a1, b1, lo, hi, lips, norms, zero,
                         free, movable0, w, m, cs, ps, gc, XT, half, refresh, pool, inv_n)
    return m


@njit(cache=True)
def _pool_end(m, cs, ps, gc, w, corr, known):
    """The live features' coefficients, correlations and Gram slots back into the full
    arrays at the end of a grid; a pooled feature keeps its slot only if still its own."""
    pos, owner, slot_of, n_slots = ps[0], ps[8], gc[0], gc[4]
    _sync_slots(m, cs, slot_of, owner)
    for j in range(w.shape[0]):
        w[j] = 0.0
        known[j] = False
        s = slot_of[j]
        if pos[j] < 0 and s >= 0 and not (s < n_slots[0] and owner[s] == j):
            slot_of[j] = -1
    for t in range(m):
        j = cs[0][t]
        w[j] = cs[2][t]
        corr[j] = cs[3][t]
        known[j] = cs[4][t]


@njit(cache=True)
def _wk_view(wk, m, gcL, XT):
    """The solver workspace ``wk`` for the first ``m`` features, with the Gram cache
    ``gcL`` and the half-precision copy ``XT`` (see :func:`_solve_path`)."""
    (active, movable, resid, theta, corr_dual, zstate, score, cand, mask, ws, hist, wsave,
     rsave, buf, gc, gz, gzs, bnd, dw) = wk
    (corr_ref, resid_ref, info, ub, w_ref, dsl, dwv, gcb, flag, lst, resid_prev, XT0, r32,
     ref_exact, rest, fresh, unscale) = bnd
    m8 = 8 * ((m + 7) // 8)
    bndL = (corr_ref[:m], resid_ref, info, ub[:m], w_ref[:m], dsl[:m], dwv[:m], gcL,
            flag[:m8], lst[:m], resid_prev, XT, r32, ref_exact[:m], rest[:m], fresh[:m],
            unscale[:m])
    return (active[:m], movable[:m], resid, theta, corr_dual[:m], zstate, score[:m],
            cand[:m], mask[:m], ws[:m], hist, wsave, rsave, buf, gcL, gz, gzs, bndL, dw[:m])


@njit(cache=True)
def _stop_code(dev, dev_prev, fdev, devmax):
    """glmnet's early-stopping test on two consecutive deviance ratios."""
    if dev - dev_prev < fdev * dev:
        return STOP_FDEV
    if dev > devmax:
        return STOP_DEVMAX
    return STOP_NONE


# Compiled twice from the same source: dense columns want re-association (vectorised dot
# products, 3-4x faster); sparse columns must not have it (gathers: 1.5x slower on Reuters).
solve_path_dense = njit(cache=True, fastmath=FAST)(_solve_path)
solve_path_sparse = njit(cache=True)(_solve_path)
