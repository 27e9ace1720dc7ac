"""Speed-ups of the Gram-matrix coordinate descent, each checked against an independent
computation: the active-set method (``_kernels/gram_cd.active_set``), the Gram cache's
fill, and the Gram entries that cross-validation folds take from the full data
(``model_selection/_shared_gram``).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import enet_objective, make_regression
from sparsefit.model_selection._cv import cross_validate_path
from sparsefit.model_selection._shared_gram import SharedGram
from sparsefit.model_selection._split import rows_source, take_rows
from sparsefit.path import _grid_solver, _make_problem

from sparsefit._kernels.gram_cd import active_set, gram_values  # isort: skip


def _lasso_face_problem(seed=0, n=40, m=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, m)) @ np.linalg.cholesky(0.6 * np.eye(m) + 0.4)
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + 0.3 * rng.standard_normal(n)
    G = np.ascontiguousarray(X.T @ X)
    Xty = X.T @ y
    return X, y, G, Xty


def _kkt(G, Xty, w, a, n):
    corr = (Xty - G @ w) / n
    return np.where(w != 0, np.abs(corr - a * np.sign(w)), np.maximum(np.abs(corr) - a, 0))


def _pers(m, h=None):
    """An empty kept-factor state for :func:`active_set` (slots = positions)."""
    h = m if h is None else h
    return (np.empty((h, h)), np.empty(h, dtype=np.int64), np.zeros(2, dtype=np.int64),
            np.full(m, -1, dtype=np.int64))


def _active(G, Xty, y, w, a, b, lo, hi, n, pers, tol=1e-15, use_gap=True):
    """:func:`active_set` on ``w`` (in place); returns ``(steps, value, q)``."""
    m = w.shape[0]
    q = G @ w - Xty
    lips = np.diag(G) / n
    steps, value = active_set(G, q, w, lips, a, b, lo, hi, 1.0 / n, Xty, float(y @ y),
                              tol * float(y @ y) / n, use_gap, 4 * m + 10,
                              np.arange(m, dtype=np.int64), pers,
                              np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64),
                              np.zeros(m), np.empty(m), np.empty(m))
    return steps, value, q


def _kkt_general(G, Xty, w, a, b, lo, hi, n):
    """Distance of each coordinate to its optimality condition, recomputed in numpy."""
    corr = (Xty - G @ w) / n
    t = corr - b * w
    out = np.empty_like(w)
    for j in range(w.size):
        if w[j] > 0:
            out[j] = 0.0 if (w[j] >= hi[j] and t[j] - a[j] > 0) else abs(t[j] - a[j])
        elif w[j] < 0:
            out[j] = 0.0 if (w[j] <= lo[j] and t[j] + a[j] < 0) else abs(t[j] + a[j])
        else:
            up = max(corr[j] - a[j], 0.0) if hi[j] > 0 else 0.0
            down = max(-a[j] - corr[j], 0.0) if lo[j] < 0 else 0.0
            out[j] = max(up, down)
    return out


CASES = {
    "lasso": dict(alpha=0.05),
    "enet": dict(alpha=0.05, ridge=0.3),
    "bounds": dict(alpha=0.02, lo=0.0, hi=0.8),
    "unpenalized": dict(alpha=0.05, free=(0, 5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("warm", [False, True])
def test_active_set_solves_the_working_set_problem(case, warm):
    """The method ends at the working set's exact solution: every coordinate meets its
    optimality condition (recomputed in numpy, bounds and unpenalized coordinates
    included), and q = G w - X^T y still holds."""
    opt = CASES[case]
    X, y, G, Xty = _lasso_face_problem(seed=5, n=60, m=25)
    n, m = X.shape
    a = np.full(m, opt["alpha"])
    a[list(opt.get("free", ()))] = 0.0
    b = np.full(m, opt.get("ridge", 0.0))
    lo, hi = np.full(m, opt.get("lo", -np.inf)), np.full(m, opt.get("hi", np.inf))
    w = np.zeros(m)
    if warm:  # a wrong start: some right coordinates, some that must leave
        w[[0, 1, 2, 7, 11]] = [0.5, 0.3, 0.2, 0.4, 0.1]
        w = np.clip(w, lo, hi)
    steps, value, q = _active(G, Xty, y, w, a, b, lo, hi, n, _pers(m), use_gap=False)
    assert steps > 0
    kkt = _kkt_general(G, Xty, w, a, b, lo, hi, n)
    assert kkt.max() < 1e-10 * np.abs(Xty).max() / n
    assert np.all(w >= lo) and np.all(w <= hi)
    np.testing.assert_allclose(q, G @ w - Xty, atol=1e-9 * np.abs(Xty).max())
    assert np.count_nonzero(w) >= 3  # a real face, not the zero solution
    if case == "bounds":
        assert np.any(w == hi)  # the upper bound binds somewhere


def test_active_set_keeps_its_factor_along_a_path():
    """Along a decreasing grid the factor is carried from solve to solve, coordinates
    joining and leaving it; after each solve it is still the exact Cholesky factor of
    the face's G / n, and each solution meets the KKT conditions."""
    X, _, G, _ = _lasso_face_problem(seed=6, n=80, m=40)
    n, m = X.shape
    rng = np.random.default_rng(6)
    y = X @ rng.standard_normal(m) + 0.5 * rng.standard_normal(n)  # many features matter
    Xty = X.T @ y
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    pers = _pers(m)
    L, fsl, meta = pers[0], pers[1], pers[2]
    amax = np.abs(Xty).max() / n
    w = np.zeros(m)
    sizes = []
    for alpha in amax * np.geomspace(0.9, 0.01, 25):
        a = np.full(m, alpha)
        steps, _, q = _active(G, Xty, y, w, a, b, lo, hi, n, pers, use_gap=False)
        assert steps > 0
        assert _kkt(G, Xty, w, a, n).max() < 1e-10 * amax
        s = int(meta[0])
        face = fsl[:s]
        assert meta[1] == 1 and set(face) == set(np.flatnonzero(w))
        exact = np.linalg.cholesky(G[np.ix_(face, face)] / n)
        np.testing.assert_allclose(np.tril(L[:s, :s]), exact, atol=1e-9)
        sizes.append(s)
    assert max(sizes) > 10 and len(set(sizes)) > 5  # the face really changed


