"""Coordinate descent on a working set through its Gram matrix ("covariance updates").

With ``G = X_ws^T X_ws`` and ``q = G w - X_ws^T y`` (so that ``-q / n`` is the correlation
of each working-set column with the residual), an update of one coordinate costs
``|ws|`` operations instead of ``n`` (dense) or the column's non-zeros (sparse).  That pays
when the working set is much smaller than the number of samples.  The residual is never
formed: ``||r||^2 = y^T y - w^T X^T y + w^T q`` and ``r^T y = y^T y - w^T X^T y``.
All arrays here are compact (indexed by working-set position).
"""

import numpy as np
from numba import njit

from .linalg import cho_solve, forward_solve
from .prox import conj_coord, is_free, kkt_coord, penalty_coord, prox_coord, scale_limit
from .quadratic_cd import FAST, anderson_weights

# an active-set factor whose pivot falls below this fraction of its diagonal entry is
# numerically singular (a support of about n_samples features on nearly collinear columns)
NEWTON_PIVOT = 1e-10
# faces from which the active-set method's first factor is one LAPACK call
LAPACK_FACE = 48
# LAPACK's Cholesky factor against the epochs' loops, per flop (cost model)
LAPACK_SPEED = 8.0
# violators at least this fraction of the worst one join the face together
JOIN_FRACTION = 0.5


@njit(cache=True, fastmath=FAST)
def gram_epoch(G, q, w, lips, a, b, lo, hi, inv_n):
    """One cyclic pass; updates ``w`` and ``q`` in place (``G`` symmetric, C-ordered)."""
    m = w.shape[0]
    for k in range(m):
        lip = lips[k]
        if lip == 0.0:
            continue
        old = w[k]
        new = prox_coord(lip * old - q[k] * inv_n, lip, a[k], b[k], lo[k], hi[k])
        if new != old:
            d = new - old
            w[k] = new
            for i in range(m):
                q[i] += d * G[k, i]


@njit(cache=True, fastmath=FAST)
def gram_values(w, q, Xty, yty, a, b, inv_n):
    """``(objective, ||r||^2, r^T y)`` of the working-set problem."""
    wx = 0.0
    wq = 0.0
    pen = 0.0
    for k in range(w.shape[0]):
        wx += w[k] * Xty[k]
        wq += w[k] * q[k]
        pen += penalty_coord(w[k], a[k], b[k])
    rsq = yty - wx + wq
    return 0.5 * inv_n * rsq + pen, rsq, yty - wx


@njit(cache=True, fastmath=FAST)
def gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap):
    """Working-set duality gap (``use_gap``) or largest KKT violation."""
    m = w.shape[0]
    if not use_gap:
        worst = 0.0
        for k in range(m):
            if lips[k] != 0.0:
                worst = max(worst, kkt_coord(w[k], -q[k] * inv_n, a[k], b[k], lo[k], hi[k]))
        return worst
    c = 1.0
    for k in range(m):
        if lips[k] != 0.0 and not is_free(a[k], b[k], lo[k], hi[k]):
            c = min(c, scale_limit(-q[k] * inv_n, a[k], b[k], lo[k], hi[k]))
    conj = 0.0
    for k in range(m):
        if lips[k] != 0.0 and not is_free(a[k], b[k], lo[k], hi[k]):
            conj += conj_coord(-c * q[k] * inv_n, a[k], b[k], lo[k], hi[k])
    primal, rsq, ry = gram_values(w, q, Xty, yty, a, b, inv_n)
    dual = c * ry * inv_n - 0.5 * inv_n * c * c * rsq - conj
    return primal - dual


@njit(cache=True, fastmath=FAST)
def _chol_append(G, face, s, k, b, inv_n, L, col):
    """Extend the factor ``L[:s, :s]`` of ``H_face`` by coordinate ``k`` (row ``s``);
    False when its pivot is not above ``NEWTON_PIVOT`` times its diagonal entry."""
    hkk = G[k, k] * inv_n + b[k]
    for u in range(s):
        col[u] = G[face[u], k] * inv_n
    forward_solve(L, s, col)  # L l = H[face, k]
    e = hkk
    for u in range(s):
        v = col[u]
        L[s, u] = v
        e -= v * v
    if not e > NEWTON_PIVOT * hkk:
        return False
    L[s, s] = np.sqrt(e)
    return True


