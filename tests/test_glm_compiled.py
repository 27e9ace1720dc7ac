"""The compiled proximal Newton solver and path (sparsefit._kernels.glm_newton).

Its solutions equal the Python reference loop's (``engine="python"``) on dense and sparse
data with weights, offsets, bounds, penalty factors and elastic net, for every
single-output family; its certificates equal an independent computation with a full pass
over ``X`` (the correlation bounds may skip a product, never change a certificate); its path
loop (warm starts, early stop, refinement) equals one solve per alpha.
"""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit

from _glm_kkt import glm_kkt
from sparsefit import _glm_path as gp
from sparsefit.datafits import _base
from sparsefit.linear_model._glm import _make_datafit
from sparsefit.penalties import WeightedElasticNet
from sparsefit.solvers.prox_newton import solve_prox_newton

FAMILIES = ["binomial", "poisson", "gamma", "huber", "squared_hinge", "gaussian"]


def make_problem(family, n=90, p=40, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p)
    if sparse:
        X[np.abs(X) < 0.9] = 0.0
    w = np.zeros(p)
    w[:5] = [0.6, -0.4, 0.3, 0.5, -0.2]
    eta = 0.5 * X @ w + 0.2
    y = {"binomial": (rng.random(n) < expit(eta)).astype(float),
         "poisson": rng.poisson(np.exp(eta)).astype(float) * 0.5,
         "gamma": rng.gamma(2.0, np.exp(eta) / 2.0),
         "huber": eta + rng.standard_t(2, n),
         "squared_hinge": np.where(eta + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0),
         "gaussian": eta + rng.standard_normal(n)}[family]
    sw = rng.uniform(0.2, 2.0, n)
    sw *= n / sw.sum()
    off = rng.uniform(-0.3, 0.3, n)
    Xd = sp.csc_matrix(X) if sparse else np.asfortranarray(X)
    return Xd, y, sw, off, rng


def penalty(p, alpha, rng, *, l1_ratio=0.8, unpenalized=False, bounds=True):
    pf = rng.uniform(0.5, 2.0, p)
    if unpenalized:
        pf[3] = 0.0
    lo, hi = np.full(p, -np.inf), np.full(p, np.inf)
    if bounds:
        lo[0] = 0.0  # positive
        hi[1] = 0.05  # binding upper bound
        lo[2] = hi[2] = 0.0  # fixed at zero
    return WeightedElasticNet.from_params(alpha, l1_ratio, pf, np.ones(p), lo, hi), pf


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("unpenalized", [False, True])
def test_compiled_equals_python_reference(family, sparse, unpenalized):
    X, y, sw, off, rng = make_problem(family, sparse=sparse, seed=FAMILIES.index(family))
    df = _make_datafit(family, y, sw, epsilon=1.0)
    n, p = X.shape
    pen, pf = penalty(p, 0.02, rng, unpenalized=unpenalized)
    kw = dict(offset=off, tol=1e-11, max_iter=500)
    fast = solve_prox_newton(df, pen, X, **kw)
    ref = solve_prox_newton(df, pen, X, engine="python", **kw)
    assert fast.converged and ref.converged
    assert fast.criterion == ref.criterion == ("kkt" if unpenalized else "gap")
    scale = np.abs(ref.coef).max()
    np.testing.assert_allclose(fast.coef, ref.coef, atol=1e-5 * scale)
    assert fast.intercept[0] == pytest.approx(ref.intercept[0], abs=1e-5 * (1 + scale))
    assert fast.primal == pytest.approx(ref.primal, rel=1e-9)
    assert fast.coef[2, 0] == 0 and fast.coef[0, 0] >= 0 and fast.coef[1, 0] <= 0.05
    # the reported violation is the true one, from a full pass in plain numpy
    fam = "huber" if family == "gaussian" else family
    true_kkt = glm_kkt(X, y, fast.coef[:, 0], fast.intercept, 0.02, fam, l1_ratio=0.8, pf=pf,
                       sw=sw, lower=pen.lower, upper=pen.upper, offset=off,
                       epsilon=1e100 if family == "gaussian" else 1.0)
    assert fast.kkt == pytest.approx(true_kkt, rel=1e-6, abs=1e-12)