def test_a_wrong_kept_factor_cannot_give_a_wrong_answer():
    """A kept factor that is not the face's (as if stale) may cost steps, but the method
    either ends at a point that meets its criterion or gives up, with q consistent."""
    X, y, G, Xty = _lasso_face_problem(seed=7, n=60, m=20)
    n, m = X.shape
    a = np.full(m, 0.05)
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    pers = _pers(m)
    w = np.zeros(m)
    _active(G, Xty, y, w, a, b, lo, hi, n, pers)
    s = int(pers[2][0])
    assert s > 3
    rng = np.random.default_rng(0)
    pers[0][:s, :s] = np.tril(rng.uniform(0.5, 2.0, (s, s)))  # not the face's factor
    w2 = w * (1.0 + 0.3 * rng.standard_normal(m))
    a2 = 0.8 * a
    steps, value, q = _active(G, Xty, y, w2, a2, b, lo, hi, n, pers, use_gap=False)
    np.testing.assert_allclose(q, G @ w2 - Xty, atol=1e-8 * np.abs(Xty).max())
    if steps >= 0:
        assert _kkt(G, Xty, w2, a2, n).max() <= 1e-15 * float(y @ y) / n + 1e-12


def test_active_set_gives_up_on_a_singular_face():
    X, y, G, Xty = _lasso_face_problem(seed=3, n=5, m=12)  # 12 columns, rank 5
    n, m = X.shape
    a = np.full(m, 0.01)
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    w = np.full(m, 0.1)
    pers = _pers(m)
    steps, _, q = _active(G, Xty, y, w, a, b, lo, hi, n, pers)
    assert steps == -1 and pers[2][0] == 0
    np.testing.assert_allclose(q, G @ w - Xty, atol=1e-9)


@pytest.mark.parametrize("i", [0, 3, 7])
def test_cholesky_row_removal_and_append_are_exact(i):
    from sparsefit._kernels.gram_cd import _chol_append, _chol_remove

    rng = np.random.default_rng(i)
    A = rng.standard_normal((30, 8))
    G = np.ascontiguousarray(A.T @ A)
    L = np.zeros((9, 9))
    L[:8, :8] = np.linalg.cholesky(G)
    _chol_remove(L, 8, i, np.empty(8))
    keep = [k for k in range(8) if k != i]
    np.testing.assert_allclose(np.tril(L[:7, :7]),
                               np.linalg.cholesky(G[np.ix_(keep, keep)]), atol=1e-12)
    face = np.array(keep + [i], dtype=np.int64)
    assert _chol_append(G, face, 7, i, np.zeros(8), 1.0, L, np.empty(8))
    np.testing.assert_allclose(np.tril(L[:8, :8]),
                               np.linalg.cholesky(G[np.ix_(face, face)]), atol=1e-12)


@pytest.mark.parametrize("s", [1, 3, 4, 5, 8, 11])
def test_triangular_solves_in_blocks_of_four_rows_are_exact(s):
    """forward_solve (four rows at a time, then the rows left over) and cho_solve built on
    it agree with numpy on a leading s x s block, leaving the entries past s alone."""
    from sparsefit._kernels.linalg import cho_solve, forward_solve

    rng = np.random.default_rng(s)
    A = rng.standard_normal((3 * s, s))
    L = np.zeros((s + 2, s + 2))
    L[:s, :s] = np.linalg.cholesky(A.T @ A)
    L[s:, :] = np.nan  # rows past s: never read
    z = rng.standard_normal(s + 2)
    u = z.copy()
    forward_solve(L, s, u)
    np.testing.assert_allclose(u[:s], np.linalg.solve(L[:s, :s], z[:s]), rtol=1e-10)
    x = z.copy()
    cho_solve(L, s, x)
    np.testing.assert_allclose(x[:s], np.linalg.solve(A.T @ A, z[:s]), rtol=1e-9)
    assert np.array_equal(u[s:], z[s:]) and np.array_equal(x[s:], z[s:])


@pytest.mark.parametrize("n_rows", [0, 1, 3, 4, 6, 9])
def test_rows_dot_adds_the_listed_rows_products(n_rows):
    """The active set's update of q off its face, four rows at a time: exactly the listed
    rows move, by G[i] @ v."""
    from sparsefit._kernels.gram_cd import _rows_dot

    rng = np.random.default_rng(n_rows)
    G = rng.standard_normal((12, 12))
    v = rng.standard_normal(12)
    rows = rng.permutation(12)[:n_rows].astype(np.int64)
    q = rng.standard_normal(12)
    want = q.copy()
    want[rows] += G[rows] @ v
    buf = np.concatenate([rows, np.full(3, 11, dtype=np.int64)])  # entries past n_rows
    _rows_dot(G, buf, n_rows, v, q)
    np.testing.assert_allclose(q, want, rtol=1e-12, atol=1e-12)


def _cd_solution(G, Xty, alpha, n, sweeps=20000):
    """Lasso on the Gram matrix by plain coordinate descent in numpy (the reference)."""
    m = G.shape[0]
    w = np.zeros(m)
    for _ in range(sweeps):
        for j in range(m):
            c = (Xty[j] - G[j] @ w + G[j, j] * w[j]) / n
            w[j] = np.sign(c) * max(abs(c) - alpha, 0) / (G[j, j] / n)
    assert _kkt(G, Xty, w, np.full(m, alpha), n).max() < 1e-12
    return w


def test_extrapolated_start_lands_on_the_next_solution_between_kinks():
    """The lasso path is linear in alpha while signs hold: the move from the last two
    solutions is the next one, and q follows it exactly."""
    from sparsefit._kernels.quadratic_path import _try_move

    X, y, G, Xty = _lasso_face_problem(seed=4)
    n, m = X.shape
    alphas = [0.50, 0.45, 0.40]
    sols = [_cd_solution(G, Xty, al, n) for al in alphas]
    assert all(np.array_equal(np.sign(s), np.sign(sols[0])) for s in sols)  # no kink
    rho = (alphas[2] - alphas[1]) / (alphas[1] - alphas[0])
    w = sols[1].copy()
    q = G @ w - Xty
    a = np.full(m, alphas[2])
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    assert _try_move(G, Xty, float(y @ y), w, q, rho * (sols[1] - sols[0]), a, b, lo, hi,
                     1.0 / n)
    np.testing.assert_allclose(w, sols[2], atol=1e-10)
    np.testing.assert_allclose(q, G @ w - Xty, atol=1e-9)


