# Compute one glmnet reference case.  Called by make_glmnet_refs.py as
#     Rscript glmnet_refs.R <case_dir>
# <case_dir> holds spec.txt (key=value lines) and little-endian float64 files
# X.bin (row-major n x p), y.bin, and optionally weights.bin, penalty_factor.bin,
# lower.bin, upper.bin, foldid.bin, lambda.bin.  Results are written to
# <case_dir>/out/<name>.txt, one number per line, formatted with "%.17g"
# (matrices in column-major order), so they round-trip exactly to float64.
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]
suppressPackageStartupMessages(library(glmnet))

spec <- list()
for (l in readLines(file.path(d, "spec.txt"))) {
  kv <- strsplit(l, "=", fixed = TRUE)[[1]]
  spec[[kv[1]]] <- paste(kv[-1], collapse = "=")
}
n <- as.integer(spec$n)
p <- as.integer(spec$p)

rd <- function(name, len, default = NULL) {
  f <- file.path(d, paste0(name, ".bin"))
  if (!file.exists(f)) return(default)
  con <- file(f, "rb")
  on.exit(close(con))
  v <- readBin(con, "double", n = len + 1, size = 8, endian = "little")
  stopifnot(length(v) == len)
  v
}
as_bool <- function(s) toupper(s) %in% c("TRUE", "1", "T")

X <- matrix(rd("X", n * p), nrow = n, ncol = p, byrow = TRUE)
y <- rd("y", n)
w <- rd("weights", n, rep(1, n))
pf <- rd("penalty_factor", p, rep(1, p))
lower <- rd("lower", p, rep(-Inf, p))
upper <- rd("upper", p, rep(Inf, p))
nlam_user <- if (is.null(spec$n_lambda_user)) 0L else as.integer(spec$n_lambda_user)
lam <- if (nlam_user > 0) rd("lambda", nlam_user) else NULL
family <- spec$family
alpha <- as.numeric(spec$alpha)
nlambda <- as.integer(spec$nlambda)
standardize <- as_bool(spec$standardize)
intercept <- as_bool(spec$intercept)
type.multinomial <- if (is.null(spec$type_multinomial)) "ungrouped" else spec$type_multinomial
thresh <- as.numeric(spec$thresh)
maxit <- as.numeric(spec$maxit)
do_cv <- as_bool(spec$cv)

out <- file.path(d, "out")
dir.create(out, showWarnings = FALSE)
wr <- function(name, x) {
  writeLines(sprintf("%.17g", as.numeric(as.vector(x))), file.path(out, paste0(name, ".txt")))
}
wrs <- function(name, s) writeLines(as.character(s), file.path(out, paste0(name, ".txt")))

if (do_cv) {
  foldid <- as.integer(rd("foldid", n))
  cvfit <- cv.glmnet(X, y, weights = w, lambda = lam, type.measure = "mse",
                     foldid = foldid, family = family, alpha = alpha,
                     nlambda = nlambda, standardize = standardize,
                     intercept = intercept, penalty.factor = pf,
                     lower.limits = lower, upper.limits = upper,
                     thresh = thresh, maxit = maxit)
  fit <- cvfit$glmnet.fit
  wr("cv_lambda", cvfit$lambda)
  wr("cvm", cvfit$cvm)
  wr("cvsd", cvfit$cvsd)
  wr("cvup", cvfit$cvup)
  wr("cvlo", cvfit$cvlo)
  wr("nzero", cvfit$nzero)
  wr("lambda_min", cvfit$lambda.min)
  wr("lambda_1se", cvfit$lambda.1se)
  wr("index_min_1se", cvfit$index)  # 1-based indices into cv_lambda
} else {
  fit <- glmnet(X, y, family = family, weights = w, alpha = alpha,
                nlambda = nlambda, lambda = lam, standardize = standardize,
                intercept = intercept, penalty.factor = pf,
                lower.limits = lower, upper.limits = upper,
                thresh = thresh, maxit = maxit,
                type.multinomial = type.multinomial)
}

wr("lambda", fit$lambda)
wr("df", fit$df)
wr("dev_ratio", fit$dev.ratio)
wr("nulldev", fit$nulldev)
wr("npasses", fit$npasses)
wr("jerr", fit$jerr)
if (family == "multinomial") {
  # a0: K x nlambda; beta: list of K sparse p x nlambda matrices
  wr("a0", fit$a0)
  K <- length(fit$beta)
  wr("n_classes", K)
  for (k in seq_len(K)) wr(paste0("beta_", k), as.matrix(fit$beta[[k]]))
  wr("dfmat", fit$dfmat)
  wrs("classnames", fit$classnames)
} else {
  wr("a0", fit$a0)
  wr("beta", as.matrix(fit$beta))
  if (!is.null(fit$classnames)) wrs("classnames", fit$classnames)
}
wrs("r_version", R.version.string)
wrs("glmnet_version", as.character(packageVersion("glmnet")))
ctl <- glmnet.control()
wr("glmnet_control", c(ctl$fdev, ctl$devmax, ctl$eps, ctl$big, ctl$mnlam, ctl$pmin,
                       ctl$exmx, ctl$prec, ctl$mxit, ctl$epsnr, ctl$mxitnr))
