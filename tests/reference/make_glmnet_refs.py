"""Regenerate the glmnet reference answers in tests/reference/glmnet_<case>.npz.

Runs R's glmnet live (needs ``Rscript`` with the glmnet package, 4.1.6 was used)
on the real data sets in ../shared/data beside the repository (override with $SPARSEFIT_DATA).

    python tests/reference/make_glmnet_refs.py            # all cases
    python tests/reference/make_glmnet_refs.py prostate_lasso_std ...

Inputs are handed to R as little-endian float64 binary files (exact; R's own
text-to-double parser is not guaranteed correctly rounded), outputs come back
as "%.17g" text (exact round trip).  The resulting .npz files hold only numeric
and unicode-string arrays and load with ``np.load(path, allow_pickle=False)``.
The data (X, y) are NOT copied; each file records ``dataset`` plus the row
selection and y transform needed to rebuild them (see ``load_case_data``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
R_SCRIPT = HERE / "glmnet_refs.R"
DATA_DIR = Path(os.environ.get(
    "SPARSEFIT_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))

THRESH = 1e-14
MAXIT = 1e7
# glmnet's stopping rule (max_j xv_j * dbeta_j^2 < thresh, standardized units)
# leaves coefficient errors ~ sqrt(thresh) * condition-dependent factor: with
# 1e-14 we measured up to 1e-4 relative error (riboflavin).  So each case is
# also refitted on the same lambda grid with THRESH_TIGHT -> *_tight keys.
THRESH_TIGHT = 1e-22

# ---------------------------------------------------------------------------
# case table
# ---------------------------------------------------------------------------
# keys: dataset, family, alpha, nlambda, standardize, intercept, plus optional
# y_transform ("none" | "standardize"), weights ("none" | "mod3"),
# penalty_factor (list), lower/upper (scalar, broadcast to p),
# type_multinomial, cv_folds (k -> foldid = rep(1:k, length.out=n)),
# cv_lambda_from_full (pass lambda= the full-data sequence to cv.glmnet).
_BASE = dict(family="gaussian", alpha=1.0, nlambda=100, standardize=True,
             intercept=True, y_transform="none", weights="none")


def _case(**kw):
    c = dict(_BASE)
    c.update(kw)
    return c


CASES = {
    # --- gaussian -----------------------------------------------------------
    "diabetes_lasso_std": _case(dataset="lars_diabetes_x.npz"),
    "diabetes_lasso_nostd": _case(dataset="lars_diabetes_x.npz", standardize=False),
    "prostate_lasso_std": _case(dataset="esl_prostate.npz"),
    # c(0,1,1,1,1,1,1,2) already sums to p = 8, so glmnet's rescaling is a no-op
    "prostate_lasso_pf": _case(dataset="esl_prostate.npz",
                               penalty_factor=[0, 1, 1, 1, 1, 1, 1, 2]),
    "prostate_lasso_weights": _case(dataset="esl_prostate.npz", weights="mod3"),
    "prostate_lasso_bounds": _case(dataset="esl_prostate.npz", lower=-0.1, upper=0.5),
    "prostate_lasso_nointercept": _case(dataset="esl_prostate.npz", intercept=False),
    "prostate_enet_stdy": _case(dataset="esl_prostate.npz", alpha=0.5,
                                y_transform="standardize"),
    "prostate_enet_stdy_nostd": _case(dataset="esl_prostate.npz", alpha=0.5,
                                      y_transform="standardize", standardize=False),
    "riboflavin_lasso": _case(dataset="riboflavin.npz"),
    "quickstart_lasso": _case(dataset="glmnet_QuickStartExample.npz"),
    # --- cv.glmnet (gaussian, type.measure="mse") ---------------------------
    "prostate_cv": _case(dataset="esl_prostate.npz", cv_folds=10),
    "riboflavin_cv": _case(dataset="riboflavin.npz", cv_folds=5, cv_lambda_from_full=True),
    # --- binomial -----------------------------------------------------------
    "saheart_binomial": _case(dataset="esl_saheart.npz", family="binomial"),
    "binomial_example": _case(dataset="glmnet_BinomialExample.npz", family="binomial"),
    "leukemia_binomial": _case(dataset="leukemia_golub.npz", family="binomial", nlambda=50),
    # --- multinomial --------------------------------------------------------
    "multinomial_ungrouped": _case(dataset="glmnet_MultinomialExample.npz",
                                   family="multinomial", type_multinomial="ungrouped"),
    "multinomial_grouped": _case(dataset="glmnet_MultinomialExample.npz",
                                 family="multinomial", type_multinomial="grouped"),
    # --- poisson ------------------------------------------------------------
    "poisson_example": _case(dataset="glmnet_PoissonExample.npz", family="poisson"),
}


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def load_case_data(ref_or_case, data_dir=DATA_DIR):
    """Return (X, y) for a case dict or a loaded reference npz.

    All rows are used.  y is cast to float64; if ``y_transform`` is
    "standardize", y <- (y - mean(y)) / sqrt(mean((y - mean(y))**2)).
    """
    def get(k):
        return str(ref_or_case[k])

    d = np.load(Path(data_dir) / get("dataset"), allow_pickle=False)
    X = np.ascontiguousarray(d["X"], dtype=np.float64)
    y = np.asarray(d["y"], dtype=np.float64)
    if get("y_transform") == "standardize":
        yc = y - y.mean()
        y = yc / np.sqrt(np.mean(yc ** 2))
    return X, y


def _inputs(case, n, p):
    w = np.ones(n)
    if case["weights"] == "mod3":
        w = 1.0 + (np.arange(n) % 3)          # 1,2,3,1,2,3,... (row 1 gets 1)
    pf = np.asarray(case.get("penalty_factor", np.ones(p)), dtype=np.float64)
    lower = np.full(p, float(case.get("lower", -np.inf)))
    upper = np.full(p, float(case.get("upper", np.inf)))
    k = case.get("cv_folds")
    foldid = (np.arange(n) % k + 1).astype(np.int64) if k else np.zeros(0, np.int64)
    return w, pf, lower, upper, foldid


def _wbin(path, a):
    np.asarray(a, dtype="<f8").tofile(path)


def _rtxt(out, name, dtype=np.float64):
    f = out / f"{name}.txt"
    if not f.exists():
        return None
    lines = f.read_text().split("\n")
    lines = [s for s in lines if s != ""]
    if dtype is str:
        return lines
    return np.array([float(s) for s in lines], dtype=np.float64)


def run_r(case, X, y, w, pf, lower, upper, foldid, lam=None, cv=False, thresh=THRESH):
    n, p = X.shape
    with tempfile.TemporaryDirectory(prefix="glmnet_ref_") as td:
        td = Path(td)
        _wbin(td / "X.bin", X)                 # row-major
        _wbin(td / "y.bin", y)
        _wbin(td / "weights.bin", w)
        _wbin(td / "penalty_factor.bin", pf)
        _wbin(td / "lower.bin", lower)
        _wbin(td / "upper.bin", upper)
        spec = dict(n=n, p=p, family=case["family"], alpha=repr(float(case["alpha"])),
                    nlambda=case["nlambda"], standardize=case["standardize"],
                    intercept=case["intercept"], thresh=repr(thresh), maxit=repr(MAXIT),
                    type_multinomial=case.get("type_multinomial", "ungrouped"),
                    cv=cv, n_lambda_user=0 if lam is None else len(lam))
        if cv:
            _wbin(td / "foldid.bin", foldid)
        if lam is not None:
            _wbin(td / "lambda.bin", lam)
        (td / "spec.txt").write_text("".join(f"{k}={v}\n" for k, v in spec.items()))
        subprocess.run(["Rscript", "--vanilla", str(R_SCRIPT), str(td)], check=True)
        out = td / "out"
        res = {}
        for name in ["lambda", "a0", "df", "dev_ratio", "nulldev", "npasses", "jerr",
                     "cv_lambda", "cvm", "cvsd", "cvup", "cvlo", "nzero", "lambda_min",
                     "lambda_1se", "index_min_1se", "n_classes", "dfmat", "glmnet_control",
                     "beta"]:
            v = _rtxt(out, name)
            if v is not None:
                res[name] = v
        for name in ["r_version", "glmnet_version", "classnames"]:
            v = _rtxt(out, name, str)
            if v is not None:
                res[name] = v
        nl = len(res["lambda"])
        if case["family"] == "multinomial":
            K = int(res.pop("n_classes")[0])
            res["a0"] = res["a0"].reshape(K, nl, order="F")
            res["beta"] = np.stack([_rtxt(out, f"beta_{k + 1}").reshape(p, nl, order="F")
                                    for k in range(K)])
            res["dfmat"] = res["dfmat"].reshape(K, nl, order="F")
        else:
            res["beta"] = res["beta"].reshape(p, nl, order="F")
        return res


def make_case(name, case, outdir=HERE):
    X, y = load_case_data(case)
    n, p = X.shape
    w, pf, lower, upper, foldid = _inputs(case, n, p)
    lam = None
    cv = "cv_folds" in case
    if case.get("cv_lambda_from_full"):
        lam = run_r(case, X, y, w, pf, lower, upper, foldid)["lambda"]
    res = run_r(case, X, y, w, pf, lower, upper, foldid, lam=lam, cv=cv)
    tight = run_r(case, X, y, w, pf, lower, upper, foldid, lam=res["lambda"],
                  thresh=THRESH_TIGHT)
    if len(tight["lambda"]) != len(res["lambda"]) or tight["jerr"][0] != 0:
        raise RuntimeError(f"{name}: tight refit returned {len(tight['lambda'])} lambdas, "
                           f"jerr={tight['jerr'][0]}")
    if res["jerr"][0] != 0:
        print(f"  warning: {name}: glmnet jerr = {res['jerr'][0]}", file=sys.stderr)
    ctl = res.pop("glmnet_control")
    yt = "none"
    if case["y_transform"] == "standardize":
        yt = "y <- (y - mean(y)) / sqrt(mean((y - mean(y))^2))  (1/n variance)"
    rec = dict(
        case=np.array(name), family=np.array(case["family"]),
        dataset=np.array(case["dataset"]),
        rows=np.array("all"),
        y_transform=np.array(case["y_transform"]),
        y_transform_formula=np.array(yt),
        r_version=np.array(res.pop("r_version")[0]),
        glmnet_version=np.array(res.pop("glmnet_version")[0]),
        r_call=np.array(_describe_call(case, lam is not None, cv)),
        alpha=np.float64(case["alpha"]),
        nlambda=np.int64(case["nlambda"]),
        standardize=np.bool_(case["standardize"]),
        intercept=np.bool_(case["intercept"]),
        thresh=np.float64(THRESH), maxit=np.float64(MAXIT),
        weights=w, penalty_factor=pf, lower=lower, upper=upper, foldid=foldid,
        lambda_user=np.asarray(lam if lam is not None else np.zeros(0)),
        glmnet_control=ctl,
        glmnet_control_names=np.array(["fdev", "devmax", "eps", "big", "mnlam", "pmin",
                                       "exmx", "prec", "mxit", "epsnr", "mxitnr"]),
    )
    if case["family"] == "multinomial":
        rec["type_multinomial"] = np.array(case["type_multinomial"])
    if "classnames" in res:
        rec["classnames"] = np.array(res.pop("classnames"))
    if "index_min_1se" in res:               # R's cvfit$index is 1-based
        res["index_min_1se"] = res["index_min_1se"] - 1
    for k in ["df", "npasses", "jerr", "nzero", "index_min_1se"]:
        if k in res:
            res[k] = res[k].astype(np.int64)
    if "dfmat" in res:
        res["dfmat"] = res["dfmat"].astype(np.int64)
    for k in ["nulldev", "lambda_min", "lambda_1se"]:
        if k in res:
            res[k] = np.float64(res[k][0])
    res["npasses"] = np.int64(res["npasses"][0])
    res["jerr"] = np.int64(res["jerr"][0])
    rec.update(res)
    rec.update(beta_tight=tight["beta"], a0_tight=tight["a0"],
               dev_ratio_tight=tight["dev_ratio"], thresh_tight=np.float64(THRESH_TIGHT),
               npasses_tight=np.int64(tight["npasses"][0]))
    path = Path(outdir) / f"glmnet_{name}.npz"
    np.savez_compressed(path, **rec)
    chk = np.load(path, allow_pickle=False)
    assert all(chk[k].dtype != object for k in chk.files)
    return path


def _describe_call(case, user_lambda, cv):
    f = "cv.glmnet" if cv else "glmnet"
    parts = [f"{f}(x, y, family='{case['family']}', weights=weights",
             f"alpha={case['alpha']}", f"nlambda={case['nlambda']}",
             f"standardize={str(case['standardize']).upper()}",
             f"intercept={str(case['intercept']).upper()}",
             "penalty.factor=penalty_factor", "lower.limits=lower", "upper.limits=upper",
             f"thresh={THRESH:g}", f"maxit={MAXIT:g}"]
    if case["family"] == "multinomial":
        parts.append(f"type.multinomial='{case['type_multinomial']}'")
    if user_lambda:
        parts.append("lambda=lambda_user")
    if cv:
        parts += ["foldid=foldid", "type.measure='mse'"]
    return ", ".join(parts) + ")"


def main(argv):
    names = argv or list(CASES)
    for name in names:
        path = make_case(name, CASES[name])
        print(f"wrote {path.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main(sys.argv[1:])
