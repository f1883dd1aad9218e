"""``python -m autograder.bench`` (``make bench``): measure, then write BENCHMARKS.md and its
plot."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from autograder.bench.power import BUDGETS
from autograder.paths import ROOT

SECTIONS = ("latency", "power", "batch", "cluster", "suite", "scale", "gpu")
DEFAULT = ("latency", "power", "batch", "cluster", "suite", "gpu")
"""the reference at GPT-2 scale (``scale``) is no longer a goal: ``--only scale`` measures it"""


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m autograder.bench", description=__doc__)
    p.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "bench" / "power.png")
    p.add_argument("--json", type=Path, help="also write the raw measurements here")
    p.add_argument("--only", default=",".join(DEFAULT),
                   help=f"comma-separated sections among {','.join(SECTIONS)}")
    p.add_argument("--repeats", type=int, default=3, help="runs per timed figure")
    p.add_argument("--budgets", default=",".join(map(str, BUDGETS)),
                   help="examples per hidden test, for the power measurement")
    p.add_argument("--batch-size", type=int, default=100, help="submissions in the batch")
    p.add_argument("--batch-examples", type=int, default=0,
                   help="examples per hidden test for the batch (0: otter_config.json's)")
    p.add_argument("--cluster-size", type=int, default=24,
                   help="submissions graded on a local dask cluster of 1, 2 and 4 workers")
    p.add_argument("--no-otter", action="store_true", help="leave otter run out of the latency")
    p.add_argument("--tiny", action="store_true",
                   help="tiny sizes everywhere (a smoke test of the code paths, not a benchmark)")
    return p.parse_args(argv)


def _section(name: str, fn, log) -> tuple[dict, float]:
    from autograder.bench import workspace

    started = time.perf_counter()
    log(f"[bench] {name} ...")
    try:
        result = fn()
    except workspace.BenchError as e:
        result = {"error": str(e)}
        log(f"[bench] {name}: {e}")
    except Exception as e:  # a broken measurement is reported, the others still run
        log(traceback.format_exc())
        result = {"error": f"{type(e).__name__}: {e}".splitlines()[0]}
    seconds = time.perf_counter() - started
    log(f"[bench] {name} done in {seconds:.0f} s")
    return result, seconds


def run(args, log=print) -> dict:
    from autograder.bench import machine

    with machine.LoadSampler() as sampler:
        results = _run(args, log)
    results["load"] = sampler.summary(results["machine"]["cores_usable"] or 1)
    return results


def _run(args, log) -> dict:
    from autograder.bench import (batch, cluster, gpu, latency, machine, power, scale, suite,
                                  workspace)

    started = time.perf_counter()
    results: dict = {"machine": machine.describe(), "date": time.strftime("%Y-%m-%d %H:%M %Z"),
                     "options": getattr(args, "command_line", ""), "seconds": {}}
    only = [s for s in SECTIONS if s in args.only.split(",")]
    budgets = [int(b) for b in args.budgets.split(",")]
    configured = workspace.configured_budget()
    workspace.draw_cases(ROOT)  # the checkout's own inputs, drawn before anything is timed
    with tempfile.TemporaryDirectory(prefix="ag-bench-") as tmp:
        work = Path(tmp)
        built: dict = {}

        def release():
            if "release" not in built:
                log("[bench] building the release (python -m autograder build --no-execute)")
                built["release"] = workspace.build_release(work / "dist")
            return built["release"]

        def entries(full: bool):
            """verify's entries: as verify writes them (power), or whole submissions (batch)"""
            folder = work / ("entries-full" if full else "entries-verify")
            return workspace.catalog_entries(folder, full=full)

        def do_latency():
            budget, root = configured, ROOT
            if args.tiny:  # the real command line, at one example per test
                budget = 1
                root = workspace.root_with_budget(work / "root-latency", budget)
            res = latency.measure(release(), work / "latency", repeats=args.repeats,
                                  pinned_repeats=args.repeats,
                                  otter_pinned_repeats=0 if args.tiny else 1,
                                  otter=not args.no_otter, root=root,
                                  half_repeats=1 if args.tiny else args.repeats)
            return {**res, "budget": budget}

        def do_power():
            from autograder.engine.config import load_config

            bugs = [e for e in entries(full=False) if e.kind == "bug"]
            if args.tiny:
                bugs = bugs[:3]
            timeout = load_config().call_timeout_s
            catalog = power.judge_catalog(bugs, budgets, jobs=2, call_timeout_s=timeout)
            times = power.grading_times(release().solutions_py, budgets, work / "power")
            from autograder.bench.goals import GOAL_LATENCY_S, GOAL_OTTER_RATIO

            # the latency a budget may cost: 10 s, and 0.25x otter run's (when measured)
            goal = GOAL_LATENCY_S
            otter = latency.find(results.get("latency") or {}, "otter run", ".ipynb")
            if otter:
                goal = min(goal, GOAL_OTTER_RATIO * otter["median_s"])
            summary = power.summarize(catalog, budgets, times, goal)
            summary["latency_goal_s"] = goal
            plot = power.plot(summary, times, budgets, args.plot, configured=configured)
            return {"budgets": budgets, "catalog": catalog, "times": times, "summary": summary,
                    "configured": configured, "call_timeout_s": timeout, "plot": str(plot)}

        def do_batch():
            budget = args.batch_examples or configured
            root = ROOT if budget == configured else \
                workspace.root_with_budget(work / "root-batch", budget)
            res = batch.measure(entries(full=True), work / "batch", n=args.batch_size, root=root)
            res["budget"] = budget
            if budget != configured:
                res["budget_note"] = (f" (otter_config.json has {configured}; a copy of the "
                                      "grading sources with this budget keeps the run short)")
            return res

        def do_cluster():
            budget = args.batch_examples or configured
            root = ROOT if budget == configured else \
                workspace.root_with_budget(work / "root-batch", budget)
            res = cluster.measure(entries(full=True), work / "cluster",
                                  n=args.batch_size if args.tiny else args.cluster_size,
                                  workers=(2,) if args.tiny else (1, 2, 4),
                                  tasks=20 if args.tiny else 500, root=root)
            return {**res, "budget": budget}

        size = "tiny" if args.tiny else "full"
        measurements = {
            "latency": do_latency, "power": do_power, "batch": do_batch, "cluster": do_cluster,
            "suite": lambda: suite.measure(work / "suite", tests=not args.tiny,
                                           only="bug-ppl-base-2" if args.tiny else None),
            "scale": lambda: scale.measure(size, repeats=args.repeats),
            "gpu": lambda: gpu.measure(size=size),  # last: it imports torch into this process
        }
        for name in only:
            results[name], results["seconds"][name] = _section(name, measurements[name], log)
    results["load_at_end"] = tuple(round(x, 2) for x in machine.load())
    results["duration_s"] = time.perf_counter() - started
    return results


def main(argv=None) -> int:
    from autograder.bench import report
    from autograder.paths import NotACheckout, require_checkout

    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    try:
        require_checkout("python -m autograder.bench")
    except NotACheckout as e:
        print(f"ERROR {e}", file=sys.stderr)
        return 2
    args.command_line = " ".join(argv)
    results = run(args, log=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    plot = args.plot if "power" in args.only.split(",") else None
    report.write(results, args.out, plot)
    print(f"wrote {args.out}" + (f" and {args.plot}" if plot and args.plot.exists() else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
