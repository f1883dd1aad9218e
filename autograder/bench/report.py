"""BENCHMARKS.md from the measurements: the machine, the goals, one table per measurement."""
from __future__ import annotations

from pathlib import Path

from autograder.bench import latency as latency_mod
from autograder.bench import scale as scale_mod
from autograder.bench.goals import (GOAL_OTTER_RATIO, LOADED, best_torch, gap_note, goals,
                                    loaded, show_mb, show_ratio, show_s)


def _met(ok) -> str:
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _section(key: str, title: str):
    """A section of measurement ``key``: its heading, then ``body(measured, r, ...)``'s lines, or
    why it was not measured (the measurement missing, or its ``error``)."""
    def wrap(body):
        def section(r: dict, *args) -> list[str]:
            measured = r.get(key)
            lines = [f"## {title}", ""]
            if not measured or "error" in measured:
                return lines + [f"Not measured: {(measured or {}).get('error', 'not run')}."]
            return lines + body(measured, r, *args)
        return section
    return wrap


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


@_section("latency", "1. Grading latency of one correct submission")
def _latency(lat: dict, r: dict) -> list[str]:
    rows = []
    for c in lat["cases"]:
        walls = ", ".join(f"{run['wall_s']:.1f}" for run in c["runs"])
        rows.append([c["label"], c["cores"], len(c["runs"]), show_s(c["median_s"]), walls,
                     show_mb(c["peak_sum_mb"]), show_mb(c["largest_mb"]),
                     "100/100" if c["ok"] else f"scores {c['scores']}"])
    lines = _table(["command", "cores", "runs", "median", "each run (s)",
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


@_section("power", "2. Power against time: the example budget")
def _power(p: dict, r: dict, plot_link: str | None) -> list[str]:
    s, lines = p["summary"], []
    if plot_link:
        lines += [f"![Power against time]({plot_link})", ""]
    rows = []
    for b in p["budgets"]:
        t = p["times"].get(b) or p["times"].get(str(b)) or {}
        missed = s["missed"][b]
        gaps = set(s.get("gaps", ()))
        rows.append([b, f"{100 * s['share'][b]:.1f}% ({s['n_bugs'] - len(missed)}/{s['n_bugs']})",
                     f"{100 * s['share_not_gaps'][b]:.1f}%",
                     show_s(t.get("median_s")), show_mb(t.get("peak_sum_mb")),
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
              f"once ({show_s(p['catalog']['wall_s'])} for all budgets). Grading time: the whole "
              "`python -m autograder grade` command on the solutions .py (a correct submission "
              "runs every example: the longest grading) from a copy of the grading sources "
              "with that budget in its otter_config.json; one run per budget."]
    return lines


@_section("suite", "4. verify and the test suite")
def _suite(su: dict, r: dict) -> list[str]:
    rows = []
    for key, what in (("verify", "verify"), ("tests", "the test suite")):
        x = su.get(key)
        if x:
            rows.append([what, f"`{x['command']}`", show_s(x["wall_s"]),
                         "passed" if x["ok"] else "FAILED",
                         x.get("summary") or (f"{x.get('entries')} entries" if key == "verify"
                                              else "")])
    lines = _table(["what", "command", "wall time", "result", "detail"], rows)
    lines += ["", "One run each, whole commands, from the checkout. `verify` replays the hidden "
              "tests' drawn inputs (autograder/hidden/cases.py) in 2 processes; the test suite "
              "is `make test` without the installs."]
    slowest = (su.get("tests") or {}).get("slowest")
    if slowest:
        lines += ["", "The slowest tests (`--durations=10`):", ""]
        lines += [f"- {t:.1f} s `{name}`" for t, name in slowest]
    return lines


@_section("batch", "3. Batch throughput")
def _batch(b: dict, r: dict) -> list[str]:
    rows = []
    for j, res in sorted(b["jobs"].items(), key=lambda kv: int(kv[0])):
        halves = " + ".join(f"{h:.0f}" for h in res.get("halves_s", []))
        rows.append([f"`--jobs {j}`", f"{show_s(res['wall_s'])} ({halves} s)",
                     f"{res['per_minute']:.1f}",
                     show_mb(res["peak_together_mb"]), show_mb(res["largest_mb"]),
                     f"{res['rows']}/{b['n']}" + ("" if res["ok"] else " (problem)")])
    lines = _table(["command", "wall time (half A + half B)", "submissions / min",
                     "peak memory (together)",
                     "largest process", "rows in the CSV"], rows)
    lines += ["", "Speed-up of `--jobs 2` over `--jobs 1`: "
              f"**{show_ratio(b['speedup_2_over_1'])}**.",
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


@_section("cluster", "7. Batch grading on a dask cluster")
def _cluster(c: dict, r: dict) -> list[str]:
    rows = []
    for w, res in sorted(c["workers"].items(), key=lambda kv: int(kv[0])):
        rate = res.get("per_minute")
        rows.append([f"`--scheduler local:{w}`", show_s(res["wall_s"]),
                     f"{res['per_minute_wall']:.1f}", f"{rate:.1f}" if rate else "-",
                     show_mb(res["peak_together_mb"]),
                     f"{res['rows']}/{c['n']}" + ("" if res["ok"] else " (problem)")])
    here = c.get("local_batch")
    if here:
        rows.insert(0, [f"`--jobs {here['jobs']}` (no dask: the baseline)", show_s(here["wall_s"]),
                        f"{here['per_minute_wall']:.1f}", "-", "-",
                        "-" if here["ok"] else "(problem)"])
    lines = _table(["command", "wall time", "submissions / min (command)",
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
        rows.append([names[case], f"{shape}, float32 ({show_mb(c['input_mb'])})",
                     show_s(med["ref"]),
                     f"{show_s(med['torch'])} ({c.get('torch_threads', '?')} threads)",
                     show_s(med.get("torch, 1 thread")), f"**{show_ratio(med['ref'] / best)}**",
                     f"{show_mb(extra['ref'])} ({show_ratio(extra['ref'] / c['input_mb'])})",
                     show_mb(extra.get("torch"))])
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
              f"arrays ({show_mb(c['input_mb'])})", show_s(med["ref"]), show_s(med["python"]),
              show_s(med["floor"]), f"**{med['python'] / med['ref']:.0f}x**",
              show_ratio(med["ref"] / med["floor"]),
              f"{show_mb(extra['ref'])} ({show_ratio(extra['ref'] / c['input_mb'])}), "
              f"{show_mb(extra.get('python'))} "
              f"({show_ratio(extra.get('python', float('nan')) / c['input_mb'])})"]]) + [""]
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
    rows = [[row["case"], row["shape"], show_s(row["ref_s"]), f"{show_s(row['builtin_s'])} "
             f"({row['builtin']})", show_ratio(row["ratio"]), show_mb(row["ref_peak_mb"]),
             show_mb(row["builtin_peak_mb"])] for row in g.get("rows", [])]
    return lines + [f"Device: {g.get('device')}, torch {g.get('torch')}.", ""] + _table(
        ["case", "size", "torch track", "built-in", "ratio", "torch track peak memory",
         "built-in peak memory"], rows)


def render(r: dict, plot_link: str | None) -> str:
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
