"""BENCHMARKS.md from the measurements: the machine, the goals, one table per measurement."""
from __future__ import annotations

import math
from pathlib import Path

from autograder.bench import latency as latency_mod
from autograder.bench import scale as scale_mod
from autograder.bench.procs import median

GOAL_LATENCY_S = 10.0
GOAL_LATENCY_ONE_CORE_S = 15.0
GOAL_OTTER_RATIO = 0.25
"""``grade``'s time over stock ``otter run``'s on the same notebook"""
GOAL_TESTS_S = 8 * 60.0
"""the test suite's pytest run: ``make test`` on 2 idle cores within 10 minutes, installs
(about 2 minutes on a fresh clone) included"""
GOAL_BATCH_SPEEDUP = 1.7
LOADED = 0.5
"""load average per usable core above which the machine counts as loaded"""


def _s(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.3g} s" if x < 10 else f"{x:.1f} s"


def _mb(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB"


def _ratio(x) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.2f}x"


def _met(ok) -> str:
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def loaded(machine: dict, load: tuple) -> bool:
    return load[0] > LOADED * max(1, machine.get("cores_usable") or 1)


def best_torch(case: dict) -> tuple[float, str]:
    """PyTorch's faster median: with its default threads, or with one (on a loaded machine its
    threads can wait on each other)."""
    med = case["median_s"]
    options = [(med["torch"], f"{case.get('torch_threads', '?')} threads")]
    if "torch, 1 thread" in med:
        options.append((med["torch, 1 thread"], "1 thread"))
    return min(options)


