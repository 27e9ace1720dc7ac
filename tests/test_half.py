"""The half-precision copy of a dense design and its screening pass (sparsefit._kernels.half).

The certificates skip a feature on the pass's value plus ``half_error(n) ||x_j|| ||r||``,
so that bound must hold for any column and residual scale, including columns and
residuals far outside binary16's range, and residuals chosen so that the rounding errors
add up instead of cancelling.
"""

import numpy as np
import pytest

from sparsefit._kernels.half import half_dots, half_error, make_half_copy


def _norm(v):
    """``||v||`` without underflow (numpy squares the entries)."""
    big = np.max(np.abs(v))
    return 0.0 if big == 0 else big * np.linalg.norm(v / big)


def _pass(X, r):
    n, p = X.shape
    norms = np.linalg.norm(X, axis=0)
    XH = np.empty((p, n), np.uint16)
    unscale = np.empty(p)
    make_half_copy(np.asfortranarray(X), norms, XH, unscale)
    out = np.empty(p)
    rnorm = half_dots(XH, unscale, r, np.empty(n, np.float32), out)
    assert rnorm == pytest.approx(_norm(r), rel=1e-14)
    return XH, unscale, out, norms


def test_copy_is_binary16_of_each_column_scaled_by_a_power_of_two():
    rng = np.random.default_rng(0)
    n, p = 50, 30
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-30, 30, p)
    X[:, 0] = 0.0
    XH, unscale, _, norms = _pass(X, rng.standard_normal(n))
    for j in range(p):
        s = 1.0 / unscale[j]
        assert np.log2(s) == np.round(np.log2(s))  # a power of two
        if j == 0:
            assert s == 1.0 and not XH[0].any()
            continue
        assert 2.0**13 <= norms[j] * s < 2.0**14
        expected = (X[:, j] * s).astype(np.float32).astype(np.float16)
        np.testing.assert_array_equal(XH[j], expected.view(np.uint16))


@pytest.mark.parametrize("n", [1, 7, 64, 360, 2000])
@pytest.mark.parametrize("r_scale", [1e-180, 1e-40, 1.0, 1e40, 1e180])
def test_pass_is_within_its_bound_for_any_scale(n, r_scale):
    """Columns from 1e-100 to 1e100 and residuals from 1e-180 to 1e180 (float32 covers
    1e-45 to 3e38; the squares of 1e-180 underflow even in float64)."""
    rng = np.random.default_rng(n)
    p = 40
    X = rng.standard_normal((n, p)) * 10.0 ** rng.uniform(-100, 100, p)
    X[:, :5] = rng.standard_normal((n, 5)) * 10.0 ** rng.uniform(-3, 3, (n, 5))  # ragged
    r = rng.standard_normal(n) * r_scale
    _, _, out, norms = _pass(X, r)
    exact = X.T @ r
    bound = half_error(n) * norms * _norm(r)
    assert np.all(np.isfinite(out))
    assert np.all(np.abs(out - exact) <= bound)


@pytest.mark.parametrize("n", [64, 300, 1000])
def test_bound_holds_when_rounding_errors_add_up(n):
    """``r`` takes the sign of each entry's rounding error (and ``|x_i|`` as weight), the
    worst direction for the copy's rounding: the error is then a sizeable fraction of the
    bound (leaving binary16's ``2^-11`` out of ``half_error`` fails this,
    mutation-checked), and still within it."""
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n) * (1 + 1 / 3)
    norm = np.linalg.norm(x)
    s = 2.0 ** (14 - np.frexp(norm)[1])
    rounded = (x * s).astype(np.float32).astype(np.float16).astype(np.float64) / s
    r = np.sign(rounded - x) * np.abs(x)
    X = x[:, None]
    _, _, out, norms = _pass(X, r)
    err = abs(out[0] - x @ r)
    bound = half_error(n) * norms[0] * _norm(r)
    assert err <= bound
    assert err > 0.1 * bound


def test_error_bound_formula():
    assert half_error(100) == pytest.approx(1.01 * (2.0**-11 + 103 * 2.0**-24)
                                            + 2.0**-37 * 10.0)
    assert half_error(100_000) == np.inf