@njit(cache=True, fastmath=FAST)
def _chol_remove(L, s, i, v):
    """Factor of ``H_face`` without row and column ``i``, from ``L[:s, :s]`` in place:
    the rows below move up a row and left a column, and the trailing block takes the
    rank-one update with the removed column (``v``: workspace)."""
    n_t = s - 1 - i
    for r in range(n_t):
        v[r] = L[i + 1 + r, i]
    for r in range(i, s - 1):
        for c in range(i):
            L[r, c] = L[r + 1, c]
        for c in range(i, r + 1):
            L[r, c] = L[r + 1, c + 1]
    for k in range(n_t):  # T T^T + v v^T for the trailing block T = L[i:s-1, i:s-1]
        kk = i + k
        diag = L[kk, kk]
        rad = np.sqrt(diag * diag + v[k] * v[k])
        c = rad / diag
        sn = v[k] / diag
        L[kk, kk] = rad
        for j in range(k + 1, n_t):
            jj = i + j
            L[jj, kk] = (L[jj, kk] + sn * v[j]) / c
            v[j] = c * v[j] - sn * L[jj, kk]


@njit(cache=True, fastmath=FAST)
def _factor_face(G, face, s, b, inv_n, L, col):
    """``L[:s, :s]`` <- Cholesky factor of ``H = G_face / n + diag(b_face)``; False when
    numerically singular (see :func:`_chol_append`).  One LAPACK call from
    ``LAPACK_FACE`` coordinates, loops below (a small LAPACK call costs more than it
    saves)."""
    if s < LAPACK_FACE:
        for u in range(s):
            if not _chol_append(G, face, u, face[u], b, inv_n, L, col):
                return False
        return True
    H = np.empty((s, s))
    for u in range(s):
        k = face[u]
        for t in range(s):
            H[u, t] = G[k, face[t]] * inv_n
        H[u, u] += b[k]
    try:
        F = np.linalg.cholesky(H)
    except Exception:  # noqa: BLE001 (not positive definite)
        return False
    for u in range(s):
        if not F[u, u] * F[u, u] > NEWTON_PIVOT * H[u, u]:
            return False
        for t in range(u + 1):
            L[u, t] = F[u, t]
    return True