# ----------------------------------------------------------------------------- goals
def goals(r: dict) -> list[dict]:
    """One row per goal: what, measured, goal, met (True/False/None), and the gap note key."""
    rows = []
    lat = r.get("latency") or {}
    py = latency_mod.find(lat, "grade", ".py")
    nb = latency_mod.find(lat, "grade", ".ipynb")
    ot = latency_mod.find(lat, "otter run", ".ipynb")
    py1 = latency_mod.find(lat, "grade", ".py", one_core=True)
    if py:
        rows.append({"n": 1, "what": "grading latency, `grade` solutions .py, all cores",
                     "measured": _s(py["median_s"]), "goal": f"<= {GOAL_LATENCY_S:g} s",
                     "met": py["median_s"] <= GOAL_LATENCY_S, "key": "latency"})
    def against_otter(what: str, grade: dict | None, otter: dict | None, key: str) -> None:
        if grade and otter:
            ratio = grade["median_s"] / otter["median_s"]
            rows.append({"n": 1, "what": what,
                         "measured": f"{_s(grade['median_s'])} vs {_s(otter['median_s'])} "
                                     f"({_ratio(ratio)})",
                         "goal": f"<= {GOAL_OTTER_RATIO:g}x otter run",
                         "met": ratio <= GOAL_OTTER_RATIO, "key": key})

    against_otter("`grade` vs stock `otter run`, same notebook, all cores", nb, ot, "otter")
    against_otter("`grade` vs stock `otter run` on the notebook's graded part (its "
                  "`skip-grading` cells left out), all cores", nb,
                  latency_mod.find(lat, "otter run", ".ipynb, graded part"), "otter-graded")
    against_otter("`grade` vs stock `otter run`, the notebook's graded part, half a CPU "
                  "(Gradescope's default, a cgroup quota)",
                  latency_mod.find(lat, "grade", ".ipynb", half=True),
                  latency_mod.find(lat, "otter run", ".ipynb, graded part", half=True),
                  "otter-graded")
    if py1:
        rows.append({"n": 1, "what": "grading latency, `grade` solutions .py, one core (taskset)",
                     "measured": _s(py1["median_s"]), "goal": f"<= {GOAL_LATENCY_ONE_CORE_S:g} s",
                     "met": py1["median_s"] <= GOAL_LATENCY_ONE_CORE_S, "key": "latency1"})
    if py:
        rows.append({"n": 1, "what": "peak memory, grader + worker (sum of their peak RSS)",
                     "measured": _mb(py["peak_sum_mb"]), "goal": "stated", "met": None,
                     "key": ""})
    suite = r.get("suite") or {}
    if (suite.get("verify") or {}).get("wall_s"):
        v = suite["verify"]
        rows.append({"n": 4, "what": f"`verify` on the whole catalog ({v.get('entries')} "
                                     "entries), 2 processes",
                     "measured": _s(v["wall_s"]) + ("" if v["ok"] else " (it FAILED)"),
                     "goal": "stated, and passing", "met": None if v["ok"] else False,
                     "key": "verify"})
    if (suite.get("tests") or {}).get("wall_s"):
        t = suite["tests"]
        rows.append({"n": 4, "what": "the test suite (`make test`'s pytest run, installs "
                                     "not included)",
                     "measured": _s(t["wall_s"]) + ("" if t["ok"] else " (it FAILED)"),
                     "goal": f"<= {GOAL_TESTS_S / 60:g} min (10 min with a fresh clone's "
                             "installs)", "met": t["ok"] and t["wall_s"] <= GOAL_TESTS_S,
                     "key": "tests"})
    power = r.get("power") or {}
    summary = power.get("summary")
    if summary:
        rec = summary.get("recommended")
        full = summary.get("full_from")
        gaps = f", {summary['n_gaps']} marked as known gaps" if summary.get("n_gaps") else ""
        rows.append({"n": 2, "what": f"bug catalog ({summary['n_bugs']} bugs{gaps}): smallest "
                                     "budget catching every bug not marked as a gap",
                     "measured": f"{full} examples/test" if full else "none catches all",
                     "goal": "whole catalog, with a margin",
                     "met": full is not None, "key": "power"})
        if rec:
            rows.append({"n": 2, "what": "recommended default budget (examples per hidden test)",
                         "measured": f"**{rec}** (otter_config.json: {power.get('configured')})",
                         "goal": "x10 the smallest catching all, within the latency goal",
                         "met": None, "key": ""})
    batch = r.get("batch") or {}
    if batch.get("speedup_2_over_1"):
        j2 = batch["jobs"][2]
        rows.append({"n": 3, "what": f"batch of {batch['n']}: `--jobs 2` speed-up over `--jobs 1`",
                     "measured": _ratio(batch["speedup_2_over_1"]),
                     "goal": f">= {GOAL_BATCH_SPEEDUP}x",
                     "met": batch["speedup_2_over_1"] >= GOAL_BATCH_SPEEDUP, "key": "batch"})
        rows.append({"n": 3, "what": "batch peak memory, `--jobs 2` (all processes together)",
                     "measured": _mb(j2["peak_together_mb"]), "goal": "stated", "met": None,
                     "key": ""})
    sc = r.get("scale") or {}
    for case in ("xent", "adamw"):
        c = sc.get(case)
        if not c or "error" in c:
            continue
        if case == "xent":
            label = f"cross-entropy fwd + grad, {tuple(c['shape']['logits'])} float32"
        else:
            label = f"adamw_step + clipping, {c['shape']['parameters'] / 1e6:.3g}M float32"
        best, threads = best_torch(c)
        ratio = c["median_s"]["ref"] / best
        rows.append({"n": 5, "what": f"{label}: reference / PyTorch CPU time (PyTorch's faster "
                                     "of all threads and one thread)",
                     "measured": f"{_ratio(ratio)} ({_s(c['median_s']['ref'])} vs "
                                 f"{_s(best)}, {threads})",
                     "goal": "a figure (not a goal)", "met": None, "key": ""})
        extra = c["extra_mb"]["ref"] / c["input_mb"]
        rows.append({"n": 5, "what": f"{label}: reference extra memory / input size",
                     "measured": f"{_ratio(extra)} ({_mb(c['extra_mb']['ref'])} over "
                                 f"{_mb(c['input_mb'])})",
                     "goal": "a figure (not a goal)", "met": None, "key": ""})
    c = sc.get("chunk")
    if c and "error" not in c:
        speedup = c["median_s"]["python"] / c["median_s"]["ref"]
        rows.append({"n": 5, "what": f"chunk_tokens, {c['shape']['tokens'] / 1e6:g}M tokens / "
                                     f"{c['shape']['documents']:,} docs: speed-up over plain "
                                     "Python",
                     "measured": f"{speedup:.0f}x ({_s(c['median_s']['ref'])} vs "
                                 f"{_s(c['median_s']['python'])}; floor "
                                 f"{_s(c['median_s']['floor'])})",
                     "goal": f">= {scale_mod.GOAL_CHUNK_SPEEDUP:g}x",
                     "met": speedup >= scale_mod.GOAL_CHUNK_SPEEDUP, "key": "chunk-time"})
        extra = c["extra_mb"]["ref"] / c["input_mb"]
        rows.append({"n": 5, "what": "chunk_tokens: extra memory / input size",
                     "measured": f"{_ratio(extra)} ({_mb(c['extra_mb']['ref'])})",
                     "goal": f"<= {scale_mod.GOAL_MEMORY:g}x",
                     "met": extra <= scale_mod.GOAL_MEMORY, "key": "chunk-memory"})
    checks = [sc[k]["check"].get("float32") for k in ("xent", "adamw")
              if sc.get(k) and "check" in sc[k]]
    if checks:
        rows.append({"n": 5, "what": "no silent upcast: float32 in, float32 out (asserted)",
                     "measured": "float32" if all(checks) else "float64 found",
                     "goal": "float32 stays float32", "met": all(checks), "key": "upcast"})
    gpu = r.get("gpu") or {}
    if "skipped" in gpu or "error" in gpu:
        rows.append({"n": 6, "what": "torch track on a GPU vs built-ins",
                     "measured": "not run: " + (gpu.get("skipped") or gpu.get("error")),
                     "goal": "measured on a GPU", "met": None, "key": "gpu"})
    for row in gpu.get("rows", []):
        rows.append({"n": 6, "what": f"GPU {row['case']}: torch track / {row['builtin']}",
                     "measured": _ratio(row["ratio"]), "goal": "stated", "met": None, "key": ""})
    return rows