def _independent_gap(X, y, sw, coef, b, a, offset=None):
    """Duality gap of L1 logistic regression at ``(coef, b)``, dual point ``c (p - y)``."""
    Xd = X.toarray() if sp.issparse(X) else X
    n = Xd.shape[0]
    eta = Xd @ coef + b + (0 if offset is None else offset)
    u = expit(eta) - y
    primal = sw @ (np.logaddexp(0, eta) - y * eta) / n + a @ np.abs(coef)
    corr = np.abs(Xd.T @ (sw * u)) / n
    pen = a > 0
    c = min(1.0, float(np.min(a[pen] / np.maximum(corr[pen], 1e-300))))
    v = np.clip(c * u + y, 0, 1)
    ent = _base.xlogx(v) + _base.xlogx(1 - v)
    dual = -(sw @ ent) / n + c * (sw * u) @ (0 if offset is None else offset) / n
    return primal - dual


@pytest.mark.parametrize("seed, sparse", [(1, False), (3, True), (5, True)])
def test_path_certificates_are_those_of_a_full_pass(seed, sparse):
    """Along a 100-alpha path most certificates skip products with columns; each reported
    gap and KKT violation still equals the one computed from the full ``X^T g``.  (These
    problems are ones where a bound that ignored how far the gradient moved since the
    correlations were computed gives violations off by 1e-6 to 5e-4.)"""
    X, y, sw, off, rng = make_problem("binomial", n=80, p=300, seed=seed, sparse=sparse)
    res = gp.glm_path(X, y, "binomial", sample_weight=sw, offset=off, n_alphas=100,
                      standardize=False, early_stop=False, tol=1e-4)
    assert np.all(res.converged)
    for k in range(res.n_alphas):
        coef = res.coef_index(k)
        a = np.full(X.shape[1], res.alphas[k])
        gap = _independent_gap(X, y, sw, coef, res.intercept_index(k), a, off)
        assert res.dual_gaps[k] == pytest.approx(gap, rel=1e-6, abs=1e-14)
        kkt = glm_kkt(X, y, coef, res.intercept_index(k), res.alphas[k], "binomial", sw=sw,
                      offset=off)
        assert res.kkt_violations[k] == pytest.approx(kkt, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("family", ["binomial", "poisson", "gaussian"])
def test_compiled_path_equals_one_solve_per_alpha(family):
    """Warm starts, glmnet's early stop and its refinement, compiled, equal the Python loop
    of single solves (which the compiled single solve is tested against above)."""
    X, y, sw, off, rng = make_problem(family, n=100, p=30, seed=3)
    if family == "binomial":
        y = np.where(y > 0, "pos", "neg")
    elif family == "poisson":
        y = np.round(y * 2)
    Xv, yv = gp.check_glm_Xy(X, y)
    yenc, n_classes, _ = gp.encode_glm_target(family, yv)
    pp = gp.make_glm_problem(family, Xv, yenc, n_classes, sample_weight=sw,
                             offset=None if family == "gaussian" else off,
                             penalty_factor=rng.uniform(0.5, 1.5, 30), tol=1e-4)
    alphas = gp._geometric_grid(gp.glm_alpha_max_problem(pp), 100, 1e-4)
    fast = gp.solve_glm_grid(pp, alphas, early_stop=True)
    slow = gp._solve_glm_grid_python(pp, alphas, early_stop=True)
    assert len(fast) == len(slow) < 100
    assert fast.stop_reason == slow.stop_reason is not None
    assert np.all(fast.converged) and np.all(slow.converged)
    for k in range(len(fast)):  # both certified: objectives within the sum of the gaps
        pen = pp.penalty(alphas[k])
        obj = [pp.loss(r.coefs[..., k], r.intercepts[:, k]) + pen.value(r.coefs[:, 0, k])
               for r in (fast, slow)]
        assert abs(obj[0] - obj[1]) <= fast.gaps[k] + slow.gaps[k] + 1e-13
    # the alphas that decided the stop were refined to 1e-9 by both
    k = len(fast) - 1
    first = k - 4 if family == "poisson" else k - 1
    np.testing.assert_allclose(fast.deviance_ratios[[first, k]],
                               slow.deviance_ratios[[first, k]], atol=1e-8)


def test_datafit_kernels_match_closed_forms():
    rng = np.random.default_rng(0)
    eta = rng.standard_normal(50) * 4
    y01 = (rng.random(50) < 0.5).astype(float)
    df = _make_datafit("binomial", y01, None)
    np.testing.assert_allclose(df.loss(eta), np.logaddexp(0, eta) - y01 * eta, rtol=1e-14)
    g, h = df.derivatives(eta)
    np.testing.assert_allclose(g, expit(eta) - y01, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(h, expit(eta) * (1 - expit(eta)), rtol=1e-12)
    yc = rng.poisson(2.0, 50).astype(float)
    dp = _make_datafit("poisson", yc, None)
    const = np.where(yc > 0, yc * np.log(np.where(yc > 0, yc, 1)), 0) - yc
    np.testing.assert_allclose(dp.loss(eta), np.exp(eta) - yc * eta + const, rtol=1e-13)
    assert dp.value(np.full(50, 800.0)) == np.inf


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_newton_model_gram_form_equals_column_form(sparse, fit_intercept):
    """The two inner solvers of a Newton step (columns / Gram matrix) give one minimiser."""
    from sparsefit._kernels import glm_cd
    from sparsefit.solvers.prox_newton import design_tuple

    rng = np.random.default_rng(5)
    n, p = 200, 60
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2, p)
    if sparse:
        X[rng.random((n, p)) < 0.8] = 0.0
    Xd = sp.csc_matrix(X) if sparse else np.asfortranarray(X)
    kernel = glm_cd.solve_model_sparse if sparse else glm_cd.solve_model_dense
    g = rng.standard_normal(n) * 0.5
    h = rng.uniform(0.05, 0.25, n)
    ws = np.sort(rng.choice(p, 25, replace=False)).astype(np.int64)
    a = np.full(p, 0.01)
    b = np.full(p, 0.002)
    lo, hi = np.full(p, -np.inf), np.full(p, np.inf)
    lo[ws[0]], hi[ws[1]] = 0.0, 0.01
    d0 = -g.sum() / h.sum() if fit_intercept else 0.0
    out = []
    for form in (1, 2):
        w = np.zeros(p)
        w[ws[2:6]] = 0.1
        res = kernel(design_tuple(Xd), w, g, h, d0, ws, a, b, lo, hi, 1.0 / n, fit_intercept,
                     1e-13, 10_000, 10, form, np.empty(n), np.empty(p), np.empty(p),
                     np.empty(n, np.int64), np.empty(p), np.empty(p))
        out.append((w, res[2]))
    np.testing.assert_allclose(out[0][0], out[1][0], atol=1e-10)
    assert out[0][1] == pytest.approx(out[1][1], abs=1e-10)
    assert np.count_nonzero(out[0][0]) > 3
    # the minimiser satisfies the model's optimality conditions (independent numpy check)
    w = out[0][0]
    delta = X @ w - X @ np.where(np.isin(np.arange(p), ws[2:6]), 0.1, 0.0)
    d0_final = d0 - out[0][1] if fit_intercept else 0.0
    q = g + h * (delta + d0_final)
    if fit_intercept:
        assert abs(q.sum()) / n < 1e-10
    corr = -(X[:, ws].T @ q) / n - b[ws] * w[ws]
    for t, j in enumerate(ws):
        if w[j] > 0 and w[j] < hi[j]:
            assert corr[t] == pytest.approx(a[j], abs=1e-9)
        elif w[j] < 0:
            assert corr[t] == pytest.approx(-a[j], abs=1e-9)
        elif w[j] == 0:
            assert abs(corr[t]) <= a[j] + 1e-9 or (lo[j] == 0 and corr[t] < 0)


def _labels_weights(rng, n, rate=0.5):
    """0/1 labels (``rate`` of ones) and sample weights in [0, 2), drawn in that order."""
    y = (rng.random(n) < rate).astype(float)
    return y, rng.uniform(0.0, 2.0, n)


def _logistic_terms(eta, y, sw):
    n = eta.shape[0]
    loss = sw @ (np.logaddexp(0, eta) - y * eta) / n
    p = expit(eta)
    return loss, sw * (p - y), sw * p * (1 - p)


def test_curvature_excess_bounds_the_logistic_loss():
    """The line search's loss-free sufficient-decrease test rests on this upper bound of
    the datafit's change beyond its linear part; it must hold for long steps and be
    nearly tight for short ones (recomputed with numpy's logaddexp)."""
    from sparsefit._kernels.glm_datafits import curvature_excess

    rng = np.random.default_rng(3)
    n = 400
    y, sw = _labels_weights(rng, n, 0.4)
    for scale in (1e-4, 1e-2, 0.3, 3.0):
        eta = rng.standard_normal(n) * 4
        deta = rng.standard_normal(n) * scale
        f0, g, h = _logistic_terms(eta, y, sw)
        for t in (1.0, 0.5, 0.125):
            f1 = _logistic_terms(eta + t * deta, y, sw)[0]
            excess = n * (f1 - f0) - t * g @ deta
            bound = curvature_excess(h, deta, t)
            assert excess <= bound * (1 + 1e-9) + 1e-12
            if scale <= 1e-2:  # second order: the bound is the quadratic term, nearly exact
                assert bound <= excess * 1.05 + 1e-14


def test_curvature_excess_is_rounded_up():
    """Each term ``e^tau - 1 - tau`` is at least its exact value (50 digits) where the
    cancellation is worst, just above the series branch."""
    from decimal import Decimal, localcontext

    from sparsefit._kernels.glm_datafits import curvature_excess

    with localcontext() as ctx:
        ctx.prec = 50
        for tau in np.geomspace(1e-3, 1.0, 400):
            d = Decimal(float(tau))
            exact = d.exp() - 1 - d
            got = curvature_excess(np.ones(1), np.array([tau]), 1.0)
            assert Decimal(got) >= exact, tau


def test_curvature_excess_bound_from_sums():
    """The pass-free bound of the curvature excess (from sum h deta^2 and max |deta|)
    lies above the exact sum, and within the factor 1 + t max|deta| / 3 of it; it is
    infinite where that series bound does not hold (t max|deta| >= 3)."""
    from sparsefit._kernels.glm_datafits import curvature_excess, curvature_excess_bound

    rng = np.random.default_rng(8)
    n = 300
    for scale in (1e-6, 1e-3, 0.1, 0.5, 2.0):
        h = rng.uniform(0.0, 0.25, n)
        deta = rng.standard_normal(n) * scale
        q2, dmax = h @ deta**2, np.abs(deta).max()
        for t in (1.0, 0.5, 0.01):
            tau = t * np.abs(deta)
            series = sum(tau**k / math.factorial(k) for k in range(2, 12))
            exact = h @ np.where(tau < 0.1, series, np.expm1(tau) - tau)
            assert curvature_excess(h, deta, t) >= exact * (1 - 1e-12)
            bound = curvature_excess_bound(q2, dmax, t)
            if t * dmax >= 3:
                assert bound == np.inf
                continue
            assert bound >= exact * (1 - 1e-12)
            assert bound <= exact * (1 + t * dmax / 3) * (1 + 1e-9) + 1e-300

def test_logistic_loss_dual_equals_the_separate_passes():
    """The one-pass loss and rescaled dual of the logistic certificate equal the loss and
    ``dual_value`` kernels and plain numpy, over the series and the log1p branches."""
    from sparsefit._kernels.glm_datafits import (
        LOGISTIC,
        dual_value,
        logistic_loss_dual,
        mean_loss,
    )

    rng = np.random.default_rng(4)
    n = 500
    y, sw = _labels_weights(rng, n)
    sw[:20] = 0.0
    off = rng.uniform(-1, 1, n)
    eta = np.concatenate([rng.standard_normal(n - 40) * 6, rng.uniform(-40, 40, 30),
                          [-800, 800, -745, 745, 0, 1e-300, -1e-300, 36, -36, 710]])
    g = sw * (expit(eta) - y)
    aux = np.zeros(n)
    for c in (0.3, 0.9, 0.999, 1 - 1e-9):
        loss, dual = logistic_loss_dual(y, sw, eta, np.exp(-np.abs(eta)), g, off, c,
                                        np.empty(n), np.empty(n))
        assert loss == pytest.approx(mean_loss(LOGISTIC, y, aux, 0.0, sw, eta), rel=1e-13)
        ref = dual_value(LOGISTIC, y, aux, 0.0, sw, g, off, c)
        assert dual == pytest.approx(ref, rel=1e-12, abs=1e-15)
        v = np.clip(c * (expit(eta) - y) + y, 0, 1)
        ent = _base.xlogx(v) + _base.xlogx(1 - v)
        assert dual == pytest.approx(-(sw @ ent) / n + c * g @ off / n, rel=1e-12, abs=1e-15)



def test_inline_exponential_is_within_an_ulp():
    """exp_neg (the vectorisable e^-x of the logistic kernels) against numpy's exp: within
    about 1 ulp wherever the result is a normal number, exactly 1 at 0, below 2^-1022
    beyond, 0 far out, NaN for NaN."""
    from numba import njit

    from sparsefit._kernels.glm_datafits import exp_neg

    @njit
    def many(x, out):
        for i in range(x.shape[0]):
            out[i] = exp_neg(x[i])

    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(0, 1, 20000), rng.uniform(0, 40, 20000),
                        rng.uniform(0, 708, 20000), np.arange(0, 708, 0.5 * np.log(2)),
                        [0.0, 5e-324, 1e-300, 1e-17, 708.3, 708.5, 745.2, 800.0, 1e300]])
    out = np.empty_like(x)
    many(x, out)
    ref = np.exp(-x)
    normal = ref >= np.finfo(float).tiny
    ulp = np.spacing(ref[normal])
    assert np.max(np.abs(out[normal] - ref[normal]) / ulp) <= 1.5
    assert np.all(out[~normal] < np.finfo(float).tiny) and np.all(out >= 0.0)
    np.testing.assert_allclose(out[~normal], ref[~normal], rtol=0, atol=1e-309)
    assert np.all(out[x > 708.8] == 0.0)
    assert out[x == 0.0][0] == 1.0
    nan = np.array([np.nan, np.inf])
    many(nan, nan)
    assert np.isnan(nan[0]) and nan[1] == 0.0