def test_move_stops_at_zero_clips_bounds_and_never_ascends():
    """The move's target is clipped coordinate-wise (a sign change stops at zero, bounds
    clip, zeros stay); it is taken exactly when it lowers the objective."""
    from sparsefit._kernels.quadratic_path import _try_move

    X, y, G, Xty = _lasso_face_problem(seed=4)
    n, m = X.shape
    a = np.full(m, 0.4)
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    w_opt = _cd_solution(G, Xty, 0.4, n)
    yty = float(y @ y)

    def f(w):
        return gram_values(w, G @ w - Xty, Xty, yty, a, b, 1.0 / n)[0]

    k1, k2, k0 = np.flatnonzero(w_opt)  # |w| 1.9, 0.56, 0.30
    w = 0.5 * w_opt
    w[k2] = 0.0
    d = w_opt - w  # towards the solution ...
    d[k0] = -3.0 * w[k0]  # ... except k0, which would flip sign,
    hi[k1] = w[k1] + 0.25 * d[k1]  # k1, which passes its bound (it moves up),
    d[k2] = -1.0  # and k2, which is at zero
    target = w + d
    target[k0], target[k1], target[k2] = 0.0, hi[k1], 0.0
    start = w.copy()
    q = G @ w - Xty
    moved = _try_move(G, Xty, yty, w, q, d, a, b, lo, hi, 1.0 / n)
    assert moved == (f(target) < f(start))
    assert moved  # this configuration does descend: the clipping was exercised
    np.testing.assert_allclose(w, target, atol=1e-15)
    np.testing.assert_allclose(q, G @ w - Xty, atol=1e-9)
    # a move that raises the objective is refused, leaving w and q as they were
    w = w_opt.copy()
    q = G @ w - Xty
    hi[:] = np.inf
    assert not _try_move(G, Xty, yty, w, q, 0.3 * w_opt, a, b, lo, hi, 1.0 / n)
    np.testing.assert_array_equal(w, w_opt)
    np.testing.assert_allclose(q, G @ w_opt - Xty, atol=1e-12)


def _exact_gram(design, feats):
    cols = design.columns(np.isin(np.arange(design.n_features), feats))
    order = np.argsort(np.argsort(feats))  # columns() returns increasing feature order
    C = cols[:, order]
    return C.T @ C


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_shared_gram_equals_each_folds_own(weighted, fit_intercept):
    X, y = make_regression(n=90, p=40, k=5, seed=5)
    rng = np.random.default_rng(0)
    X = sp.csc_matrix((X + 3.0) * (rng.random(X.shape) < 0.3))  # a mean: centring matters
    sw = rng.uniform(0.2, 3.0, X.shape[0]) if weighted else None
    if sw is not None:
        sw = sw * X.shape[0] / sw.sum()  # as cross-validation passes them
    feats = np.array([7, 2, 30, 11, 0, 25])
    shared = SharedGram(X, sw, feats, fit_intercept)
    test = np.sort(rng.choice(X.shape[0], 12, replace=False))
    train = np.setdiff1d(np.arange(X.shape[0]), test)
    pp = _make_problem(take_rows(X, train), y[train], None if sw is None else sw[train], 1.0,
                       fit_intercept, False, None, None, None, False, 1e-6, 1000)
    got_f, G, _ = shared.fold(train, test, pp.prob.design)
    np.testing.assert_array_equal(got_f, feats)
    np.testing.assert_allclose(G, _exact_gram(pp.prob.design, feats), rtol=1e-10,
                               atol=1e-10 * np.abs(G).max())