# ----------------------------------------------------------------------------- sections
def _machine(r: dict) -> list[str]:
    m = r["machine"]
    start, end = m["load_at_start"], r.get("load_at_end", ("?",) * 3)
    sampled = r.get("load") or {}
    busy = sampled["loaded"] if sampled.get("samples") else (
        loaded(m, start) or (isinstance(end[0], float) and loaded(m, end)))
    rows = [
        ["CPU", f"{m['cpu']}, {m['cores']} cores ({m['cores_usable']} usable)"],
        ["memory", f"{m['memory_gib']} GiB (cgroup limits: {m['cgroup_limits']})"],
        ["OS, Python", f"{m['os']}, Python {m['python']} (grading as {m['user']})"],
        ["numpy, torch", f"numpy {m['numpy']}, torch {m['torch']} ({m['torch_threads']} "
                         "threads)"],
        ["hypothesis, otter-grader", f"{m['hypothesis']}, {m['otter_grader']}"],
        ["GPU", m["gpu"]],
        ["load average at start (1, 5, 15 min)", " / ".join(f"{x:g}" for x in start)],
        ["load average at end", " / ".join(f"{x:g}" if isinstance(x, float) else str(x)
                                           for x in end)],
    ]
    if sampled.get("samples"):
        rows.append(["other processes' CPU use over the run (sampled every "
                     f"{sampled['every_s']:g} s, {sampled['samples']} samples)",
                     f"mean {sampled['mean_cores']:g}, 90th percentile {sampled['p90_cores']:g},"
                     f" largest {sampled['max_cores']:g} cores"])
    lines = ["## The machine", ""] + _table(["", ""], rows)
    if busy:
        why = ("processes other than the bench's used a tenth of the machine on average, or "
               "a quarter of it for a tenth of the run" if sampled.get("samples") else
               f"load average above {LOADED:g} per core")
        lines += ["", f"**The machine was loaded** ({why}): other processes shared the cores, "
                      "so absolute times are pessimistic and the ratios, measured side by side "
                      "in turns, are the figures to read."]
    elif sampled.get("samples"):
        lines += ["", "The machine was not loaded: processes other than the bench's used under "
                      "a tenth of it on average over the run."]
    return lines


def _latency(r: dict) -> list[str]:
    lat = r.get("latency")
    lines = ["## 1. Grading latency of one correct submission", ""]
    if not lat or "error" in lat:
        return lines + [f"Not measured: {(lat or {}).get('error', 'not run')}."]
    rows = []
    for c in lat["cases"]:
        walls = ", ".join(f"{run['wall_s']:.1f}" for run in c["runs"])
        rows.append([c["label"], c["cores"], len(c["runs"]), _s(c["median_s"]), walls,
                     _mb(c["peak_sum_mb"]), _mb(c["largest_mb"]),
                     "100/100" if c["ok"] else f"scores {c['scores']}"])
    lines += _table(["command", "cores", "runs", "median", "each run (s)",
                     "peak memory (sum)", "largest process", "score"], rows)
    lines += ["", "Whole commands, interpreter start-up included, the commands taking turns. "
              "`otter run` executes the whole solutions notebook and grades otter's public "
              "checks (the `otter-autograder.zip` from `otter generate`): most of its time on the "
              "whole notebook is \"Put it together\" training its models, cells tagged "
              "`skip-grading` that `grade` never runs, so it also runs on the notebook's graded "
              "part (those cells left out: the same functions and checks); `grade` loads the "
              "submission into a sandboxed worker process and runs the public checks and every "
              f"hidden test ({lat.get('budget')} hypothesis examples each, from "
              "otter_config.json). Memory: the sum of each process's peak RSS over the command's "
              "process tree (grader + worker), sampled from /proc every 0.1 s; largest process: "
              "`wait4`'s `ru_maxrss`. One core: `taskset -c "
              f"{lat.get('pinned_core', 0)}` on the whole command (grader and worker share it). "
              "0.5 CPU: the whole command in a cgroup with a CPU quota of half a CPU (50 ms per "
              "100 ms), as Gradescope runs an autograder by default."]
    if lat.get("half_note"):
        lines += ["", f"Half a CPU not measured: {lat['half_note']}."]
    return lines