def test_inline_log1p_is_within_an_ulp():
    """log1p_inline (the vectorisable log(1 + x) of the logistic loss and certificate)
    against numpy's log1p: within 1 ulp over (-1, inf) (tiny, subnormal, near -1, around
    the sqrt(2) reduction boundaries, huge), exactly 0 at 0, -inf at -1, inf at inf, NaN
    below -1 and for NaN."""
    from numba import njit

    from sparsefit._kernels.glm_datafits import log1p_inline

    @njit(error_model="numpy")
    def many(x, out):
        for i in range(x.shape[0]):
            out[i] = log1p_inline(x[i])

    rng = np.random.default_rng(12)
    edges = [0.41421356237309503, 0.41421356237309515, -0.2928932188134524,
             -0.29289321881345254, 1.0, 2.0, 3.0, 1e-300, -1e-300, 5e-324, -5e-324, 1e-17,
             -1e-17, np.nextafter(-1.0, 0.0), 1e300, np.finfo(float).max]
    x = np.concatenate([rng.uniform(0, 1, 20000), np.exp(-rng.uniform(0, 745, 20000)),
                        -rng.uniform(0, 1, 20000), -np.exp(-rng.uniform(0, 745, 20000)),
                        np.exp(rng.uniform(0, 709, 20000)), edges])
    out = np.empty_like(x)
    many(x, out)
    ref = np.log1p(x)
    nz = ref != 0.0
    assert np.max(np.abs(out[nz] - ref[nz]) / np.spacing(np.abs(ref[nz]))) <= 1.0
    special = np.array([0.0, -1.0, np.inf, -1.5, -np.inf, np.nan])
    out = np.empty_like(special)
    many(special, out)
    assert out[0] == 0.0 and out[1] == -np.inf and out[2] == np.inf
    assert np.all(np.isnan(out[3:]))