def test_shared_gram_leaves_out_a_feature_that_cancels():
    """A column with a huge mean against its spread loses its digits in the subtraction:
    it must be left to the solver rather than prefilled wrongly."""
    X, y = make_regression(n=80, p=10, k=3, seed=6)
    X = sp.csc_matrix(X)
    offset = 1e6 + np.random.default_rng(7).standard_normal(80)  # spread 1, mean 1e6
    X = sp.csc_matrix(np.column_stack([X.toarray(), offset]))
    feats = np.arange(11)
    shared = SharedGram(X, None, feats, True)
    test = np.arange(0, 80, 8)
    train = np.setdiff1d(np.arange(80), test)
    pp = _make_problem(take_rows(X, train), y[train], None, 1.0, True, False, None, None, None,
                       False, 1e-6, 1000)
    assert pp.prob.design.col_sq_norms[10] > 10  # a real column, not round-off
    got_f, G, _ = shared.fold(train, test, pp.prob.design)
    assert 10 not in got_f and got_f.size == 10
    np.testing.assert_allclose(G, _exact_gram(pp.prob.design, got_f), rtol=1e-9,
                               atol=1e-9 * np.abs(G).max())


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gram_cache_entries_are_the_designs(kind, weighted):
    """Every cached entry a path fills equals ``X_c^T X_c``.  The sparse columns range
    from a few to most rows, so the fill meets both orders: light newcomers expanded
    against heavy features, heavy ones expanded, and entries left to lighter partners."""
    X, y = make_regression(n=150, p=120, k=10, seed=21)
    rng = np.random.default_rng(3)
    if kind == "sparse":
        density = np.geomspace(0.02, 0.9, 120)[rng.permutation(120)]
        X = sp.csc_matrix((X + 2.0) * (rng.random(X.shape) < density))
    sw = rng.uniform(0.2, 3.0, 150) if weighted else None
    pp = _make_problem(X, y, sw, 1.0, True, False, None, None, None, False, 1e-8, 100_000)
    from sparsefit.path import _alpha_max, _solve_grid

    cd = _grid_solver(pp)
    _solve_grid(pp, _alpha_max(pp) * np.geomspace(1, 1e-3, 50), False, cd=cd)
    feats = cd.gram_features()
    slot_of, G, have = cd.gram[0], cd.gram[1], cd.gram[2]
    s = slot_of[feats]
    filled = have[np.ix_(s, s)]
    assert feats.size > 40 and filled.mean() > 0.5  # a real fill, not a few entries
    exact = _exact_gram(pp.prob.design, feats)
    got = G[np.ix_(s, s)]
    np.testing.assert_allclose(got[filled], exact[filled], rtol=1e-10,
                               atol=1e-12 * np.abs(exact).max())


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("rpos_dtype", [np.int32, np.uint32])  # (production: unsigned)
def test_row_route_fills_exactly_the_new_features_entries_with_the_rows(weighted, rpos_dtype):
    """The Gram fill's row route: for each new working-set feature outside the rows'
    slots, its missing entries with every feature there, ``X_c^T X_c`` through the rows
    (weights and centring included), and nothing else: not entries already there, not
    pairs of new features (left to the column route).  With the
    rows' slot count set to 0 (a renumbered cache) it does nothing.  Mutation-checked:
    dropping the ``mu_u mu_t v^T v`` term fails it."""
    import numba

    from sparsefit._kernels.quadratic_path import row_route

    @numba.njit
    def call(D, ws, sl, rl, G, have):
        row_route(D, ws, sl, rl, G, have)

    rng = np.random.default_rng(7)
    n, p = 80, 30
    # heavy row features, light newcomers: the route is the cheaper one for them
    density = np.where(np.arange(p) < 12, 0.8, 0.05)
    X = sp.csc_matrix((rng.standard_normal((n, p)) + 2.0) * (rng.random((n, p)) < density))
    sw = rng.uniform(0.2, 3.0, n) if weighted else None
    if sw is not None:
        sw = sw * n / sw.sum()
    pp = _make_problem(X, rng.standard_normal(n), sw, 1.0, True, False, None, None, None,
                       False, 1e-6, 1000)
    design = pp.prob.design
    # the rows of the raw X over a column set holding the row features, in another order
    # (and one more column): slot s is at position pos[s]
    row_feats = np.array([3, 0, 7, 11, 5, 1, 9], dtype=np.int64)  # slots 0..6
    pos = np.array([6, 1, 2, 0, 4, 7, 3], dtype=np.int64)
    cols = np.empty(8, dtype=np.int64)
    cols[pos] = row_feats
    cols[5] = 13
    A = sp.csr_matrix(X[:, cols])
    rb = np.column_stack([A.indptr[:-1], A.indptr[1:]]).astype(np.int64).ravel()
    rows = (rb, A.indices.astype(rpos_dtype), A.data.astype(np.float64),
            np.r_[row_feats.size, cols.size, pos].astype(np.int64))
    D = design.kernel_data + rows
    # working set: row features 3, 7, 5 and newcomers 15, 22, 20 (slots 7, 8, 9)
    ws = np.array([3, 15, 7, 22, 5, 20], dtype=np.int64)
    sl = np.array([0, 7, 2, 8, 4, 9], dtype=np.int64)
    rl = np.array([1, 3, 5], dtype=np.int64)  # the newcomers' positions
    cap = 12
    G = np.full((cap, cap), np.nan)
    have = np.zeros((cap, cap), dtype=bool)
    have[np.ix_(np.arange(7), np.arange(7))] = True  # the rows' own pairs (prefilled)
    G[np.ix_(np.arange(7), np.arange(7))] = -1.0
    have[7, 4] = have[4, 7] = True  # one entry already there: not recomputed
    G[7, 4] = G[4, 7] = 123.0
    call(D, ws, sl, rl, G, have)
    exact = _exact_gram(design, ws)
    pos = {int(s): k for k, s in enumerate(sl)}
    for su in (7, 8, 9):
        for st in (0, 2, 4):
            if (su, st) == (7, 4):
                assert G[su, st] == 123.0
                continue
            assert have[su, st] and have[st, su]
            assert G[su, st] == G[st, su]
            assert G[su, st] == pytest.approx(exact[pos[su], pos[st]], rel=1e-12,
                                              abs=1e-12 * np.abs(exact).max())
    assert not have[7, 8] and not have[8, 9] and not have[7, 9]  # newcomers' pairs
    assert np.all(G[np.ix_(np.arange(7), np.arange(7))] == -1.0)
    # a stale (renumbered) cache: the rows are not used
    rows[3][0] = 0
    G2 = np.full((cap, cap), np.nan)
    have2 = np.zeros((cap, cap), dtype=bool)
    call(D, ws, sl, rl, G2, have2)
    assert not have2.any()


def _prefilled_fold(seed, weighted, n_feats=None, **options):
    """A sparse fold (every 8th row held out) whose Gram cache is prefilled from the full
    data's path, as cross-validation does (with its first ``n_feats`` cached features only,
    when given): ``(pp, cd, alphas, n_prefilled)``; its columns range from a few to most
    rows, with a mean (centring matters)."""
    from sparsefit.path import _alpha_max, _solve_grid

    X, y = make_regression(n=160, p=400, k=12, seed=seed)
    rng = np.random.default_rng(seed)
    density = np.geomspace(0.02, 0.9, 400)[rng.permutation(400)]
    X = sp.csc_matrix((X + 1.0) * (rng.random(X.shape) < density))
    sw = rng.uniform(0.2, 3.0, 160) if weighted else None
    if sw is not None:
        sw = sw * 160 / sw.sum()
    pp_full = _make_problem(X, y, sw, 1.0, True, False, None, None, None, False, 1e-8, 100_000)
    alphas = _alpha_max(pp_full) * np.geomspace(1, 1e-3, 40)
    cd_full = _grid_solver(pp_full)
    _solve_grid(pp_full, alphas, False, cd=cd_full)
    feats = cd_full.gram_features()[:n_feats]
    test = np.arange(0, 160, 8)
    train = np.setdiff1d(np.arange(160), test)
    pp = _make_problem(take_rows(X, train), y[train], None if sw is None else sw[train], 1.0,
                       True, False, None, None, None, False, 1e-8, 100_000)
    cd = _grid_solver(pp, **options)
    cd.prefill_gram(*SharedGram(X, sw, feats, True).fold(train, test, pp.prob.design))
    return pp, cd, alphas, feats.size


def _cached_entries(pp, cd):
    """``(slots, filled, got, exact)`` of every feature in ``cd``'s Gram cache."""
    feats = cd.gram_features()
    slot_of, G, have = cd.gram[0], cd.gram[1], cd.gram[2]
    s = slot_of[feats]
    return s, have[np.ix_(s, s)], G[np.ix_(s, s)], _exact_gram(pp.prob.design, feats)


@pytest.mark.parametrize("weighted", [False, True])
def test_prefilled_sparse_fold_fills_exact_entries_through_its_rows(weighted):
    """A sparse fold prefilled from the full data's Gram entries gets the rows of those
    features, and every entry its path adds (through the rows or the columns) equals
    ``X_c^T X_c``."""
    from sparsefit.path import _solve_grid

    pp, cd, alphas, n_pre = _prefilled_fold(23, weighted)
    n_rows = int(cd.rows[3][0])
    assert n_rows == n_pre == cd.gram[4][0] > 20  # the rows are the prefilled slots'
    _solve_grid(pp, alphas * 0.5, False, cd=cd)  # lower: features beyond them enter
    s, filled, got, exact = _cached_entries(pp, cd)
    assert s.max() >= n_rows + 5  # newcomers got slots after the rows'
    new_old = filled[np.ix_(s >= n_rows, s < n_rows)]
    assert new_old.sum() > 50  # newcomers' entries with the rows' features were filled
    np.testing.assert_allclose(got[filled], exact[filled], rtol=1e-9,
                               atol=1e-11 * np.abs(exact).max())


