"""Regenerate tests/reference/glmnet_saheart_cv.npz: cv.glmnet, binomial, fixed fold ids.

Needs ``Rscript`` with glmnet (4.1.6 was used); a few seconds.

    python tests/reference/make_glmnet_cv_binomial.py

Data: esl_saheart (462 x 9, all columns numeric as stored, y = chd in {0, 1}) from the
shared data folder.  ``foldid = rep(1:10, length.out = n)``; the lambda sequence is glmnet's
own for the full data (defaults: nlambda = 100, lambda.min.ratio 1e-4, early stop),
**passed explicitly** as ``lambda=`` to cv.glmnet, standardize = TRUE, intercept = TRUE,
``thresh = 1e-20`` (tight, so that the stored ``cvm`` is that of the exact fold solutions),
``maxit = 1e7``.  One call per
``type.measure`` in ("deviance", "class", "auc") on the same folds (the fits are identical).

Why ``lambda=`` explicitly: without it, cv.glmnet 4.1.6 fits every fold on the fold's *own*
lambda sequence (``cv.glmnet.raw`` passes the user's ``lambda``, NULL, to the fold fits) and
lines the folds up at the full-data lambdas by interpolating their coefficients
(``alignment="lambda"``); with it, every fold is solved exactly at the full-data lambdas,
which is what sparsefit does.  The default call's choice is stored too
(``auto_lambda_min_deviance``, ``auto_lambda_1se_deviance``, ``auto_cvm_deviance``).

Keys (all numeric arrays or 0-d unicode; ``np.load(..., allow_pickle=False)`` works):
``lambda``; ``foldid`` (1-based); ``cvm_<m>``, ``cvsd_<m>``, ``lambda_min_<m>``,
``lambda_1se_<m>``, ``index_min_1se_<m>`` (0-based) for m in deviance, class, auc;
``nzero``; ``beta`` (p, nlam), ``a0`` (nlam) of the full-data fit; ``dev_ratio``;
``dataset``, ``r_version``, ``glmnet_version``, ``r_call``.
"""

import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("SPARSEFIT_DATA", HERE.parents[2] / "shared" / "data"))
MEASURES = ("deviance", "class", "auc")

R_CODE = r"""
suppressPackageStartupMessages(library(glmnet))
d <- commandArgs(trailingOnly = TRUE)[[1]]
dims <- scan(file.path(d, "dims.txt"), quiet = TRUE)
n <- dims[1]; p <- dims[2]
X <- matrix(readBin(file.path(d, "X.bin"), "double", n = n * p, size = 8, endian = "little"),
            nrow = n)
y <- readBin(file.path(d, "y.bin"), "double", n = n, size = 8, endian = "little")
foldid <- rep(1:10, length.out = n)
w <- function(x, name) writeLines(sprintf("%.17g", x), file.path(d, paste0(name, ".txt")))
auto <- cv.glmnet(X, y, family = "binomial", foldid = foldid, thresh = 1e-20, maxit = 1e7)
w(auto$cvm, "auto_cvm"); w(c(auto$lambda.min, auto$lambda.1se), "auto_sel")
for (m in c("deviance", "class", "auc")) {
  cvfit <- cv.glmnet(X, y, family = "binomial", foldid = foldid, type.measure = m,
                     lambda = auto$lambda, thresh = 1e-20, maxit = 1e7)
  w(cvfit$cvm, paste0("cvm_", m)); w(cvfit$cvsd, paste0("cvsd_", m))
  w(c(cvfit$lambda.min, cvfit$lambda.1se), paste0("sel_", m))
  w(cvfit$index[, 1] - 1, paste0("idx_", m))
}
w(cvfit$lambda, "lambda"); w(cvfit$nzero, "nzero")
w(as.vector(as.matrix(cvfit$glmnet.fit$beta)), "beta"); w(cvfit$glmnet.fit$a0, "a0")
w(cvfit$glmnet.fit$dev.ratio, "dev_ratio")
writeLines(c(R.version.string, as.character(packageVersion("glmnet"))),
           file.path(d, "versions.txt"))
"""


def main():
    with np.load(DATA / "esl_saheart.npz", allow_pickle=False) as f:
        X = np.asarray(f["X"], dtype=np.float64)
        y = np.asarray(f["y"], dtype=np.float64)
    n, p = X.shape
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        np.asfortranarray(X).T.astype("<f8").tofile(td / "X.bin")  # column-major for R
        y.astype("<f8").tofile(td / "y.bin")
        (td / "dims.txt").write_text(f"{n} {p}\n")
        (td / "run.R").write_text(R_CODE)
        subprocess.run(["Rscript", "--vanilla", str(td / "run.R"), str(td)], check=True)

        def rd(name):
            return np.loadtxt(td / f"{name}.txt", ndmin=1)

        lam = rd("lambda")
        out = dict(lambda_=lam, nzero=rd("nzero").astype(np.int64),
                   beta=rd("beta").reshape(lam.size, p).T.copy(), a0=rd("a0"),
                   dev_ratio=rd("dev_ratio"),
                   foldid=(np.arange(n) % 10 + 1).astype(np.int64))
        for m in MEASURES:
            sel = rd(f"sel_{m}")
            out[f"cvm_{m}"] = rd(f"cvm_{m}")
            out[f"cvsd_{m}"] = rd(f"cvsd_{m}")
            out[f"lambda_min_{m}"], out[f"lambda_1se_{m}"] = sel[0], sel[1]
            out[f"index_min_1se_{m}"] = rd(f"idx_{m}").astype(np.int64)
        auto = rd("auto_sel")
        out["auto_cvm_deviance"] = rd("auto_cvm")
        out["auto_lambda_min_deviance"], out["auto_lambda_1se_deviance"] = auto[0], auto[1]
        r_version, glmnet_version = (td / "versions.txt").read_text().splitlines()[:2]
    out["lambda"] = out.pop("lambda_")
    out.update(dataset=np.array("esl_saheart.npz"), r_version=np.array(r_version),
               glmnet_version=np.array(glmnet_version),
               r_call=np.array('cv.glmnet(X, y, family="binomial", foldid=rep(1:10, '
                               'length.out=n), type.measure=m, lambda=<full-data glmnet '
                               'sequence>, thresh=1e-20, maxit=1e7)'))
    np.savez(HERE / "glmnet_saheart_cv.npz", **out)
    print(f"wrote {HERE / 'glmnet_saheart_cv.npz'}: {lam.size} lambdas")


if __name__ == "__main__":
    main()
