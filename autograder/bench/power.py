"""Power against time: for each example budget (hypothesis examples per hidden test), the share
of the bug catalog caught and the time to grade a correct submission; the plot; the budget to
recommend.

Caught, as ``verify`` judges it: a bug is caught when it loses points in its own question, that
is when one of that question's hidden tests (with points) fails. The bugs are ``verify``'s own
entries (``autograder.verify.entries``: each bug's file keeps the functions its affected tests
need, and ``entry.graded`` names those tests), judged with ``verify``'s settings (no shrinking),
but more cheaply than ``verify(examples_per_test=...)`` five times: only the affected tests of
the bug's own question run (no other test can change the verdict), a bug is settled at its first
failing test, and the test that caught it at one budget runs first at the next. The calls go to
the in-process student (``autograder.hidden.inprocess``: the engine's semantics without the
worker process; ``import torch`` fails, as in the numpy-track worker), in one fresh process per
bug, each call limited to ``call_timeout_s`` as in grading (a call over the limit fails its
test, as the engine's timeout does).

Grading time: ``python -m autograder grade`` on the solutions ``.py`` (a correct submission runs
every example of every test: the longest grading), from a copy of the grading sources whose
``otter_config.json`` has that budget (:func:`workspace.root_with_budget`).
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path
from typing import Sequence

from autograder.bench import procs
from autograder.bench.workspace import root_with_budget

BUDGETS = (5, 10, 20, 25, 40, 50, 100, 200)
COLOURS = {"green": "#00693e", "blue": "#267aba", "orange": "#ffa00f", "red": "#9d162e",
           "purple": "#8a6996"}


class _CallTimedOut(Exception):
    pass


def _on_alarm(signum, frame):
    raise _CallTimedOut("took longer than the time limit for one call")


def _timed(fn, seconds: float):
    def call(*args, **kwargs):
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return fn(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    return call


def judge_bug(task: tuple) -> dict:
    """In a fresh process: load the bug's file, run its question's tests at every budget.
    Returns ``{budget: {"caught", "test", "seconds"}}`` (or ``{"error"}`` when it did not load).

    The test that caught the bug at a smaller budget runs first at the next one: any failing
    test of the question gives the verdict, so the order changes the cost, not the verdict."""
    path, question, graded, budgets, call_timeout_s = task
    from autograder.engine.api import CallAborted, StudentError, TestFailure
    from autograder.hidden import hidden_tests
    from autograder.hidden.inprocess import InProcessStudent

    signal.signal(signal.SIGALRM, _on_alarm)
    sys.modules["torch"] = None  # as the engine's numpy-track worker: `import torch` fails
    namespace: dict = {"__name__": "submission", "__file__": str(path)}
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), \
            contextlib.redirect_stderr(quiet):
        try:
            exec(compile(Path(path).read_text(encoding="utf-8"), str(path), "exec"), namespace)
        except BaseException as e:  # noqa: BLE001 - a submission's load error is data here
            return {"error": f"{type(e).__name__}: {e}"}
        student = InProcessStudent({name: _timed(fn, call_timeout_s) if callable(fn) else fn
                                    for name, fn in namespace.items()})
        verdicts, last_caught = {}, None
        for budget in sorted(budgets):
            tests = [t for t in hidden_tests(examples_per_test=budget, shrink=False)
                     if t.question == question and t.points > 0
                     and (not graded or t.name in graded)]
            tests.sort(key=lambda t: t.name != last_caught)  # stable: the rest in their order
            started, failed = time.perf_counter(), None
            for test in tests:
                if not all(student.has(f) for f in test.functions):
                    failed = test.name
                    break
                try:
                    test.run(student)
                except (TestFailure, StudentError, CallAborted):
                    failed = test.name
                    break
            last_caught = failed or last_caught
            verdicts[budget] = {"caught": failed is not None, "test": failed,
                                "seconds": time.perf_counter() - started}
    return verdicts


def judge_catalog(bugs: Sequence, budgets: Sequence[int], *, jobs: int = 2,
                  call_timeout_s: float = 5.0) -> dict:
    """``bugs``: verify's entries of kind "bug" (as verify writes them: ``graded`` names the tests
    that can fail). One process per bug (fork), ``jobs`` at once."""
    import autograder.hidden  # noqa: F401 - imported once here, inherited by every fork
    import autograder.hidden.inprocess  # noqa: F401

    tasks = [(str(b.path), b.question, tuple(getattr(b, "graded", ())), tuple(budgets),
              call_timeout_s) for b in bugs]
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=max(1, jobs), maxtasksperchild=1) as pool:
        results = pool.map(judge_bug, tasks, chunksize=1)
    wall = time.perf_counter() - started
    per_bug = []
    for bug, verdicts in zip(bugs, results, strict=True):
        per_bug.append({"name": bug.name, "question": bug.question,
                        "description": bug.description, "gap": getattr(bug, "gap", ""),
                        "verdicts": verdicts})
    return {"bugs": per_bug, "wall_s": wall, "jobs": jobs}


def grading_times(submission: Path, budgets: Sequence[int], work: Path,
                  repeats: int = 1) -> dict[int, dict]:
    """``python -m autograder grade`` on a correct submission, at each budget."""
    times = {}
    for budget in budgets:
        root = root_with_budget(work / f"root-{budget}", budget)
        runs = []
        for i in range(repeats):
            results = work / f"results-{budget}-{i}.json"
            cmd = [sys.executable, "-m", "autograder", "grade", str(submission), "--results",
                   str(results), "--quiet"]
            runs.append(procs.run(cmd, cwd=root))
        times[budget] = {"median_s": procs.median([r.wall_s for r in runs]),
                         "peak_sum_mb": max(r.peak_sum_mb for r in runs),
                         "ok": all(r.returncode == 0 for r in runs),
                         "runs": [r.as_dict() for r in runs]}
    return times


def summarize(catalog: dict, budgets: Sequence[int], times: dict | None = None,
              latency_goal_s: float | None = None) -> dict:
    """Share caught per budget (of every bug, and of the bugs not marked as known gaps of the
    hidden tests), the bugs missed, and the recommended budget (from the latter and, when given,
    the grading ``times`` against ``latency_goal_s``)."""
    bugs = [b for b in catalog["bugs"] if "error" not in b["verdicts"]]
    known = [b for b in bugs if not b.get("gap")]
    shares, shares_known, missed, catalog_s = {}, {}, {}, {}
    for budget in budgets:
        caught = {b["name"] for b in bugs if b["verdicts"][budget]["caught"]}
        shares[budget] = len(caught) / len(bugs) if bugs else float("nan")
        shares_known[budget] = (sum(b["name"] in caught for b in known) / len(known)
                                if known else float("nan"))
        missed[budget] = [b["name"] for b in bugs if b["name"] not in caught]
        catalog_s[budget] = sum(b["verdicts"][budget]["seconds"] for b in bugs)
    seconds = {b: t["median_s"] for b, t in (times or {}).items() if t.get("median_s")}
    return {"n_bugs": len(bugs), "n_gaps": len(bugs) - len(known),
            "gaps": [b["name"] for b in bugs if b.get("gap")],
            "not_loaded": [b["name"] for b in catalog["bugs"] if "error" in b["verdicts"]],
            "share": shares, "share_not_gaps": shares_known, "missed": missed,
            "catalog_cpu_s": catalog_s,
            "allowed_by_10s": max((b for b in budgets if b in seconds and seconds[b] <= 10.0),
                                  default=None),
            **recommend(shares_known, budgets, seconds, latency_goal_s)}


MARGIN = 10
"""the recommended budget is at least this many times the smallest one that catches every
catalogued bug: a margin for bugs outside the catalog that are harder to hit"""


def recommend(shares: dict, budgets: Sequence[int], seconds: dict | None = None,
              latency_goal_s: float | None = None) -> dict:
    """The smallest budget from which every larger one catches the whole catalog (``full_from``),
    and the budget to recommend: the first measured one at least :data:`MARGIN` times that (or
    the largest measured), unless its grading time (``seconds``: budget -> time to grade a correct
    submission) is over ``latency_goal_s``: then the largest budget within the goal. No more than
    the margin: the time it would cost is better left to Gradescope's half CPU, the batch and
    ``verify``."""
    budgets = sorted(budgets)
    full_from = None
    for i, budget in enumerate(budgets):
        if all(shares[b] >= 1.0 for b in budgets[i:]):
            full_from = budget
            break
    if full_from is None:
        return {"full_from": None, "recommended": None,
                "reason": "no budget measured catches the whole catalog"}
    above = [b for b in budgets if b >= MARGIN * full_from]
    floor = above[0] if above else budgets[-1]
    reason = (f"{full_from} is the smallest budget catching every bug (and so does every larger "
              f"one); x{MARGIN} for a margin gives {floor}" if above else
              f"{full_from} is the smallest budget catching every bug (and so does every larger "
              f"one); {floor}, the largest measured, is short of x{MARGIN}")
    recommended = floor
    if seconds and latency_goal_s and floor in seconds and seconds[floor] > latency_goal_s:
        fast = [b for b in budgets if full_from <= b and b in seconds
                and seconds[b] <= latency_goal_s]
        if fast:
            recommended = fast[-1]
            reason += (f", but grading at {floor} took {seconds[floor]:.1f} s: {recommended} is "
                       f"the largest budget whose grading time ({seconds[recommended]:.1f} s) "
                       f"stays within the {latency_goal_s:.3g} s latency goal")
        else:
            reason += (f", though grading at {floor} took {seconds[floor]:.1f} s, over the "
                       f"{latency_goal_s:.3g} s latency goal")
    elif seconds and floor in seconds:
        reason += f" (grading at {floor} takes {seconds[floor]:.1f} s)"
    return {"full_from": full_from, "recommended": recommended, "reason": reason}


def plot(summary: dict, times: dict[int, dict], budgets: Sequence[int], path: Path,
         configured: int | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgets = sorted(budgets)
    fig, left = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    share = [100 * summary["share_not_gaps"][b] for b in budgets]
    left.plot(budgets, share, marker="o", color=COLOURS["green"], linewidth=2,
              label="bugs caught (%)" + (", known gaps left out" if summary.get("n_gaps")
                                         else ""))
    if summary.get("n_gaps"):
        every = [100 * summary["share"][b] for b in budgets]
        left.plot(budgets, every, marker="o", color=COLOURS["red"], linewidth=1.5,
                  linestyle="--", label=f"bugs caught (%), {summary['n_gaps']} known gaps in")
        share += every
    left.set_xscale("log")
    left.set_xticks(budgets)
    left.set_xticklabels([str(b) for b in budgets])
    left.set_xlabel("hypothesis examples per hidden test")
    left.set_ylabel("bug catalog caught (%)", color=COLOURS["green"])
    low = min(share) if share else 0
    left.set_ylim(max(0, min(low - 5, 90)), 101)
    right = left.twinx()
    seconds = [times[b]["median_s"] for b in budgets if b in times]
    right.plot([b for b in budgets if b in times], seconds, marker="s", color=COLOURS["blue"],
               linewidth=2, label="grading time, correct submission (s)")
    right.set_ylabel("grading time of a correct submission (s)", color=COLOURS["blue"])
    right.set_ylim(0, max(seconds + [1]) * 1.15)
    if summary.get("recommended"):
        left.axvline(summary["recommended"], color=COLOURS["orange"], linestyle="--",
                     label=f"recommended: {summary['recommended']}")
    if configured:
        left.axvline(configured, color=COLOURS["purple"], linestyle=":",
                     label=f"otter_config.json: {configured}")
    lines = left.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    left.legend(lines[0] + more[0], lines[1] + more[1], loc="center left", fontsize=8)
    left.set_title(f"Power against time ({summary['n_bugs']} catalogued bugs)")
    left.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path
