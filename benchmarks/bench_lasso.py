"""Time-to-accuracy benchmark of lasso solvers: sparsefit vs scikit-learn, skglm, celer, glmnet.

Problem: min_w 1/(2n) ||y - X w||^2 + alpha ||w||_1, no intercept, no standardisation inside
the solvers. For every tool the tolerance is swept from loose to tight; the reported time is
the fastest setting whose objective (recomputed in numpy) is within RTOL relative
suboptimality of p*, the best objective any run of any tool reached.

    python benchmarks/bench_lasso.py [--quick] [--problems riboflavin ...] [--out FILE.md]
"""

import os

# One thread everywhere (BLAS, OpenMP, numba), set before numpy is imported; R inherits it.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cv_harness import versions as harness_versions  # noqa: E402
from _problems import DATASETS, RATIOS, make_problems  # noqa: E402
from _runners import PY_TOOLS, SweepConfig, sweep_glmnet, sweep_python  # noqa: E402

RTOL = 1e-6
REFERENCE = "sparsefit"
GLMNET = "glmnet (R)"
RESULTS = Path(__file__).resolve().parent / "results"


def _grid(start: int, stop: int, num: int) -> tuple[float, ...]:
    """Geometric grid 10**start .. 10**stop as plain floats."""
    return tuple(float(t) for t in np.logspace(start, stop, num))


def _blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info

        return ", ".join(f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info())
    except ImportError:
        return "threadpoolctl not available"


def summarize(problem, sweeps) -> dict:
    """p*, and per tool: time to RTOL, the setting that achieved it, best rel. suboptimality."""
    objs = [r.objective for sw in sweeps if sw.status == "ok" for r in sw.runs]
    p_star = min(objs) if objs else float("nan")
    rows = {}
    for sw in sweeps:
        row = {"status": sw.status, "time": None, "tol": None, "best_rel": None}
        if sw.status == "ok" and sw.runs:
            rels = [(r.objective - p_star) / abs(p_star) for r in sw.runs]
            row["best_rel"] = max(min(rels), 0.0)
            ok = [(r.time, r.tol) for r, rel in zip(sw.runs, rels, strict=True) if rel <= RTOL]
            if ok:
                row["time"], row["tol"] = min(ok)
        rows[sw.tool] = row
    return {"p_star": p_star, "tools": rows}


def _fmt_time(row) -> str:
    if row["status"] != "ok":
        return row["status"]
    return "not reached" if row["time"] is None else f"{row['time']:.4f}"


def _fmt_ratio(row, ref) -> str:
    if row["time"] is None or ref is None or ref["time"] is None:
        return "n/a"
    return f"{row['time'] / ref['time']:.2f}"


def problem_table(problem, summary, check: str) -> str:
    n, p = problem.shape
    kind = f"sparse, nnz={problem.X.nnz}" if problem.is_sparse else "dense"
    ref = summary["tools"].get(REFERENCE)
    lines = [
        f"### {problem.name}  (n={n}, p={p}, {kind}, alpha={problem.alpha:.6g}, "
        f"p*={summary['p_star']:.12g})",
        "",
        f"| tool | time to {RTOL:g} (s) | ratio vs {REFERENCE} | best rel subopt reached "
        "| reached at tol |",
        "|---|---:|---:|---:|---:|",
    ]
    for tool, row in summary["tools"].items():
        best = "—" if row["best_rel"] is None else f"{row['best_rel']:.1e}"
        tol = "—" if row["tol"] is None else f"{row['tol']:.0e}"
        ratio = "(reference)" if tool == REFERENCE else _fmt_ratio(row, ref)
        lines.append(f"| {tool} | {_fmt_time(row)} | {ratio} | {best} | {tol} |")
    if check:
        lines += ["", check]
    return "\n".join(lines)


def glmnet_check(summary, sweeps) -> str:
    """glmnet's scaling must match: compare its best objective with scikit-learn's."""
    by_tool = {sw.tool: sw for sw in sweeps if sw.status == "ok" and sw.runs}
    if GLMNET not in by_tool or "scikit-learn" not in by_tool:
        return ""
    g = min(r.objective for r in by_tool[GLMNET].runs)
    s = min(r.objective for r in by_tool["scikit-learn"].runs)
    rel = (g - s) / abs(s)
    verdict = "same problem" if abs(rel) <= 1e-6 else "MISMATCH: check objective scaling"
    return (f"Objective check, tightest settings: glmnet {g:.12g} vs scikit-learn {s:.12g}, "
            f"rel. diff {rel:+.1e} ({verdict}).")


