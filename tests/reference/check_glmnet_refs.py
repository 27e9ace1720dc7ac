"""Sanity checks of the stored glmnet references (numpy only, no R).

    python tests/reference/check_glmnet_refs.py

For every lambda of every case it recomputes the KKT conditions of glmnet's
objective *on the original scale of X* from the stored a0/beta:

    1/(2n) sum_i w_i (y_i - a0 - x_i b)^2          (gaussian; -loglik/n otherwise)
      + lam * sum_j pf_j * ( alpha * s_j |b_j| + (1 - alpha) / (2 * ys) * s_j^2 b_j^2 )

with w normalised to sum to n, pf rescaled to sum to p, s_j the weighted
1/n standard deviation of column j when standardize=TRUE (centred when
intercept=TRUE, uncentred root-mean-square when intercept=FALSE) and s_j = 1
otherwise, and ys = the weighted 1/n standard deviation of y for gaussian
(ys = 1 for the other families).  It prints the largest violation divided by
lam, and compares against alternative conventions for s_j to show which one
glmnet uses.  Also checks nulldev/dev_ratio and the cv fit vs the plain fit.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_glmnet_refs import load_case_data  # noqa: E402


def col_scale(X, wn, standardize, intercept, variant="glmnet"):
    n = X.shape[0]
    if not standardize:
        return np.ones(X.shape[1])
    if variant == "unweighted":
        wn = np.ones(n)
    if variant == "uncentered":
        v = wn @ X ** 2 / n
    else:
        # glmnet uses the *centred* weighted sd even when intercept=FALSE
        m = wn @ X / n
        v = wn @ (X - m) ** 2 / n
    if variant == "n-1":
        v = v * n / (n - 1)
    return np.sqrt(v)


def kkt_violation(g, b, lam, pf, alpha, s, ridge, lower, upper, tol_bound=1e-10):
    """Per-coordinate KKT violation for
    f(b) + lam*sum pf_j (alpha s_j |b_j| + ridge_j/2 b_j^2), box lower<=b<=upper.
    g = grad of the smooth loss.  Returns |violation| per coordinate."""
    gg = g + lam * pf * ridge * b
    l1 = lam * pf * alpha * s
    viol = np.zeros_like(b)
    at_up = np.isfinite(upper) & (np.abs(b - upper) <= tol_bound * np.maximum(1, abs(upper)))
    at_lo = np.isfinite(lower) & (np.abs(b - lower) <= tol_bound * np.maximum(1, abs(lower)))
    zero = (b == 0) & ~at_up & ~at_lo
    free = ~zero & ~at_up & ~at_lo
    viol[free] = np.abs(gg[free] + l1[free] * np.sign(b[free]))
    viol[zero] = np.maximum(0.0, np.abs(gg[zero]) - l1[zero])
    # at upper bound (b>0 assumed): need gg + l1*sign(b) <= 0
    sgn = np.sign(b)
    viol[at_up] = np.maximum(0.0, gg[at_up] + l1[at_up] * sgn[at_up])
    viol[at_lo] = np.maximum(0.0, -(gg[at_lo] + l1[at_lo] * sgn[at_lo]))
    return viol


def check_glm(ref, variant="glmnet", suffix=""):
    fam = str(ref["family"])
    X, y = load_case_data(ref)
    n, p = X.shape
    w = ref["weights"]
    wn = w * n / w.sum()
    pf = ref["penalty_factor"] * p / ref["penalty_factor"].sum()
    alpha = float(ref["alpha"])
    std, icpt = bool(ref["standardize"]), bool(ref["intercept"])
    s = col_scale(X, wn, std, icpt, variant)
    ys = 1.0
    if fam == "gaussian":
        # glmnet's ys is the centred weighted 1/n sd of y (also when intercept=FALSE)
        ym = wn @ y / n
        ys = np.sqrt(wn @ (y - ym) ** 2 / n)
    ridge = (1 - alpha) * s ** 2 / ys
    lam, a0, beta = ref["lambda"], ref["a0" + suffix], ref["beta" + suffix]
    worst, worst_icpt = 0.0, 0.0
    for k in range(len(lam)):
        if fam == "multinomial":
            B = beta[:, :, k].T                       # p x K
            eta = a0[:, k] + X @ B
            eta -= eta.max(axis=1, keepdims=True)
            P = np.exp(eta)
            P /= P.sum(axis=1, keepdims=True)
            Y = (y[:, None] == np.arange(1, B.shape[1] + 1)[None, :]).astype(float)
            R = wn[:, None] * (Y - P)
            G = -(X.T @ R) / n                        # p x K
            if icpt:
                worst_icpt = max(worst_icpt, np.abs(R.sum(0) / n).max())
            if str(ref["type_multinomial"]) == "grouped":
                for j in range(p):
                    bj, gj = B[j], G[j]
                    nb = np.linalg.norm(bj)
                    if nb == 0:
                        v = max(0.0, np.linalg.norm(gj) - lam[k] * pf[j] * alpha * s[j])
                    else:
                        v = np.linalg.norm(gj + lam[k] * pf[j] * (alpha * s[j] * bj / nb + ridge[j] * bj))
                    worst = max(worst, v / (lam[k] * s[j]))
            else:
                for c in range(B.shape[1]):
                    v = kkt_violation(G[:, c], B[:, c], lam[k], pf, alpha, s, ridge,
                                      ref["lower"], ref["upper"])
                    worst = max(worst, (v / (lam[k] * s)).max())
            continue
        b = beta[:, k]
        eta = a0[k] + X @ b
        if fam == "gaussian":
            r = y - eta
        elif fam == "binomial":
            r = y - 1.0 / (1.0 + np.exp(-eta))
        elif fam == "poisson":
            r = y - np.exp(eta)
        else:
            raise ValueError(fam)
        g = -(X.T @ (wn * r)) / n
        if icpt:
            worst_icpt = max(worst_icpt, abs(wn @ r / n) / (ys if fam == "gaussian" else 1))
        v = kkt_violation(g, b, lam[k], pf, alpha, s, ridge, ref["lower"], ref["upper"])
        worst = max(worst, (v / (lam[k] * s)).max())
    return worst, worst_icpt


def check_gaussian_dev(ref):
    X, y = load_case_data(ref)
    n = len(y)
    w = ref["weights"]
    icpt = bool(ref["intercept"])
    ym = w @ y / w.sum() if icpt else 0.0
    nd_raw = w @ (y - ym) ** 2
    rss = np.array([w @ (y - ref["a0"][k] - X @ ref["beta"][:, k]) ** 2
                    for k in range(len(ref["lambda"]))])
    return (abs(float(ref["nulldev"]) - nd_raw) / nd_raw,
            np.abs(ref["dev_ratio"] - (1 - rss / nd_raw)).max(), n)


def main():
    files = sorted(HERE.glob("glmnet_*.npz"))
    print("KKT/lam = max_j,lambda violation / (lam * s_j); icpt = |mean weighted residual| (/ys)")
    print(f"{'case':32s} {'nlam':>4s} {'KKT/lam':>10s} {'tight':>10s} {'icpt':>10s}   alt-conventions")
    for f in files:
        ref = np.load(f, allow_pickle=False)
        worst, wi = check_glm(ref)
        wt, _ = check_glm(ref, suffix="_tight")
        alt = ""
        if bool(ref["standardize"]):
            a1, _ = check_glm(ref, "unweighted")
            a2, _ = check_glm(ref, "n-1")
            a3, _ = check_glm(ref, "uncentered")
            alt = f"unweighted-sd {a1:.1e}  (n-1)-sd {a2:.1e}  uncentred-sd {a3:.1e}"
        extra = ""
        if str(ref["family"]) == "gaussian":
            e1, e2, _ = check_gaussian_dev(ref)
            extra = f" nulldev rel.err {e1:.1e} dev_ratio err {e2:.1e}"
        print(f"{str(ref['case']):32s} {len(ref['lambda']):4d} {worst:10.2e} {wt:10.2e} {wi:10.2e}   {alt}{extra}")
    # the cv files carry the full-data fit too; it must equal the plain fit
    a = np.load(HERE / "glmnet_prostate_cv.npz")
    b = np.load(HERE / "glmnet_prostate_lasso_std.npz")
    if a["lambda"].shape == b["lambda"].shape:
        print("prostate_cv full fit vs prostate_lasso_std: max|dbeta| =",
              np.abs(a["beta"] - b["beta"]).max(), " max|dlambda| =",
              np.abs(a["lambda"] - b["lambda"]).max())
    else:
        print("prostate_cv full fit has", a["lambda"].shape, "lambdas vs", b["lambda"].shape)
    a = np.load(HERE / "glmnet_riboflavin_cv.npz")
    b = np.load(HERE / "glmnet_riboflavin_lasso.npz")
    print("riboflavin_cv lambda == riboflavin_lasso lambda:",
          a["lambda"].shape == b["lambda"].shape and np.array_equal(a["lambda"], b["lambda"]),
          " max|dbeta| =", np.abs(a["beta"] - b["beta"]).max() if a["beta"].shape == b["beta"].shape else "shape differs")




def polish_gaussian(ref, k, max_iter=20):
    """Exact solution of the gaussian problem at lambda[k] by an active-set
    linear solve started from glmnet's support/signs.  Returns (a0, b, kkt)."""
    X, y = load_case_data(ref)
    n, p = X.shape
    w = ref["weights"]
    wn = w * n / w.sum()
    pf = ref["penalty_factor"] * p / ref["penalty_factor"].sum()
    alpha = float(ref["alpha"])
    icpt = bool(ref["intercept"])
    s = col_scale(X, wn, bool(ref["standardize"]), icpt)
    ym = wn @ y / n
    ys = np.sqrt(wn @ (y - ym) ** 2 / n)
    ridge = (1 - alpha) * s ** 2 / ys
    lam = ref["lambda"][k]
    lo, up = ref["lower"], ref["upper"]
    if icpt:
        xm = wn @ X / n
        Xc, yc = X - xm, y - ym
    else:
        xm, Xc, yc = np.zeros(p), X, y
    b = ref["beta_tight"][:, k].copy()
    for _ in range(max_iter):
        at_up = np.isfinite(up) & np.isclose(b, up, rtol=0, atol=1e-10)
        at_lo = np.isfinite(lo) & np.isclose(b, lo, rtol=0, atol=1e-10)
        F = (b != 0) & ~at_up & ~at_lo
        bb = np.where(at_up, up, np.where(at_lo, lo, 0.0))
        sg = np.sign(b)
        if F.any():
            XF = Xc[:, F]
            A = XF.T @ (wn[:, None] * XF) / n + lam * np.diag(pf[F] * ridge[F])
            rhs = XF.T @ (wn * (yc - Xc @ bb)) / n - lam * pf[F] * alpha * s[F] * sg[F]
            bb[F] = np.linalg.solve(A, rhs)
        r = yc - Xc @ bb
        g = -(Xc.T @ (wn * r)) / n
        v = kkt_violation(g, bb, lam, pf, alpha, s, ridge, lo, up)
        # sign flips or box violations -> fix and retry
        bad_sign = F & (np.sign(bb) != sg)
        bad_box = (bb > up + 1e-12) | (bb < lo - 1e-12)
        if (v / (lam * s)).max() < 1e-9 and not bad_sign.any() and not bad_box.any():
            break
        bb[bad_sign] = 0.0
        bb = np.clip(bb, lo, up)
        j = np.argmax(v / (lam * s))
        if bb[j] == 0 and v[j] > 0:
            gg = g[j] + lam * pf[j] * ridge[j] * bb[j]
            bb[j] = -np.sign(gg) * 1e-300  # enter with the descent sign
        b = bb
    a0 = ym - xm @ bb if icpt else 0.0
    return a0, bb, (v / (lam * s)).max()


