"""sparsefit's own splitters and ROC AUC against scikit-learn's (the reference, tests only).

An int ``cv`` must give exactly scikit-learn's folds (same samples, same fold order): the
CV tests compare LassoCV / LogisticRegressionCV fold by fold.
"""

import warnings

import numpy as np
import pytest
from sklearn import model_selection as skms
from sklearn.metrics import accuracy_score as sk_accuracy
from sklearn.metrics import r2_score as sk_r2
from sklearn.metrics import roc_auc_score as sk_auc

from sparsefit._metrics import accuracy_score, r2_score, roc_auc_score
from sparsefit.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
    make_folds,
)


def assert_same_folds(ours, theirs):
    ours, theirs = list(ours), list(theirs)
    assert len(ours) == len(theirs)
    for (tr, te), (str_, ste) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(tr, str_)
        np.testing.assert_array_equal(te, ste)


@pytest.mark.parametrize("n", [2, 7, 20, 101, 442])
@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_kfold_matches_sklearn(n, k):
    if k > n:
        pytest.skip("more folds than samples")
    X = np.zeros((n, 2))
    assert_same_folds(KFold(k).split(X), skms.KFold(k).split(X))
    for seed in (0, 7):
        assert_same_folds(KFold(k, shuffle=True, random_state=seed).split(X),
                          skms.KFold(k, shuffle=True, random_state=seed).split(X))
    rs_ours, rs_sk = np.random.RandomState(3), np.random.RandomState(3)
    assert_same_folds(KFold(k, shuffle=True, random_state=rs_ours).split(X),
                      skms.KFold(k, shuffle=True, random_state=rs_sk).split(X))


def _labels(n, weights, seed, kind):
    rng = np.random.default_rng(seed)
    y = rng.choice(len(weights), size=n, p=np.asarray(weights) / np.sum(weights))
    if kind == "str":
        return np.array(["zeta", "alpha", "mid", "beta", "omega"])[y]
    if kind == "float":
        return y.astype(float) * 2 - 1
    return y


@pytest.mark.parametrize("n", [30, 61, 200])
@pytest.mark.parametrize("k", [2, 3, 5, 10])
@pytest.mark.parametrize("weights", [[1, 1], [9, 1], [5, 3, 2], [1, 1, 1, 1, 6]])
@pytest.mark.parametrize("kind", ["int", "str", "float"])
def test_stratified_kfold_matches_sklearn(n, k, weights, kind):
    y = _labels(n, weights, seed=n + k, kind=kind)
    X = np.zeros((n, 1))
    if np.unique(y, return_counts=True)[1].min() < k:
        with pytest.warns(UserWarning, match="least populated class"):
            ours = list(StratifiedKFold(k).split(X, y))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ours = list(StratifiedKFold(k).split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same_folds(ours, skms.StratifiedKFold(k).split(X, y))
        for seed in (0, 1):
            assert_same_folds(
                StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y),
                skms.StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_group_kfold_matches_sklearn(seed, k):
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(k, 40))
    groups = rng.integers(0, n_groups, size=int(rng.integers(max(k, n_groups), 300)))
    if np.unique(groups).size < k:
        groups = np.r_[groups, np.arange(k)]
    X = np.zeros((groups.size, 1))
    # equal group sizes included (ties): the folds still match on the same numpy
    assert_same_folds(GroupKFold(k).split(X, None, groups),
                      skms.GroupKFold(k).split(X, None, groups))
    labels = np.array([f"g{g:03d}" for g in groups])  # any label type
    assert_same_folds(GroupKFold(k).split(X, None, labels),
                      skms.GroupKFold(k).split(X, None, labels))