def test_cached_exponential_kernels_match_closed_forms():
    """The logistic derivatives at an intercept shift and the loss from the cached
    e^-|eta| equal direct evaluation, also where the shift flips signs or the exponential
    underflows."""
    from sparsefit._kernels.glm_datafits import (
        LOGISTIC,
        grad_hess_cache,
        logistic_mean_loss,
        mean_loss,
        shift_point,
    )

    rng = np.random.default_rng(6)
    n = 400
    y, sw = _labels_weights(rng, n)
    eta = np.concatenate([rng.standard_normal(n - 8) * 5, [-800, 800, -0.3, 0.3, 0, 1, -1, 40]])
    g, h, ec = np.empty(n), np.empty(n), np.empty(n)
    grad_hess_cache(LOGISTIC, y, 0.0, 0.0, sw, eta, g, h, ec)
    np.testing.assert_allclose(ec, np.exp(-np.abs(eta)), rtol=3e-16, atol=0)
    np.testing.assert_allclose(g, sw * (expit(eta) - y), rtol=1e-14, atol=1e-300)
    p = expit(eta)
    np.testing.assert_allclose(h, sw * p * (1 - p), rtol=1e-14, atol=1e-300)
    assert logistic_mean_loss(y, sw, eta, ec, np.empty(n)) == pytest.approx(
        mean_loss(LOGISTIC, y, np.zeros(n), 0.0, sw, eta), rel=1e-14)
    for delta in (1e-9, -0.5, 0.7, 3.0):
        et, gt, ht, ect = (np.empty(n) for _ in range(4))
        gs, hs, h3 = shift_point(y, sw, 0.0, eta, ec, delta, et, gt, ht, ect)
        x = eta + delta
        np.testing.assert_array_equal(et, x)
        np.testing.assert_allclose(ect, np.exp(-np.abs(x)), rtol=1e-14, atol=1e-300)
        p = expit(x)
        np.testing.assert_allclose(gt, sw * (p - y), rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(ht, sw * p * (1 - p), rtol=1e-13, atol=1e-300)
        assert gs == pytest.approx(gt.sum(), rel=1e-12)
        assert hs == pytest.approx(ht.sum(), rel=1e-12)
        assert h3 == pytest.approx(sw @ (p * (1 - p) * (1 - 2 * p)), rel=1e-12)


@pytest.mark.parametrize("fam_name", ["logistic", "poisson"])
def test_intercept_derivative_sums(fam_name):
    """The sums a line-search trial point and intercept_sums hand the intercept's polish
    (gradient, Hessian and, for the logistic loss, third derivative summed over samples)
    equal the closed forms; the slope is the gradient along the direction."""
    from sparsefit._kernels import glm_datafits as gd

    fam = gd.LOGISTIC if fam_name == "logistic" else gd.POISSON
    rng = np.random.default_rng(2)
    n = 300
    y = ((rng.random(n) < 0.3).astype(float) if fam == gd.LOGISTIC
         else rng.poisson(2.0, n).astype(float))
    sw = rng.uniform(0.0, 2.0, n)
    eta, deta = rng.standard_normal(n) * 3, rng.standard_normal(n)
    et, g, h, ec = (np.empty(n) for _ in range(4))
    slope, gs, hs, h3 = gd.trial_point(fam, y, 0.0, 0.0, sw, eta, deta, 0.5, et, g, h, ec,
                                       np.empty(n))
    x = eta + 0.5 * deta
    if fam == gd.LOGISTIC:
        p = expit(x)
        g_ref, h_ref, h3_ref = sw * (p - y), sw * p * (1 - p), sw @ (p * (1 - p) * (1 - 2 * p))
    else:  # Newton steps for the intercept: no third derivative
        g_ref, h_ref, h3_ref = sw * (np.exp(x) - y), sw * np.exp(x), 0.0
    np.testing.assert_allclose(g, g_ref, rtol=1e-13)
    np.testing.assert_allclose(h, h_ref, rtol=1e-13)
    np.testing.assert_array_equal(et, x)
    assert slope == pytest.approx(g_ref @ deta, rel=1e-12)
    assert (gs, hs) == pytest.approx((g_ref.sum(), h_ref.sum()), rel=1e-12)
    assert h3 == pytest.approx(h3_ref, rel=1e-12, abs=1e-300)
    assert gd.intercept_sums(fam, y, sw, g, h) == pytest.approx((gs, hs, h3), rel=1e-12,
                                                                abs=1e-300)


def test_polish_intercept_reaches_the_floor_in_one_pass():
    """From the small intercept error a Newton step of the coefficients leaves, the
    polish (Halley steps) makes the intercept's gradient vanish to rounding in one pass
    over the samples; from a far start it still converges (Newton where Halley's
    correction is large, steps halved until the gradient shrinks)."""
    from scipy.optimize import brentq

    from sparsefit._kernels import glm_datafits as gd
    from sparsefit._kernels import glm_newton as gn

    rng = np.random.default_rng(4)
    n = 500
    y = (rng.random(n) < 0.2).astype(float)
    sw = rng.uniform(0.5, 1.5, n)
    base = rng.standard_normal(n) * 2
    b_opt = brentq(lambda b: sw @ (expit(base + b) - y), -20, 20, xtol=1e-15)
    df = (gd.LOGISTIC, y, np.zeros(n), 0.0, 0.0, sw, np.zeros(n))
    for b0, max_passes in ((b_opt + 3e-6, 1), (b_opt - 1e-5, 1), (b_opt + 8.0, 60)):
        eta = base + b0
        g, h, ec = np.empty(n), np.empty(n), np.empty(n)
        gd.grad_hess_cache(gd.LOGISTIC, y, 0.0, 0.0, sw, eta, g, h, ec)
        ist = np.zeros(gn.N_STATE, dtype=np.int64)
        b = gn.polish_intercept(df, eta, b0, g, h, ec, *(np.empty(n) for _ in range(4)), ist,
                                gd.intercept_sums(gd.LOGISTIC, y, sw, g, h))
        assert b == pytest.approx(b_opt, abs=1e-12)
        assert abs(g.sum()) <= 1e-12 * np.abs(g).sum()
        np.testing.assert_allclose(g, sw * (expit(eta) - y), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(eta, base + b, rtol=0, atol=1e-12)
        assert 1 <= ist[gn.N_EVALS] <= max_passes


@pytest.mark.parametrize("sparse", [False, True])
def test_refresh_computes_exactly_the_features_no_bound_clears(sparse):
    """The certificate's refresh (branch-free flags read 8 at a time) recomputes ``x_j^T g``
    for exactly the movable, not yet known features that neither reference bound proves
    optimal at zero, the support always; on ``p`` not a multiple of 8, with a NaN bound
    (never a reason to skip) and fixed features.  Without a reference it is a full pass.
    """
    from sparsefit._kernels import glm_newton as gn
    from sparsefit.solvers.prox_newton import design_tuple

    rng = np.random.default_rng(11)
    n, p = 30, 61
    X = rng.standard_normal((n, p))
    X[:, 5] = 0.0  # a zero column: norm 0
    Xd = sp.csc_matrix(X) if sparse else np.asfortranarray(X)
    D, nrm = design_tuple(Xd), np.linalg.norm(X, axis=0)
    w = np.where(rng.random(p) < 0.15, rng.standard_normal(p), 0.0)
    g, gref, glast = (rng.standard_normal(n) * 0.1 for _ in range(3))
    a = rng.uniform(0.05, 0.4, p)
    movable = rng.random(p) < 0.9
    w[~movable] = 0.0
    cref = rng.standard_normal(p) * 0.2
    cref[7] = np.nan
    stamp = rng.choice([3, 4, 9], p)  # 9 = known now, 4 = known at the previous refresh
    corr0 = rng.standard_normal(p) * 0.1
    for have_ref in (1, 0):  # 0: no reference yet
        corr = corr0.copy()
        st = (gref.copy(), cref.copy(), stamp.copy(), np.empty(p, np.int64),
              np.empty(p, np.int64), glast.copy(), np.zeros(64, np.uint8))
        ist = np.zeros(gn.N_STATE, dtype=np.int64)
        ist[gn._VER], ist[gn._VER_LAST], ist[gn._HAVE_REF] = 9, 4, have_ref
        ist[gn._WORK_FULL] = 10**9  # never a full pass
        gn._refresh(D, nrm, w, g, a, movable, corr, st, ist, 1.0 / n)
        d, d_last = (gn._distance(g, r) / n for r in (gref, glast))
        expected = []
        for j in range(p):
            if not movable[j] or stamp[j] == 9:
                continue
            bound = abs(cref[j]) * (1 + gn.BOUND_SLACK) + nrm[j] * d
            if stamp[j] == 4:
                bound = min(bound, abs(corr0[j]) * (1 + gn.BOUND_SLACK) + nrm[j] * d_last)
            if w[j] == 0 and bound < a[j]:
                continue
            expected.append(j)
        if not have_ref:  # every movable feature, and it becomes the reference
            assert ist[gn.N_FULL] == 1 and ist[gn._HAVE_REF] == 1
            np.testing.assert_allclose(corr[movable], -X[:, movable].T @ g / n, rtol=1e-12,
                                       atol=1e-15)
            np.testing.assert_array_equal(st[1][movable], corr[movable])
            np.testing.assert_array_equal(st[0], g)
            assert np.all(st[2][movable] == 9)
            continue
        new = np.flatnonzero((st[2] == 9) & (stamp != 9))
        np.testing.assert_array_equal(new, expected)
        assert 7 in expected and np.count_nonzero(w) > 0 and 0 < len(expected) < movable.sum()
        assert set(np.flatnonzero(w)) - set(np.flatnonzero(stamp == 9)) <= set(expected)
        np.testing.assert_allclose(corr[new], -X[:, new].T @ g / n, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(np.delete(corr, new), np.delete(corr0, new))
        assert ist[gn.N_COLS] == (np.count_nonzero(X[:, new]) if sparse else n * len(new))
        assert ist[gn.N_FULL] == 0