def compare_with_exact():
    print("\nglmnet beta vs exact (active-set) solution, gaussian cases:")
    print("(beta error relative to max|b_exact| at that lambda (floored at 1e-8 * path max);")
    print(" a0 error relative to sd(y); supp = support mismatches, |b| <= 1e-12*path max = 0)")
    print(f"{'case':32s} {'beta':>9s} {'a0':>9s} {'beta_tight':>10s} {'a0_tight':>9s} {'exactKKT':>8s} {'supp':>4s}")
    for f in sorted(HERE.glob("glmnet_*.npz")):
        ref = np.load(f, allow_pickle=False)
        if str(ref["family"]) != "gaussian":
            continue
        X, y = load_case_data(ref)
        sdy = y.std()
        wb, wa, wbt, wat, worst_kkt, nsupp = 0.0, 0.0, 0.0, 0.0, 0.0, 0
        sols = [polish_gaussian(ref, k) for k in range(len(ref["lambda"]))]
        pathmax = max(np.abs(b).max() for _, b, _ in sols)
        tiny = 1e-12 * pathmax     # |b| below this counts as zero (see README)
        for k, (a0, b, kkt) in enumerate(sols):
            bg, bt = ref["beta"][:, k], ref["beta_tight"][:, k]
            scale = max(np.abs(b).max(), 1e-8 * pathmax)
            wb = max(wb, np.abs(bg - b).max() / scale)
            wbt = max(wbt, np.abs(bt - b).max() / scale)
            wa = max(wa, abs(ref["a0"][k] - a0) / sdy)
            wat = max(wat, abs(ref["a0_tight"][k] - a0) / sdy)
            worst_kkt = max(worst_kkt, kkt)
            nz = np.abs(b) > tiny
            nsupp += int(((np.abs(bg) > tiny) != nz).sum()) + int(((np.abs(bt) > tiny) != nz).sum())
        print(f"{str(ref['case']):32s} {wb:9.1e} {wa:9.1e} {wbt:10.1e} {wat:9.1e} {worst_kkt:8.0e} {nsupp:4d}")


if __name__ == "__main__":
    main()
    compare_with_exact()