def _power(r: dict, plot_link: str | None) -> list[str]:
    p = r.get("power")
    lines = ["## 2. Power against time: the example budget", ""]
    if not p or "error" in p:
        return lines + [f"Not measured: {(p or {}).get('error', 'not run')}."]
    s = p["summary"]
    if plot_link:
        lines += [f"![Power against time]({plot_link})", ""]
    rows = []
    for b in p["budgets"]:
        t = p["times"].get(b) or p["times"].get(str(b)) or {}
        missed = s["missed"][b]
        gaps = set(s.get("gaps", ()))
        rows.append([b, f"{100 * s['share'][b]:.1f}% ({s['n_bugs'] - len(missed)}/{s['n_bugs']})",
                     f"{100 * s['share_not_gaps'][b]:.1f}%",
                     _s(t.get("median_s")), _mb(t.get("peak_sum_mb")),
                     ", ".join(f"`{m}`" + (" (known gap)" if m in gaps else "")
                               for m in missed[:6]) + (" ..." if len(missed) > 6 else "") or "-"])
    lines += _table(["examples per test", "bugs caught", "of the bugs not marked as known gaps",
                     "grading time (correct .py)", "peak memory", "missed"], rows)
    lines += ["", f"**Recommended default: {s.get('recommended')} examples per hidden test** "
                  f"({s.get('reason')}; otter_config.json has {p.get('configured')})."]
    if s.get("latency_goal_s"):
        lines += ["", f"The latency a budget may cost here is {s['latency_goal_s']:.3g} s: the "
                      f"10 s goal, and {GOAL_OTTER_RATIO:g}x the `otter run` time of section 1 "
                      "when that is less. The 10 s goal alone would allow "
                      f"{s.get('allowed_by_10s') or 'none'} examples per test (the largest "
                      "measured budget grading within 10 s)."]
    if s.get("full_from") is not None and s.get("recommended") is not None:
        argue = ("neither the catalog (every bug not marked as a gap is caught from "
                 f"{s['full_from']} examples per test) nor the power curve (flat from there) "
                 "argues for a larger budget than the margin gives"
                 if s["recommended"] <= (p.get("configured") or 0) else
                 f"the catalog and the power curve argue for {s['recommended']} examples per "
                 "test, more than otter_config.json's")
        lines += ["", f"Raising the default: {argue}."]
    if s.get("gaps"):
        lines += ["", f"Known gaps ({', '.join(f'`{g}`' for g in s['gaps'])}): bugs the catalog "
                      "marks as missed by the hidden tests on purpose (`verify` requires them to "
                      "keep full marks, so that a closed gap is noticed); the recommendation "
                      "counts the other bugs."]
    if s.get("not_loaded"):
        lines += ["", f"Not judged (the entry did not load): {', '.join(s['not_loaded'])}."]
    lines += ["", "Caught, as `verify` judges it: the bug loses points in its own question. "
              "Only that question's hidden tests run (the others cannot change the verdict), "
              "stopping at the first failing test, without shrinking, through the in-process "
              "student (the engine's semantics, each call limited to "
              f"{p.get('call_timeout_s')} s); one process per bug, {p['catalog']['jobs']} at "
              f"once ({_s(p['catalog']['wall_s'])} for all budgets). Grading time: the whole "
              "`python -m autograder grade` command on the solutions .py (a correct submission "
              "runs every example: the longest grading) from a copy of the grading sources "
              "with that budget in its otter_config.json; one run per budget."]
    return lines