def overall_summary(summaries) -> str:
    ratios, skipped = [], []
    for name, summ in summaries.items():
        tools = summ["tools"]
        ref = tools.get(REFERENCE)
        others = [r["time"] for t, r in tools.items() if t != REFERENCE and r["time"] is not None]
        if ref is None or ref["time"] is None or not others:
            skipped.append(name)
            continue
        ratios.append(min(others) / ref["time"])
    if not ratios:
        why = summaries and next(iter(summaries.values()))["tools"].get(REFERENCE, {})
        status = why.get("status", "not run") if why else "not run"
        reason = "not installed" if status == "not installed" else "no usable problem"
        return (f"**Summary:** median over problems of (fastest other library time / "
                f"{REFERENCE} time): n/a ({REFERENCE} {reason}).")
    text = (f"**Summary:** median over {len(ratios)} problems of (fastest other library time / "
            f"{REFERENCE} time) = **{np.median(ratios):.2f}** (>1: {REFERENCE} faster; "
            f"per problem: {', '.join(f'{r:.2f}' for r in ratios)}).")
    if skipped:
        text += f" Excluded (a time is missing): {', '.join(skipped)}."
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: riboflavin at alpha_max/10, short sweep (< 1 min)")
    parser.add_argument("--problems", nargs="+", choices=list(DATASETS), default=None,
                        help="datasets to run (default: all; each at alpha_max/10 and /100)")
    parser.add_argument("--tools", nargs="+", choices=[*PY_TOOLS, "glmnet"], default=None)
    parser.add_argument("--out", type=Path, default=None,
                        help="markdown output (default benchmarks/results/lasso[_quick].md); "
                             "raw JSON goes next to it with suffix .json")
    args = parser.parse_args(argv)

    if args.quick:
        names, ratios = args.problems or ["riboflavin"], (10,)
        cfg = SweepConfig(tols=_grid(-2, -10, 5), glmnet_threshs=_grid(-2, -12, 6),
                          time_cap=5.0, tool_budget=10.0)
    else:
        names, ratios = args.problems or list(DATASETS), RATIOS
        cfg = SweepConfig(tols=_grid(-2, -12, 21), glmnet_threshs=_grid(-2, -14, 25))
    tools = args.tools or [*PY_TOOLS, "glmnet"]
    out = args.out or RESULTS / ("lasso_quick.md" if args.quick else "lasso.md")

    versions = harness_versions("skglm", "celer")
    started = datetime.datetime.now()
    header = [
        "# Lasso: time to reach 1e-6 relative suboptimality",
        "",
        f"Run {started:%Y-%m-%d %H:%M}, {platform.node()}, {platform.processor() or '?'}, "
        f"{os.cpu_count()} cores. Numbers depend on the machine.",
        f"Versions: {', '.join(f'{k} {v}' for k, v in versions.items())}.",
        "",
        f"- Threads: {', '.join(f'{v}=1' for v in THREAD_VARS)} set before numpy is imported "
        f"(R inherits them); Python thread pools seen: {_blas_threads()}.",
        "- Objective 1/(2n)||y - Xw||^2 + alpha||w||_1 recomputed in numpy from each returned "
        "coef; p* = best objective over all runs of all tools; rel subopt = (P(w) - p*) / p*.",
        f"- Tolerance sweep per tool (python tools: tol {cfg.tols[0]:.0e} .. {cfg.tols[-1]:.0e}, "
        f"{len(cfg.tols)} settings; glmnet: thresh {cfg.glmnet_threshs[0]:.0e} .. "
        f"{cfg.glmnet_threshs[-1]:.0e}, {len(cfg.glmnet_threshs)} settings); best of "
        f"{cfg.repeats} repeats for fits under {cfg.repeat_below:g} s; tighter settings skipped "
        f"once one fit exceeds {cfg.time_cap:g} s or a sweep used {cfg.tool_budget:g} s. "
        f"Time to {RTOL:g} = fastest setting that reached it.",
        f"- Warm-up: untimed fits per tool and problem (tol {cfg.tols[0]:g} and "
        f"{cfg.warmup_tol:g}) before timing, so numba JIT compile time (skglm, celer, "
        "sparsefit) is excluded; glmnet gets an untimed warm-up fit too.",
        "- glmnet: single user lambda = alpha, intercept=FALSE, standardize=FALSE, alpha=1, "
        "timed inside R around the glmnet() call only (R start-up and data transfer excluded). "
        "glmnet's docs recommend fitting a path rather than one lambda; a single lambda is used "
        "here so every tool solves the same single problem.",
        "- ratio = tool time / sparsefit time (>1: sparsefit faster).",
        "",
    ]
    print("\n".join(header), flush=True)

    summaries, sections, raw = {}, [], []
    for name in names:
        problems = make_problems([name], ratios)
        sweeps = {pb.name: [] for pb in problems}
        for tool in tools:
            if tool == "glmnet":
                for pb, sw in zip(problems, sweep_glmnet(problems, cfg), strict=True):
                    sweeps[pb.name].append(sw)
                continue
            for pb in problems:
                sweeps[pb.name].append(sweep_python(tool, pb, cfg))
        for pb in problems:
            summ = summarize(pb, sweeps[pb.name])
            summaries[pb.name] = summ
            section = problem_table(pb, summ, glmnet_check(summ, sweeps[pb.name]))
            notes = [f"{sw.tool}: {sw.note}" for sw in sweeps[pb.name] if sw.note]
            if notes:
                section += "\n\nNotes: " + "; ".join(notes) + "."
            print(section + "\n", flush=True)
            sections.append(section)
            raw.append({
                "problem": pb.name, "shape": list(pb.shape), "sparse": pb.is_sparse,
                "alpha": pb.alpha, "alpha_ratio": pb.alpha_ratio, "p_star": summ["p_star"],
                "summary": summ["tools"], "sweeps": [sw.to_dict() for sw in sweeps[pb.name]],
            })
    summary_line = overall_summary(summaries)
    elapsed = (datetime.datetime.now() - started).total_seconds()
    footer = f"{summary_line}\n\nTotal benchmark wall time: {elapsed:.0f} s."
    print(footer)

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(header) + "\n" + "\n\n".join(sections) + "\n\n" + footer + "\n")
    meta = {"started": started.isoformat(), "versions": versions, "rtol": RTOL,
            "threads": {v: "1" for v in THREAD_VARS}, "quick": args.quick,
            "config": cfg.__dict__, "problems": raw, "summary": summary_line}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1, default=float) + "\n")
    print(f"\nwrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