def test_group_kfold_equal_groups_matches_sklearn():
    groups = np.repeat(np.arange(12), 5)  # tests/test_cv.py compares cv=4 with GroupKFold(4)
    X = np.zeros((60, 1))
    assert_same_folds(GroupKFold(4).split(X, None, groups),
                      skms.GroupKFold(4).split(X, None, groups))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_stratified_group_kfold_matches_sklearn(seed, k):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(60, 250))
    groups = rng.integers(0, int(rng.integers(k * 2, 40)), size=n)
    # classes that depend on the group, so groups are unevenly spread over the classes
    bias = rng.random(groups.max() + 1)
    y = (rng.random(n) < bias[groups]).astype(int) + (rng.random(n) < 0.2)
    X = np.zeros((n, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = list(StratifiedGroupKFold(k).split(X, y, groups))
        theirs = list(skms.StratifiedGroupKFold(k).split(X, y, groups))
    for tr, te in ours:  # groups never straddle; every sample tested once
        assert not set(groups[tr]) & set(groups[te])
    np.testing.assert_array_equal(np.sort(np.concatenate([te for _, te in ours])), np.arange(n))
    # the same greedy scheme and tie rule: the same folds
    assert_same_folds(ours, theirs)


def test_stratified_group_kfold_trivial_groups_is_stratified():
    """With one sample per group the class shares are as even as StratifiedKFold's."""
    y = _labels(90, [6, 3, 1], seed=4, kind="int")
    X = np.zeros((90, 1))
    for _, te in StratifiedGroupKFold(3).split(X, y, np.arange(90)):
        counts = np.bincount(y[te], minlength=3)
        np.testing.assert_allclose(counts, np.bincount(y) / 3, atol=1)


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")  # n=20, k=5
@pytest.mark.parametrize("stratify", [False, True])
@pytest.mark.parametrize("n, k", [(20, 5), (442, 5), (72, 10), (31, 3)])
def test_int_cv_folds_are_sklearn_defaults(n, k, stratify):
    X = np.zeros((n, 2))
    y = _labels(n, [2, 1], seed=n, kind="int")
    splitter = skms.StratifiedKFold(k) if stratify else skms.KFold(k)
    assert_same_folds(make_folds(k, X, y, stratify=stratify), splitter.split(X, y))


def test_make_folds_accepts_sklearn_splitters_and_pairs():
    X = np.zeros((30, 1))
    y = np.arange(30) % 2
    groups = np.arange(30) // 3
    sk = skms.GroupShuffleSplit(n_splits=3, test_size=0.3, random_state=0)
    assert_same_folds(make_folds(sk, X, y, groups), sk.split(X, y, groups))
    pairs = [(np.arange(10, 30), np.arange(10)), (np.arange(20), np.arange(20, 30))]
    assert_same_folds(make_folds(iter(pairs), X, y), pairs)
    ours = KFold(3, shuffle=True, random_state=1)
    assert_same_folds(make_folds(ours, X, y), ours.split(X))
    with pytest.raises(ValueError, match="not supported"):
        make_folds("five", X, y)


def test_our_splitters_work_in_sklearn():
    """Our splitters have get_n_splits, so scikit-learn's CV tools take them."""
    from sklearn.linear_model import Ridge

    X = np.random.default_rng(0).standard_normal((40, 3))
    y = X[:, 0]
    ours = skms.cross_val_score(Ridge(), X, y, cv=KFold(4))
    np.testing.assert_allclose(ours, skms.cross_val_score(Ridge(), X, y, cv=skms.KFold(4)))


@pytest.mark.parametrize("make, match", [
    (lambda: KFold(1), "n_splits"),
    (lambda: KFold(3, random_state=0), "shuffle is False"),
    (lambda: list(KFold(5).split(np.zeros((3, 1)))), "greater than the number of samples"),
    (lambda: list(StratifiedKFold(3).split(np.zeros((4, 1)), None)), "should not be None"),
    (lambda: list(StratifiedKFold(3).split(np.zeros((4, 1)), np.linspace(0, 1, 4))),
     "continuous"),
    (lambda: list(StratifiedKFold(3).split(np.zeros((4, 1)), np.r_[0, 0, 1, 1])),
     "cannot be greater than the number of members in each class"),
    (lambda: list(GroupKFold(3).split(np.zeros((4, 1)), None, np.r_[0, 0, 1, 1])),
     "greater than the number of groups"),
    (lambda: list(GroupKFold(2).split(np.zeros((4, 1)))), "'groups' parameter"),
])
def test_splitter_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# --------------------------------------------------------------------------- metrics
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_auc_matches_sklearn_with_ties(seed, weighted):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 200))
    y = rng.random(n) < rng.uniform(0.1, 0.9)
    y[:2] = [True, False]
    score = np.round(rng.standard_normal(n), 1)  # many ties
    sw = rng.random(n) * (rng.random(n) < 0.8) if weighted else None
    if weighted:
        sw[:2] = 1.0
    assert roc_auc_score(y, score, sample_weight=sw) == pytest.approx(
        sk_auc(y, score, sample_weight=sw), abs=1e-14)
    assert roc_auc_score(y.astype(int), np.zeros(n)) == 0.5  # all tied
    assert roc_auc_score(y, y.astype(float)) == 1.0


def test_roc_auc_one_class_is_an_error():
    with pytest.raises(ValueError, match="Only one class"):
        roc_auc_score(np.ones(5, bool), np.arange(5.0))


@pytest.mark.parametrize("weighted", [False, True])
def test_r2_and_accuracy_match_sklearn(weighted):
    rng = np.random.default_rng(0)
    y, p = rng.standard_normal(50), rng.standard_normal(50)
    sw = rng.random(50) if weighted else None
    assert r2_score(y, p, sw) == pytest.approx(sk_r2(y, p, sample_weight=sw), rel=1e-13)
    assert r2_score(np.ones(5), np.ones(5)) == sk_r2(np.ones(5), np.ones(5)) == 1.0
    assert r2_score(np.ones(5), np.zeros(5)) == sk_r2(np.ones(5), np.zeros(5)) == 0.0
    labels, pred = rng.integers(0, 3, 50), rng.integers(0, 3, 50)
    assert accuracy_score(labels, pred, sw) == pytest.approx(
        sk_accuracy(labels, pred, sample_weight=sw), rel=1e-14)


@pytest.mark.parametrize("bad", ["nan_pred", "inf_score", "nan_weight", "negative_weight",
                                 "zero_weights"])
def test_scores_reject_non_finite_values_and_bad_weights(bad):
    """A score of NaN/inf inputs or of invalid weights is an error, never a NaN score."""
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = np.array([0.1, 0.8, 0.7, 0.3, 0.9])
    sw = None
    if bad == "nan_pred":
        p[2] = np.nan
    elif bad == "inf_score":
        p[0] = np.inf
    else:
        sw = {"nan_weight": np.r_[1.0, np.nan, 1, 1, 1],
              "negative_weight": np.r_[1.0, -1, 1, 1, 1], "zero_weights": np.zeros(5)}[bad]
    for score in (r2_score, roc_auc_score):
        with pytest.raises(ValueError, match="NaN or inf|sample_weight"):
            score(y, p, sample_weight=sw)