def _suite(r: dict) -> list[str]:
    su = r.get("suite")
    lines = ["## 4. verify and the test suite", ""]
    if not su or "error" in su:
        return lines + [f"Not measured: {(su or {}).get('error', 'not run')}."]
    rows = []
    for key, what in (("verify", "verify"), ("tests", "the test suite")):
        x = su.get(key)
        if x:
            rows.append([what, f"`{x['command']}`", _s(x["wall_s"]),
                         "passed" if x["ok"] else "FAILED",
                         x.get("summary") or (f"{x.get('entries')} entries" if key == "verify"
                                              else "")])
    lines += _table(["what", "command", "wall time", "result", "detail"], rows)
    lines += ["", "One run each, whole commands, from the checkout. `verify` replays the hidden "
              "tests' drawn inputs (autograder/hidden/cases.py) in 2 processes; the test suite "
              "is `make test` without the installs."]
    slowest = (su.get("tests") or {}).get("slowest")
    if slowest:
        lines += ["", "The slowest tests (`--durations=10`):", ""]
        lines += [f"- {t:.1f} s `{name}`" for t, name in slowest]
    return lines


def _batch(r: dict) -> list[str]:
    b = r.get("batch")
    lines = ["## 3. Batch throughput", ""]
    if not b or "error" in b:
        return lines + [f"Not measured: {(b or {}).get('error', 'not run')}."]
    rows = []
    for j, res in sorted(b["jobs"].items(), key=lambda kv: int(kv[0])):
        halves = " + ".join(f"{h:.0f}" for h in res.get("halves_s", []))
        rows.append([f"`--jobs {j}`", f"{_s(res['wall_s'])} ({halves} s)",
                     f"{res['per_minute']:.1f}",
                     _mb(res["peak_together_mb"]), _mb(res["largest_mb"]),
                     f"{res['rows']}/{b['n']}" + ("" if res["ok"] else " (problem)")])
    lines += _table(["command", "wall time (half A + half B)", "submissions / min",
                     "peak memory (together)",
                     "largest process", "rows in the CSV"], rows)
    lines += ["", f"Speed-up of `--jobs 2` over `--jobs 1`: **{_ratio(b['speedup_2_over_1'])}**.",
              "", f"{b['n']} submissions taken evenly from the {b['entries']} entries that "
                  f"`verify` grades (" + ", ".join(f"{v} {k}" for k, v in b["kinds"].items())
              + "), as whole submissions, graded with `python -m autograder grade "
                  f"DIR --csv grades.csv --jobs N` at {b.get('budget')} examples per hidden "
                  f"test{b.get('budget_note', '')}. Two halves, graded in the order (A, "
                  "1 job), (A, 2 jobs), (B, 2 jobs), (B, 1 job), so that a load that changes "
                  "during the run weighs on both alike. Memory: the largest sum of the RSS of "
                  "all the batch's processes seen in one sample (every 0.1 s)."]
    if b["n"] != 100 or b.get("budget_note"):
        j2 = b["jobs"].get(2) or b["jobs"].get("2")
        lat = latency_mod.find(r.get("latency") or {}, "grade", ".py")
        estimate = ""
        if j2 and lat and b.get("speedup_2_over_1"):
            minutes = 100 * lat["median_s"] * (1 + 1 / b["speedup_2_over_1"]) / 60
            estimate = (f" (about {minutes:.0f} min here for both runs, from section 1's "
                        "grading time)")
        lines += ["", "The issue's 100 submissions at the configured budget: `python -m "
                      "autograder.bench --only batch --batch-size 100 --batch-examples 0`"
                      + estimate + "; `make bench` keeps the run to minutes."]
    return lines


def _cluster(r: dict) -> list[str]:
    c = r.get("cluster")
    lines = ["## 7. Batch grading on a dask cluster", ""]
    if not c or "error" in c:
        return lines + [f"Not measured: {(c or {}).get('error', 'not run')}."]
    rows = []
    for w, res in sorted(c["workers"].items(), key=lambda kv: int(kv[0])):
        rate = res.get("per_minute")
        rows.append([f"`--scheduler local:{w}`", _s(res["wall_s"]),
                     f"{res['per_minute_wall']:.1f}", f"{rate:.1f}" if rate else "-",
                     _mb(res["peak_together_mb"]),
                     f"{res['rows']}/{c['n']}" + ("" if res["ok"] else " (problem)")])
    here = c.get("local_batch")
    if here:
        rows.insert(0, [f"`--jobs {here['jobs']}` (no dask: the baseline)", _s(here["wall_s"]),
                        f"{here['per_minute_wall']:.1f}", "-", "-",
                        "-" if here["ok"] else "(problem)"])
    lines += _table(["command", "wall time", "submissions / min (command)",
                     "submissions / min (grading)", "peak memory (together)",
                     "rows in the CSV"], rows)
    if here:
        same = [w for w, res in c["workers"].items() if res.get("same_csv")]
        lines += ["", f"The CSV of every cluster run is byte-identical to `--jobs "
                      f"{here['jobs']}`'s: " + ("yes." if len(same) == len(c["workers"]) else
                                                f"**no** (identical: local:{', '.join(same)})."),
                  ]
    o = c["overhead"]
    per_task_ms, trip_ms = 1000 * o["per_task_s"], 1000 * o["round_trip_s"]
    lines += ["", f"{c['n']} submissions of the verify catalog, graded with `python -m "
                  "autograder grade DIR --csv grades.csv --scheduler local:N` (N dask worker "
                  f"processes on this machine) at {c.get('budget')} examples per hidden test. "
                  "'command': the whole command, the local cluster's start included; "
                  "'grading': the rate its summary reports (from the first submission sent to "
                  "the last result).", "",
              f"The scheduler's overhead: **{per_task_ms:.2f} ms per task** ({o['tasks']} tasks "
              f"that do nothing, sent at once to one worker process); one task's round trip "
              f"{trip_ms:.1f} ms."]
    rates = [res["per_minute"] for res in c["workers"].values() if res.get("per_minute")]
    if rates and o["per_task_s"] > 0:
        best, limit = max(rates), 60 / o["per_task_s"]
        lines += ["", f"N machines like this one grade about N x {best:.0f} submissions a "
                      "minute (each grading runs on its worker's machine; the client only "
                      "writes the results): the scheduler, at about "
                      f"{limit:,.0f} tasks a minute, would be the limit only past about "
                      f"{limit / best:,.0f} such machines. The network adds a submission's "
                      "bytes (a notebook) and its results.json per task."]
    return lines