def test_restarted_cache_drops_the_rows_of_its_old_slots():
    """A Gram cache too small for the path restarts, renumbering its slots: the rows,
    labelled by the old slots, must no longer be used (mutation-checked: without
    ``drop_rows`` the restarted cache gets wrong entries and this fails)."""
    from sparsefit.path import _solve_grid

    _, cd0, _, n_pre = _prefilled_fold(29, False)
    # room for a few newcomers, then a restart
    pp, cd, alphas, _ = _prefilled_fold(29, False, max_gram=n_pre + 6)
    assert cd.rows[3][0] == n_pre
    res = _solve_grid(pp, alphas * 0.5, False, cd=cd)
    assert cd.rows[3][0] == 0  # restarted: the rows were dropped
    s, filled, got, exact = _cached_entries(pp, cd)
    assert filled.sum() > 100
    np.testing.assert_allclose(got[filled], exact[filled], rtol=1e-9,
                               atol=1e-11 * np.abs(exact).max())
    assert res[4].all()


def test_rows_belong_to_the_prefilled_solver_not_the_design():
    """A second solver on the same fold design starts with its own, empty cache: the first
    one's rows (labelled by that cache's slots) are not used by it, and its entries are
    exact.  (Checked by hand: handing it the first solver's rows makes this fail.)"""
    from sparsefit.path import _solve_grid

    pp, cd, alphas, n_pre = _prefilled_fold(31, False, n_feats=30)
    assert cd.rows[3][0] == n_pre == 30
    cd2 = _grid_solver(pp)
    assert cd2.rows[3][0] == 0
    _solve_grid(pp, alphas * 0.5, False, cd=cd2)
    s, filled, got, exact = _cached_entries(pp, cd2)
    assert s.size > 3 * n_pre and filled.sum() > 100  # slots well past the first's rows
    np.testing.assert_allclose(got[filled], exact[filled], rtol=1e-9,
                               atol=1e-11 * np.abs(exact).max())


