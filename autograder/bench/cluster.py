"""Batch grading on a dask cluster: submissions per minute against the number of dask worker
processes, and the scheduler's overhead per task (how far more machines would carry it).

* Throughput: one folder of submissions (the verify catalog's, spread evenly, as
  :mod:`.batch` picks them) graded with ``python -m autograder grade DIR --csv ... --scheduler
  local:N`` for each N: the command's wall time (the local cluster's start included) and the
  rate its summary reports (from the first submission sent to the last result). The same
  folder graded by the local batch (``--jobs 2``, no dask) first: the baseline that says what
  dask costs on one machine, and the CSV every cluster run must reproduce byte for byte.
* Overhead: ``tasks`` tasks that do nothing, sent at once through a scheduler to one worker
  process (the time per task is what the scheduler and the transport cost each submission), and
  one at a time (a task's round trip).

N machines of W worker processes each grade about N times one machine's rate, until the
scheduler's own rate (1 / the overhead per task) is reached.
"""
from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path
from typing import Sequence

from autograder.bench import procs
from autograder.bench.batch import csv_rows, pick
from autograder.paths import ROOT

RATE = re.compile(r"(\d+) submission\(s\) graded in ([\d.]+) s \(([\d.]+) submissions a minute\)")


def noop(i: int) -> int:
    """A task that does nothing (its time is the scheduler's and the transport's)."""
    return i


def overhead(tasks: int = 500, round_trips: int = 50) -> dict:
    """Seconds per no-op task through a local scheduler and one worker process: sent at once
    (the scheduler's throughput) and one at a time (a round trip)."""
    import logging

    from distributed import Client, LocalCluster, wait

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        client.submit(noop, -1, pure=False).result()  # the worker has imported this module
        started = time.perf_counter()
        futures = client.map(noop, range(tasks), pure=False)
        wait(futures)
        batch_s = time.perf_counter() - started
        del futures
        started = time.perf_counter()
        for i in range(round_trips):
            client.submit(noop, i, pure=False).result()
        trip_s = time.perf_counter() - started
    return {"tasks": tasks, "per_task_s": batch_s / tasks, "round_trips": round_trips,
            "round_trip_s": trip_s / round_trips}


def _grade(folder: Path, workers: int, work: Path, root: Path) -> dict:
    out = work / f"grades-local{workers}.csv"
    log = work / f"log-local{workers}.txt"
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(out),
           "--scheduler", f"local:{workers}", "--results-dir", str(work / f"results-{workers}")]
    run = procs.run(cmd, cwd=root, log=log)
    rows = csv_rows(out)
    found = RATE.search(log.read_text(encoding="utf-8", errors="replace"))
    unfinished = [r["submission"] for r in rows if "did not finish" in (r.get("note") or "")]
    return {"wall_s": run.wall_s, "per_minute_wall": 60 * len(rows) / run.wall_s,
            "grading_s": float(found.group(2)) if found else None,
            "per_minute": float(found.group(3)) if found else None,
            "peak_together_mb": run.peak_together_mb, "rows": len(rows),
            "unfinished": unfinished,
            "ok": run.returncode == 0 and not unfinished and found is not None}


def _grade_here(folder: Path, jobs: int, work: Path, root: Path) -> dict:
    """The same folder graded by the local batch (``--jobs``, no dask): the baseline."""
    out = work / f"grades-jobs{jobs}.csv"
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(out),
           "--jobs", str(jobs), "--results-dir", str(work / f"results-jobs{jobs}")]
    run = procs.run(cmd, cwd=root, log=work / f"log-jobs{jobs}.txt")
    return {"jobs": jobs, "wall_s": run.wall_s,
            "csv": out.read_bytes() if out.is_file() else b"",
            "per_minute_wall": 60 * len(csv_rows(out)) / run.wall_s,
            "ok": run.returncode == 0}


def measure(entries: Sequence, work: Path, *, n: int = 24, workers: Sequence[int] = (1, 2, 4),
            tasks: int = 500, root: Path = ROOT) -> dict:
    """``n`` submissions graded on a local cluster of each number of ``workers``, and by the
    local batch with ``--jobs 2`` (the baseline, and its CSV is the one every cluster run must
    write); the scheduler's overhead over ``tasks`` no-op tasks."""
    folder = work / "submissions"
    folder.mkdir(parents=True, exist_ok=True)
    for i, entry in enumerate(pick(entries, n)):
        shutil.copy(entry.path, folder / f"{i:03d}-{entry.path.name}")
    here = _grade_here(folder, 2, work, root)
    runs = {w: _grade(folder, w, work, root) for w in workers}
    for w, res in runs.items():
        res["same_csv"] = (work / f"grades-local{w}.csv").read_bytes() == here["csv"] \
            if (work / f"grades-local{w}.csv").is_file() else False
    here.pop("csv")
    return {"n": n, "workers": runs, "local_batch": here,
            "overhead": overhead(tasks, max(5, tasks // 10))}