@njit(cache=True, fastmath=FAST)
def active_set(G, q, w, lips, a, b, lo, hi, inv_n, Xty, yty, tol, use_gap, max_steps, sl,
               pers, face, fpos, sgn, d, col):
    """Primal active-set method on the working-set problem, from ``w`` (in place).

    The face holds the coordinates that move smoothly: non-zero ones strictly inside
    their bounds, and unpenalized ones.  Each step solves the face's quadratic exactly
    (``H = G_face / n + diag(b_face)``, Cholesky factor kept up to date as coordinates
    join or leave, O(s^2) each) and moves towards that minimiser up to the first
    coordinate that reaches zero or a bound, which then leaves the face.  A full step
    minimises the objective on the face; unless the working set's criterion is then
    ``<= tol``, the coordinates whose KKT violation is at least ``JOIN_FRACTION`` of the
    largest join the face, each in the direction it violates (one that the next solve
    moves the other way is stopped at zero at once and leaves again).  ``w, q`` are
    always a consistent state (each step moves both), and no step raises the objective.
    Near interpolation (hundreds of correlated non-zeros) this replaces tens of
    coordinate-descent epochs by a few exact solves.

    ``pers = (L, fsl, meta, wpos)`` keeps the factor between calls: ``L[:s, :s]`` for the
    cache slots ``fsl[:s]`` (``s = meta[0]``; ``meta[1] = 1`` when the face had no ridge
    term, the only case where ``H`` does not change with alpha); ``wpos``: a cache-slot
    map, -1 on entry and exit.  ``sl``: the working set's cache slots.  A path's next
    face differs by a few coordinates, so the factor is updated rather than recomputed
    (O(s^2) per change instead of O(s^3)).  A stale factor cannot give a wrong answer,
    only a slower one: every step is checked by the criterion computed from ``q``.

    Returns ``(steps, value)``; ``steps = -1`` when the method gave up (a numerically
    singular face, a face beyond ``L``, or ``max_steps`` reached) and coordinate
    descent should go on.
    """
    L, fsl, meta, wpos = pers
    m = w.shape[0]
    h = L.shape[0]
    s = 0
    ridge = False
    for k in range(m):
        fpos[k] = -1
        if lips[k] != 0.0 and lo[k] < w[k] < hi[k] and (w[k] != 0.0 or a[k] == 0.0):
            face[s] = k
            fpos[k] = s
            sgn[k] = 0.0 if a[k] == 0.0 else (1.0 if w[k] > 0.0 else -1.0)
            ridge |= b[k] != 0.0
            s += 1
    if s > h:
        meta[0] = 0
        return -1, np.inf
    # reuse the kept factor: drop the coordinates that left the face, append the new ones
    s_old = meta[0]
    kept = 0
    if s_old > 0 and meta[1] == 1 and not ridge:
        for k in range(m):
            wpos[sl[k]] = k
        for u in range(s_old):  # compact the old face to positions, -1: gone
            k = wpos[fsl[u]]
            fsl[u] = k if (k >= 0 and fpos[k] >= 0) else -1
            kept += fsl[u] >= 0
        for k in range(m):
            wpos[sl[k]] = -1
    if kept > 0 and (s_old - kept) + (s - kept) <= max(8, kept // 4):
        for u in range(s_old - 1, -1, -1):
            if fsl[u] < 0:
                _chol_remove(L, s_old, u, col)
                for t in range(u, s_old - 1):
                    fsl[t] = fsl[t + 1]
                s_old -= 1
        for u in range(kept):
            fpos[fsl[u]] = -2  # in the kept factor
        t = kept
        for u in range(s):
            k = face[u]
            if fpos[k] != -2:
                fsl[t] = k
                t += 1
        ok = True
        for u in range(s):
            face[u] = fsl[u]
            fpos[face[u]] = u
        for u in range(kept, s):
            if ok and not _chol_append(G, face, u, face[u], b, inv_n, L, col):
                ok = False
        if not ok:
            meta[0] = 0
            return -1, np.inf
    elif not _factor_face(G, face, s, b, inv_n, L, col):
        meta[0] = 0
        return -1, np.inf
    steps, value = _active_steps(G, q, w, lips, a, b, lo, hi, inv_n, Xty, yty, tol, use_gap,
                                 max_steps, L, face, fpos, sgn, d, col, s, meta)
    s = meta[0]
    ridge = False
    for u in range(s):
        fsl[u] = sl[face[u]]
        ridge |= b[face[u]] != 0.0
    meta[1] = 0 if ridge else 1
    return steps, value


@njit(cache=True, fastmath=FAST)
def _active_steps(G, q, w, lips, a, b, lo, hi, inv_n, Xty, yty, tol, use_gap, max_steps, L,
                  face, fpos, sgn, d, col, s, meta):
    """The steps of :func:`active_set` from the factored face ``face[:s]``; leaves the
    face's final size (its factor valid) in ``meta[0]``."""
    m = w.shape[0]
    value = np.inf
    steps = 0
    rhs = np.empty(m)
    du = np.zeros(m)  # the last step's moves, by working-set position (zero off the face)
    off = np.empty(m, dtype=np.int64)  # the coordinates off the face
    while steps < max_steps:
        steps += 1
        for u in range(s):
            k = face[u]
            d[u] = -(q[k] * inv_n + b[k] * w[k] + a[k] * sgn[k])
            rhs[u] = d[u]
        cho_solve(L, s, d)
        step = 1.0
        hit = -1
        target = 0.0
        for u in range(s):
            k = face[u]
            new = w[k] + d[u]
            edge = 0.0
            crossed = False
            if sgn[k] * new < 0.0:  # crosses zero (sgn is 0 for unpenalized ones)
                crossed = True
            elif new > hi[k]:
                edge = hi[k]
                crossed = True
            elif new < lo[k]:
                edge = lo[k]
                crossed = True
            if crossed:
                t = (edge - w[k]) / d[u]
                if t < step:
                    step, hit, target = t, u, edge
        # q = G w - X^T y follows: off the face through G's rows (one dot product each
        # with the moves), on the face from the system just solved, G_ff d = n (rhs -
        # b d) up to the solve's round-off (the full update, |face| x |ws|, was most of a
        # step's cost; the exact q is restored before any result is reported)
        for u in range(s):
            k = face[u]
            du[k] = target - w[k] if u == hit else step * d[u]
            w[k] = target if u == hit else w[k] + du[k]
        n_off = 0
        for i in range(m):
            if fpos[i] < 0:
                off[n_off] = i
                n_off += 1
        _rows_dot(G, off, n_off, du, q)
        for u in range(s):
            k = face[u]
            q[k] += step * (rhs[u] - b[k] * d[u]) / inv_n
            du[k] = 0.0
        if hit >= 0:  # the blocking coordinate leaves the face
            _chol_remove(L, s, hit, col)
            fpos[face[hit]] = -1
            for u in range(hit, s - 1):
                face[u] = face[u + 1]
                fpos[face[u]] = u
            s -= 1
            continue
        value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
        if value <= tol:
            exact_q(G, Xty, w, q)
            value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
            if value <= tol:
                meta[0] = s
                return steps, value
        worst = 0.0
        for k in range(m):
            if fpos[k] < 0 and lips[k] != 0.0:
                d[k] = kkt_coord(w[k], -q[k] * inv_n, a[k], b[k], lo[k], hi[k])
                worst = max(worst, d[k])
            else:
                d[k] = 0.0
        if not worst > 0.0:
            exact_q(G, Xty, w, q)
            meta[0] = s
            return -1, gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
        # every violator within JOIN_FRACTION of the worst joins: one solve and one update
        # of q for the lot (one at a time, Toeplitz fold paths took ~430 steps that each
        # added one; together, its 10-fold CV 0.48-0.49 -> 0.40-0.46 s)
        joined = 0
        for k in range(m):
            if not d[k] >= JOIN_FRACTION * worst:
                continue
            if s >= L.shape[0] or not _chol_append(G, face, s, k, b, inv_n, L, col):
                if joined > 0:
                    break  # solve with those that joined
                exact_q(G, Xty, w, q)
                meta[0] = s
                return -1, value
            joined += 1
            face[s] = k
            fpos[k] = s
            s += 1
            if a[k] == 0.0:
                sgn[k] = 0.0
            elif w[k] != 0.0:  # from a bound, inwards: keeps its sign
                sgn[k] = 1.0 if w[k] > 0.0 else -1.0
            else:  # from zero, the way it violates: against the gradient
                sgn[k] = -1.0 if q[k] > 0.0 else 1.0
    exact_q(G, Xty, w, q)
    meta[0] = s
    return -1, value


@njit(cache=True, fastmath=FAST)
def _rows_dot(G, rows, n_rows, v, q):
    """``q[i] += G[i] @ v`` for ``i`` in ``rows[:n_rows]``, four rows at a time (four
    independent sums sharing each load of ``v``)."""
    m = v.shape[0]
    t = 0
    while t + 4 <= n_rows:
        i0, i1, i2, i3 = rows[t], rows[t + 1], rows[t + 2], rows[t + 3]
        a0 = a1 = a2 = a3 = 0.0
        for k in range(m):
            vk = v[k]
            a0 += G[i0, k] * vk
            a1 += G[i1, k] * vk
            a2 += G[i2, k] * vk
            a3 += G[i3, k] * vk
        q[i0] += a0
        q[i1] += a1
        q[i2] += a2
        q[i3] += a3
        t += 4
    for tt in range(t, n_rows):
        i = rows[tt]
        acc = 0.0
        for k in range(m):
            acc += G[i, k] * v[k]
        q[i] += acc


@njit(cache=True, fastmath=FAST)
def exact_q(G, Xty, w, q):
    """``q = G w - X^T y`` from scratch (over ``w``'s non-zeros)."""
    m = w.shape[0]
    for i in range(m):
        q[i] = -Xty[i]
    for k in range(m):
        if w[k] != 0.0:
            wk = w[k]
            row = G[k]
            for i in range(m):
                q[i] += wk * row[i]


@njit(cache=True, fastmath=FAST)
def gram_inner_solve(G, Xty, yty, w, q, lips, a, b, lo, hi, inv_n, tol, max_epochs, n_acc,
                     use_gap, newton, sl, pers):
    """Coordinate descent on the working set through its Gram matrix (see the module).

    With ``newton > 0``, the :func:`active_set` method takes over once epochs leave the
    support and signs unchanged and the epochs spent cost ``newton`` times its first
    factor (``s^3 / 3``, LAPACK-fast from ``LAPACK_FACE`` coordinates, plus a few steps of
    ``s |ws|``): short solves never pay for a factor, long runs of epochs on correlated
    columns are replaced by a few exact face solves.  Its factor is kept (``pers``, see
    :func:`active_set`), and when one is kept the next solve starts with the active set
    and no epoch: along a path, consecutive faces differ by a few coordinates.  (The
    earlier single face-Newton step, refactored from scratch each time, lost on faces
    beyond ~100: new features kept entering after it.)  ``sl``: the working set's cache
    slots.  Measured, 10-fold CV with 100 alphas, one thread: Toeplitz 500 x 5000
    0.60 -> 0.47 s, riboflavin 0.077 -> 0.064 s, leukemia -8%.
    Modifies ``w`` and ``q`` in place; returns ``(epochs_done, final_stopping_value)``.
    """
    m = w.shape[0]
    # the stopping value costs O(|ws|), less than an epoch: check after every epoch (checking
    # every n_acc epochs overshot the target by orders of magnitude along paths)
    hist = np.empty((max(n_acc, 1) + 1, m))
    w_try = np.empty(m)
    q_try = np.empty(m)
    sign = np.zeros(m, dtype=np.int8)
    face = np.empty(m, dtype=np.int64)
    fpos = np.empty(m, dtype=np.int64)
    sgn = np.zeros(m)
    dbuf = np.empty(m)
    col = np.empty(m)
    tried = False
    if newton > 0.0 and pers[2][0] > 0:  # a factor kept from the last solve: start there
        tried = True
        done, v = active_set(G, q, w, lips, a, b, lo, hi, inv_n, Xty, yty, tol, use_gap,
                             2 * m + 10, sl, pers, face, fpos, sgn, dbuf, col)
        if done >= 0:
            return 1, v
    value = np.inf
    epoch = 0
    acc0 = 0  # epoch at which the extrapolation history restarts
    spent = 0.0  # epoch work since the solve started
    while epoch < max_epochs:
        gram_epoch(G, q, w, lips, a, b, lo, hi, inv_n)
        epoch += 1
        if n_acc > 0:
            slot = (epoch - acc0 - 1) % (n_acc + 1)
            hist[slot] = w
            if slot == n_acc:
                c = anderson_weights(hist)
                if c.shape[0] == n_acc:
                    for k in range(m):
                        val = 0.0
                        for t in range(n_acc):
                            val += c[t] * hist[t + 1, k]
                        w_try[k] = min(max(val, lo[k]), hi[k]) if lips[k] != 0.0 else w[k]
                    q_try[:] = q
                    for k in range(m):
                        d = w_try[k] - w[k]
                        if d != 0.0:
                            for i in range(m):
                                q_try[i] += d * G[k, i]
                    f_try = gram_values(w_try, q_try, Xty, yty, a, b, inv_n)[0]
                    if f_try < gram_values(w, q, Xty, yty, a, b, inv_n)[0]:
                        w[:] = w_try
                        q[:] = q_try
        value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
        if value <= tol:
            break
        if newton <= 0.0:
            continue
        settled = True
        s = 0
        for k in range(m):
            sg = 0
            if w[k] > 0.0:
                sg = 1
            elif w[k] < 0.0:
                sg = -1
            if sg != sign[k]:
                settled = False
                sign[k] = sg
            if sg != 0 and lips[k] != 0.0 and lo[k] < w[k] < hi[k]:
                s += 1  # the face's size (active_set lists it itself)
        spent += max(s, 1) * m
        # the active-set method's first factor and a few steps, against the epochs spent
        cost = s * s * s / (3.0 * (LAPACK_SPEED if s >= LAPACK_FACE else 1.0)) + 4.0 * s * m
        if settled and not tried and s > 0 and spent * newton >= cost:
            tried = True
            done, v = active_set(G, q, w, lips, a, b, lo, hi, inv_n, Xty, yty, tol, use_gap,
                                 2 * m + 10, sl, pers, face, fpos, sgn, dbuf, col)
            acc0 = epoch
            epoch += 1  # counted as an epoch (it costs at least one)
            if done >= 0:
                value = v
                break
            value = gram_stop_value(w, q, Xty, yty, lips, a, b, lo, hi, inv_n, use_gap)
            if value <= tol:
                break
    return epoch, value