def _scale(r: dict) -> list[str]:
    sc = r.get("scale")
    lines = ["## 5. The reference at GPT-2 scale against PyTorch (CPU, same process; figures, "
             "no longer a goal)", ""]
    if not sc:
        return lines + ["Not measured."]
    for case, c in sc.items():
        if "error" in c:
            lines += [f"- {case}: not measured: {c['error']}", ""]
    names = {"xent": "`cross_entropy` + `cross_entropy_grad` vs `F.cross_entropy` fwd + bwd",
             "adamw": "`adamw_step(max_grad_norm=1.0)` vs `clip_grad_norm_` + "
                      "`AdamW(foreach=True).step()`"}
    rows = []
    for case in ("xent", "adamw"):
        c = sc.get(case)
        if not c or "error" in c:
            continue
        med, extra = c["median_s"], c["extra_mb"]
        best, _ = best_torch(c)
        shape = (f"logits {tuple(c['shape']['logits'])}" if case == "xent" else
                 f"{c['shape']['parameters']:,} params in {c['shape']['arrays']} arrays")
        rows.append([names[case], f"{shape}, float32 ({_mb(c['input_mb'])})", _s(med["ref"]),
                     f"{_s(med['torch'])} ({c.get('torch_threads', '?')} threads)",
                     _s(med.get("torch, 1 thread")), f"**{_ratio(med['ref'] / best)}**",
                     f"{_mb(extra['ref'])} ({_ratio(extra['ref'] / c['input_mb'])})",
                     _mb(extra.get("torch"))])
    if rows:
        lines += _table(["case", "input", "reference", "PyTorch", "PyTorch, 1 thread",
                         "reference / faster PyTorch", "reference extra memory (/ input)",
                         "PyTorch extra memory"], rows) + [""]
    c = sc.get("chunk")
    if c and "error" not in c:
        med, extra = c["median_s"], c["extra_mb"]
        lines += _table(
            ["case", "input", "reference", "plain Python", "one copy of the output (floor)",
             "speed-up over plain Python", "reference / floor", "extra memory (/ input): "
             "reference, plain Python"],
            [[f"`chunk_tokens(docs, {c['shape']['block_size']}, eos_id={scale_mod.EOS})`",
              f"{c['shape']['tokens']:,} int64 tokens in {c['shape']['documents']:,} 1-D "
              f"arrays ({_mb(c['input_mb'])})", _s(med["ref"]), _s(med["python"]),
              _s(med["floor"]), f"**{med['python'] / med['ref']:.0f}x**",
              _ratio(med["ref"] / med["floor"]),
              f"{_mb(extra['ref'])} ({_ratio(extra['ref'] / c['input_mb'])}), "
              f"{_mb(extra.get('python'))} "
              f"({_ratio(extra.get('python', float('nan')) / c['input_mb'])})"]]) + [""]
    checks = []
    for case, c in sc.items():
        if "check" in c:
            checks.append(f"{case}: " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else
                                                  f"{k} {v}" for k, v in c["check"].items()))
    rounds = {case: len(c["times"]["ref"]) for case, c in sc.items() if "times" in c}
    lines += ["Agreement with PyTorch (or plain Python) and dtypes, first round: "
              + "; ".join(checks) + ".", "",
              "The numpy side of xent and adamw is the memory-lean version in "
              "`autograder/bench/lean.py`: the reference's numbers (checked by "
              "`tests/test_bench.py`) with in-place updates of its own temporaries; "
              "`reference/` itself is written as the lecture's formulas, one new array per "
              "step, for students to read.", "",
              "Medians of " + ", ".join(f"{n} rounds ({case})" for case, n in rounds.items())
              + ", the implementations taking turns in one fresh process per case (plain "
              "Python: one run); adamw and chunk after one untimed call of each. PyTorch runs "
              "with its default threads and with one; the numpy reference runs on one thread. "
              "Extra memory: peak RSS during one call minus RSS just before it (VmHWM reset "
              "through /proc/self/clear_refs after `malloc_trim`), outputs included, in a "
              "fresh process per implementation (PyTorch after one warm-up call). The "
              "documents are 1-D int64 arrays of lognormal lengths (views of one array, as a "
              "tokenizer's numpy output); on Python lists of ints every implementation pays "
              "for converting each token, and the reference gains little over plain Python."]
    return lines


