"""The compiled path solver (``_kernels/quadratic_path.py``) in each of its branches.

Its speed knobs (Gram cache size, when a certificate recomputes every correlation instead
of bounding it or updating it from cached Gram entries, the active-set method) must never
change what is certified.  Each configuration is run over a
whole grid and every solution is checked independently: KKT recomputed in numpy, and the
objective equal across configurations within the certified gaps.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import column_scale, enet_objective, kkt_violation, make_regression
from sparsefit._kernels.quadratic_path import POOL
from sparsefit.path import _alpha_max, _grid_solver, _make_problem, _solve_grid

# (max_gram, refresh, newton, half, pool): default; no Gram loop at all; a tiny cache that
# overflows and restarts (and falls back to plain CD for working sets over 12); every
# certificate a full exact pass, no active set; bounds whenever possible (never a refresh
# after the first pass) with the active-set method after every settled epoch; every
# certificate after the first a half-precision pass (dense data); then the pool of far
# features (dense data, see quadratic_path._solve_path): off; joining only at the
# threshold, with the tiny cache (pooled features keep Gram slots that restarts reuse);
# a generous pool refreshed by exact passes; every refresh from the half-precision copy
CONFIGS = [(3000, 0.5, 1.0, 0.1, POOL), (0, 0.5, 1.0, 0.1, POOL), (12, 0.5, 1.0, 0.1, POOL),
           (3000, 0.0, 0.0, 0.0, POOL), (3000, 1.0, 1e12, 0.0, POOL),
           (3000, 0.0, 1.0, 1e-12, POOL), (3000, 0.5, 1.0, 0.1, 0.0),
           (12, 0.5, 1.0, 0.1, 1.0), (3000, 0.5, 1.0, 0.0, 0.3), (3000, 0.5, 1.0, 1e-12, 0.6)]


def _problem(kind):
    if kind == "sparse":
        X, y = make_regression(n=200, p=300, k=10, seed=11)
        rng = np.random.default_rng(0)
        X = sp.csc_matrix(X * (rng.random(X.shape) < 0.15))  # sparse, with dense-ish y
        return X, y
    return make_regression(n=80, p=200, k=8, seed=12, rho=0.8)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("setting", ["lasso", "weighted_enet_bounds"])
def test_every_branch_certifies_every_alpha(kind, setting):
    X, y = _problem(kind)
    n, p = X.shape
    kw = dict(sample_weight=None, l1_ratio=1.0, penalty_factor=None, lower_bounds=None,
              upper_bounds=None)
    if setting == "weighted_enet_bounds":
        rng = np.random.default_rng(3)
        kw.update(sample_weight=rng.uniform(0.5, 2.0, n), l1_ratio=0.7,
                  penalty_factor=rng.uniform(0.5, 2.0, p), lower_bounds=-0.4,
                  upper_bounds=np.where(np.arange(p) % 3 == 0, 0.0, 0.6))
    tol = 1e-9
    pp = _make_problem(X, y, kw["sample_weight"], kw["l1_ratio"], True, True,
                       kw["penalty_factor"], kw["lower_bounds"], kw["upper_bounds"], False,
                       tol, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1.0, 1e-3, 30)
    Xd = X.toarray() if sp.issparse(X) else X
    sw = kw["sample_weight"]
    s = column_scale(Xd, sw)
    pf = np.ones(p) if kw["penalty_factor"] is None else kw["penalty_factor"]
    lo, hi = kw["lower_bounds"], kw["upper_bounds"]
    sw_n = np.ones(n) if sw is None else sw * n / sw.sum()
    Xc = Xd - sw_n @ Xd / n
    # coordinate Lipschitz constants of the smooth part, ridge included
    L = (sw_n @ Xc**2) / n + alphas[0] * (1 - kw["l1_ratio"]) * pf * s**2
    objectives = []
    for max_gram, refresh, newton, half, pool in CONFIGS:
        coefs, gaps, _, _, conv, _, _ = _solve_grid(pp, alphas, False, max_gram=max_gram,
                                                     refresh=refresh, newton=newton,
                                                     half=half, pool=pool)
        assert conv.all() and coefs.shape == (p, alphas.size)
        objs = []
        for k, alpha in enumerate(alphas):
            w = coefs[:, k].astype(np.float64)
            b = pp.prob.intercept(w)
            viol = kkt_violation(Xd, y, w, b, alpha, kw["l1_ratio"], pf=pf, sw=sw, scale=s,
                                 lower=lo, upper=hi)
            # a certified gap g bounds each violation by about sqrt(2 L_j g) (factor 2 spare)
            # (gaps are exact up to round-off of the objective's size)
            g = max(gaps[k], 0.0) + 1e-14 * pp.prob.datafit.null_value()
            assert viol <= 2 * np.sqrt(2 * L.max() * g), (max_gram, k)
            objs.append(enet_objective(Xd, y, w, b, alpha, kw["l1_ratio"], pf=pf, sw=sw,
                                       scale=s))
        objectives.append((np.array(objs), gaps))
    ref, ref_gaps = objectives[0]
    for objs, gaps in objectives[1:]:
        assert np.all(np.abs(objs - ref) <= np.abs(gaps) + np.abs(ref_gaps) + 1e-12 * ref)


def test_bounds_skip_dot_products_but_not_violators():
    """A wrong bound (no distance term) would skip features that have become violators."""
    X, y = make_regression(n=60, p=400, k=12, seed=21, rho=0.9)
    pp = _make_problem(X, y, None, 1.0, True, False, None, None, None, False, 1e-10, 100_000)
    n = X.shape[0]
    amax = float(np.max(np.abs(pp.prob.design.rmatvec(pp.prob.datafit.y)))) / n
    alphas = amax * np.geomspace(1.0, 1e-2, 60)
    # refresh=1.0: after the first full pass, every certificate uses bounds where it can
    coefs, gaps, *_ = _solve_grid(pp, alphas, False, refresh=1.0)
    full, gaps_full, *_ = _solve_grid(pp, alphas, False, refresh=0.0)
    L = np.max(np.sum((X - X.mean(0)) ** 2, 0)) / n
    for k, alpha in enumerate(alphas):
        w, wf = coefs[:, k], full[:, k]
        viol = kkt_violation(X, y, w, pp.prob.intercept(w), alpha)
        g = max(gaps[k], 0.0) + 1e-14 * pp.prob.datafit.null_value()
        assert viol <= 2 * np.sqrt(2 * L * g)
        f = enet_objective(X, y, w, pp.prob.intercept(w), alpha)
        f_full = enet_objective(X, y, wf, pp.prob.intercept(wf), alpha)
        assert abs(f - f_full) <= abs(gaps[k]) + abs(gaps_full[k]) + 1e-12 * f


@pytest.mark.parametrize("setting", ["lasso", "enet_bounds"])
def test_reported_kkt_violation_is_the_recomputed_one(setting):
    """Stopped after a few epochs (so that features still violate), the KKT violation the
    kernel reports is the one recomputed in numpy: the lasso's branch-free loop and the
    general one."""
    X, y = make_regression(n=60, p=150, k=10, seed=31, rho=0.7)
    l1_ratio, lo, hi = (1.0, None, None) if setting == "lasso" else (0.6, -0.5, 0.5)
    pp = _make_problem(X, y, None, l1_ratio, True, False, None, lo, hi, False, 1e-12, 2)
    alpha = 0.05 * _alpha_max(pp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coefs, gaps, kkts, _, conv, _, _ = _solve_grid(pp, np.array([alpha]), False,
                                                       screening=False)
    assert not conv[0]
    w = coefs[:, 0]
    viol = kkt_violation(X, y, w, pp.prob.intercept(w), alpha, l1_ratio, lower=lo, upper=hi)
    assert viol > 1e-3 * alpha  # a real violation
    assert kkts[0] == pytest.approx(viol, rel=1e-9)


def test_float32_early_stop_refinement_stays_within_precision():
    """Refining the early-stop solutions to 1e-9 of the null objective is below float32's
    round-off: it must neither burn the epoch budget nor flag the solutions unconverged."""
    import warnings

    from sparsefit import path

    X, y = make_regression(n=200, p=10, k=5, seed=4)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = path(X32, y32, n_alphas=40)
    assert res.coefs.dtype == np.float32
    assert res.converged.all() and res.n_iter.max() < 1000
    ref = path(X, y, n_alphas=40)
    assert res.stop_reason is not None and res.n_alphas == ref.n_alphas


@pytest.mark.parametrize("seed", range(6))
def test_working_set_is_support_plus_best_candidates(seed):
    """The bounded-heap selection equals a full sort: the support, then the ``need``
    lowest scores ``(a_j - directional |corr_j|) / ||x_j||`` among movable zero features
    with a known correlation above ``CAND_MIN`` times their threshold, ties to the lower
    index.  (Mutation-checked: dropping the floor fails it.)"""
    from sparsefit._kernels.lists import flag_buffer
    from sparsefit._kernels.quadratic_path import CAND_MIN, _select_ws

    rng = np.random.default_rng(seed)
    p = 300
    w = np.where(rng.random(p) < 0.05, rng.standard_normal(p), 0.0)
    a = np.where(rng.random(p) < 0.5, 1.0, 0.5)
    corr = a * rng.uniform(0.0, 1.2, p) * rng.choice([-1.0, 1.0], p)
    # ties: equal scores (a_j - |corr_j|) / ||x_j|| across groups of features
    tie = rng.random(p) < 0.5
    corr[tie] = np.sign(corr[tie]) * (a[tie] - 0.05)
    corr[rng.random(p) < 0.05] = CAND_MIN * a[0]  # at the floor: not candidates when a = a0
    known = rng.random(p) < 0.8
    movable = rng.random(p) < 0.9
    lo = np.where(rng.random(p) < 0.2, 0.0, -np.inf)  # some non-negative features
    hi = np.where((rng.random(p) < 0.2) & (lo < 0), 0.0, np.inf)  # and non-positive ones
    norms = np.where(rng.random(p) < 0.5, 1.0, 2.0)

    support = np.flatnonzero(movable & (w != 0))
    cand = np.flatnonzero(movable & (w == 0) & known & (np.abs(corr) > CAND_MIN * a))
    up = np.where((hi[cand] > 0) & (corr[cand] > 0), corr[cand], 0.0)
    down = np.where((lo[cand] < 0) & (corr[cand] < 0), -corr[cand], 0.0)
    score = (a[cand] - np.maximum(up, down)) / norms[cand]
    order = np.lexsort((cand, score))
    # the working set's size: through a group of equal scores for seeds 0-2 (the tie rule
    # decides), at its full growth or everything (p0 = 0, 1000) for the others
    tied = np.flatnonzero(score[order][1:] == score[order][:-1])
    p0 = [support.size + tied[len(tied) // k] + 1 for k in (2, 3, 5)] + [0, 1000, 25]
    p0 = p0[seed]
    need = min(int(movable.sum()), max(p0, int(1.5 * support.size))) - support.size
    if seed < 3:
        assert score[order[need - 1]] == score[order[need]]
    hs, hj = np.empty(p), np.empty(p, dtype=np.int64)
    mask, ws = np.zeros(p, dtype=bool), np.empty(p, dtype=np.int64)
    flag, lst = flag_buffer(p), np.empty(p, dtype=np.int64)
    m = _select_ws(w, corr, known, movable, a, lo, hi, norms, p0, 1.5, hs, hj, mask, ws, flag,
                   lst)
    best = cand[order[:max(need, 0)]]
    expected = np.union1d(support, best)
    np.testing.assert_array_equal(ws[:m], expected)


@pytest.mark.parametrize("p", [1, 8, 61, 300])
def test_flagged_lists_the_set_bytes_in_order(p):
    """The branch-free listing (certificate, working-set candidates) equals np.flatnonzero,
    with whole groups of 8 unset, a last group cut short by p, and flag values other than
    1; bytes past p are never listed."""
    from sparsefit._kernels.lists import flagged

    rng = np.random.default_rng(p)
    flag = np.zeros(8 * ((p + 7) // 8) + 8, dtype=np.uint8)
    flag[:p] = (rng.random(p) < 0.3) * rng.integers(1, 255, p)
    flag[: min(p, 16)] = 0  # two groups of zeros
    flag[p:] = 1  # past the end
    lst = np.full(p, -1, dtype=np.int64)
    m = flagged(flag, p, lst)
    np.testing.assert_array_equal(lst[:m], np.flatnonzero(flag[:p]))


def _certificate_inputs(X, r, a, half):
    """Arguments of the compiled certificate for the lasso at ``w = 0`` with residual ``r``
    and thresholds ``a``, with a reference whose bounds all fail (so that it chooses
    between its exact, bounded and half-precision modes by ``refresh = 0`` and ``half``)."""
    from sparsefit._kernels.lists import flag_buffer

    n, p = X.shape
    f = np.float64
    cap = 4
    gc = (np.full(p, -1, dtype=np.int64), np.zeros((cap, cap)), np.zeros((cap, cap), bool),
          np.zeros(cap), np.zeros(2, dtype=np.int64), np.full(cap, -1, dtype=np.int64),
          (np.zeros((cap, cap)), np.zeros(cap, dtype=np.int64), np.zeros(2, dtype=np.int64),
           np.full(cap, -1, dtype=np.int64)))
    info = np.array([1.0, 0.0, 0.0, 0.0])  # a reference exists; no previous certificate
    corr_ref = np.full(p, 10.0 * a.max())  # far from every threshold: no bound holds
    bnd = (corr_ref, np.zeros(n), info, np.full(p, -1.0), np.zeros(p),
           np.empty(p, dtype=np.int64), np.empty(p), gc, flag_buffer(p),
           np.empty(p, dtype=np.int64), np.zeros(n), np.empty((p, n), np.uint16),
           np.empty(n, np.float32), np.ones(p, dtype=np.uint8), np.empty(p, np.int64),
           np.zeros(p, np.uint8), np.empty(p))
    zeros_p = np.zeros(p)
    args = ((np.asfortranarray(X),), np.zeros(n), np.ones(n), zeros_p.copy(), r.copy(),
            np.zeros(1), a, zeros_p, np.full(p, -np.inf), np.full(p, np.inf),
            np.zeros(p, bool), np.zeros(p, bool), np.zeros((n, 0)), np.ones(p, bool), True,
            np.zeros(p), np.zeros(p, bool), np.empty(n), np.empty(n), np.zeros(p),
            np.zeros(1), 1.0 / n, np.linalg.norm(X, axis=0).astype(f), bnd, 0.0, half)
    return args, bnd


def test_half_pass_bounds_every_skipped_feature_and_computes_violators():
    """The certificate's half-precision pass (a feature skipped only when its approximate
    correlation plus the rounding bound is below its threshold): features exactly at their
    threshold, a hair above or below (1e-10 relative, far inside the pass's error), are all
    computed exactly or bounded by a valid bound; every violator is computed.  Dropping the
    rounding bound skips about half of those above (mutation-checked)."""
    from sparsefit._kernels.half import half_error
    from sparsefit._kernels.quadratic_path import _certificate_fast

    rng = np.random.default_rng(5)
    n, p = 300, 240
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10.0, p)
    X[:, :40] *= 1 + 1 / 3  # values with long binary expansions
    r = rng.standard_normal(n) * rng.uniform(0.5, 2.0, n)
    exact = X.T @ r / n
    # thresholds: a hair around each |correlation| for most, far above for the rest
    rel = rng.choice([-1e-10, 0.0, 1e-10, 0.5], p)
    a = np.abs(exact) * (1.0 + rel)
    args, bnd = _certificate_inputs(X, r, a, half=1e-12)
    primal, gap, worst, c, rsq = _certificate_fast(*args)
    corr, known = args[15], args[16]
    ub, ref_exact, info = bnd[3], bnd[13], bnd[2]
    assert info[2] == 1.0 and info[3] > 0.0  # the pass ran and is the reference
    violators = np.abs(exact) > a
    assert violators.sum() > 30
    assert known[violators].all()  # every violator computed exactly
    np.testing.assert_allclose(corr[known], exact[known], rtol=1e-12, atol=1e-15)
    bounded = ~known
    assert bounded.sum() > 30  # the far ones at least
    assert np.all(ub[bounded] >= np.abs(exact[bounded]))  # valid bounds
    assert np.all(ub[bounded] < a[bounded])
    assert np.array_equal(ref_exact.astype(bool), known)
    # the reported violation is the exact one, found although it is 1e-10 relative
    assert worst == pytest.approx(np.max(np.abs(exact) - a), rel=1e-6)
    # the bound is the documented one, and the approximate values are within it
    err = half_error(n) * np.linalg.norm(r) / n
    assert info[3] == pytest.approx(err, rel=1e-9)
    norms = np.linalg.norm(X, axis=0)
    approx = bnd[0][~known]  # the reference keeps the approximate values where not exact
    assert np.all(np.abs(approx - exact[~known]) <= norms[~known] * err)


def _toeplitz_problem(seed, n, p, rho, k, noise):
    """Rows with Toeplitz correlation ``rho^|i - j|``, ``k`` coefficients of +-1."""
    rng = np.random.default_rng(seed)
    idx = np.arange(p)
    C = rho ** np.abs(idx[:, None] - idx[None, :])
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(C).T
    w0 = np.zeros(p)
    w0[rng.choice(p, k, replace=False)] = rng.choice([-1.0, 1.0], k)
    return X, X @ w0 + noise * rng.standard_normal(n)


@pytest.mark.parametrize("half, extra_cost", [(0.1, 0.1), (0.0, 0.1), (0.1, 0.0)])
def test_every_alpha_of_a_tail_meets_the_tolerance_in_an_independent_gap(half, extra_cost):
    """Near interpolation (n < p, correlated columns) many alphas of the tail keep the last
    solution, certified at once from the correlations known or bounded at the previous
    alpha, plus the few it lacks, computed then.  The duality gap recomputed in numpy (the
    residual's dual point, rescaled into the dual domain with every column) must be within
    the tolerance at each alpha: with and without the half-precision pass, with the lacking
    correlations computed at once or (``extra_cost=0``) only once the estimate says the
    solution stays put.  Mutation-checked: zeroing the correlations computed at once fails
    it.  The same mutation in the deferred branch passes: there the lacking features are,
    in this regime, never violators by more than the tolerance absorbs (as a bound taken
    from the previous, higher threshold would not be either), so that branch is checked
    end to end only; the bounds' own rigour is tested where it shows, in
    test_half_pass_bounds_every_skipped_feature_and_computes_violators."""
    n = 90
    X, y = _toeplitz_problem(8, n, 900, 0.7, 30, 0.5)
    tol = 1e-4
    pp = _make_problem(X, y, None, 1.0, True, False, None, None, None, False, tol, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1.0, 1e-3, 100)
    coefs, gaps, *_ = _solve_grid(pp, alphas, False, half=half, extra_cost=extra_cost)
    Xc, yc = X - X.mean(0), y - y.mean()
    null = 0.5 * yc @ yc / n
    stay = 0
    for k, alpha in enumerate(alphas):
        w = coefs[:, k].astype(np.float64)
        stay += k > 0 and np.array_equal(w, coefs[:, k - 1])
        r = yc - Xc @ w
        primal = 0.5 * r @ r / n + alpha * np.abs(w).sum()
        c = min(1.0, alpha / np.max(np.abs(Xc.T @ r / n)))
        dual = c * (r @ yc) / n - 0.5 * c * c * (r @ r) / n
        assert primal - dual <= tol * null * (1 + 1e-6), k
    assert stay >= 10  # the tail's shortcut was taken


def test_an_estimate_lacks_exactly_the_unknown_features_not_bounded_below_threshold():
    """What a new alpha must still compute to certify the last solution: every feature
    neither known, nor zero with a recorded bound strictly below its (new) threshold;
    zero columns never.  A bound at or above the threshold (it held for the previous,
    higher one), a missing bound (-1) or a non-zero coefficient all need the correlation
    (mutation-checked: dropping the threshold test fails it)."""
    from sparsefit._kernels.lists import flag_buffer
    from sparsefit._kernels.quadratic_path import _missing

    a = np.full(9, 1.0)
    w = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0])
    ub = np.array([0.5, 1.0, 1.2, -1.0, 0.2, 0.5, 0.99, 0.0, 3.0])
    known = np.array([False, False, False, False, False, True, False, False, True])
    zero = np.array([False, False, False, False, False, False, False, True, False])
    lst = np.full(9, -1, dtype=np.int64)
    m = _missing(w, a, zero, known, ub, flag_buffer(9), lst)
    # 0: bounded below; 1: bound equal to the threshold; 2: above; 3: no bound; 4: non-zero;
    # 5: known; 6: bounded below; 7: zero column; 8: known (its stale bound is irrelevant)
    np.testing.assert_array_equal(lst[:m], [1, 2, 3, 4])


@pytest.mark.parametrize("scale", [1e39, 1e-45])
def test_half_pass_on_columns_outside_half_and_float32_range(scale):
    """Columns far beyond binary16's and float32's range, or below their smallest
    subnormals (scaled into range for the copy) are never skipped on a wrong value: every
    certificate a half-precision pass gives the path that exact passes give, and every
    solution is certified against numpy's KKT conditions.
    (Mutation-checked, with the float32 pass this replaced: taking a NaN value as below the
    threshold failed the 1e39 case.)"""
    X, y = make_regression(n=120, p=600, k=10, seed=2, rho=0.6)
    X[:, :50] *= scale
    pp = _make_problem(X, y, None, 1.0, True, False, None, None, None, False, 1e-9, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1.0, 1e-3, 30)
    half, gaps, _, _, conv, _, _ = _solve_grid(pp, alphas, False, half=1e-12, refresh=0.0)
    exact, *_ = _solve_grid(pp, alphas, False, half=0.0)
    assert conv.all()
    np.testing.assert_allclose(half, exact, rtol=1e-6, atol=1e-12 * np.abs(exact).max())
    Xc = X - X.mean(0)
    L = np.max(np.sum(Xc**2, 0)) / X.shape[0]
    for k, alpha in enumerate(alphas):
        w = half[:, k]
        viol = kkt_violation(X, y, w, pp.prob.intercept(w), alpha)
        g = max(gaps[k], 0.0) + 1e-14 * pp.prob.datafit.null_value()
        assert viol <= 2 * np.sqrt(2 * L * g), k


@pytest.mark.parametrize("m", [0, 1, 3, 4, 7, 9])
@pytest.mark.parametrize("sparse", [False, True])
def test_dots_listed_computes_exactly_the_listed_correlations(m, sparse):
    """The certificate's batched dot products (dense: four columns at a time, then the ones
    left over): ``x_j^T r / n`` for the listed features, in any order, and nothing else
    written; sparse designs include their implicit centring."""
    import numba
    import scipy.sparse as sps

    from sparsefit._kernels.quadratic_path import dots_listed

    @numba.njit
    def call(D, lst, r, state, inv_n, out):
        dots_listed(D, lst, r, state, inv_n, out)

    rng = np.random.default_rng(m)
    n, p = 23, 12
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.5)
    r = rng.standard_normal(n)
    lst = rng.permutation(p)[:m].astype(np.int64)
    out = np.full(p, np.nan)
    if sparse:
        A = sps.csc_matrix(X)
        mu = X.mean(0)
        v = np.ones(n)
        D = (A.data, A.indices, A.indptr, mu, mu * n, v)
        c = 0.37  # the residual is r + c v; the centred column X_j - mu_j v
        r = r - r.mean() - c  # a centred model's residual: v^T (r + c v) = 0
        want = (X - mu).T @ (r + c) / n
        call(D, lst, r, np.array([c]), 1.0 / n, out)
    else:
        D = (np.asfortranarray(X),)
        want = X.T @ r / n
        call(D, lst, r, np.zeros(1), 1.0 / n, out)
    np.testing.assert_allclose(out[lst], want[lst], rtol=1e-12, atol=1e-14)
    rest = np.setdiff1d(np.arange(p), lst)
    assert np.all(np.isnan(out[rest]))


def _independent_lasso_gap(Xc, yc, w, alpha):
    """The lasso's duality gap at ``w`` recomputed in numpy: the residual's dual point,
    rescaled into the dual domain with every column."""
    n = yc.size
    r = yc - Xc @ w
    primal = 0.5 * r @ r / n + alpha * np.abs(w).sum()
    c = min(1.0, alpha / np.max(np.abs(Xc.T @ r / n)))
    return primal - (c * (r @ yc) / n - 0.5 * c * c * (r @ r) / n)


@pytest.mark.parametrize("half", [0.1, 0.0])
@pytest.mark.parametrize("pool", [POOL, 1.0, 1e-3])
def test_pooled_features_leave_every_gap_the_full_problems(pool, half):
    """With most features in the pool (a wide, correlated design, n << p), the gap the
    kernel reports is the live problem's; it must be the full problem's: recomputed in
    numpy over every column, within the tolerance at each alpha, and equal to the reported
    one up to round-off.  Near interpolation zero features exceed their threshold within
    the tolerance (the dual point is rescaled), and the pool must neither hide one that
    lowers the rescaling nor take in all of them.  Mutation-checked: certifying pooled
    features against three times their limit, or never letting those whose bounds fail
    join whatever their exact correlation, fails it."""
    n = 50
    X, y = _toeplitz_problem(5, n, 1500, 0.8, 20, 0.3)
    tol = 1e-4
    pp = _make_problem(X, y, None, 1.0, True, False, None, None, None, False, tol, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1.0, 1e-3, 100)
    coefs, gaps, _, _, conv, _, _ = _solve_grid(pp, alphas, False, half=half, pool=pool)
    ref, ref_gaps, *_ = _solve_grid(pp, alphas, False, half=half, pool=0.0)
    assert conv.all()
    Xc, yc = X - X.mean(0), y - y.mean()
    null = 0.5 * yc @ yc / n
    rescaled = 0
    for k, alpha in enumerate(alphas):
        w = coefs[:, k]
        gap = _independent_lasso_gap(Xc, yc, w, alpha)
        assert gap <= tol * null * (1 + 1e-6), k
        assert gap == pytest.approx(gaps[k], abs=1e-9 * null), k
        rescaled += np.max(np.abs(Xc.T @ (yc - Xc @ w))) / n > alpha * (1 + 1e-9)
        f = enet_objective(X, y, w, pp.prob.intercept(w), alpha)
        wr = ref[:, k]
        f_ref = enet_objective(X, y, wr, pp.prob.intercept(wr), alpha)
        assert abs(f - f_ref) <= abs(gaps[k]) + abs(ref_gaps[k]) + 1e-12 * f
    assert rescaled >= 5  # the tail's rescaled dual points were exercised


@pytest.mark.parametrize("setting", ["lasso", "weighted_enet_bounds"])
def test_pooled_warm_start_and_early_stop_match_the_unpooled_path(setting):
    """A warm start whose nonzero coefficients must leave (so that live features go back
    to the pool at zero), and glmnet's early stop with its refined deciding solutions
    (which must be live again when refined): the pooled path stops at the same alpha and
    certifies every solution like the unpooled one (KKT recomputed in numpy)."""
    rng = np.random.default_rng(9)
    n, p = 40, 600
    X = rng.standard_normal((n, p))
    X[:, 1::2] += 0.9 * X[:, ::2]  # pairs of correlated columns
    w_true = np.zeros(p)
    w_true[:6] = [2.0, -1.5, 1.0, 0.0, -1.0, 0.5]
    y = X @ w_true + 0.5 * rng.standard_normal(n)
    sw, pf, lo, hi, l1 = None, None, None, None, 1.0
    if setting == "weighted_enet_bounds":
        sw = rng.uniform(0.5, 2.0, n)
        pf = rng.uniform(0.5, 2.0, p)
        pf[7] = 0.0  # unpenalized but bounded: never pooled, never free
        lo, hi, l1 = np.where(np.arange(p) == 7, 0.0, -0.8), 0.8, 0.8
    tol = 1e-7
    pp = _make_problem(X, y, sw, l1, True, False, pf, lo, hi, False, tol, 100_000)
    alphas = _alpha_max(pp) * np.geomspace(1.0, 1e-4, 100)
    w_start = np.zeros(p)
    w_start[rng.choice(p, 30, replace=False)] = 0.3  # far from any solution
    if setting == "weighted_enet_bounds":
        w_start = np.clip(w_start, lo, hi)
    out = {}
    for pool in (0.0, POOL):
        cd = _grid_solver(pp, pool=pool)
        cd.start(w_start)
        coefs, gaps, _, _, conv, devs, stop = _solve_grid(pp, alphas, True, cd=cd)
        out[pool] = coefs, gaps, conv, stop
    (ref, ref_gaps, ref_conv, ref_stop), (coefs, gaps, conv, stop) = out[0.0], out[POOL]
    assert stop == ref_stop and stop is not None  # both stopped early, at the same alpha
    assert coefs.shape == ref.shape and conv.all() and ref_conv.all()
    s = np.ones(p)  # (not standardized)
    pfv = np.ones(p) if pf is None else pf
    sw_n = np.ones(n) if sw is None else sw * n / sw.sum()
    Xc = X - sw_n @ X / n
    L = (sw_n @ Xc ** 2) / n + alphas[0] * (1 - l1) * pfv
    for k in range(coefs.shape[1]):
        w, wr = coefs[:, k], ref[:, k]
        viol = kkt_violation(X, y, w, pp.prob.intercept(w), alphas[k], l1, pf=pfv, sw=sw,
                             scale=s, lower=lo, upper=hi)
        g = max(gaps[k], 0.0) + 1e-14 * pp.prob.datafit.null_value()
        assert viol <= 2 * np.sqrt(2 * L.max() * g), k
        f = enet_objective(X, y, w, pp.prob.intercept(w), alphas[k], l1, pf=pfv, sw=sw,
                           scale=s)
        f_ref = enet_objective(X, y, wr, pp.prob.intercept(wr), alphas[k], l1, pf=pfv,
                               sw=sw, scale=s)
        assert abs(f - f_ref) <= abs(gaps[k]) + abs(ref_gaps[k]) + 1e-12 * f
