"""Single fits reproduce R glmnet 4.1.6 at every lambda of its stored gaussian paths.

The references were computed live with R's glmnet (tests/reference/make_glmnet_refs.py);
``beta_tight`` is glmnet rerun with thresh=1e-22 on the same lambdas.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from sparsefit import ElasticNet

REF = Path(__file__).parent / "reference"
sys.path.insert(0, str(REF))
from make_glmnet_refs import load_case_data  # noqa: E402

CASES = [
    "diabetes_lasso_std", "diabetes_lasso_nostd", "prostate_lasso_std", "prostate_lasso_pf",
    "prostate_lasso_weights", "prostate_lasso_bounds", "prostate_lasso_nointercept",
    "prostate_enet_stdy", "prostate_enet_stdy_nostd", "riboflavin_lasso", "quickstart_lasso",
]


def load_ref(case):
    with np.load(REF / f"glmnet_{case}.npz", allow_pickle=False) as d:
        ref = {k: d[k] for k in d.files}
    try:
        X, y = load_case_data(ref)
    except FileNotFoundError:
        pytest.skip("shared data not available")
    return ref, X, y


@pytest.mark.parametrize("case", CASES)
def test_fits_match_glmnet_path(case):
    ref, X, y = load_ref(case)
    p = X.shape[1]
    pf = ref["penalty_factor"] * p / ref["penalty_factor"].sum()  # glmnet's rescaling
    lambdas = ref["lambda"]
    if X.shape[1] > 1000:  # riboflavin: every 7th lambda keeps the test quick
        lambdas = lambdas[::7]
    est = ElasticNet(
        l1_ratio=float(ref["alpha"]), fit_intercept=bool(ref["intercept"]),
        standardize=bool(ref["standardize"]), penalty_factor=pf, lower_bounds=ref["lower"],
        upper_bounds=ref["upper"], tol=1e-13, warm_start=True, max_iter=100_000,
    )
    cols = np.searchsorted(-ref["lambda"], -lambdas)
    beta, a0 = ref["beta_tight"][:, cols], ref["a0_tight"][cols]
    scale = max(np.abs(ref["beta_tight"]).max(), 1e-12)
    for k, lam in enumerate(lambdas):
        est.set_params(alpha=float(lam)).fit(X, y, sample_weight=ref["weights"])
        np.testing.assert_allclose(est.coef_, beta[:, k], atol=2e-6 * scale, rtol=0,
                                   err_msg=f"{case}: lambda #{cols[k]} = {lam}")
        assert est.intercept_ == pytest.approx(a0[k], abs=2e-6 * max(scale, abs(a0[k])))
        # same support, up to round-off-sized entries glmnet keeps at lambda_max
        big = np.abs(beta[:, k]) > 1e-6 * scale
        assert np.all(est.coef_[big] != 0), f"{case}: support differs at lambda {lam}"