def test_a_new_prefill_without_rows_drops_the_old_rows():
    """Prefilling again (other features, new slot numbers) without rows must not leave the
    first prefill's rows, labelled by the old slots, in use: the entries the path then
    fills stay exact.  (Checked by hand: keeping the old rows makes this fail.)"""
    from sparsefit.path import _solve_grid

    pp, cd, alphas, n_pre = _prefilled_fold(37, False)
    assert cd.rows[3][0] == n_pre
    feats = cd.gram_features()[::-1][: n_pre // 2]  # other slots for the same features
    design = pp.prob.design
    cd.prefill_gram(feats, _exact_gram(design, feats))
    assert cd.rows[3][0] == 0
    _solve_grid(pp, alphas * 0.5, False, cd=cd)
    s, filled, got, exact = _cached_entries(pp, cd)
    assert filled.sum() > 100
    np.testing.assert_allclose(got[filled], exact[filled], rtol=1e-9,
                               atol=1e-11 * np.abs(exact).max())


def test_prefilled_solver_matches_a_cold_one():
    """A fold solved from a prefilled Gram cache certifies the same solutions."""
    X, y = make_regression(n=120, p=300, k=8, seed=9)
    rng = np.random.default_rng(1)
    X = sp.csc_matrix(X * (rng.random(X.shape) < 0.2))
    pp_full = _make_problem(X, y, None, 1.0, True, False, None, None, None, False, 1e-8,
                            100_000)
    from sparsefit.path import _alpha_max, _solve_grid

    alphas = _alpha_max(pp_full) * np.geomspace(1, 1e-2, 40)
    cd_full = _grid_solver(pp_full)
    _solve_grid(pp_full, alphas, False, cd=cd_full)
    feats = cd_full.gram_features()
    assert feats.size > 20
    test = np.arange(0, 120, 10)
    train = np.setdiff1d(np.arange(120), test)
    pp = _make_problem(take_rows(X, train), y[train], None, 1.0, True, False, None, None, None,
                       False, 1e-8, 100_000)
    cd = _grid_solver(pp)
    cd.prefill_gram(*SharedGram(X, None, feats, True).fold(train, test, pp.prob.design))
    assert cd.gram[4][0] == feats.size
    warm = _solve_grid(pp, alphas, False, cd=cd)
    cold = _solve_grid(pp, alphas, False)
    assert warm[4].all() and cold[4].all()
    null = pp.prob.datafit.null_value()
    np.testing.assert_allclose(warm[0], cold[0], atol=np.sqrt(1e-8 * null))


def test_sparse_cv_with_any_folds_equals_dense():
    """Folds that are not a partition: a bootstrap (training rows drawn with repeats, the
    rows never drawn as test), shuffled indices, a test row listed twice.  The full
    data's shared Gram entries fit only a fold whose training rows are the rest of its
    test rows (they once prefilled the bootstrap fold with other rows' entries, and the
    last fold's with its repeated row subtracted twice: scores off by up to 70x and
    800,000x), and the test predictions must follow the test indices as given.  Dense
    folds take their rows plainly: the reference."""
    X, y = make_regression(n=120, p=60, k=5, seed=17)
    rng = np.random.default_rng(5)
    X = X * (rng.random(X.shape) < 0.3)
    boot = np.sort(rng.integers(0, 120, 120))
    oob = np.setdiff1d(np.arange(120), boot)
    perm = rng.permutation(120)
    folds = [(boot, oob), (perm[30:], perm[:30]),
             (np.arange(30, 120), np.r_[0:30, 5])]
    kw = dict(cv=folds, n_alphas=20, eps=1e-2, tol=1e-10)
    got = cross_validate_path(sp.csc_matrix(X), y, **kw)
    ref = cross_validate_path(X, y, **kw)
    np.testing.assert_allclose(got.fold_scores, ref.fold_scores, rtol=1e-6)
    assert got.index_min == ref.index_min


def test_cv_scores_do_not_depend_on_sharing(monkeypatch):
    X, y = make_regression(n=150, p=200, k=6, seed=13)
    rng = np.random.default_rng(2)
    X = sp.csc_matrix(X * (rng.random(X.shape) < 0.25))
    shared = cross_validate_path(X, y, cv=5, tol=1e-9, n_alphas=30)
    import sparsefit.model_selection._cv as cvmod

    monkeypatch.setattr(cvmod, "SharedGram", lambda *args: None)
    alone = cross_validate_path(X, y, cv=5, tol=1e-9, n_alphas=30)
    np.testing.assert_allclose(shared.fold_scores, alone.fold_scores, rtol=1e-6)
    assert shared.index_min == alone.index_min


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_take_rows_equals_indexing(index_dtype):
    rng = np.random.default_rng(4)
    X = sp.random(60, 25, density=0.2, format="csc", random_state=3)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    rows = np.sort(rng.choice(60, 41, replace=False))
    got = take_rows(X, rows)
    assert sp.isspmatrix_csc(got) and got.shape == (41, 25)
    ref = X[rows]  # scipy's own row indexing: same index dtypes (no new kernel builds)
    assert (got.indices.dtype, got.indptr.dtype) == (ref.indices.dtype, ref.indptr.dtype)
    np.testing.assert_array_equal(got.toarray(), X.toarray()[rows])
    for order in "CF":  # both layouts (two code paths), float32 kept
        Xd = np.asarray(X.toarray(), dtype=np.float32, order=order)
        dense = take_rows(Xd, rows)
        assert dense.flags.f_contiguous and dense.dtype == np.float32
        np.testing.assert_array_equal(dense, Xd[rows])
        src = rows_source(Xd)  # what cross-validation selects its folds from
        assert src.flags.f_contiguous and (src is Xd) == (order == "F")
        np.testing.assert_array_equal(src, Xd)
    assert rows_source(X) is X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fold_design_from_rows_equals_the_copied_rows(dtype, weighted, fit_intercept):
    """A fold's design gathered and centred in one compiled pass (``rows=``) is the design
    of the copied rows: same centred columns, means, norms and dropped constant columns."""
    from sparsefit.solvers._design import make_design

    rng = np.random.default_rng(7)
    X = np.asfortranarray(rng.standard_normal((70, 33)) * 3 + 5, dtype=dtype)
    X[:, 4] = 2.5  # constant: centring leaves round-off, its norm must be 0
    rows = np.sort(rng.choice(70, 51, replace=False))
    sw = rng.uniform(0.2, 3.0, 51) if weighted else None
    if weighted:
        sw *= 51 / sw.sum()
    ref, ref_mean = make_design(X[rows], sw, fit_intercept)
    got, mean = make_design(X, sw, fit_intercept, rows=rows)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert got.dense.flags.f_contiguous and got.dense.dtype == dtype
    np.testing.assert_allclose(mean, ref_mean, rtol=tol)
    np.testing.assert_allclose(got.dense, ref.dense, rtol=tol, atol=tol * 10)
    np.testing.assert_allclose(got.col_sq_norms, ref.col_sq_norms, rtol=10 * tol, atol=tol)
    assert (got.col_sq_norms[4] == 0) == (ref.col_sq_norms[4] == 0)
    assert (got.col_sq_norms[4] == 0) == fit_intercept
    np.testing.assert_array_equal(got.v, ref.v)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sparse_fold_design_from_rows_equals_the_copied_rows(dtype, fit_intercept):
    """A sparse fold's design from one compiled pass over the kept rows (``rows=``, into a
    workspace's buffers reused by the next fold) is the design of scipy's copied rows: same
    matrix (sorted indices), means, norms and dropped constant columns; the next fold's
    design, over the same buffers, is its own."""
    from sparsefit.solvers._design import make_design
    from sparsefit.solvers.cd import Workspace

    Xd = sp.random(80, 30, density=0.3, random_state=5, dtype=dtype).toarray()
    Xd[:, 4] = 2.5  # constant: centring leaves it at norm 0
    X = sp.csc_matrix(Xd)
    ws = Workspace()
    for seed in (0, 1):  # two folds through the same buffers
        rows = np.sort(np.random.default_rng(seed).choice(80, 61, replace=False))
        ref, ref_mean = make_design(sp.csc_matrix(X[rows]), None, fit_intercept)
        got, mean = make_design(X, None, fit_intercept, rows=rows, workspace=ws)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        assert got.csc.dtype == dtype and got.csc.has_sorted_indices
        np.testing.assert_array_equal(got.csc.toarray(), X.toarray()[rows])
        np.testing.assert_allclose(mean, ref_mean, rtol=tol)
        np.testing.assert_allclose(got.mu, ref.mu, rtol=tol)
        np.testing.assert_allclose(got.col_sq_norms, ref.col_sq_norms, rtol=10 * tol,
                                   atol=tol)
        assert (got.col_sq_norms[4] == 0) == (ref.col_sq_norms[4] == 0) == fit_intercept
        np.testing.assert_array_equal(got.v, ref.v)
    assert np.shares_memory(got.csc.data, ws.take("csc_data", (1,), dtype))
    # weights, or rows out of order: not the one-pass route, never a silently different
    # design (the rows are copied and the design made as usual, weights included)
    rows = np.random.default_rng(2).choice(80, 61, replace=False)  # unsorted
    sw = np.random.default_rng(3).uniform(0.5, 2.0, 61)
    sw *= 61 / sw.sum()
    for r, w in ((np.sort(rows), sw), (rows, None)):
        ref, ref_mean = make_design(sp.csc_matrix(X[r]), w, fit_intercept)
        got, mean = make_design(X, w, fit_intercept, rows=r, workspace=ws)
        np.testing.assert_array_equal(got.csc.toarray(), ref.csc.toarray())
        np.testing.assert_allclose(mean, ref_mean, rtol=1e-12 if dtype == np.float64 else 1e-5)
        np.testing.assert_array_equal(got.v, ref.v)
        np.testing.assert_array_equal(got.col_sq_norms, ref.col_sq_norms)


@pytest.mark.parametrize("fit_intercept, standardize", [(True, True), (False, True),
                                                         (True, False)])
def test_fold_problem_from_rows_solves_like_the_copied_rows(fit_intercept, standardize):
    """The whole fold problem built through ``rows=`` (what LassoCV's dense folds use) has
    the scale, means and path of the problem built from the copied rows, weights included:
    same alpha_max, and solutions equal within the certified gaps."""
    from sparsefit.path import _alpha_max, _make_problem, _solve_grid

    X, y = make_regression(n=90, p=60, k=5, seed=31, rho=0.5)
    X = np.asfortranarray(X * np.linspace(0.5, 3.0, 60) + 1.0)
    rng = np.random.default_rng(5)
    rows = np.sort(rng.choice(90, 70, replace=False))
    sw = rng.uniform(0.3, 2.0, 70)
    kw = dict(l1_ratio=1.0, fit_intercept=fit_intercept, standardize=standardize,
              penalty_factor=None, lower_bounds=None, upper_bounds=None, positive=False,
              tol=1e-10, max_iter=100_000)
    ref = _make_problem(X[rows], y[rows], sw, **kw)
    got = _make_problem(X, y[rows], sw, rows=rows, **kw)
    np.testing.assert_allclose(got.prob.scale, ref.prob.scale, rtol=1e-12)
    np.testing.assert_allclose(got.prob.x_mean, ref.prob.x_mean, rtol=1e-12)
    assert got.prob.y_mean == ref.prob.y_mean
    amax = _alpha_max(ref)
    assert _alpha_max(got) == pytest.approx(amax, rel=1e-12)
    alphas = amax * np.geomspace(1.0, 1e-2, 15)
    w_ref, gaps_ref, *_ = _solve_grid(ref, alphas, False)
    w_got, gaps_got, *_ = _solve_grid(got, alphas, False)
    for k, alpha in enumerate(alphas):
        f_ref = enet_objective(X[rows], y[rows], w_ref[:, k], ref.prob.intercept(w_ref[:, k]),
                               alpha, sw=sw, scale=ref.prob.scale)
        f_got = enet_objective(X[rows], y[rows], w_got[:, k], got.prob.intercept(w_got[:, k]),
                               alpha, sw=sw, scale=ref.prob.scale)
        assert abs(f_got - f_ref) <= abs(gaps_ref[k]) + abs(gaps_got[k]) + 1e-12 * f_ref


# the register blocks: 4 new rows by 2 columns, then 1-3 rows by 4 columns; odd and even
# working sets (25 + n_new), one to three rows left over, a single new row
@pytest.mark.parametrize("n_new", [1, 2, 3, 4, 6, 20])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_fill_computes_exactly_the_missing_entries(n_new, dtype):
    """The dense fill computes every entry between the new rows and the working set (as
    X^T X, in float64 even for float32 data), marks them, and leaves the known entries
    alone; the cost model's gate in _gram_cd relies on that."""
    from sparsefit._kernels.quadratic_path import _fill_dense

    rng = np.random.default_rng(n_new)
    X = np.asfortranarray(rng.standard_normal((30, 60)).astype(dtype))
    ws = np.sort(rng.choice(60, 25 + n_new, replace=False)).astype(np.int64)
    m = ws.size
    sl = rng.permutation(m).astype(np.int64)  # cache slots in another order
    new_pos = np.sort(rng.choice(m, n_new, replace=False)).astype(np.int64)
    in_r = np.zeros(m, dtype=bool)
    in_r[new_pos] = True
    G = np.full((m, m), np.nan)
    have = np.zeros((m, m), dtype=bool)
    exact = X.astype(np.float64).T @ X.astype(np.float64)
    old = np.flatnonzero(~in_r)
    for u in old:  # the old features' entries among themselves: known (marked value)
        for t in old:
            G[sl[u], sl[t]] = -1.0
            have[sl[u], sl[t]] = True
    _fill_dense(X, ws, sl, new_pos, in_r, G, have)
    assert have.all()
    for u in range(m):
        for t in range(m):
            if in_r[u] or in_r[t]:
                assert G[sl[u], sl[t]] == pytest.approx(exact[ws[u], ws[t]], rel=1e-12,
                                                        abs=1e-12)
            else:
                assert G[sl[u], sl[t]] == -1.0  # untouched


def test_active_set_first_factor_from_lapack():
    """From LAPACK_FACE non-zeros the first factor is one LAPACK call: a warm start with a
    large face is solved exactly, and a singular large face (more non-zeros than rows)
    gives up with q consistent instead of raising."""
    from sparsefit._kernels.gram_cd import LAPACK_FACE

    m = LAPACK_FACE + 20
    X, _, G, _ = _lasso_face_problem(seed=8, n=4 * m, m=m)
    n = X.shape[0]
    rng = np.random.default_rng(8)
    y = X @ rng.standard_normal(m) + 0.3 * rng.standard_normal(n)
    Xty = X.T @ y
    a = np.full(m, 0.01 * np.abs(Xty).max() / n)
    b, lo, hi = np.zeros(m), np.full(m, -np.inf), np.full(m, np.inf)
    w = 0.5 * np.sign(Xty) * rng.uniform(0.5, 1.5, m)  # every coordinate in the face
    assert np.count_nonzero(w) >= LAPACK_FACE
    steps, _, q = _active(G, Xty, y, w, a, b, lo, hi, n, _pers(m), use_gap=False)
    assert steps > 0
    assert _kkt(G, Xty, w, a, n).max() < 1e-10 * np.abs(Xty).max() / n
    assert np.count_nonzero(w) > 10  # some left the face, many stayed
    np.testing.assert_allclose(q, G @ w - Xty, atol=1e-9 * np.abs(Xty).max())

    Xs, ys, Gs, Xtys = _lasso_face_problem(seed=9, n=20, m=m)  # rank 20 < m
    ws = np.full(m, 0.1)
    pers = _pers(m)
    steps, _, qs = _active(Gs, Xtys, ys, ws, np.full(m, 0.01), b, lo, hi, 20, pers)
    assert steps == -1 and pers[2][0] == 0
    np.testing.assert_allclose(qs, Gs @ ws - Xtys, atol=1e-9 * np.abs(Gs).max())


def test_workspace_hands_over_a_clean_gram_cache():
    """Successive solvers sharing a Workspace (cross-validation folds) reuse its buffers,
    and each starts with an empty Gram cache whatever the last one filled, also when its
    capacity differs; the folds' paths are those of solvers with buffers of their own."""
    from sparsefit.path import _solve_grid
    from sparsefit.solvers.cd import Workspace

    X, y = make_regression(n=120, p=1600, k=10, seed=6, rho=0.6)
    ws = Workspace()
    alphas = None
    for rows in (np.arange(120), np.arange(100), np.arange(110)):  # caps 1500, 1500, 900
        pp = _make_problem(X[rows], y[rows], None, 1.0, True, False, None, None, None,
                           False, 1e-8, 100_000)
        cd = _grid_solver(pp, workspace=ws, max_gram=1500 if rows.size != 110 else 900)
        have = cd.gram[2]
        assert not have.any()
        if alphas is None:
            from sparsefit.path import _alpha_max
            alphas = _alpha_max(pp) * np.geomspace(1.0, 0.01, 30)
        coefs = _solve_grid(pp, alphas, False, cd=cd)[0]
        assert cd.gram[4][0] > 20 and have.any()  # it did fill the shared buffers
        own = _solve_grid(pp, alphas, False)[0]
        np.testing.assert_allclose(coefs, own, rtol=1e-6, atol=1e-8)
    assert ws._bufs["gram"].base is None and ws._bufs["gram"].size == 1500 * 1500


@pytest.mark.parametrize("ridge", [0.0, 0.3])
def test_active_set_lands_in_one_step_from_the_right_face(ridge):
    """From a point on the solution's face (same signs, other values), one exact face solve
    is the solution: the step's moves update q off the face through G and on the face from
    the system just solved (q_f += n (rhs - b d)); a wrong face update (without the ridge
    term, say) makes the step's criterion miss and costs more steps (mutation-checked).
    The returned q is the exact G w - X^T y."""
    X, y, G, Xty = _lasso_face_problem(seed=3)
    n, m = X.shape
    a = np.full(m, 0.03)
    b = np.full(m, ridge)
    lo, hi = np.full(m, -np.inf), np.full(m, np.inf)
    w = np.zeros(m)
    _active(G, Xty, y, w, a, b, lo, hi, n, _pers(m))
    assert (w != 0).sum() >= 4
    start = np.where(w != 0, w * (1 + 0.3 * np.sign(np.arange(m) % 2 - 0.5)), 0.0)
    assert np.array_equal(np.sign(start), np.sign(w))
    w2 = start.copy()
    steps, value, q = _active(G, Xty, y, w2, a, b, lo, hi, n, _pers(m))
    assert steps == 1
    np.testing.assert_allclose(w2, w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(q, G @ w2 - Xty, rtol=1e-12, atol=1e-10)
    assert _kkt_general(G, Xty, w2, a, b, lo, hi, n).max() < 1e-12


@pytest.mark.parametrize("layout", ["F", "C", "strided", "float32"])
def test_csc_columns_equals_scipy(layout):
    """A path's coefficients to CSC in one compiled pass: scipy's conversion, for every
    layout the path code hands it (with empty and full columns)."""
    from sparsefit.path import csc_columns

    rng = np.random.default_rng(3)
    W = rng.standard_normal((40, 9)) * (rng.random((40, 9)) < 0.3)
    W[:, 0] = 0.0
    W[:, 4] = rng.standard_normal(40)
    if layout == "F":
        W = np.asfortranarray(W)
    elif layout == "strided":
        W = np.stack([W, W], axis=1)[:, 0, :]  # a non-contiguous view, as GLM paths give
        assert not (W.flags.c_contiguous or W.flags.f_contiguous)
    elif layout == "float32":
        W = W.astype(np.float32, order="F")
    got = csc_columns(W)
    ref = sp.csc_matrix(W)
    assert got.shape == W.shape and got.dtype == W.dtype
    assert got.has_sorted_indices
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_array_equal(got.data, ref.data)
    assert csc_columns(np.zeros((5, 0))).shape == (5, 0)


def test_fold_predictions_follow_the_test_rows_as_given():
    """The compiled sparse test predictions equal ``X[rows][:, used] @ coefs + b`` for
    unsorted rows, and for a row listed twice (which takes the general route)."""
    from sparsefit.model_selection._cv import _predict_rows

    rng = np.random.default_rng(8)
    X = sp.random(50, 30, density=0.3, format="csc", random_state=8)
    used = np.array([2, 17, 5, 29], dtype=np.int64)
    coefs = rng.standard_normal((4, 6))
    b = rng.standard_normal(6)
    for rows in (rng.permutation(50)[:12], np.array([3, 9, 3, 40])):
        ref = X.toarray()[rows][:, used] @ coefs + b
        np.testing.assert_allclose(_predict_rows(X, rows, used, coefs, b), ref,
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(_predict_rows(X.toarray(), rows, used, coefs, b), ref,
                                   rtol=1e-12, atol=1e-12)


def test_run_writes_into_a_given_coefficient_buffer():
    """A fold's coefficients go into the workspace's buffer: the same path as a new
    array, and a buffer of the wrong shape or dtype is refused."""
    from sparsefit.path import _alpha_max, _solve_grid

    X, y = make_regression(n=60, p=30, k=4, seed=2)
    pp = _make_problem(sp.csc_matrix(X), y, None, 1.0, True, False, None, None, None, False,
                       1e-8, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1, 1e-2, 12)
    buf = np.full((12, 30), np.nan).T  # F-ordered view, as the workspace gives it
    got = _solve_grid(pp, alphas, False, coefs=buf)[0]
    ref = _solve_grid(pp, alphas, False)[0]
    assert np.shares_memory(got, buf)
    np.testing.assert_array_equal(got, ref)
    with pytest.raises(ValueError, match="coefs must be"):
        _solve_grid(pp, alphas, False, coefs=np.empty((30, 11)))
    with pytest.raises(ValueError, match="coefs must be"):
        _solve_grid(pp, alphas, False, coefs=np.empty((30, 12), dtype=np.float32))


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_sparse_paths_and_cv_with_either_index_dtype_equal_dense(index_dtype):
    """int32 row indices reach the kernels as unsigned (no wraparound on the gathers),
    int64 ones as they are: both routes give the dense data's path and CV scores."""
    X, y = make_regression(n=120, p=300, k=8, seed=21)
    rng = np.random.default_rng(5)
    Xd = X * (rng.random(X.shape) < 0.3)
    Xs = sp.csc_matrix(Xd)
    Xs.indices = Xs.indices.astype(index_dtype)
    Xs.indptr = Xs.indptr.astype(index_dtype)
    pp = _make_problem(Xs, y, None, 1.0, True, False, None, None, None, False, 1e-9, 10_000)
    ind = pp.prob.design.kernel_data[1]
    assert ind.dtype == (np.uint32 if index_dtype == np.int32 else np.int64)
    folds = np.arange(120) % 4
    cv_s = cross_validate_path(Xs, y, cv=folds, tol=1e-10, n_alphas=25, standardize=False)
    cv_d = cross_validate_path(Xd, y, cv=folds, tol=1e-10, n_alphas=25, standardize=False)
    np.testing.assert_allclose(cv_s.path.alphas, cv_d.path.alphas, rtol=1e-12)
    np.testing.assert_allclose(cv_s.path.coefs_dense(), cv_d.path.coefs_dense(), rtol=1e-6,
                               atol=1e-8)
    np.testing.assert_allclose(cv_s.fold_scores, cv_d.fold_scores, rtol=1e-6)
    assert cv_s.index_min == cv_d.index_min