def _gpu(r: dict) -> list[str]:
    g = r.get("gpu") or {}
    lines = ["## 6. The torch track on a GPU", ""]
    if "skipped" in g or "error" in g:
        return lines + [f"**Skipped: {g.get('skipped') or g.get('error')}.** The code path is "
                        "`autograder/bench/gpu.py` (torch-track reference vs `F.cross_entropy`, "
                        "`F.scaled_dot_product_attention` and fused `torch.optim.AdamW` on CUDA, "
                        "tensors kept on the device, CUDA events with "
                        "`torch.cuda.synchronize`); `make bench` runs it where "
                        "`torch.cuda.is_available()`, and the smoke test runs it on the CPU at "
                        "tiny sizes."]
    rows = [[row["case"], row["shape"], _s(row["ref_s"]), f"{_s(row['builtin_s'])} "
             f"({row['builtin']})", _ratio(row["ratio"]), _mb(row["ref_peak_mb"]),
             _mb(row["builtin_peak_mb"])] for row in g.get("rows", [])]
    return lines + [f"Device: {g.get('device')}, torch {g.get('torch')}.", ""] + _table(
        ["case", "size", "torch track", "built-in", "ratio", "torch track peak memory",
         "built-in peak memory"], rows)


def _budget_time(r: dict, budget) -> str:
    times = (r.get("power") or {}).get("times") or {}
    t = times.get(budget) or times.get(str(budget))
    return _s(t["median_s"]) if t else "n/a"


def gap_note(key: str, r: dict) -> str:
    """What would close the gap of an unmet goal (some of it from the other measurements)."""
    summary = (r.get("power") or {}).get("summary") or {}
    full = summary.get("full_from")
    load = r["machine"]["load_at_start"][0]
    shared = (f" The machine was shared (load average {load:g} on "
              f"{r['machine']['cores_usable']} cores at the start), which inflates every "
              "absolute time here." if loaded(r["machine"], r["machine"]["load_at_start"]) else "")
    if key in ("latency", "latency1"):
        lever = (f" At {full} examples per test, the smallest budget that catches every "
                 f"catalogued bug (section 2), grading took {_budget_time(r, full)}." if full
                 else "")
        return ("Hypothesis draws each hidden test's inputs once, when the grader is built "
                "(autograder/hidden/cases.py), and a grading replays them: what is left is the "
                "calls into the worker (one round trip per call) and the interpreter's start "
                "(section 2 shows how it grows with the budget)." + lever + shared)
    if key == "otter":
        return ("`otter run` runs the notebook and otter's public checks only; `grade` also "
                "runs every hidden test (see the latency note)." + shared)
    if key == "otter-graded":
        times = (r.get("power") or {}).get("times") or {}
        smallest = min((int(b) for b in times), default=None)
        at = (f" At {smallest} examples per test grading took {_budget_time(r, smallest)} "
              "(section 2)." if smallest is not None else "")
        return ("On the graded part, `otter run` starts a kernel, runs the function cells and "
                "otter's public checks; `grade` runs the public checks and every hidden test. "
                "A test's calls are pipelined (a few sent ahead, answered while the grader "
                "checks the previous reply), so what is left is the grader's own work per call "
                "(encoding the inputs, decoding and checking the reply: about 3,800 calls for a "
                "correct submission at 50 examples) and the fixed start (the interpreter, its "
                "imports, reading the notebook; the worker loads meanwhile). On half a CPU the "
                "worker cannot run ahead: the CPU time of both processes is what counts." + at
                + " Fewer examples would meet this ratio at the cost of the margin for bugs "
                "outside the catalog." + shared)
    if key == "tests":
        return ("The slowest tests are listed by `python -m pytest --durations=20`; the "
                "end-to-end ones (Gradescope's setup.sh, the classroom workflow, the isolation "
                "modes) start real processes." + shared)
    if key == "verify":
        return "verify must pass: its report names the entries that failed."
    if key == "power":
        return ("No measured budget catches every catalogued bug: sharpen the tests that miss "
                "them (section 2 names them) rather than raise the budget.")
    if key == "batch":
        return ("Each submission keeps a grader and a worker busy side by side (the worker "
                "answers the calls sent ahead while the grader checks the previous reply), "
                "more than one core in all for a correct one, so two jobs on two cores give "
                "less than 2x: compare the submissions per minute (section 3) across runs, "
                "not only this ratio." + shared + " With more cores than jobs the figure comes "
                "closer to 2x; nothing in the batch command serializes the jobs.")
    if key == "xent-time":
        return ("Most of the reference's time is its two passes of `np.exp` over the (N, V) "
                "logits (one in `cross_entropy`, one in `cross_entropy_grad`, as the two "
                "functions of the spec are called separately): numpy's float32 exp costs about "
                "4 ns per element here against about 2 ns for PyTorch's, one thread each, and "
                "PyTorch runs its passes on every core (compare the 'PyTorch, 1 thread' "
                "column). A faster exp (a numpy built with SVML/AVX-512, or numexpr) or threads "
                "would close it; the reference keeps plain numpy.")
    if key == "adamw-time":
        return ("The update is memory-bound. The reference must write three new arrays (params, "
                "m, v: the spec leaves the inputs unchanged) and a clipped copy of the gradients, "
                "and numpy makes one pass over memory per operation on one thread, about 155 "
                "bytes moved per parameter; torch's foreach AdamW updates in place with fused "
                "kernels (lerp, addcmul, addcdiv: about 90 bytes per parameter) on every core. "
                "Closing the gap needs an in-place API (the torch track's `adamw_step_torch_` "
                "is that), fused kernels (numexpr, numba) or threads: each would hide the "
                "formula the lecture shows, so the reference stays as it is.")
    if key == "chunk-time":
        return "The plain-Python baseline converts every token to a Python object."
    if key.endswith("-memory"):
        return ("The numpy version allocates more than it should: look for (N, V)-sized "
                "temporaries in `autograder/bench/lean.py`.")
    if key == "upcast":
        return ("A float64 array appeared: an operation mixes in a float64 array or a numpy "
                "float64 scalar (Python floats keep float32).")
    if key == "gpu":
        return "Run `make bench` on a machine with a CUDA GPU: the same code measures it."
    return ""


def render(r: dict, plot_link: str | None) -> str:
    m = r["machine"]
    lines = ["# Benchmarks", "",
             f"Written by `make bench` (`python -m autograder.bench`) on {r['date']} in "
             f"{r['duration_s'] / 60:.1f} min; run it again to refresh this page. Medians, and "
             "ratios of figures measured side by side in the same run: absolute times are "
             "noisy on a shared machine.", ""]
    if r.get("options"):
        lines += [f"Options: `{r['options']}`.", ""]
    gs = goals(r)
    lines += ["## Goals", ""]
    lines += _table(["#", "measurement", "measured", "goal", "met"],
                    [[g["n"], g["what"], g["measured"], g["goal"], _met(g["met"])] for g in gs])
    unmet = [g for g in gs if g["met"] is False or (g["met"] is None and g["key"] == "gpu")]
    if unmet:
        lines += ["", "Goals not met, and what would close the gap:", ""]
        for g in unmet:
            note = gap_note(g["key"], r)
            lines.append(f"- {g['what']}: {g['measured']}." + (f" {note}" if note else ""))
    lines += [""] + _machine(r) + [""] + _latency(r) + [""] + _power(r, plot_link) + [""]
    lines += _batch(r) + [""] + _suite(r) + [""]
    if r.get("scale"):
        lines += _scale(r) + [""]
    lines += _gpu(r) + [""]
    lines += _cluster(r) + [""]
    del m
    return "\n".join(lines)


def write(r: dict, path: Path, plot: Path | None) -> Path:
    link = None
    if plot is not None and plot.exists():
        try:
            link = plot.relative_to(path.parent).as_posix()
        except ValueError:
            link = plot.as_posix()
    path.write_text(render(r, link), encoding="utf-8")
    return path


__all__ = ["render", "write", "goals", "median"]
